using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;
using static Pure.Properties.Support.BehaviourGenerators;

namespace Pure.Properties;

/// <summary>
/// The training loop runs its steps in place on private buffers. These properties pin that it is only an
/// optimisation: every epoch equals, bit for bit, the pure loop of <see cref="Backprop.Gradient{T}"/> and
/// <see cref="Backprop.Step{T}"/> over the same batches, in both dtypes and for every optimizer option, and it fails
/// with the same <see cref="TrainingDivergedException"/> (epoch, step, quantity, last finite loss) where the pure loop diverges.
/// </summary>
public class InPlaceTrainingProperties
{
    private const int EpochCount = 3;

    /// <summary>
    /// The pure loop by hand: per epoch, the network, the state and the mean training loss; or, where a mini-batch's
    /// loss, gradient or new parameters are not finite, the divergence Training must report (epoch, step, quantity and
    /// last finite loss), read from the pure functions' own checks. With <paramref name="dropout"/>, each step uses the mask of (seed, epoch, step).
    /// </summary>
    private static (List<(Network<T> Network, OptimizerState<T> State, T Loss)> Epochs, TrainingDivergedException? Error) PureLoop<T>(
        Network<T> network, Optimizer optimizer, Loss loss, Dataset<T> data, int batchSize, int seed, Dropout? dropout)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var epochs = new List<(Network<T>, OptimizerState<T>, T)>();
        var state = optimizer.Init(network);
        int m = data.Count, size = Math.Min(batchSize, m);
        double? lastFinite = null;
        for (int epoch = 1; epoch <= EpochCount; epoch++)
        {
            var order = Training.ShuffledOrder(m, seed, epoch);
            T sum = T.Zero, totalWeight = T.Zero;
            int step = 0;
            for (int start = 0; start < m; start += size)
            {
                step++;
                int length = Math.Min(size, m - start);
                // A mini-batch whose weights are all 0 takes no step (Training.Epochs' documented rule).
                T batchWeight = T.CreateChecked(length);
                if (data.Weights is not null)
                {
                    batchWeight = T.Zero;
                    foreach (int i in order.AsSpan(start, length)) batchWeight += data.Weights[i];
                    if (batchWeight == T.Zero) continue;
                }
                var batch = data.Select(order.AsSpan(start, length));
                Gradients<T> gradients;
                try
                {
                    var mask = dropout is null ? null : DropoutMask.Draw<T>(dropout, network.LayerSizes, length, seed, epoch, step);
                    gradients = Backprop.Gradient(network, batch.Inputs, batch.Targets, loss, batch.Weights, mask);
                }
                catch (ArgumentException error) when (error.ParamName == "trace")
                {
                    return (epochs, new TrainingDivergedException(epoch, step, TrainingDivergedException.Loss, lastFinite));
                }
                if (!T.IsFinite(gradients.Loss)) return (epochs, new TrainingDivergedException(epoch, step, TrainingDivergedException.Loss, lastFinite));
                try
                {
                    var next = Backprop.Step(optimizer, state, network, gradients);
                    (network, state) = (next.Network, next.State);
                }
                catch (ArgumentException error) when (error.ParamName is "gradients" or "optimizer")
                {
                    string quantity = error.ParamName == "gradients" ? TrainingDivergedException.Gradient : TrainingDivergedException.Parameters;
                    return (epochs, new TrainingDivergedException(epoch, step, quantity, lastFinite));
                }
                lastFinite = double.CreateChecked(gradients.Loss);
                sum += loss.Reduction == Reduction.Sum ? gradients.Loss : gradients.Loss * batchWeight;
                totalWeight += batchWeight;
            }
            T mean = loss.Reduction == Reduction.Sum ? sum : sum / (data.Weights is null ? T.CreateChecked(m) : totalWeight);
            if (!T.IsFinite(mean)) return (epochs, new TrainingDivergedException(epoch, step, TrainingDivergedException.Loss, lastFinite));
            epochs.Add((network, state, mean));
        }
        return (epochs, null);
    }

    /// <summary>Training.Epochs against the pure loop; a failure message, or null when they agree bit for bit.</summary>
    internal static string? Compare<T>(Network<T> network, Optimizer optimizer, Loss loss, Dataset<T> data, int batchSize, int seed, Dropout? dropout = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (expected, expectedError) = PureLoop(network, optimizer, loss, data, batchSize, seed, dropout);
        var actual = new List<EpochResult<T>>();
        TrainingDivergedException? actualError = null;
        try
        {
            foreach (var result in Training.Epochs(network, optimizer, loss, data, batchSize, EpochCount, seed, dropout: dropout)) actual.Add(result);
        }
        catch (TrainingDivergedException error)
        {
            actualError = error;
        }
        if (expected.Count != actual.Count) return $"pure loop ran {expected.Count} epochs, training ran {actual.Count}";
        for (int e = 0; e < expected.Count; e++)
        {
            if (!Bits(expected[e].Network, expected[e].State).AsSpan().SequenceEqual(Bits(actual[e].Network, actual[e].State)))
                return $"epoch {e + 1}: network or optimizer state differs";
            if (!Bits(expected[e].Loss).AsSpan().SequenceEqual(Bits(actual[e].TrainingLoss)))
                return $"epoch {e + 1}: training loss {actual[e].TrainingLoss} differs from {expected[e].Loss}";
        }
        if (expectedError?.Message != actualError?.Message)
            return $"pure loop diverged with '{expectedError?.Message}', training with '{actualError?.Message}'";
        return null;
    }

    private static Arbitrary<(TrainingCase Case, int Optimizer)> Cases() =>
        (from t in TrainingCase() from optimizer in Gen.Choose(0, StepOptimizers.Length - 1) select (t, optimizer)).ToArbitrary();

    [PureProperty(MaxTest = 100)]
    public Property In_place_epochs_equal_pure_steps_bit_for_bit_in_double() => Prop.ForAll(Cases(), c =>
    {
        var (t, index) = c;
        string? failure = Compare(t.CreateNetwork(), StepOptimizers[index].Optimizer, t.Loss, t.Training, t.BatchSize, t.Seed);
        return (failure is null).Label($"{StepOptimizers[index].Name}: {failure}");
    });

    [PureProperty(MaxTest = 100)]
    public Property In_place_epochs_equal_pure_steps_bit_for_bit_in_float() => Prop.ForAll(Cases(), c =>
    {
        var (t, index) = c;
        var network = Network.Create<float>(t.Sizes, t.Activations, t.Seed);
        string? failure = Compare(network, StepOptimizers[index].Optimizer, t.Loss, t.TrainingAs<float>(), t.BatchSize, t.Seed);
        return (failure is null).Label($"{StepOptimizers[index].Name}: {failure}");
    });

    /// <summary>
    /// Chains the fused pass does not cover, so that the training loop runs their leaves one after another: without
    /// clipping inside the backward pass (tile by tile), with clipping in stages after it.
    /// </summary>
    private static readonly (string Name, Optimizer Optimizer)[] GeneralPathOptimizers =
    [
        ("momentum, decay, scale", Optimizer.Chain(Optimizer.ScaleByMomentum(0.5), Optimizer.AddDecayedWeights(0.01), Optimizer.ScaleByLearningRate(0.05))),
        ("adam, scale, scale", Optimizer.Chain(Optimizer.ScaleByAdam(), Optimizer.ScaleByLearningRate(0.1), Optimizer.ScaleByLearningRate(0.5))),
        ("decay, clip 1, nesterov, scale", Optimizer.Chain(Optimizer.AddDecayedWeights(0.01), Optimizer.ClipByGlobalNorm(1), Optimizer.ScaleByMomentum(0.9, true), Optimizer.ScaleByLearningRate(0.05))),
        ("adam, clip 0.1", Optimizer.Chain(Optimizer.ScaleByAdam(), Optimizer.ClipByGlobalNorm(0.1))),
    ];

    /// <summary>Every generated case of <see cref="GeneralPathOptimizers"/> trained in <typeparamref name="T"/> by both loops.</summary>
    private static Property UnfusedChainsAgree<T>() where T : unmanaged, IFloatingPointIeee754<T> => Prop.ForAll(
        (from t in TrainingCase() from optimizer in Gen.Choose(0, GeneralPathOptimizers.Length - 1) select (t, optimizer)).ToArbitrary(), c =>
        {
            var (t, index) = c;
            string? failure = Compare(t.CreateNetwork<T>(), GeneralPathOptimizers[index].Optimizer, t.Loss, t.TrainingAs<T>(), t.BatchSize, t.Seed);
            return (failure is null).Label($"{GeneralPathOptimizers[index].Name}: {failure}");
        });

    [PureProperty(MaxTest = 50)]
    public Property In_place_epochs_of_unfused_chains_equal_pure_steps_bit_for_bit_in_double() => UnfusedChainsAgree<double>();

    [PureProperty(MaxTest = 50)]
    public Property In_place_epochs_of_unfused_chains_equal_pure_steps_bit_for_bit_in_float() => UnfusedChainsAgree<float>();

    /// <summary>
    /// A layer 100 inputs wide, so that ∇W^[1] is finished in several tiles and the fused update of a tile starts past
    /// the front of its segment (the generated networks are too small for that): every chain, fused or not, in both types.
    /// </summary>
    private static void WideLayerRunsAgree<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(7);
        var inputs = ImmutableMatrix.Create(100, 24, (_, _) => T.CreateChecked(2 * random.NextDouble() - 1));
        var targets = ImmutableMatrix.Create(3, 24, (i, j) => (i + j) % 3 == 0 ? T.One : T.Zero);
        var network = Network.Create<T>([100, 30, 3], [Activation.Tanh, Activation.Softmax], seed: 11);
        foreach (var (name, optimizer) in StepOptimizers.Concat(GeneralPathOptimizers))
        {
            string? failure = Compare(network, optimizer, Loss.CategoricalCrossEntropy, new Dataset<T>(inputs, targets), batchSize: 8, seed: 5);
            Assert.True(failure is null, $"{name}: {failure}");
        }
    }

    [Fact]
    public void In_place_epochs_equal_pure_steps_when_the_update_is_fused_tile_by_tile_in_float() => WideLayerRunsAgree<float>();

    [Fact]
    public void In_place_epochs_equal_pure_steps_when_the_update_is_fused_tile_by_tile_in_double() => WideLayerRunsAgree<double>();

    /// <summary>Weights 0, 0.5, 1 or 2.5 per training sample (a third of them 0, at least one not), and a reduction.</summary>
    private static Arbitrary<(TrainingCase Case, int Optimizer, double[] Weights, Reduction Reduction)> WeightedCases() =>
        (from t in TrainingCase()
         from optimizer in Gen.Choose(0, StepOptimizers.Length - 1)
         from weights in Gen.ArrayOf(Gen.Elements(0, 0, 0.5, 1, 2.5, 0), t.Training.Count)
         where weights.Any(w => w > 0)
         from reduction in Gen.Elements(Reduction.Mean, Reduction.Sum)
         select (t, optimizer, weights, reduction)).ToArbitrary();

    /// <summary>Every weighted, summed or averaged case trained in T by both loops, bit for bit (batches of weight 0 skipped by both).</summary>
    private static Property WeightedRunsAgree<T>() where T : unmanaged, IFloatingPointIeee754<T> => Prop.ForAll(WeightedCases(), c =>
    {
        var (t, index, weights, reduction) = c;
        var data = t.TrainingAs<T>().WithWeights(ImmutableVector.Create([.. weights.Select(T.CreateChecked)]));
        string? failure = Compare(t.CreateNetwork<T>(), StepOptimizers[index].Optimizer, t.Loss.WithReduction(reduction), data, t.BatchSize, t.Seed);
        return (failure is null).Label($"{StepOptimizers[index].Name} {reduction} w={string.Join(",", weights)}: {failure}");
    });

    [PureProperty(MaxTest = 100)]
    public Property In_place_epochs_with_weights_and_reductions_equal_pure_steps_bit_for_bit_in_double() => WeightedRunsAgree<double>();

    [PureProperty(MaxTest = 100)]
    public Property In_place_epochs_with_weights_and_reductions_equal_pure_steps_bit_for_bit_in_float() => WeightedRunsAgree<float>();

    [Fact]
    public void In_place_epochs_with_weights_equal_pure_steps_when_the_update_is_fused_tile_by_tile()
    {
        var random = new Random(3);
        var inputs = ImmutableMatrix.Create(100, 24, (_, _) => 2 * random.NextDouble() - 1);
        var targets = ImmutableMatrix.Create(3, 24, (i, j) => (i + j) % 3 == 0 ? 1.0 : 0.0);
        var weights = ImmutableVector.Create([.. Enumerable.Range(0, 24).Select(j => j % 5 == 0 ? 0 : 0.5 * (j % 4))]);
        var network = Network.Create<double>([100, 30, 3], [Activation.Tanh, Activation.Softmax], seed: 11);
        foreach (var reduction in new[] { Reduction.Mean, Reduction.Sum })
            foreach (var (name, optimizer) in StepOptimizers.Concat(GeneralPathOptimizers))
            {
                string? failure = Compare(network, optimizer, Loss.CategoricalCrossEntropy.WithReduction(reduction),
                    new Dataset<double>(inputs, targets) { Weights = weights }, batchSize: 2, seed: 5);
                Assert.True(failure is null, $"{name} {reduction}: {failure}");
            }
    }

    [PureProperty(MaxTest = 100)]
    public Property Overflowing_step_fails_as_the_pure_step_does() => Prop.ForAll(TrainingCases(), t =>
    {
        // A learning rate of 1e300 sends the parameters to infinity on the first step (or the one after, where a
        // gradient happens to vanish); both loops must stop at the same step with the same divergence.
        var optimizer = Optimizer.Sgd(1e300);
        string? failure = Compare(t.CreateNetwork(), optimizer, t.Loss, t.Training, t.BatchSize, t.Seed);
        return (failure is null).Label(failure ?? "");
    });

    [Fact]
    public void Overflow_is_a_divergence_of_the_parameters_at_the_first_step()
    {
        // Targets of 100 make the gradient of the output weights exceed 2 in size, so a rate of 1e308 overflows at once.
        var network = Network.Create<double>([2, 3, 1], Activation.Tanh, Activation.Identity, 5);
        var data = new Dataset<double>(
            ImmutableMatrix.FromRows<double>([[1, -1, 0.5], [0.25, 2, -1]]), ImmutableMatrix.FromRows<double>([[100, 100, 100]]));
        var error = Assert.Throws<TrainingDivergedException>(() => Training.Epochs(network, Optimizer.Sgd(1e308), Loss.HalfSquared, data, 3, 1, 0).ToArray());
        Assert.Equal((1, 1, TrainingDivergedException.Parameters, (double?)null), (error.Epoch, error.Step, error.Quantity, error.LastFiniteLoss));
        Assert.Contains("lower the learning rate", error.Message);
    }

    [PureProperty(MaxTest = 100)]
    public Property Training_leaves_its_inputs_untouched() => Prop.ForAll(Cases(), c =>
    {
        var (t, index) = c;
        var network = t.CreateNetwork();
        var optimizer = StepOptimizers[index].Optimizer;
        var state = optimizer.Init(network);
        var before = Bits(network, state, t.Training);
        try
        {
            _ = Training.Epochs(network, optimizer, t.Loss, t.Training, t.BatchSize, 2, t.Seed, state: state).ToArray();
            _ = Training.Epoch(network, state, optimizer, t.Loss, t.Training, t.BatchSize, t.Seed, 1);
        }
        catch (TrainingDivergedException)
        {
            // Divergence is allowed here; only the inputs matter.
        }
        return before.AsSpan().SequenceEqual(Bits(network, state, t.Training));
    });
}
