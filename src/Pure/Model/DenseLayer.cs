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
    public ImmutableMatrix<T> Weight { get; init => field = CheckWeight(value, Bias.Length, nameof(Weight)); } = CheckWeight(Weight, -1, nameof(Weight));

    /// <summary>b^[l], length n_l, finite.</summary>
    public ImmutableVector<T> Bias { get; init => field = CheckBias(value, Weight, nameof(Bias)); } = CheckBias(Bias, Weight, nameof(Bias));

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
        Guard.Finite(parameters.Weight, nameof(parameters));
        Guard.Finite(parameters.Bias.AsSpan(), nameof(parameters), "the bias");
        return this with { Weight = parameters.Weight, Bias = parameters.Bias };
    }

    /// <summary>
    /// A copy with another weight matrix: n_l rows to match the bias, any number of inputs; <c>this with { Weight = weight }</c>
    /// for F#, with errors that name <paramref name="weight"/>.
    /// </summary>
    public DenseLayer<T> WithWeight(ImmutableMatrix<T> weight) => this with { Weight = CheckWeight(weight, Bias.Length, nameof(weight)) };

    /// <summary>A copy with another bias of length n_l; <c>this with { Bias = bias }</c> for F#, with errors that name <paramref name="bias"/>.</summary>
    public DenseLayer<T> WithBias(ImmutableVector<T> bias) => this with { Bias = CheckBias(bias, Weight, nameof(bias)) };

    /// <summary>A copy with another activation; <c>this with { Activation = activation }</c> for F#.</summary>
    public DenseLayer<T> WithActivation(Activation activation) => this with { Activation = activation };

    /// <summary>
    /// Checks a weight that the argument or property <paramref name="name"/> gives: at least 1 x 1, finite, and with
    /// <paramref name="rows"/> rows (the bias length) unless <paramref name="rows"/> is -1 (in the constructor, whose
    /// bias is checked against the weight after it).
    /// </summary>
    private static ImmutableMatrix<T> CheckWeight(ImmutableMatrix<T> weight, int rows, string name)
    {
        ArgumentNullException.ThrowIfNull(weight, name);
        if (weight.Rows == 0 || weight.Columns == 0)
            throw new ArgumentException($"Expected a {name} with at least one row and one column, got {weight.Shape}.", name);
        if (rows >= 0 && weight.Rows != rows)
            throw new ArgumentException($"Expected {name} to be {rows} x n (n >= 1) to match the bias, got {weight.Shape}; to change the number of neurons, call the constructor.", name);
        Guard.Finite(weight, name);
        return weight;
    }

    /// <summary>Checks a bias that the argument or property <paramref name="name"/> gives: finite and as long as <paramref name="weight"/> has rows.</summary>
    private static ImmutableVector<T> CheckBias(ImmutableVector<T> bias, ImmutableMatrix<T> weight, string name)
    {
        ArgumentNullException.ThrowIfNull(bias, name);
        if (bias.Length != weight.Rows)
            throw new ArgumentException($"Expected {name} of length {weight.Rows} to match a {weight.Shape} Weight, got length {bias.Length}.", name);
        Guard.Finite(bias.AsSpan(), name, "the bias");
        return bias;
    }
}
