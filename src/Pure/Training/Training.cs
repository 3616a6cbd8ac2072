using System.Numerics;

namespace Pure;

/// <summary>A batch of samples and their targets, one sample per column, with optional per-sample weights; checked once when made.</summary>
/// <remarks>In a with-expression, new Inputs or Targets must keep m columns; to change m, call the constructor.</remarks>
/// <param name="Inputs">X, n_0 x m, finite, m ≥ 1.</param>
/// <param name="Targets">Y, n_L x m, finite.</param>
public sealed record Dataset<T>(ImmutableMatrix<T> Inputs, ImmutableMatrix<T> Targets) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>X, n_0 x m.</summary>
    public ImmutableMatrix<T> Inputs
    {
        get;
        init => field = Check(value, nameof(Inputs)).Columns == Targets.Columns ? value
            : throw new ArgumentException($"Expected Inputs to have {Targets.Columns} columns (one per sample of Targets), got {value.Shape}; to change the number of samples, call the constructor.", nameof(Inputs));
    } = Check(Inputs, nameof(Inputs));

    /// <summary>Y, n_L x m, with as many columns as <see cref="Inputs"/>.</summary>
    public ImmutableMatrix<T> Targets { get; init => field = CheckTargets(value, this.Inputs); } = CheckTargets(Targets, Inputs);

    private static ImmutableMatrix<T> CheckTargets(ImmutableMatrix<T> targets, ImmutableMatrix<T> inputs) =>
        Check(targets, nameof(Targets)).Columns == inputs.Columns ? targets
        : throw new ArgumentException($"Expected Targets to have {inputs.Columns} columns (one per sample of Inputs), got {targets.Shape}.", nameof(Targets));

    /// <summary>
    /// The per-sample weights w_i of the cost (C = Σ_i w_i ℓ_i / Σ_i w_i for <see cref="Reduction.Mean"/>, Σ_i w_i ℓ_i for
    /// <see cref="Reduction.Sum"/>), as scikit-learn's <c>sample_weight</c>: m finite values ≥ 0, not all 0; a weight of 2
    /// counts a sample twice, a weight of 0 removes it. Null (the default) weighs every sample 1.
    /// See <see cref="ClassWeights"/> for class weights.
    /// </summary>
    public ImmutableVector<T>? Weights { get; init => field = value is null ? null : SampleWeights.Check(value, Count, nameof(Weights)); }

    /// <summary>This dataset with <paramref name="weights"/> as <see cref="Weights"/> (null for none), for F#.</summary>
    public Dataset<T> WithWeights(ImmutableVector<T>? weights) => this with { Weights = weights };

    /// <summary>m, the number of samples.</summary>
    public int Count => Inputs.Columns;

    /// <summary>The samples at <paramref name="indices"/>, in that order, with their weights (which must not all be 0).</summary>
    public Dataset<T> Select(ReadOnlySpan<int> indices) => new(Inputs.SelectColumns(indices), Targets.SelectColumns(indices))
    {
        Weights = Weights is null ? null : SelectWeights(Weights, indices),
    };

    /// <summary>The weights at <paramref name="indices"/>, in that order.</summary>
    private static ImmutableVector<T> SelectWeights(ImmutableVector<T> weights, ReadOnlySpan<int> indices)
    {
        var result = new T[indices.Length];
        for (int i = 0; i < indices.Length; i++) result[i] = weights[indices[i]];
        return new ImmutableVector<T>(result);
    }

    /// <summary>
    /// The samples at <paramref name="indices"/>, in that order: the same as the span overload, for F# arrays and lists
    /// and for the <see cref="System.Collections.Immutable.ImmutableArray{T}"/> indices of <see cref="Split"/>.
    /// </summary>
    public Dataset<T> Select(IReadOnlyList<int> indices) => Select(ImmutableMatrix.ToArray(indices, nameof(indices)));

    private static ImmutableMatrix<T> Check(ImmutableMatrix<T> values, string name)
    {
        ArgumentNullException.ThrowIfNull(values, name);
        Guard.AtLeastOneSample(values, name);
        Guard.Finite(values, name);
        return values;
    }
}

