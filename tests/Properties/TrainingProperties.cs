using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;
using static Pure.Properties.Support.BehaviourGenerators;

namespace Pure.Properties;

/// <summary>An optimizer state that counts the steps taken.</summary>
public sealed record StepCount<T>(int Steps) : OptimizerState<T> where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>;

/// <summary>A transform that leaves the parameters alone (zero update) and counts its steps.</summary>
public sealed record CountingOptimizer : Optimizer
{
    public override OptimizerState<T> Init<T>(Parameters<T> parameters) => new StepCount<T>(0);

    public override OptimizerUpdate<T> Update<T>(Parameters<T> gradient, OptimizerState<T> state, Parameters<T> parameters) =>
        new(gradient.ZerosLike(), new StepCount<T>(((StepCount<T>)state).Steps + 1));
}

/// <summary>An optimizer whose update always throws, to show when the training sequence does work.</summary>
public sealed record ThrowingOptimizer : Optimizer
{
    public override OptimizerState<T> Init<T>(Parameters<T> parameters) => new EmptyState<T>();

    public override OptimizerUpdate<T> Update<T>(Parameters<T> gradient, OptimizerState<T> state, Parameters<T> parameters) =>
        throw new InvalidOperationException("Update was called.");
}

/// <summary>Mini-batch training: every batch size trains, every sample is used, shuffles are seeded, metrics are reported, the sequence is lazy.</summary>
public class TrainingProperties
{
    /// <summary>
    /// A separable problem: 24 points of [-1, 1]^2 with a margin of 0.2 around the line x0 + x1 = 0, labelled 1
    /// above it, and a 2-4-1 tanh/sigmoid network with binary cross-entropy.
    /// </summary>
    private static Arbitrary<(Dataset<double> Data, int Seed)> SeparableProblems() =>
        (from points in Gen.ArrayOf(
             from x0 in Gen.Choose(-1000, 1000)
             from x1 in Gen.Choose(-1000, 1000)
             where Math.Abs(x0 + x1) >= 200
             select (x0 / 1000.0, x1 / 1000.0), 24)
         from seed in Seed()
         select (new Dataset<double>(
             ImmutableMatrix.Create(2, points.Length, (i, j) => i == 0 ? points[j].Item1 : points[j].Item2),
             ImmutableMatrix.Create(1, points.Length, (_, j) => points[j].Item1 + points[j].Item2 > 0 ? 1.0 : 0.0)), seed)).ToArbitrary();

    [PureProperty(MaxTest = 100)]
    public Property Batch_size_1_full_and_between_all_train() => Prop.ForAll(SeparableProblems(), p =>
    {
        var network = Network.Create<double>([2, 4, 1], Activation.Tanh, Activation.Sigmoid, p.Seed);
        double before = Backprop.Cost(network, p.Data.Inputs, p.Data.Targets, Loss.BinaryCrossEntropy);
        // Single-sample mode, an in-between size that leaves a last batch of 3, and batch mode; 10 epochs of SGD.
        foreach (int batch in new[] { 1, 7, p.Data.Count })
        {
            var last = Training.Epochs(network, Optimizer.Sgd(0.5), Loss.BinaryCrossEntropy, p.Data, batch, 10, p.Seed).Last();
            double after = Backprop.Cost(last.Network, p.Data.Inputs, p.Data.Targets, Loss.BinaryCrossEntropy);
            Assert.True(after < before, $"batch size {batch}: training loss {before} -> {after}");
        }
    });

    [PureProperty]
    public Property Last_smaller_batch_is_used() => Prop.ForAll(TrainingCases(), t =>
    {
        int m = t.Training.Count;
        int steps = (m + t.BatchSize - 1) / t.BatchSize;
        // ceil(m / batch) steps per epoch: the counting optimizer's state after e epochs is e * ceil(m / batch).
        var counted = Training.Epochs(t.CreateNetwork(), new CountingOptimizer(), t.Loss, t.Training, t.BatchSize, 3, t.Seed).ToArray();
        for (int e = 0; e < counted.Length; e++)
            Assert.Equal((e + 1) * steps, Assert.IsType<StepCount<double>>(counted[e].State).Steps);

        // The same run by hand, every batch of ShuffledOrder including the last, smaller one, is bitwise identical.
        var network = t.CreateNetwork();
        var state = t.Optimizer.Init(network);
        var run = Training.Epochs(network, t.Optimizer, t.Loss, t.Training, t.BatchSize, 3, t.Seed).ToArray();
        for (int epoch = 1; epoch <= 3; epoch++)
        {
            var order = Training.ShuffledOrder(m, t.Seed, epoch);
            for (int start = 0; start < m; start += t.BatchSize)
            {
                var batch = t.Training.Select(order.AsSpan(start, Math.Min(t.BatchSize, m - start)));
                var step = Backprop.Step(t.Optimizer, state, network, Backprop.Gradient(network, batch.Inputs, batch.Targets, t.Loss));
                (network, state) = (step.Network, step.State);
            }
            Assert.True(Bits(network, state).AsSpan().SequenceEqual(Bits(run[epoch - 1].Network, run[epoch - 1].State)), $"epoch {epoch} differs from the manual loop");
        }
    });

