using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;

namespace Pure;

/// <summary>
/// Inverted dropout on the hidden layers: during training, each hidden activation a^[l]_ij is kept with probability
/// 1 - p_l and scaled by 1/(1 - p_l), or set to 0 (A^[l] = M^[l] ⊙ σ(Z^[l])); never on the output layer, and never in
/// <see cref="Backprop.Predict{T}"/>. Either one rate for every hidden layer or one rate per hidden layer.
/// </summary>
public sealed record Dropout
{
    private readonly ValueArray<double> _rates;

    /// <summary>One rate p in [0, 1) for every hidden layer.</summary>
    public Dropout(double rate) => Rates = [rate];

    /// <summary>One rate p_l in [0, 1) per hidden layer, in order (a single rate applies to every hidden layer).</summary>
    public Dropout(IReadOnlyList<double> rates)
    {
        ArgumentNullException.ThrowIfNull(rates);
        Rates = [.. rates];
    }

    /// <summary>The rates p_l in [0, 1): one for every hidden layer, or one per hidden layer; equality compares them by value.</summary>
    public ImmutableArray<double> Rates
    {
        get => _rates.Items;
        init
        {
            if (value.IsDefaultOrEmpty) throw new ArgumentException("Expected at least one dropout rate, got none.", nameof(Rates));
            for (int i = 0; i < value.Length; i++) Guard.InUnitInterval(value[i], $"{nameof(Rates)}[{i}]");
            _rates = value;
        }
    }

    /// <summary>p_l, the rate of layer <paramref name="layer"/> (1-based, 1..L-1) of a network with <paramref name="hiddenLayers"/> = L - 1 hidden layers.</summary>
    public double RateOf(int layer, int hiddenLayers)
    {
        if (layer < 1 || layer > hiddenLayers)
            throw new ArgumentOutOfRangeException(nameof(layer), $"Expected a hidden layer from 1 to {hiddenLayers}, got {layer}.");
        return Rates.Length == 1 ? Rates[0] : Rates[layer - 1];
    }

    /// <summary>Throws unless the rates fit a network with <paramref name="hiddenLayers"/> hidden layers.</summary>
    internal void Check(int hiddenLayers, string parameterName)
    {
        if (Rates.Length != 1 && Rates.Length != hiddenLayers)
            throw new ArgumentException($"Expected {parameterName} to have one rate or one per hidden layer ({hiddenLayers}), got {Rates.Length}.", parameterName);
        if (hiddenLayers == 0 && Rates[0] != 0)
            throw new ArgumentException($"Expected a network with hidden layers for {parameterName} (dropout never applies to the output layer), got a network without.", parameterName);
    }

    /// <summary>The rates separated by commas, each in round-trip form ("0.2" or "0.2,0.1"); <see cref="Parse"/> reads it back.</summary>
    public override string ToString() => string.Join(",", Rates.Select(rate => rate.ToString("R", CultureInfo.InvariantCulture)));

    /// <summary>Reads "0.2" (one rate for every hidden layer) or "0.2,0.1" (one per hidden layer).</summary>
    public static Dropout Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(',');
        var rates = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!double.TryParse(parts[i].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out rates[i]))
                throw new FormatException($"Expected dropout rates like 0.2 or 0.2,0.1, got '{text}'.");
        return new Dropout(rates);
    }
}

/// <summary>
/// A fixed dropout mask: M^[l] for every hidden layer l = 1..L-1, n_l x m, entries 0 or 1/(1 - p_l) when drawn by
/// <see cref="DropoutMask.Draw{T}"/>. The forward pass computes A^[l] = M^[l] ⊙ σ(Z^[l]) on hidden layers; for a fixed
/// mask the cost is a differentiable function of the parameters, and BP2 becomes δ^[l] = σ'(Z^[l]) ⊙ M^[l] ⊙ (W^[l+1])^T δ^[l+1].
/// </summary>
/// <param name="Layers">M^[1], ..., M^[L-1], with the same number of columns m; entries finite.</param>
public sealed record DropoutMask<T>(ImmutableArray<ImmutableMatrix<T>> Layers) where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ValueArray<ImmutableMatrix<T>> _layers = Check(Layers);

    /// <summary>M^[1], ..., M^[L-1]; equality compares them in order, by value.</summary>
    public ImmutableArray<ImmutableMatrix<T>> Layers { get => _layers.Items; init => _layers = Check(value); }

    private static ImmutableArray<ImmutableMatrix<T>> Check(ImmutableArray<ImmutableMatrix<T>> layers)
    {
        if (layers.IsDefault) throw new ArgumentNullException(nameof(Layers));
        for (int l = 0; l < layers.Length; l++)
        {
            ArgumentNullException.ThrowIfNull(layers[l], $"{nameof(Layers)}[{l}]");
            Guard.Finite(layers[l], $"{nameof(Layers)}[{l}]");
            if (layers[l].Columns != layers[0].Columns)
                throw new ArgumentException($"Expected every mask to have {layers[0].Columns} columns (one per sample), got {layers[l].Shape} for layer {l + 1}.", nameof(Layers));
        }
        return layers;
    }

    /// <summary>Throws unless this mask fits <paramref name="network"/> on m samples: M^[l] is n_l x m for l = 1..L-1.</summary>
    internal void CheckFits(Network<T> network, int m, string parameterName)
    {
        int hidden = network.Layers.Length - 1;
        if (Layers.Length != hidden)
            throw new ArgumentException($"Expected {parameterName} to have one mask per hidden layer ({hidden}), got {Layers.Length}.", parameterName);
        for (int l = 0; l < hidden; l++)
            if (Layers[l].Rows != network.Layers[l].OutputSize || Layers[l].Columns != m)
                throw new ArgumentException($"Expected the mask of layer {l + 1} in {parameterName} to be {network.Layers[l].OutputSize} x {m}, got {Layers[l].Shape}.", parameterName);
    }
}