/// <summary>One epoch of <see cref="Training.Epochs{T}"/>: the state after it and what was measured.</summary>
/// <param name="Epoch">The epoch number, from 1.</param>
/// <param name="Network">The network after the epoch.</param>
/// <param name="State">The optimizer state after the epoch, with the epoch-level policies applied (<see cref="Optimizer.EndEpoch{T}"/>).</param>
/// <param name="TrainingLoss">The mean over the epoch's samples of the loss measured on each mini-batch before its step: with
/// weights, the weighted mean Σ_b C_b W_b / Σ_b W_b of the mini-batch costs C_b with their total weights W_b; for
/// <see cref="Reduction.Sum"/>, the sum Σ_b C_b of the mini-batch costs (the epoch's summed, weighted, error).</param>
/// <param name="ValidationLoss">The cost on the validation set after the epoch (weighted when it has weights), when one was given.</param>
/// <param name="ValidationAccuracy">The accuracy on the validation set after the epoch, when one was given.</param>
public sealed record EpochResult<T>(int Epoch, Network<T> Network, OptimizerState<T> State, T TrainingLoss, T? ValidationLoss, double? ValidationAccuracy)
    where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>Mini-batch gradient descent as a lazy, pure sequence of epochs.</summary>
public static partial class Training
{
    /// <summary>
    /// Trains for <paramref name="epochs"/> epochs and yields one result per epoch, lazily. Each epoch shuffles the
    /// samples with a permutation derived from (seed, epoch) alone, cuts them into mini-batches of
    /// <paramref name="batchSize"/> (the last one smaller when m is not a multiple; a batch size above m means one
    /// full batch) and takes one <see cref="Backprop.Step{T}"/> per batch. Batch size 1 is the seeds'
    /// single-sample mode; batch size m is batch mode. The cost of each mini-batch follows the loss's
    /// <see cref="Loss.Reduction"/> and the training set's <see cref="Dataset{T}.Weights"/>; a mini-batch whose weights
    /// are all 0 takes no step at all (network and optimizer state unchanged, as if its samples had been removed) and
    /// adds nothing to the training loss.
    /// </summary>
    /// <param name="network">The initial network.</param>
    /// <param name="optimizer">The optimizer.</param>
    /// <param name="loss">The loss.</param>
    /// <param name="training">The training samples.</param>
    /// <param name="batchSize">The mini-batch size, at least 1.</param>
    /// <param name="epochs">The number of epochs, at least 1.</param>
    /// <param name="seed">The seed of the shuffles.</param>
    /// <param name="validation">Samples to measure loss and accuracy on after each epoch, or null.</param>
    /// <param name="state">The optimizer state to start from, or null for <see cref="Optimizer.Init{T}(Network{T})"/>.</param>
    /// <param name="firstEpoch">The number of the first epoch, to resume a run: epoch k is the same whether reached from 1 or started at k;
    /// firstEpoch + epochs - 1 must fit in an int.</param>
    /// <param name="dropout">Inverted dropout on the hidden layers, or null for none: step s of epoch e uses the mask
    /// <see cref="DropoutMask.Draw{T}"/>(dropout, sizes, m, seed, e, s); validation is measured without dropout.</param>
    /// <exception cref="TrainingDivergedException">
    /// While enumerating, at the first mini-batch whose loss (or forward pass), gradient or updated parameters are not
    /// finite, or whose epoch's mean training loss is not finite; the epochs before it have been yielded, that epoch is not.
    /// </exception>
    public static IEnumerable<EpochResult<T>> Epochs<T>(
        Network<T> network, Optimizer optimizer, Loss loss, Dataset<T> training, int batchSize, int epochs, int seed,
        Dataset<T>? validation = null, OptimizerState<T>? state = null, int firstEpoch = 1, Dropout? dropout = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSetup(network, optimizer, loss, training, batchSize, validation);
        dropout?.Check(network.Layers.Length - 1, nameof(dropout));
        Guard.Positive(epochs, nameof(epochs));
        Guard.Positive(firstEpoch, nameof(firstEpoch));
        if (firstEpoch - 1 > int.MaxValue - epochs)
            throw new ArgumentOutOfRangeException(nameof(epochs), epochs, $"Expected firstEpoch + epochs - 1 to fit in an int ({int.MaxValue}), got firstEpoch {firstEpoch} and epochs {epochs}.");
        return Iterate(network, optimizer, loss, training, batchSize, epochs, seed, validation, state ?? optimizer.Init(network), firstEpoch, dropout);
    }