    [PureProperty]
    public Property Shuffle_depends_only_on_seed_and_epoch() => Prop.ForAll(
        (from count in Gen.Choose(0, 40) from seed in Seed() from epoch in Gen.Choose(1, 1000) select (count, seed, epoch)).ToArbitrary(),
        s =>
        {
            var order = Training.ShuffledOrder(s.count, s.seed, s.epoch);
            Assert.Equal(Enumerable.Range(0, s.count), order.Order());
            Assert.Equal(order, Training.ShuffledOrder(s.count, s.seed, s.epoch));
            // From 12 samples on, two independent permutations agree with probability 1 / 12! (about 2e-9).
            if (s.count >= 12)
            {
                Assert.NotEqual(order, Training.ShuffledOrder(s.count, s.seed, s.epoch + 1));
                Assert.NotEqual(order, Training.ShuffledOrder(s.count, s.seed + 1, s.epoch));
            }
        });

    [PureProperty]
    public Property Validation_metrics_are_reported() => Prop.ForAll(TrainingCases(), t =>
    {
        var network = t.CreateNetwork();
        var with = Training.Epochs(network, t.Optimizer, t.Loss, t.Training, t.BatchSize, 2, t.Seed, t.Validation).ToArray();
        var without = Training.Epochs(network, t.Optimizer, t.Loss, t.Training, t.BatchSize, 2, t.Seed).ToArray();
        var state = t.Optimizer.Init(network);
        int m = t.Training.Count;
        for (int e = 0; e < 2; e++)
        {
            var result = with[e];
            Assert.Equal(Bits(Backprop.Cost(result.Network, t.Validation.Inputs, t.Validation.Targets, t.Loss)), Bits(result.ValidationLoss));
            Assert.Equal(Metrics.Accuracy(Backprop.Predict(result.Network, t.Validation.Inputs), t.Validation.Targets), result.ValidationAccuracy);
            Assert.Null(without[e].ValidationLoss);
            Assert.Null(without[e].ValidationAccuracy);
            // The validation set changes nothing else.
            Assert.Equal(Bits(result.Network, result.State, result.TrainingLoss), Bits(without[e].Network, without[e].State, without[e].TrainingLoss));

            // Training loss: the mean over the epoch's samples of the loss of each sample's batch, before the step.
            var order = Training.ShuffledOrder(m, t.Seed, e + 1);
            double weighted = 0;
            for (int start = 0; start < m; start += t.BatchSize)
            {
                int length = Math.Min(t.BatchSize, m - start);
                var batch = t.Training.Select(order.AsSpan(start, length));
                var gradients = Backprop.Gradient(network, batch.Inputs, batch.Targets, t.Loss);
                weighted += gradients.Loss * length / m;
                (network, state) = Backprop.Step(t.Optimizer, state, network, gradients);
            }
            Assert.True(Math.Abs(weighted - result.TrainingLoss) <= 1e-12 * Math.Max(1, Math.Abs(weighted)), $"epoch {e + 1}: {result.TrainingLoss} reported, {weighted} expected");
        }
    });

    [Fact]
    public void Epochs_are_lazy_and_validate_arguments_eagerly()
    {
        var network = Network.Create<double>([2, 3, 1], Activation.Tanh, Activation.Sigmoid, 1);
        var data = new Dataset<double>(ImmutableMatrix.Create(2, 4, (i, j) => i - j * 0.5), ImmutableMatrix.Create(1, 4, (_, j) => j % 2.0));
        // Creating the sequence does no work: the optimizer's update would throw.
        var epochs = Training.Epochs(network, new ThrowingOptimizer(), Loss.BinaryCrossEntropy, data, 2, 5, 0);
        Assert.Equal("Update was called.", Assert.Throws<InvalidOperationException>(() => epochs.First()).Message);
        // Arguments are still checked when the sequence is made, not when it is enumerated.
        Assert.Equal("batchSize", Assert.ThrowsAny<ArgumentException>(() => Training.Epochs(network, new ThrowingOptimizer(), Loss.BinaryCrossEntropy, data, 0, 5, 0)).ParamName);
        Assert.Equal("epochs", Assert.ThrowsAny<ArgumentException>(() => Training.Epochs(network, new ThrowingOptimizer(), Loss.BinaryCrossEntropy, data, 2, 0, 0)).ParamName);
        // The sequence is pure: enumerating it twice gives the same epochs, and taking fewer computes only those.
        var counting = Training.Epochs(network, new CountingOptimizer(), Loss.BinaryCrossEntropy, data, 3, 5, 0);
        Assert.Equal(Bits(counting.ToArray()), Bits(counting.ToArray()));
        Assert.Equal(2, counting.Take(1).Select(r => ((StepCount<double>)r.State).Steps).Single());
    }
}
