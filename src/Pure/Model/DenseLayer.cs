using System.Numerics;

namespace Pure;

/// <summary>A fully connected layer: Z^[l] = W^[l] A^[l-1] + b^[l], A^[l] = σ(Z^[l]).</summary>
/// <remarks>
/// A with-expression validates like the constructor: each init accessor checks its new value against the other
/// properties' current values, so <c>layer with { Weight = w }</c> needs w to have <see cref="OutputSize"/> rows (any
/// number of columns) and <c>layer with { Bias = b }</c> needs b of length <see cref="OutputSize"/>. To change the
/// number of neurons (the shapes of both), call the constructor.
/// </remarks>
/// <param name="Weight">W^[l], n_l x n_{l-1}; element (j, k) is w_jk^[l], the weight from neuron k of layer l-1 to neuron j of layer l.</param>
/// <param name="Bias">b^[l], length n_l.</param>
/// <param name="Activation">σ of this layer.</param>
public sealed record DenseLayer<T>(ImmutableMatrix<T> Weight, ImmutableVector<T> Bias, Activation Activation) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>W^[l], n_l x n_{l-1}, finite; a new value must keep n_l rows (the bias length).</summary>
    public ImmutableMatrix<T> Weight { get; init => field = CheckWeight(value, Bias.Length); } = CheckWeight(Weight, -1);

    /// <summary>b^[l], length n_l, finite.</summary>
    public ImmutableVector<T> Bias { get; init => field = CheckBias(value, Weight); } = CheckBias(Bias, Weight);

    /// <summary>σ of this layer.</summary>
    public Activation Activation { get; init => field = value ?? throw new ArgumentNullException(nameof(Activation)); } = Activation ?? throw new ArgumentNullException(nameof(Activation));

    /// <summary>n_{l-1}, the number of inputs.</summary>
    public int InputSize => Weight.Columns;

    /// <summary>n_l, the number of neurons (outputs).</summary>
    public int OutputSize => Weight.Rows;

    /// <summary>This layer's W and b.</summary>
    public LayerParameters<T> Parameters => new(Weight, Bias);

    /// <summary>A copy with other parameters of the same shapes (for F#, which has no with-expression).</summary>
    public DenseLayer<T> WithParameters(LayerParameters<T> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Weight.Rows != Weight.Rows || parameters.Weight.Columns != Weight.Columns)
            throw new ArgumentException($"Expected a {Weight.Shape} weight, got {parameters.Weight.Shape}.", nameof(parameters));
        return this with { Weight = parameters.Weight, Bias = parameters.Bias };
    }

    /// <summary>A copy with another weight matrix: n_l rows to match the bias, any number of inputs (<c>this with { Weight = weight }</c>).</summary>
    public DenseLayer<T> WithWeight(ImmutableMatrix<T> weight) => this with { Weight = weight };

    /// <summary>A copy with another bias of length n_l (<c>this with { Bias = bias }</c>).</summary>
    public DenseLayer<T> WithBias(ImmutableVector<T> bias) => this with { Bias = bias };

    /// <summary>A copy with another activation (<c>this with { Activation = activation }</c>).</summary>
    public DenseLayer<T> WithActivation(Activation activation) => this with { Activation = activation };

    /// <summary>Checks a weight; <paramref name="rows"/> is the bias length it must match, or -1 in the constructor (the bias is checked after it).</summary>
    private static ImmutableMatrix<T> CheckWeight(ImmutableMatrix<T> weight, int rows)
    {
        ArgumentNullException.ThrowIfNull(weight, nameof(Weight));
        if (weight.Rows == 0 || weight.Columns == 0)
            throw new ArgumentException($"Expected a Weight with at least one row and one column, got {weight.Shape}.", nameof(Weight));
        if (rows >= 0 && weight.Rows != rows)
            throw new ArgumentException($"Expected a Weight of {rows} rows to match the Bias of length {rows}, got {weight.Shape}; to change the layer's size, call the constructor.", nameof(Weight));
        Guard.Finite(weight, nameof(Weight));
        return weight;
    }

    private static ImmutableVector<T> CheckBias(ImmutableVector<T> bias, ImmutableMatrix<T> weight)
    {
        ArgumentNullException.ThrowIfNull(bias, nameof(Bias));
        if (bias.Length != weight.Rows)
            throw new ArgumentException($"Expected Bias of length {weight.Rows} to match a {weight.Shape} Weight, got length {bias.Length}.", nameof(Bias));
        Guard.Finite(bias.AsSpan(), nameof(Bias), "the bias");
        return bias;
    }
}
