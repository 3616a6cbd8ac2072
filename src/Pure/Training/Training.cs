using System.Numerics;

namespace Pure;

/// <summary>A batch of samples and their targets, one sample per column; checked once when made.</summary>
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

    /// <summary>m, the number of samples.</summary>
    public int Count => Inputs.Columns;

    /// <summary>The samples at <paramref name="indices"/>, in that order.</summary>
    public Dataset<T> Select(ReadOnlySpan<int> indices) => new(Inputs.SelectColumns(indices), Targets.SelectColumns(indices));

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
/// <param name="State">The optimizer state after the epoch.</param>
/// <param name="TrainingLoss">The mean over the epoch's samples of the loss measured on each mini-batch before its step.</param>
/// <param name="ValidationLoss">The cost on the validation set after the epoch, when one was given.</param>
/// <param name="ValidationAccuracy">The accuracy on the validation set after the epoch, when one was given.</param>
public sealed record EpochResult<T>(int Epoch, Network<T> Network, OptimizerState<T> State, T TrainingLoss, T? ValidationLoss, double? ValidationAccuracy)
    where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>Mini-batch gradient descent as a lazy, pure sequence of epochs.</summary>
public static class Training
{
    /// <summary>
    /// Trains for <paramref name="epochs"/> epochs and yields one result per epoch, lazily. Each epoch shuffles the
    /// samples with a permutation derived from (seed, epoch) alone, cuts them into mini-batches of
    /// <paramref name="batchSize"/> (the last one smaller when m is not a multiple; a batch size above m means one
    /// full batch) and takes one <see cref="Backprop.Step{T}"/> per batch. Batch size 1 is the seeds'
    /// single-sample mode; batch size m is batch mode.
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
    /// <param name="firstEpoch">The number of the first epoch, to resume a run: epoch k is the same whether reached from 1 or started at k.</param>
    public static IEnumerable<EpochResult<T>> Epochs<T>(
        Network<T> network, Optimizer optimizer, Loss loss, Dataset<T> training, int batchSize, int epochs, int seed,
        Dataset<T>? validation = null, OptimizerState<T>? state = null, int firstEpoch = 1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSetup(network, optimizer, loss, training, batchSize, validation);
        Guard.Positive(epochs, nameof(epochs));
        Guard.Positive(firstEpoch, nameof(firstEpoch));
        return Iterate(network, optimizer, loss, training, batchSize, epochs, seed, validation, state ?? optimizer.Init(network), firstEpoch);
    }

    /// <summary>Runs epoch number <paramref name="epoch"/> alone from the given network and optimizer state.</summary>
    public static EpochResult<T> Epoch<T>(
        Network<T> network, OptimizerState<T> state, Optimizer optimizer, Loss loss, Dataset<T> training, int batchSize, int seed, int epoch,
        Dataset<T>? validation = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSetup(network, optimizer, loss, training, batchSize, validation);
        ArgumentNullException.ThrowIfNull(state);
        Guard.Positive(epoch, nameof(epoch));
        var workspace = TrainingWorkspace<T>.TryCreate(network, state, optimizer, loss, Math.Min(batchSize, training.Count));
        return RunEpoch(network, state, optimizer, loss, training, batchSize, seed, epoch, validation, workspace);
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
        Dataset<T>? validation, OptimizerState<T> state, int firstEpoch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var workspace = TrainingWorkspace<T>.TryCreate(network, state, optimizer, loss, Math.Min(batchSize, training.Count));
        for (int epoch = firstEpoch; epoch < firstEpoch + epochs; epoch++)
        {
            var result = RunEpoch(network, state, optimizer, loss, training, batchSize, seed, epoch, validation, workspace);
            network = result.Network;
            state = result.State;
            yield return result;
        }
    }

    /// <summary>
    /// One epoch. With a workspace, the steps run in place on its private buffers (the fast path, allocating nothing
    /// per step); without one, each step is <see cref="Backprop.Gradient{T}"/> then <see cref="Backprop.Step{T}"/>.
    /// Both give the same bits. The workspace must hold <paramref name="network"/> and <paramref name="state"/>.
    /// </summary>
    private static EpochResult<T> RunEpoch<T>(
        Network<T> network, OptimizerState<T> state, Optimizer optimizer, Loss loss, Dataset<T> training, int batchSize, int seed, int epoch,
        Dataset<T>? validation, TrainingWorkspace<T>? workspace = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int count = training.Count;
        int size = Math.Min(batchSize, count);
        var order = ShuffledOrder(count, seed, epoch);
        T lossSum = T.Zero;
        for (int start = 0; start < count; start += size)
        {
            int length = Math.Min(size, count - start);
            T batchLoss;
            if (workspace is not null)
            {
                batchLoss = workspace.Step(training, order.AsSpan(start, length));
            }
            else
            {
                var batch = training.Select(order.AsSpan(start, length));
                var gradients = Backprop.Gradient(network, batch.Inputs, batch.Targets, loss);
                batchLoss = gradients.Loss;
                var step = Backprop.Step(optimizer, state, network, gradients);
                network = step.Network;
                state = step.State;
            }
            lossSum += batchLoss * T.CreateChecked(length);
        }
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
            validationLoss = Backprop.CostCore(network.Layers[^1].Activation, output.PreActivations[^1], output.Output, validation.Targets, loss);
            validationAccuracy = Metrics.Accuracy(output.Output, validation.Targets);
        }
        return new EpochResult<T>(epoch, network, state, lossSum / T.CreateChecked(count), validationLoss, validationAccuracy);
    }

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
