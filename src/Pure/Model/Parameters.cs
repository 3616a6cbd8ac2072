using System.Collections.Immutable;
using System.Numerics;

namespace Pure;

/// <summary>One layer's trainable parameters, or anything shaped like them (a gradient, an optimizer moment).</summary>
/// <remarks>
/// A with-expression validates like the constructor: <c>p with { Weight = w }</c> needs w to have as many rows as
/// the current bias is long, and <c>p with { Bias = b }</c> needs b as long as the current weight has rows. To change
/// both shapes, call the constructor.
/// </remarks>
/// <param name="Weight">W^[l], n_l x n_{l-1}; element (j, k) is the seeds' w_jk^[l].</param>
/// <param name="Bias">b^[l], length n_l.</param>
public sealed record LayerParameters<T>(ImmutableMatrix<T> Weight, ImmutableVector<T> Bias) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>W^[l], n_l x n_{l-1}; a new value must keep n_l rows (the bias length).</summary>
    public ImmutableMatrix<T> Weight
    {
        get;
        init => field = value is null ? throw new ArgumentNullException(nameof(Weight))
            : value.Rows == Bias.Length ? value
            : throw new ArgumentException($"Expected a Weight of {Bias.Length} rows to match the Bias of length {Bias.Length}, got {value.Shape}; to change both shapes, call the constructor.", nameof(Weight));
    } = Weight ?? throw new ArgumentNullException(nameof(Weight));

    /// <summary>b^[l], length n_l (it must equal Weight.Rows).</summary>
    public ImmutableVector<T> Bias { get; init => field = CheckBias(value, Weight); } = CheckBias(Bias, Weight);

    /// <summary>The number of values, n_l · n_{l-1} + n_l.</summary>
    public int Count => Weight.Count + Bias.Length;

    /// <summary>Zeros shaped like this.</summary>
    public LayerParameters<T> ZerosLike() =>
        new(new ImmutableMatrix<T>(Weight.Rows, Weight.Columns, new T[Weight.Count]), new ImmutableVector<T>(new T[Bias.Length]));

    private static ImmutableVector<T> CheckBias(ImmutableVector<T> bias, ImmutableMatrix<T> weight) =>
        bias is null ? throw new ArgumentNullException(nameof(Bias))
        : bias.Length == weight.Rows ? bias
        : throw new ArgumentException($"Expected Bias of length {weight.Rows} to match a {weight.Shape} Weight, got length {bias.Length}.", nameof(Bias));
}