    /// <summary>Runs epoch number <paramref name="epoch"/> alone from the given network and optimizer state, with <paramref name="dropout"/> on the hidden layers when not null.</summary>
    /// <exception cref="TrainingDivergedException">
    /// At the first mini-batch whose loss (or forward pass), gradient or updated parameters are not finite, or when the
    /// epoch's mean training loss is not finite; its <see cref="TrainingDivergedException.LastFiniteLoss"/> is the last
    /// finite mini-batch loss of this epoch.
    /// </exception>
    public static EpochResult<T> Epoch<T>(
        Network<T> network, OptimizerState<T> state, Optimizer optimizer, Loss loss, Dataset<T> training, int batchSize, int seed, int epoch,
        Dataset<T>? validation = null, Dropout? dropout = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSetup(network, optimizer, loss, training, batchSize, validation);
        ArgumentNullException.ThrowIfNull(state);
        Guard.Positive(epoch, nameof(epoch));
        dropout?.Check(network.Layers.Length - 1, nameof(dropout));
        var workspace = TrainingWorkspace<T>.TryCreate(network, state, optimizer, loss, Math.Min(batchSize, training.Count), dropout, seed);
        return RunEpoch(network, state, optimizer, loss, training, batchSize, seed, epoch, validation, workspace, null, dropout).Result;
    }