/// <summary>Draws dropout masks from explicit keys.</summary>
public static class DropoutMask
{
    /// <summary>
    /// The mask of training step (<paramref name="epoch"/>, <paramref name="step"/>) of a run with seed
    /// <paramref name="seed"/>: M^[l] (n_l x m, l = 1..L-1) has entries 0 with probability p_l and 1/(1 - p_l)
    /// otherwise, drawn column by column from the stream of the key (seed, epoch, step, l) alone, so a layer's mask
    /// depends neither on the other layers nor on the thread count. A layer with p_l = 0 gets all ones, without drawing.
    /// </summary>
    /// <param name="dropout">The rates.</param>
    /// <param name="layerSizes">n_0, n_1, ..., n_L (<see cref="Network{T}.LayerSizes"/>).</param>
    /// <param name="sampleCount">m, at least 1.</param>
    /// <param name="seed">The run's seed.</param>
    /// <param name="epoch">The epoch number.</param>
    /// <param name="step">The step (mini-batch) number within the epoch, from 1 in <see cref="Training"/>.</param>
    public static DropoutMask<T> Draw<T>(Dropout dropout, IReadOnlyList<int> layerSizes, int sampleCount, int seed, int epoch, int step)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(dropout);
        ArgumentNullException.ThrowIfNull(layerSizes);
        if (layerSizes.Count < 2)
            throw new ArgumentException($"Expected layerSizes n_0, ..., n_L with L ≥ 1, got {layerSizes.Count} sizes.", nameof(layerSizes));
        for (int i = 0; i < layerSizes.Count; i++) Guard.Positive(layerSizes[i], $"{nameof(layerSizes)}[{i}]");
        Guard.Positive(sampleCount, nameof(sampleCount));
        int hidden = layerSizes.Count - 2;
        dropout.Check(hidden, nameof(dropout));
        var layers = new ImmutableMatrix<T>[hidden];
        for (int l = 1; l <= hidden; l++)
        {
            var values = new T[layerSizes[l] * sampleCount];
            DrawInto<T>(values, dropout.RateOf(l, hidden), seed, epoch, step, l);
            layers[l - 1] = new ImmutableMatrix<T>(layerSizes[l], sampleCount, values);
        }
        return new DropoutMask<T>([.. layers]);
    }

    /// <summary>Fills <paramref name="mask"/> with layer <paramref name="layer"/>'s mask for the key (seed, epoch, step, layer); shared by <see cref="Draw{T}"/> and the training loop.</summary>
    internal static void DrawInto<T>(Span<T> mask, double rate, int seed, int epoch, int step, int layer) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (rate == 0)
        {
            mask.Fill(T.One);
            return;
        }
        ulong key = SeededRandom.DeriveSeed(unchecked((ulong)seed), SeededRandom.DropoutStream, unchecked((ulong)epoch));
        key = SeededRandom.DeriveSeed(key, SeededRandom.DropoutStream, unchecked((ulong)step));
        var random = SeededRandom.Derive(key, SeededRandom.DropoutStream, unchecked((ulong)layer));
        T kept = T.CreateChecked(1.0 / (1.0 - rate));
        // Dropped when u < p with u = k 2^-53 uniform in [0, 1), k the top 53 bits of a draw: k < p 2^53 exactly when k < ⌈p 2^53⌉.
        ulong threshold = (ulong)Math.Ceiling(rate * (1UL << 53));
        for (int i = 0; i < mask.Length; i++) mask[i] = (random.NextUInt64() >> 11) < threshold ? T.Zero : kept;
    }
}
