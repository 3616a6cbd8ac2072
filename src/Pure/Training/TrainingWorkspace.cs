using System.Collections.Immutable;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Pure;

/// <summary>
/// The buffers of the training loop: private copies of the parameters and optimizer state, updated in place
/// step after step, and pooled Z, A, δ and gradient buffers sized for the largest batch. No step allocates; nothing
/// here is ever handed to a user, who receives fresh immutable copies from <see cref="ToNetwork"/> and
/// <see cref="ToState"/>. A step computes exactly what <see cref="Backprop.Gradient{T}"/> followed by
/// <see cref="Backprop.Step{T}"/> compute, bit for bit: both run the same array cores of <see cref="Backprop"/>.
/// <para>
/// When no transform of the optimizer needs the whole gradient first (no clipping by global norm), the update is
/// fused into the backward pass: each tile of ∇W^[l] is turned into an update and added to θ by the thread that
/// computed it, while the tile is still in that core's cache, instead of in a separate pass over all of θ afterwards.
/// </para>
/// </summary>
internal sealed class TrainingWorkspace<T> : IGradientSink where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Network<T> _shape;
    private readonly Parameters<T> _parameterShape;
    private const int ChunkLength = 2048;
    private readonly (int Segment, int Offset, int Length)[] _chunks;
    private readonly InPlaceTransform<T> _optimizer;
    private readonly InPlaceTransform<T>[] _transforms;
    private readonly int[] _stages;
    private readonly Loss _loss;
    private readonly int[] _sizes;
    private readonly T[][] _parameters;
    private readonly T[][] _gradients;
    private readonly T[][] _updates;
    private readonly T[] _input;
    private readonly T[] _target;
    private readonly T[] _weights;
    private readonly T[][] _preActivations;
    private readonly T[][] _activations;
    private readonly T[] _upstream;
    private readonly T[] _delta;
    private readonly T[] _nextDelta;
    private readonly bool _fused;
    private readonly FusedUpdate<T>? _fusedUpdate;
    private readonly TileDone[] _weightTiles;
    private readonly Dropout? _dropout;
    private readonly int _seed;
    private readonly T[]?[]? _masks;
    private readonly T[]? _unmasked;
    private int _nonFinite;
    [ThreadStatic] private static T[]? _scratch;

    private TrainingWorkspace(Network<T> network, InPlaceTransform<T> optimizer, Loss loss, int capacity, Dropout? dropout, int seed)
    {
        _shape = network;
        _parameterShape = network.Parameters;
        _optimizer = optimizer;
        _transforms = [.. optimizer.Leaves];
        _stages = [0, .. Enumerable.Range(1, Math.Max(0, _transforms.Length - 1)).Where(t => _transforms[t].NeedsWholeInput)];
        _loss = loss;
        _sizes = [.. network.LayerSizes];
        _parameters = InPlaceTransform<T>.Segments(_parameterShape);
        _gradients = _parameters.Select(segment => new T[segment.Length]).ToArray();
        _chunks = [.. _parameters.SelectMany((segment, s) =>
            Enumerable.Range(0, (segment.Length + ChunkLength - 1) / ChunkLength)
                .Select(c => (s, c * ChunkLength, Math.Min(ChunkLength, segment.Length - c * ChunkLength))))];
        _fused = _stages.Length == 1 && (_transforms.Length == 0 || !_transforms[0].NeedsWholeInput);
        _fusedUpdate = FusedUpdate<T>.TryCreate(_transforms);
        _updates = _parameters.Select(segment => new T[_fused ? 0 : segment.Length]).ToArray();
        int layers = network.Layers.Length;
        _weightTiles = new TileDone[layers];
        for (int l = 0; l < layers; l++)
        {
            int segment = 2 * l, lead = _sizes[l + 1];
            _weightTiles[l] = (row0, rows, column0, columns) => UpdateTile(segment, lead, row0, rows, column0, columns);
        }
        _input = new T[_sizes[0] * capacity];
        _target = new T[_sizes[layers] * capacity];
        _weights = new T[capacity];
        _preActivations = new T[layers][];
        _activations = new T[layers][];
        for (int l = 0; l < layers; l++)
        {
            _preActivations[l] = new T[_sizes[l + 1] * capacity];
            _activations[l] = new T[_sizes[l + 1] * capacity];
        }
        int widest = _sizes.Max() * capacity;
        _upstream = new T[widest];
        _delta = new T[widest];
        _nextDelta = new T[widest];
        // Dropout: a mask buffer per hidden layer with a rate above 0 (a layer with rate 0 keeps A = σ(Z), the same bits as a mask of ones).
        _dropout = dropout;
        _seed = seed;
        if (dropout is not null)
        {
            _masks = new T[]?[layers - 1];
            for (int l = 1; l < layers; l++)
                if (dropout.RateOf(l, layers - 1) > 0) _masks[l - 1] = new T[_sizes[l] * capacity];
            _unmasked = new T[widest];
        }
    }

    /// <summary>A workspace for batches of up to <paramref name="capacity"/> samples, or null when the optimizer has no in-place twin.</summary>
    /// <remarks>With <paramref name="dropout"/>, each step draws its masks from (<paramref name="seed"/>, epoch, step, layer).</remarks>
    public static TrainingWorkspace<T>? TryCreate(Network<T> network, OptimizerState<T> state, Optimizer optimizer, Loss loss, int capacity, Dropout? dropout = null, int seed = 0)
    {
        var transform = optimizer.CreateInPlace(state, network.Parameters);
        return transform is null ? null : new TrainingWorkspace<T>(network, transform, loss, capacity, dropout, seed);
    }

    /// <summary>
    /// One step on the samples of <paramref name="data"/> at <paramref name="indices"/>, in that order: the gradient of
    /// their cost (mean or sum, weighted by the data's weights when it has some, which must not all be 0 here), then the
    /// optimizer's update added to the parameters. Returns the cost before the step.
    /// <paramref name="nonFinite"/> is null after a finite step; otherwise it names the first quantity that became
    /// non-finite ("loss" when the forward pass or the loss overflowed, then "gradient", then "parameters"), and the
    /// workspace's parameters are no longer usable. With dropout, the masks are those of
    /// <see cref="DropoutMask.Draw{T}"/> for (seed, <paramref name="epoch"/>, <paramref name="step"/>).
    /// </summary>
    public T Step(Dataset<T> data, ReadOnlySpan<int> indices, out string? nonFinite, int epoch = 0, int step = 0)
    {
        int m = indices.Length;
        int layerCount = _preActivations.Length;
        Gather(data.Inputs, indices, _input);
        Gather(data.Targets, indices, _target);
        T[]? weights = null;
        if (data.Weights is not null)
        {
            for (int i = 0; i < m; i++) _weights[i] = data.Weights[indices[i]];
            weights = _weights;
        }
        if (_masks is not null)
            for (int l = 1; l < layerCount; l++)
                if (_masks[l - 1] is { } mask) DropoutMask.DrawInto<T>(mask.AsSpan(0, _sizes[l] * m), _dropout!.RateOf(l, layerCount - 1), _seed, epoch, step, l);

        var previous = _input;
        for (int l = 0; l < layerCount; l++)
        {
            Backprop.LayerForwardInto(_parameters[2 * l], _parameters[2 * l + 1], _shape.Layers[l].Activation, _sizes[l + 1], _sizes[l], previous, m, _preActivations[l], _activations[l],
                l < layerCount - 1 ? _masks?[l] : null);
            previous = _activations[l];
        }

        if (!TraceIsFinite(m))
        {
            nonFinite = TrainingDivergedException.Loss;
            return T.NaN;
        }
        T cost;
        bool finite;
        if (_fused)
        {
            foreach (var transform in _transforms) transform.Prepare(_gradients);
            _nonFinite = 0;
            cost = Backprop.BackwardInto(_shape, _parameters, _input, _preActivations, _activations, _target, m, _loss, _gradients, _delta, _nextDelta, _upstream, this, weights, _masks, _unmasked);
            finite = _nonFinite == 0;
        }
        else
        {
            cost = Backprop.BackwardInto(_shape, _parameters, _input, _preActivations, _activations, _target, m, _loss, _gradients, _delta, _nextDelta, _upstream, weights: weights, masks: _masks, unmasked: _unmasked);
            finite = ApplyUpdate();
        }
        // A non-finite gradient always yields a non-finite update, so the gradient is scanned only after a failed step.
        nonFinite = !T.IsFinite(cost) ? TrainingDivergedException.Loss
            : finite ? null
            : GradientIsFinite() ? TrainingDivergedException.Parameters : TrainingDivergedException.Gradient;
        return cost;
    }

    /// <summary>Whether every Z^[l] and A^[l] of the last forward pass is finite (the check <see cref="Backprop.Backward{T}"/> makes of its trace).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool TraceIsFinite(int m)
    {
        for (int l = 0; l < _preActivations.Length; l++)
        {
            int count = _sizes[l + 1] * m;
            if (Kernels<T>.IndexOfNonFinite(_preActivations[l].AsSpan(0, count)) >= 0 || Kernels<T>.IndexOfNonFinite(_activations[l].AsSpan(0, count)) >= 0)
                return false;
        }
        return true;
    }

    private bool GradientIsFinite()
    {
        foreach (var segment in _gradients)
            if (Kernels<T>.IndexOfNonFinite(segment) >= 0) return false;
        return true;
    }

    /// <summary>A new immutable network holding the current parameters.</summary>
    public Network<T> ToNetwork() => _shape.WithParameters(InPlaceTransform<T>.ToParameters(_parameters, _parameterShape));

    /// <summary>A new immutable optimizer state equal to the current one.</summary>
    public OptimizerState<T> ToState() => LastState = _optimizer.ToState(_parameterShape);

    /// <summary>The state <see cref="ToState"/> returned last, or null.</summary>
    public OptimizerState<T>? LastState { get; private set; }

    /// <summary>
    /// θ ← θ + u with the optimizer's update u of the gradients; false when a sum is not finite.
    /// The transforms run chunk by chunk, so that a chunk of gradient stays in the L1 cache from the first transform to
    /// the addition, except where a transform needs its whole input first (clipping's global norm): the chain is cut
    /// into stages there. Every element goes through the same operations as in the pure path.
    /// </summary>
    private bool ApplyUpdate()
    {
        foreach (var transform in _transforms)
            if (!transform.NeedsWholeInput) transform.Prepare(_gradients);
        bool finite = true;
        for (int stage = 0; stage < _stages.Length; stage++)
        {
            int begin = _stages[stage], end = stage + 1 < _stages.Length ? _stages[stage + 1] : _transforms.Length;
            var source = stage == 0 ? _gradients : _updates;
            if (begin < end && _transforms[begin].NeedsWholeInput) _transforms[begin].Prepare(source);
            bool last = stage == _stages.Length - 1;
            // One thread: this pass is bound by memory bandwidth, and a second thread slowed it down here (measured
            // at batch 1: 280 us per step on two threads, 132 us on one).
            finite &= RunChunks(begin, end, source, last);
        }
        return finite;
    }

    /// <inheritdoc/>
    TileDone IGradientSink.WeightTiles(int layer) => _weightTiles[layer];

    /// <inheritdoc/>
    void IGradientSink.BiasDone(int layer) => UpdateRange(2 * layer + 1, 0, _parameters[2 * layer + 1].Length);

    /// <summary>The fused update of one finished tile of segment <paramref name="segment"/>, a column-major matrix with <paramref name="lead"/> rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void UpdateTile(int segment, int lead, int row0, int rows, int column0, int columns)
    {
        if (rows == lead)
            UpdateRange(segment, column0 * lead, columns * lead);
        else
            for (int j = column0; j < column0 + columns; j++) UpdateRange(segment, j * lead + row0, rows);
    }

    /// <summary>θ ← θ + u for elements [offset, offset + length) of a segment whose gradient is final, in chunks through per-thread scratch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void UpdateRange(int segment, int offset, int length)
    {
        if (_fusedUpdate is not null)
        {
            if (!_fusedUpdate.Apply(segment, offset, _gradients[segment].AsSpan(offset, length), _parameters[segment].AsSpan(offset, length)))
                Volatile.Write(ref _nonFinite, 1);
            return;
        }
        var scratch = _scratch ??= new T[ChunkLength];
        for (int start = offset, end = offset + length; start < end; start += ChunkLength)
        {
            int count = Math.Min(ChunkLength, end - start);
            var input = _gradients[segment].AsSpan(start, count);
            var output = scratch.AsSpan(0, count);
            var parameters = _parameters[segment].AsSpan(start, count);
            if (!InPlaceTransform<T>.TransformAndAdd(_transforms, 0, _transforms.Length, segment, start, input, output, parameters, add: true)) Volatile.Write(ref _nonFinite, 1);
        }
    }

    /// <summary>Runs transforms [begin, end) on every chunk and, in the last stage, adds the updates to θ; false if any sum is not finite.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool RunChunks(int begin, int end, T[][] source, bool add)
    {
        bool finite = true;
        foreach (var (s, offset, length) in _chunks)
            finite &= InPlaceTransform<T>.TransformAndAdd(_transforms, begin, end, s, offset, source[s].AsSpan(offset, length), _updates[s].AsSpan(offset, length), _parameters[s].AsSpan(offset, length), add);
        return finite;
    }

    /// <summary>Copies the columns <paramref name="indices"/> of <paramref name="source"/>, in order, to the front of <paramref name="target"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gather(ImmutableMatrix<T> source, ReadOnlySpan<int> indices, T[] target)
    {
        int rows = source.Rows;
        for (int i = 0; i < indices.Length; i++) source.ColumnSpan(indices[i]).CopyTo(target.AsSpan(i * rows, rows));
    }
}