    /// <summary>The order in which epoch <paramref name="epoch"/> visits <paramref name="count"/> samples: a permutation derived from (seed, epoch).</summary>
    public static int[] ShuffledOrder(int count, int seed, int epoch)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), $"Expected a count of 0 or more, got {count}.");
        var order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        SeededRandom.Derive(unchecked((ulong)seed), SeededRandom.ShuffleStream, unchecked((ulong)epoch)).Shuffle(order);
        return order;
    }

    private static IEnumerable<EpochResult<T>> Iterate<T>(
        Network<T> network, Optimizer optimizer, Loss loss, Dataset<T> training, int batchSize, int epochs, int seed,
        Dataset<T>? validation, OptimizerState<T> state, int firstEpoch, Dropout? dropout)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TrainingWorkspace<T>? Workspace() => TrainingWorkspace<T>.TryCreate(network, state, optimizer, loss, Math.Min(batchSize, training.Count), dropout, seed);
        var workspace = Workspace();
        double? lastFiniteLoss = null;
        for (int e = 0; e < epochs; e++)
        {
            (var result, lastFiniteLoss) = RunEpoch(network, state, optimizer, loss, training, batchSize, seed, firstEpoch + e, validation, workspace, lastFiniteLoss, dropout);
            network = result.Network;
            state = result.State;
            // An epoch-level policy (reduce-on-plateau) changed the state after the workspace's last step: take it up.
            if (workspace is not null && !ReferenceEquals(state, workspace.LastState)) workspace = Workspace();
            yield return result;
        }
    }

    /// <summary>
    /// One epoch. With a workspace, the steps run in place on its private buffers (the fast path, allocating nothing
    /// per step); without one, each step is <see cref="Backprop.Forward{T}"/> and <see cref="Backprop.Backward{T}"/>
    /// then the update of <see cref="Backprop.Step{T}"/>. Both give the same bits. The workspace must hold
    /// <paramref name="network"/> and <paramref name="state"/>. Returns the result and the last finite mini-batch loss;
    /// throws <see cref="TrainingDivergedException"/> at the first non-finite loss, gradient or parameter.
    /// </summary>
    private static (EpochResult<T> Result, double? LastFiniteLoss) RunEpoch<T>(
        Network<T> network, OptimizerState<T> state, Optimizer optimizer, Loss loss, Dataset<T> training, int batchSize, int seed, int epoch,
        Dataset<T>? validation, TrainingWorkspace<T>? workspace, double? lastFiniteLoss, Dropout? dropout)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int count = training.Count;
        int size = Math.Min(batchSize, count);
        var order = ShuffledOrder(count, seed, epoch);
        T lossSum = T.Zero, weightSum = T.Zero;
        int step = 0;
        for (int start = 0; start < count; start += size)
        {
            step++;
            int length = Math.Min(size, count - start);
            T batchWeight = T.CreateChecked(length);
            if (training.Weights is not null)
            {
                batchWeight = T.Zero;
                foreach (int i in order.AsSpan(start, length)) batchWeight += training.Weights[i];
                if (batchWeight == T.Zero) continue;
            }
            T batchLoss;
            string? nonFinite;
            if (workspace is not null)
            {
                batchLoss = workspace.Step(training, order.AsSpan(start, length), out nonFinite, epoch, step);
            }
            else
            {
                var batch = training.Select(order.AsSpan(start, length));
                var mask = dropout is null ? null : DropoutMask.Draw<T>(dropout, network.LayerSizes, length, seed, epoch, step);
                (batchLoss, nonFinite, network, state) = PureStep(network, state, optimizer, loss, batch, mask);
            }
            if (nonFinite is not null) throw new TrainingDivergedException(epoch, step, nonFinite, lastFiniteLoss);
            lastFiniteLoss = double.CreateChecked(batchLoss);
            if (loss.Reduction == Reduction.Sum) lossSum += batchLoss;
            else lossSum += batchLoss * batchWeight;
            weightSum += batchWeight;
        }
        T trainingLoss = loss.Reduction == Reduction.Sum ? lossSum : lossSum / (training.Weights is null ? T.CreateChecked(count) : weightSum);
        if (!T.IsFinite(trainingLoss)) throw new TrainingDivergedException(epoch, step, TrainingDivergedException.Loss, lastFiniteLoss);
        if (workspace is not null)
        {
            network = workspace.ToNetwork();
            state = workspace.ToState();
        }
        T? validationLoss = null;
        double? validationAccuracy = null;
        if (validation is not null)
        {
            var output = Backprop.Forward(network, validation.Inputs);
            validationLoss = Backprop.CostCore(network.Layers[^1].Activation, output.PreActivations[^1], output.Output, validation.Targets, loss, validation.Weights);
            validationAccuracy = Metrics.Accuracy(output.Output, validation.Targets);
        }
        state = optimizer.EndEpoch(state, double.CreateChecked(trainingLoss), validationLoss is T v ? double.CreateChecked(v) : null);
        return (new EpochResult<T>(epoch, network, state, trainingLoss, validationLoss, validationAccuracy), lastFiniteLoss);
    }

    /// <summary>
    /// One pure step on a batch: the same operations as <see cref="Backprop.Gradient{T}"/> then <see cref="Backprop.Step{T}"/>,
    /// stopping at the first non-finite quantity (named as in <see cref="TrainingDivergedException.Quantity"/>) instead of
    /// throwing <see cref="ArgumentException"/>; the network and state are returned unchanged then.
    /// </summary>
    private static (T Loss, string? NonFinite, Network<T> Network, OptimizerState<T> State) PureStep<T>(
        Network<T> network, OptimizerState<T> state, Optimizer optimizer, Loss loss, Dataset<T> batch, DropoutMask<T>? mask)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var trace = Backprop.Forward(network, batch.Inputs, mask);
        for (int l = 0; l < trace.Activations.Length; l++)
            if (!IsFinite(trace.PreActivations[l].AsSpan()) || !IsFinite(trace.Activations[l].AsSpan()))
                return (T.NaN, TrainingDivergedException.Loss, network, state);
        var gradients = Backprop.Backward(network, trace, batch.Targets, loss, batch.Weights);
        if (!T.IsFinite(gradients.Loss)) return (gradients.Loss, TrainingDivergedException.Loss, network, state);
        if (!IsFinite(gradients.Gradient)) return (gradients.Loss, TrainingDivergedException.Gradient, network, state);
        var update = optimizer.Update(gradients.Gradient, state, network.Parameters);
        var next = network.Parameters.Add(update.Updates);
        if (!IsFinite(next)) return (gradients.Loss, TrainingDivergedException.Parameters, network, state);
        return (gradients.Loss, null, network.WithParameters(next), update.State);
    }

    private static bool IsFinite<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T> => Kernels<T>.IndexOfNonFinite(values) < 0;

    private static bool IsFinite<T>(Parameters<T> parameters) where T : unmanaged, IFloatingPointIeee754<T> =>
        parameters.Layers.All(layer => IsFinite(layer.Weight.AsSpan()) && IsFinite(layer.Bias.AsSpan()));

    private static void CheckSetup<T>(Network<T> network, Optimizer optimizer, Loss loss, Dataset<T> training, int batchSize, Dataset<T>? validation)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(training);
        Guard.Positive(batchSize, nameof(batchSize));
        CheckData(network, loss, training, nameof(training));
        if (validation is not null) CheckData(network, loss, validation, nameof(validation));
    }

    private static void CheckData<T>(Network<T> network, Loss loss, Dataset<T> data, string name) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (data.Inputs.Rows != network.InputSize)
            throw new ArgumentException($"Expected {name}.Inputs to be {network.InputSize} x m, got {data.Inputs.Shape}.", name);
        if (data.Targets.Rows != network.OutputSize)
            throw new ArgumentException($"Expected {name}.Targets to be {network.OutputSize} x m, got {data.Targets.Shape}.", name);
        loss.CheckOutputActivation(network.Layers[^1].Activation, nameof(loss));
        loss.CheckTargets(data.Targets, name);
    }
}
