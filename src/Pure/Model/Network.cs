using System.Collections.Immutable;
using System.Numerics;

namespace Pure;

/// <summary>
/// A multilayer perceptron: layers 1..L, where layer l maps n_{l-1} inputs to n_l outputs. The constructor
/// rejects layers that do not chain (layer l's inputs must equal layer l-1's outputs).
/// </summary>
/// <remarks>
/// <c>network with { Layers = layers }</c> validates the new layers like the constructor (at least one, none null,
/// each taking the previous one's outputs). Equality compares the layers in order, by value.
/// </remarks>
/// <param name="Layers">The layers from the first hidden layer to the output layer; at least one.</param>
public sealed record Network<T>(ImmutableArray<DenseLayer<T>> Layers) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The layers from the first hidden layer to the output layer.</summary>
    public ImmutableArray<DenseLayer<T>> Layers { get => _layers.Items; init => _layers = CheckLayers(value); }

    private readonly ValueArray<DenseLayer<T>> _layers = CheckLayers(Layers);

    /// <summary>n_0, the number of input features.</summary>
    public int InputSize => Layers[0].InputSize;

    /// <summary>n_L, the number of outputs.</summary>
    public int OutputSize => Layers[^1].OutputSize;

    /// <summary>The layer sizes n_0, n_1, ..., n_L.</summary>
    public ImmutableArray<int> LayerSizes => [InputSize, .. Layers.Select(layer => layer.OutputSize)];

    /// <summary>The number of trainable values, Σ_l (n_l · n_{l-1} + n_l).</summary>
    public int ParameterCount => Layers.Sum(layer => layer.Weight.Count + layer.Bias.Length);

    /// <summary>The weights and biases of every layer.</summary>
    public Parameters<T> Parameters => new(Layers.Select(layer => layer.Parameters).ToImmutableArray());

    /// <summary>A network with the same activations and the given parameters, which must have this network's shapes (for F#, which has no with-expression).</summary>
    public Network<T> WithParameters(Parameters<T> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters.CheckSameShape(parameters, nameof(parameters));
        var layers = new DenseLayer<T>[Layers.Length];
        for (int l = 0; l < layers.Length; l++) layers[l] = Layers[l].WithParameters(parameters.Layers[l]);
        return this with { Layers = ImmutableArray.Create(layers) };
    }

    /// <summary>A network with layer <paramref name="index"/> (from 0) replaced by a layer of the same shape.</summary>
    public Network<T> WithLayer(int index, DenseLayer<T> layer)
    {
        if ((uint)index >= (uint)Layers.Length)
            throw new ArgumentOutOfRangeException(nameof(index), $"Expected a layer index in [0, {Layers.Length}), got {index}.");
        ArgumentNullException.ThrowIfNull(layer);
        var current = Layers[index];
        if (layer.InputSize != current.InputSize || layer.OutputSize != current.OutputSize)
            throw new ArgumentException($"Expected layer to be {current.Weight.Shape} like the layer it replaces, got {layer.Weight.Shape}.", nameof(layer));
        return this with { Layers = Layers.SetItem(index, layer) };
    }

    /// <summary>The layer sizes and activations, for example "64-32(relu)-10(softmax)".</summary>
    public string Architecture => $"{InputSize}-{string.Join("-", Layers.Select(layer => $"{layer.OutputSize}({layer.Activation.Name})"))}";

    /// <summary>The architecture, for example "Network&lt;Double&gt; 64-32(relu)-10(softmax), 2410 parameters".</summary>
    public override string ToString() => $"Network<{typeof(T).Name}> {Architecture}, {ParameterCount} parameters";

    private static ImmutableArray<DenseLayer<T>> CheckLayers(ImmutableArray<DenseLayer<T>> layers)
    {
        if (layers.IsDefaultOrEmpty)
            throw new ArgumentException("Expected at least one layer, got none.", nameof(Layers));
        for (int l = 0; l < layers.Length; l++)
        {
            if (layers[l] is null) throw new ArgumentNullException(nameof(Layers), $"Layer {l} is null.");
            if (l > 0 && layers[l].InputSize != layers[l - 1].OutputSize)
                throw new ArgumentException(
                    $"Expected layer {l} to take {layers[l - 1].OutputSize} inputs (the outputs of layer {l - 1}), but its Weight is {layers[l].Weight.Shape}.",
                    nameof(Layers));
        }
        return layers;
    }
}

/// <summary>How to draw initial weights; biases start at 0.</summary>
public enum Initialization
{
    /// <summary>He for layers with ReLU or leaky ReLU, Glorot for the others.</summary>
    Auto,