/// <summary>
/// The parameters of a whole network, one <see cref="LayerParameters{T}"/> per layer. Gradients and optimizer
/// moments have this same type, so that they combine element by element with <see cref="Map"/> and <see cref="Zip"/>.
/// </summary>
/// <param name="Layers">One entry per layer, from the first hidden layer to the output layer.</param>
public sealed record Parameters<T>(ImmutableArray<LayerParameters<T>> Layers) where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ValueArray<LayerParameters<T>> _layers = CheckLayers(Layers);

    /// <summary>One entry per layer, from the first hidden layer to the output layer; equality compares them in order.</summary>
    public ImmutableArray<LayerParameters<T>> Layers { get => _layers.Items; init => _layers = CheckLayers(value); }

    /// <summary>The total number of values.</summary>
    public int Count
    {
        get
        {
            int count = 0;
            foreach (var layer in Layers) count += layer.Count;
            return count;
        }
    }

    /// <summary>Zeros shaped like this.</summary>
    public Parameters<T> ZerosLike() => new(Layers.Select(layer => layer.ZerosLike()).ToImmutableArray());

    /// <summary>A new value with <paramref name="function"/> applied to every element.</summary>
    public Parameters<T> Map(Func<T, T> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return new(Layers.Select(layer => new LayerParameters<T>(layer.Weight.Map(function), layer.Bias.Map(function))).ToImmutableArray());
    }

    /// <summary>A new value whose elements are <paramref name="function"/>(this_i, other_i); the shapes must match.</summary>
    public Parameters<T> Zip(Parameters<T> other, Func<T, T, T> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        CheckSameShape(other, nameof(other));
        var left = Flatten();
        var right = other.Flatten();
        var result = new T[left.Length];
        for (int i = 0; i < result.Length; i++) result[i] = function(left[i], right[i]);
        return Unflatten(result);
    }

    /// <summary>this + other, element by element (Optax's apply_updates when other is an update).</summary>
    public Parameters<T> Add(Parameters<T> other) => Zip(other, static (x, y) => x + y);

    /// <summary>scale · this.</summary>
    public Parameters<T> Scale(T scale) => Map(x => x * scale);

    /// <summary>Σ_i this_i other_i over every element; the shapes must match.</summary>
    public T Dot(Parameters<T> other)
    {
        CheckSameShape(other, nameof(other));
        T sum = T.Zero;
        for (int l = 0; l < Layers.Length; l++)
            sum += Kernels<T>.Dot(Layers[l].Weight.AsSpan(), other.Layers[l].Weight.AsSpan()) + Kernels<T>.Dot(Layers[l].Bias.AsSpan(), other.Layers[l].Bias.AsSpan());
        return sum;
    }

    /// <summary>The Euclidean norm over every element, sqrt(Σ_i this_i^2).</summary>
    public T Norm() => T.Sqrt(Dot(this));

    /// <summary>All values in one array: per layer, W^[l] in column-major order then b^[l].</summary>
    public ImmutableArray<T> Flatten()
    {
        var result = new T[Count];
        int offset = 0;
        foreach (var layer in Layers)
        {
            layer.Weight.AsSpan().CopyTo(result.AsSpan(offset));
            offset += layer.Weight.Count;
            layer.Bias.AsSpan().CopyTo(result.AsSpan(offset));
            offset += layer.Bias.Length;
        }
        return ImmutableArray.Create(result);
    }

    /// <summary>A value shaped like this from <paramref name="values"/> in the order of <see cref="Flatten"/>.</summary>
    public Parameters<T> Unflatten(ReadOnlySpan<T> values)
    {
        if (values.Length != Count)
            throw new ArgumentException($"Expected {Count} values to fill these parameters, got {values.Length}.", nameof(values));
        var layers = ImmutableArray.CreateBuilder<LayerParameters<T>>(Layers.Length);
        int offset = 0;
        foreach (var layer in Layers)
        {
            var weight = new ImmutableMatrix<T>(layer.Weight.Rows, layer.Weight.Columns, values.Slice(offset, layer.Weight.Count).ToArray());
            offset += layer.Weight.Count;
            var bias = new ImmutableVector<T>(values.Slice(offset, layer.Bias.Length).ToArray());
            offset += layer.Bias.Length;
            layers.Add(new LayerParameters<T>(weight, bias));
        }
        return new Parameters<T>(layers.MoveToImmutable());
    }

    /// <summary>The same as the span overload, for F# arrays and lists and for the <see cref="ImmutableArray{T}"/> of <see cref="Flatten"/>.</summary>
    public Parameters<T> Unflatten(IReadOnlyList<T> values) => Unflatten(ImmutableMatrix.ToArray(values, nameof(values)));

    /// <summary>Throws unless <paramref name="other"/> has the same layer count and shapes.</summary>
    internal void CheckSameShape(Parameters<T> other, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(other, parameterName);
        if (other.Layers.Length != Layers.Length)
            throw new ArgumentException($"Expected {parameterName} to have {Layers.Length} layers, got {other.Layers.Length}.", parameterName);
        for (int l = 0; l < Layers.Length; l++)
        {
            var expected = Layers[l];
            var actual = other.Layers[l];
            if (expected.Weight.Rows != actual.Weight.Rows || expected.Weight.Columns != actual.Weight.Columns || expected.Bias.Length != actual.Bias.Length)
                throw new ArgumentException(
                    $"Expected layer {l} of {parameterName} to have a {expected.Weight.Shape} weight and a bias of length {expected.Bias.Length}, got {actual.Weight.Shape} and {actual.Bias.Length}.",
                    parameterName);
        }
    }

    private static ImmutableArray<LayerParameters<T>> CheckLayers(ImmutableArray<LayerParameters<T>> layers)
    {
        if (layers.IsDefault)
            throw new ArgumentException("Expected an initialised array of layers, got a default ImmutableArray.", nameof(Layers));
        for (int l = 0; l < layers.Length; l++)
            if (layers[l] is null) throw new ArgumentNullException(nameof(Layers), $"Layer {l} is null.");
        return layers;
    }
}
