using System.Numerics;

namespace Pure;

/// <summary>
/// A reusable workspace for repeated prediction with one network or model: it holds the buffers of the forward pass
/// for batches of up to <see cref="MaxBatch"/> samples, so that <see cref="Predict(ReadOnlySpan{T}, Span{T})"/> allocates
/// nothing and writes into a buffer the caller owns. Its results are bit for bit those of
/// <see cref="Backprop.Predict{T}"/> (for a network) and <see cref="Model{T}.Predict"/> (for a model) on the same input.
/// </summary>
/// <remarks>
/// The network and model are immutable and are never changed; the predictor only writes its own buffers and the
/// output span it is given. One predictor serves one thread at a time (its buffers are shared by its calls); make one
/// per thread for concurrent prediction. Where the matrix kernel packs the weights before it multiplies (processors
/// without AVX-512), the predictor packs each layer's weights once, when it is made, and keeps them (about as much
/// memory again as the weights), instead of packing them on every call. For a batch of one sample it also has each
/// layer's weights cut into the row blocks of the one-sample product when it is made (about as much memory again, once
/// per network: the cut is shared with the network's other predictors and with <see cref="Backprop.Predict{T}"/>), so
/// that each block is read as one contiguous stream: 784-512-256-10 at batch 1 took 0.73 times as long in float32
/// (docs/performance.md).
/// </remarks>
/// <typeparam name="T">The element type: <see cref="double"/> or <see cref="float"/>.</typeparam>
public sealed class Predictor<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Network<T> _network;
    private readonly FeatureScaling<T>? _scaling;
    private readonly FeatureScaling<T>? _targetScaling;
    private readonly T[] _input;
    private readonly T[] _linear;
    private readonly T[] _even;
    private readonly T[] _odd;
    private readonly T[] _output;
    private readonly T[]?[] _packedWeights;

    /// <summary>A predictor for <paramref name="model"/>: its input scaling, its network, and the inverse of its target scaling, as <see cref="Model{T}.Predict"/>.</summary>
    /// <param name="model">The model.</param>
    /// <param name="maxBatch">The most samples one call may hold, at least 1; the buffers grow with it.</param>
    public Predictor(Model<T> model, int maxBatch)
        : this((model ?? throw new ArgumentNullException(nameof(model))).Network, maxBatch, model.Scaling, model.TargetScaling)
    {
    }

    /// <summary>A predictor for <paramref name="network"/> alone, as <see cref="Backprop.Predict{T}"/>.</summary>
    /// <param name="network">The network.</param>
    /// <param name="maxBatch">The most samples one call may hold, at least 1; the buffers grow with it.</param>
    public Predictor(Network<T> network, int maxBatch)
        : this(network ?? throw new ArgumentNullException(nameof(network)), maxBatch, null, null)
    {
    }

    private Predictor(Network<T> network, int maxBatch, FeatureScaling<T>? scaling, FeatureScaling<T>? targetScaling)
    {
        Guard.Positive(maxBatch, nameof(maxBatch));
        int widest = network.Layers.Max(layer => layer.OutputSize);
        if ((long)Math.Max(widest, network.InputSize) * maxBatch > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(maxBatch), $"Expected at most {Array.MaxLength / Math.Max(widest, network.InputSize)} samples for this network's widest layer, got {maxBatch}.");
        _network = network;
        _scaling = scaling;
        _targetScaling = targetScaling;
        MaxBatch = maxBatch;
        _input = GC.AllocateUninitializedArray<T>(network.InputSize * maxBatch);
        _linear = GC.AllocateUninitializedArray<T>(widest * maxBatch);
        _even = GC.AllocateUninitializedArray<T>(widest * maxBatch);
        _odd = network.Layers.Length > 2 ? GC.AllocateUninitializedArray<T>(widest * maxBatch) : [];
        _output = GC.AllocateUninitializedArray<T>(network.OutputSize * maxBatch);
        _packedWeights = [.. network.Layers.Select(layer => Gemm<T>.PackA(layer.Weight.Storage, layer.OutputSize, layer.InputSize))];
        foreach (var layer in network.Layers) NarrowCache<T>.Prepare(layer.Weight.Storage, layer.OutputSize, layer.InputSize);
    }

    /// <summary>The most samples one call may hold.</summary>
    public int MaxBatch { get; }

    /// <summary>n_0, the features of one sample.</summary>
    public int InputSize => _network.InputSize;

    /// <summary>n_L, the outputs of one sample.</summary>
    public int OutputSize => _network.OutputSize;

    /// <summary>
    /// Writes the prediction for m samples into <paramref name="output"/>: <paramref name="input"/> holds m · n_0 finite
    /// values, one sample after another (column-major n_0 x m, the memory of ONNX's row-major m x n_0), and
    /// <paramref name="output"/> receives m · n_L values in the same layout. The input is not changed.
    /// </summary>
    /// <param name="input">m · n_0 values, 1 ≤ m ≤ <see cref="MaxBatch"/>.</param>
    /// <param name="output">At least m · n_L elements; only the first m · n_L are written.</param>
    /// <returns>m, the number of samples.</returns>
    public int Predict(ReadOnlySpan<T> input, Span<T> output)
    {
        int n0 = InputSize, nL = OutputSize;
        if (input.Length == 0 || input.Length % n0 != 0 || input.Length / n0 > MaxBatch)
            throw new ArgumentException(
                $"Expected input to hold m · {n0} values (m samples of {n0} features, 1 ≤ m ≤ {MaxBatch}), got {input.Length}.", nameof(input));
        int m = input.Length / n0;
        if (output.Length < m * nL)
            throw new ArgumentException($"Expected output to hold at least {m * nL} values ({m} samples of {nL} outputs), got {output.Length}.", nameof(output));
        if (_scaling is null || !_scaling.TryApplyFinite(n0, m, input, _input))
        {
            CheckFinite(input, n0, "input");
            input.CopyTo(_input);
            if (_scaling is not null)
            {
                _scaling.ApplyInPlace(n0, m, _input.AsSpan(0, input.Length));
                CheckFinite(_input.AsSpan(0, input.Length), n0, "the scaled input");
            }
        }
        Backprop.PredictInto(_network, _input, m, _linear, _even, _odd, _output, _packedWeights);
        var result = _output.AsSpan(0, m * nL);
        _targetScaling?.InvertInPlace(nL, m, result);
        result.CopyTo(output);
        return m;
    }

    /// <summary>The prediction for <paramref name="input"/> (n_0 x m, 1 ≤ m ≤ <see cref="MaxBatch"/>) as a new matrix, n_L x m.</summary>
    /// <param name="input">The samples, one per column.</param>
    public ImmutableMatrix<T> Predict(ImmutableMatrix<T> input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rows != InputSize)
            throw new ArgumentException($"Expected {nameof(input)} to be {InputSize} x m (one sample per column), got {input.Shape}.", nameof(input));
        Guard.AtLeastOneSample(input, nameof(input));
        var result = new T[OutputSize * input.Columns];
        Predict(input.AsSpan(), result);
        return new ImmutableMatrix<T>(OutputSize, input.Columns, result);
    }

    /// <summary>Throws for the first non-finite value, named by its feature (row) and sample (column); builds no message otherwise.</summary>
    private static void CheckFinite(ReadOnlySpan<T> values, int rows, string what)
    {
        int index = Kernels<T>.IndexOfNonFinite(values);
        if (index >= 0)
            throw new ArgumentException($"Expected finite values in {what}, got {values[index]} at row {index % rows}, column {index / rows}.", "input");
    }
}