    /// <summary>Xavier/Glorot uniform: w ~ U(-r, r) with r = sqrt(6 / (n_{l-1} + n_l)).</summary>
    GlorotUniform,

    /// <summary>He (Kaiming) uniform: w ~ U(-r, r) with r = sqrt(6 / n_{l-1}).</summary>
    HeUniform,
}

/// <summary>Factories for <see cref="Network{T}"/>.</summary>
public static class Network
{
    /// <summary>
    /// A network with layer sizes n_0..n_L and one activation per layer, initialised from <paramref name="seed"/>.
    /// Layer l draws from its own stream derived from (seed, l), element by element in column-major order, so the
    /// same seed gives the same bits on any machine and thread count.
    /// </summary>
    /// <param name="layerSizes">n_0 (inputs), n_1, ..., n_L (outputs); at least two sizes, each at least 1.</param>
    /// <param name="activations">σ for layers 1..L: one fewer than the sizes.</param>
    /// <param name="seed">The seed of the initial weights.</param>
    /// <param name="initialization">The weight distribution.</param>
    public static Network<T> Create<T>(IReadOnlyList<int> layerSizes, IReadOnlyList<Activation> activations, int seed, Initialization initialization = Initialization.Auto)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layerSizes);
        ArgumentNullException.ThrowIfNull(activations);
        if (layerSizes.Count < 2)
            throw new ArgumentException($"Expected at least two layer sizes (inputs and outputs), got {layerSizes.Count}.", nameof(layerSizes));
        if (activations.Count != layerSizes.Count - 1)
            throw new ArgumentException($"Expected {layerSizes.Count - 1} activations for {layerSizes.Count} layer sizes, got {activations.Count}.", nameof(activations));
        for (int l = 0; l < layerSizes.Count; l++)
            if (layerSizes[l] < 1)
                throw new ArgumentOutOfRangeException(nameof(layerSizes), $"Expected every layer size to be at least 1, got {layerSizes[l]} for size {l}.");
        if (!Enum.IsDefined(initialization))
            throw new ArgumentOutOfRangeException(nameof(initialization), $"Expected a defined Initialization value, got {initialization}.");

        var layers = ImmutableArray.CreateBuilder<DenseLayer<T>>(activations.Count);
        for (int l = 0; l < activations.Count; l++)
        {
            var activation = activations[l] ?? throw new ArgumentNullException(nameof(activations), $"Activation {l} is null.");
            int fanIn = layerSizes[l], fanOut = layerSizes[l + 1];
            var scheme = initialization != Initialization.Auto ? initialization
                : activation is ReluActivation or LeakyReluActivation ? Initialization.HeUniform : Initialization.GlorotUniform;
            double range = scheme == Initialization.HeUniform ? Math.Sqrt(6.0 / fanIn) : Math.Sqrt(6.0 / (fanIn + fanOut));
            var random = SeededRandom.Derive(unchecked((ulong)seed), SeededRandom.InitializationStream, (ulong)l);
            var weights = new T[checked(fanIn * fanOut)];
            for (int i = 0; i < weights.Length; i++) weights[i] = T.CreateChecked((2 * random.NextDouble() - 1) * range);
            layers.Add(new DenseLayer<T>(new ImmutableMatrix<T>(fanOut, fanIn, weights), new ImmutableVector<T>(new T[fanOut]), activation));
        }
        return new Network<T>(layers.MoveToImmutable());
    }

    /// <summary>A network whose hidden layers share one activation and whose output layer has another.</summary>
    /// <param name="layerSizes">n_0 (inputs), n_1, ..., n_L (outputs).</param>
    /// <param name="hiddenActivation">σ for layers 1..L-1.</param>
    /// <param name="outputActivation">σ for layer L.</param>
    /// <param name="seed">The seed of the initial weights.</param>
    /// <param name="initialization">The weight distribution.</param>
    public static Network<T> Create<T>(IReadOnlyList<int> layerSizes, Activation hiddenActivation, Activation outputActivation, int seed, Initialization initialization = Initialization.Auto)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layerSizes);
        ArgumentNullException.ThrowIfNull(hiddenActivation);
        ArgumentNullException.ThrowIfNull(outputActivation);
        int layers = Math.Max(layerSizes.Count - 1, 0);
        var activations = Enumerable.Range(0, layers).Select(l => l == layers - 1 ? outputActivation : hiddenActivation).ToArray();
        return Create<T>(layerSizes, activations, seed, initialization);
    }

    /// <summary>A network from its layers.</summary>
    public static Network<T> FromLayers<T>(params DenseLayer<T>[] layers) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layers);
        return new Network<T>(ImmutableArray.Create(layers));
    }
}
