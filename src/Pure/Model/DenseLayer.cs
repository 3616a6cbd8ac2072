using System.Numerics;

namespace Pure;

/// <summary>A fully connected layer: Z^[l] = W^[l] A^[l-1] + b^[l], A^[l] = σ(Z^[l]).</summary>
/// <param name="Weight">W^[l], n_l x n_{l-1}; element (j, k) is w_jk^[l], the weight from neuron k of layer l-1 to neuron j of layer l.</param>
/// <param name="Bias">b^[l], length n_l.</param>
/// <param name="Activation">σ of this layer.</param>
public sealed record DenseLayer<T>(ImmutableMatrix<T> Weight, ImmutableVector<T> Bias, Activation Activation) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>W^[l], n_l x n_{l-1}, finite.</summary>
    public ImmutableMatrix<T> Weight { get; } = CheckWeight(Weight);

    /// <summary>b^[l], length n_l, finite.</summary>
    public ImmutableVector<T> Bias { get; } = CheckBias(Bias, Weight);

    /// <summary>σ of this layer.</summary>
    public Activation Activation { get; } = Activation ?? throw new ArgumentNullException(nameof(Activation));

    /// <summary>n_{l-1}, the number of inputs.</summary>
    public int InputSize => Weight.Columns;

    /// <summary>n_l, the number of neurons (outputs).</summary>
    public int OutputSize => Weight.Rows;

    /// <summary>This layer's W and b.</summary>
    public LayerParameters<T> Parameters => new(Weight, Bias);

    /// <summary>A copy with other parameters of the same shapes.</summary>
    public DenseLayer<T> WithParameters(LayerParameters<T> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Weight.Rows != Weight.Rows || parameters.Weight.Columns != Weight.Columns)
            throw new ArgumentException($"Expected a {Weight.Shape} weight, got {parameters.Weight.Shape}.", nameof(parameters));
        Guard.Finite(parameters.Weight, nameof(parameters));
        Guard.Finite(parameters.Bias.AsSpan(), nameof(parameters), "the bias");
        return new DenseLayer<T>(parameters.Weight, parameters.Bias, Activation);
    }

    /// <summary>A copy with another weight matrix: n_l rows to match the bias, any number of inputs.</summary>
    public DenseLayer<T> WithWeight(ImmutableMatrix<T> weight)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rows != Bias.Length || weight.Columns == 0)
            throw new ArgumentException($"Expected weight to be {Bias.Length} x n (n >= 1) to match the bias, got {weight.Shape}.", nameof(weight));
        Guard.Finite(weight, nameof(weight));
        return new(weight, Bias, Activation);
    }

    /// <summary>A copy with another bias of length n_l.</summary>
    public DenseLayer<T> WithBias(ImmutableVector<T> bias)
    {
        ArgumentNullException.ThrowIfNull(bias);
        if (bias.Length != Weight.Rows)
            throw new ArgumentException($"Expected bias of length {Weight.Rows} to match a {Weight.Shape} weight, got length {bias.Length}.", nameof(bias));
        Guard.Finite(bias.AsSpan(), nameof(bias), "the bias");
        return new(Weight, bias, Activation);
    }

    /// <summary>A copy with another activation.</summary>
    public DenseLayer<T> WithActivation(Activation activation) => new(Weight, Bias, activation);

    private static ImmutableMatrix<T> CheckWeight(ImmutableMatrix<T> weight)
    {
        ArgumentNullException.ThrowIfNull(weight, nameof(Weight));
        if (weight.Rows == 0 || weight.Columns == 0)
            throw new ArgumentException($"Expected a Weight with at least one row and one column, got {weight.Shape}.", nameof(Weight));
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
