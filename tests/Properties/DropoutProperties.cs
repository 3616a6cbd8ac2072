using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;
using Pure.Testing;
using static Pure.Properties.Support.BehaviourGenerators;

namespace Pure.Properties;

/// <summary>
/// Inverted dropout: for a fixed mask the analytic gradient is the gradient of the masked cost and backward is the
/// adjoint of the masked forward linearisation; a rate of 0 is no dropout, bit for bit; a mask depends on its key
/// (seed, epoch, step, layer) alone and its entries average 1; training with dropout runs the same bits in place as
/// through the pure functions, on one thread or two, and resumes from a checkpoint bit for bit.
/// </summary>
[Collection(nameof(MathNetGlobals))]
public class DropoutProperties
{
    private static readonly double[] Rates = [0.1, 0.25, 0.5];

    /// <summary>Cases with at least one hidden layer, smooth activations and losses (no kinks to avoid), a rate and a mask key.</summary>
    private static Arbitrary<(NetworkCase Case, double Rate, int Seed, int Step)> MaskedCases() =>
        (from c in Generators.Case(Generators.LayerSizes(2), Generators.SmoothActivations, Generators.SmoothPairings)
         from rate in Gen.Elements(Rates)
         from seed in Seed()
         from step in Gen.Choose(1, 1000)
         select (c, rate, seed, step)).ToArbitrary();

    /// <summary>The bits of every epoch's network, state and training loss.</summary>
    private static byte[] Snapshot<T>(IEnumerable<EpochResult<T>> run) where T : unmanaged, IFloatingPointIeee754<T> =>
        Bits([.. run.SelectMany(r => new object?[] { r.Network, r.State, r.TrainingLoss })]);

    private static DropoutMask<T> MaskFor<T>(Network<T> network, int m, double rate, int seed, int step) where T : unmanaged, IFloatingPointIeee754<T> =>
        DropoutMask.Draw<T>(new Dropout(rate), network.LayerSizes, m, seed, 1, step);

    [PureProperty]
    public Property Gradient_with_a_fixed_mask_matches_central_differences() => Prop.ForAll(MaskedCases(), x =>
    {
        var (c, rate, seed, step) = x;
        var mask = MaskFor(c.Network, c.SampleCount, rate, seed, step);
        double cost = Backprop.Cost(c.Network, c.Input, c.Target, c.Loss, mask);
        return Prop.When(Math.Abs(cost) <= 500, () =>
        {
            var gradient = Backprop.Gradient(c.Network, c.Input, c.Target, c.Loss, mask: mask);
            var theta = c.Network.Parameters.Flatten();
            var analytic = gradient.Gradient.Flatten();
            // The rounding of the cost's terms, as GradientCheck.Run weighs it for a network: (L + 1) Σ |a ⊙ ∂ℓ/∂a| / m.
            var output = Backprop.Forward(c.Network, c.Input, mask).Output;
            var sensitivity = c.Loss.Gradient(output, c.Target);
            double scale = 0;
            for (int i = 0; i < output.Count; i++) scale += Math.Abs(output.AsSpan()[i] * sensitivity.AsSpan()[i]);
            scale *= (c.Network.Layers.Length + 1) / (double)c.SampleCount;
            double analyticError = 1024 * Math.Pow(2, -52) * analytic.Select(Math.Abs).Max();
            var report = GradientCheck.Run<double>(
                t => Backprop.Cost(c.Network.WithParameters(c.Network.Parameters.Unflatten(t)), c.Input, c.Target, c.Loss, mask),
                theta, analytic, analyticError, costScale: scale);
            return (gradient.Loss == cost && report.CheckedCount == c.Network.ParameterCount && report.Passed).Label($"rate {rate}\n{report}");
        });
    });

    [PureProperty]
    public Property Backward_with_a_mask_is_adjoint_of_the_masked_jvp() => Prop.ForAll(
        (from x in MaskedCases().Generator
         from tangent in Generators.Matrix(x.Case.Network.InputSize, x.Case.SampleCount, 2)
         from cotangent in Generators.Matrix(x.Case.Network.OutputSize, x.Case.SampleCount, 2)
         select (x.Case, x.Rate, x.Seed, x.Step, tangent, cotangent)).ToArbitrary(), x =>
        {
            var network = x.Case.Network;
            var mask = MaskFor(network, x.Case.SampleCount, x.Rate, x.Seed, x.Step);
            var jvp = Backprop.Jvp(network, x.Case.Input, x.tangent, mask);
            var vjp = Backprop.Vjp(network, Backprop.Forward(network, x.Case.Input, mask), x.cotangent);
            double left = jvp.Dot(x.cotangent), right = x.tangent.Dot(vjp);
            // As in AdjointProperties, with each hidden layer's Jacobian also scaled by at most max M = 1/(1 - p).
            double norm(ImmutableMatrix<double> m) => Math.Sqrt(m.Dot(m));
            double bound = norm(x.tangent) * norm(x.cotangent)
                * network.Layers.Aggregate(1.0, (product, layer) => product * 2 * norm(layer.Weight) / (1 - x.Rate));
            // Dropout changes the result: the unmasked Jvp differs wherever a kept or dropped unit carries the tangent.
            return (Math.Abs(left - right) <= 1e-12 * bound).Label($"<J t, c> = {left:R}, <t, J^T c> = {right:R}, bound {bound:R}");
        });

    [PureProperty]
    public Property Rate_zero_is_no_dropout_bit_for_bit() => Prop.ForAll(TrainingCases(), t =>
    {
        var network = t.CreateNetwork<float>();
        var data = t.TrainingAs<float>();
        var mask = DropoutMask.Draw<float>(new Dropout(0), network.LayerSizes, data.Count, t.Seed, 1, 1);
        bool ones = mask.Layers.All(layer => layer.AsSpan().ToArray().All(v => v == 1));
        bool gradient = Bits(Backprop.Gradient(network, data.Inputs, data.Targets, t.Loss))
            .AsSpan().SequenceEqual(Bits(Backprop.Gradient(network, data.Inputs, data.Targets, t.Loss, mask: mask)));
        var plain = Training.Epochs(network, t.Optimizer, t.Loss, data, t.BatchSize, 2, t.Seed).ToArray();
        var dropped = Training.Epochs(network, t.Optimizer, t.Loss, data, t.BatchSize, 2, t.Seed, dropout: new Dropout(0)).ToArray();
        bool training = Snapshot(plain).AsSpan().SequenceEqual(Snapshot(dropped));
        return (ones && gradient && training).Label($"ones {ones}, gradient {gradient}, training {training}");
    });

    [Fact]
    public void A_mask_depends_on_its_key_alone()
    {
        int[] sizes = [5, 64, 32, 3];
        var dropout = new Dropout(0.5);
        var mask = DropoutMask.Draw<double>(dropout, sizes, 16, 7, 2, 3);
        Assert.Equal(mask, DropoutMask.Draw<double>(dropout, sizes, 16, 7, 2, 3));
        Assert.Equal(2, mask.Layers.Length);
        Assert.Equal((64, 16), (mask.Layers[0].Rows, mask.Layers[0].Columns));
        // Layer 1's mask does not depend on the other layers' sizes or rates.
        Assert.Equal(mask.Layers[0], DropoutMask.Draw<double>(new Dropout([0.5, 0.1]), [9, 64, 7, 2], 16, 7, 2, 3).Layers[0]);
        // Any other seed, epoch, step or layer gives another mask (equal by chance with probability 2^-1024).
        Assert.NotEqual(mask.Layers[0], DropoutMask.Draw<double>(dropout, sizes, 16, 8, 2, 3).Layers[0]);
        Assert.NotEqual(mask.Layers[0], DropoutMask.Draw<double>(dropout, sizes, 16, 7, 3, 3).Layers[0]);
        Assert.NotEqual(mask.Layers[0], DropoutMask.Draw<double>(dropout, sizes, 16, 7, 2, 4).Layers[0]);
        Assert.NotEqual(mask.Layers[0], DropoutMask.Draw<double>(dropout, [5, 64, 64, 3], 16, 7, 2, 3).Layers[1]);
        // Float and double masks keep and drop the same units.
        var single = DropoutMask.Draw<float>(dropout, sizes, 16, 7, 2, 3);
        Assert.Equal(mask.Layers[0].AsSpan().ToArray().Select(v => v == 0), single.Layers[0].AsSpan().ToArray().Select(v => v == 0));
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.3)]
    [InlineData(0.75)]
    public void Mask_entries_are_0_or_the_inverse_keep_rate_and_average_1(double rate)
    {
        var mask = DropoutMask.Draw<double>(new Dropout(rate), [1, 500, 1], 200, 12345, 1, 1).Layers[0].AsSpan().ToArray();
        double kept = 1 / (1 - rate);
        Assert.All(mask, v => Assert.True(v == 0 || v == kept, $"entry {v}"));
        // Each entry has mean 1 and variance p / (1 - p); the mean of N = 100,000 entries is within 5 standard deviations
        // of 1 (a chance of about 6e-7 of failing for a correct draw; the seed is fixed, so the test is deterministic).
        double mean = mask.Average();
        double standardError = Math.Sqrt(rate / (1 - rate) / mask.Length);
        Assert.True(Math.Abs(mean - 1) <= 5 * standardError, $"mean {mean}, standard error {standardError}");
        double dropped = mask.Count(v => v == 0) / (double)mask.Length;
        Assert.True(Math.Abs(dropped - rate) <= 5 * Math.Sqrt(rate * (1 - rate) / mask.Length), $"dropped fraction {dropped}");
    }

    /// <summary>Training with dropout against the pure loop by hand (each step on the mask of (seed, epoch, step)), or both diverging alike.</summary>
    private static Property InPlaceEqualsPure<T>() where T : unmanaged, IFloatingPointIeee754<T> => Prop.ForAll(
        (from t in TrainingCase()
         from rates in Gen.ArrayOf(Gen.Elements(0.0, 0.2, 0.5), Math.Max(1, t.Sizes.Length - 2))
         from optimizer in Gen.Choose(0, StepOptimizers.Length - 1)
         select (t, rates, optimizer)).ToArbitrary(), c =>
        {
            var (t, rates, index) = c;
            var dropout = t.Sizes.Length > 2 ? new Dropout(rates) : new Dropout(0);
            string? failure = InPlaceTrainingProperties.Compare(t.CreateNetwork<T>(), StepOptimizers[index].Optimizer, t.Loss, t.TrainingAs<T>(), t.BatchSize, t.Seed, dropout);
            return (failure is null).Label($"dropout {dropout}, {StepOptimizers[index].Name}: {failure}");
        });

    [PureProperty(MaxTest = 100)]
    public Property In_place_training_with_dropout_equals_the_pure_loop_bit_for_bit_in_double() => InPlaceEqualsPure<double>();

    [PureProperty(MaxTest = 100)]
    public Property In_place_training_with_dropout_equals_the_pure_loop_bit_for_bit_in_float() => InPlaceEqualsPure<float>();

    [PureProperty(MaxTest = 50)]
    public Property Validation_is_measured_without_dropout_and_the_same_seed_gives_the_same_bits() => Prop.ForAll(
        (from t in TrainingCase() where t.Sizes.Length > 2 select t).ToArbitrary(), t =>
        {
            var network = t.CreateNetwork();
            var dropout = new Dropout(0.5);
            var first = Training.Epochs(network, t.Optimizer, t.Loss, t.Training, t.BatchSize, 2, t.Seed, t.Validation, dropout: dropout).ToArray();
            var again = Training.Epochs(network, t.Optimizer, t.Loss, t.Training, t.BatchSize, 2, t.Seed, t.Validation, dropout: dropout).ToArray();
            var last = first[^1];
            bool validation = last.ValidationLoss == Backprop.Cost(last.Network, t.Validation.Inputs, t.Validation.Targets, t.Loss);
            bool same = Snapshot(first).AsSpan().SequenceEqual(Snapshot(again));
            var single = Training.Epoch(first[0].Network, first[0].State, t.Optimizer, t.Loss, t.Training, t.BatchSize, t.Seed, 2, dropout: dropout);
            bool epoch = Bits(single.Network, single.State).AsSpan().SequenceEqual(Bits(last.Network, last.State));
            return (validation && same && epoch).Label($"validation {validation}, same {same}, Epoch {epoch}");
        });

    /// <summary>
    /// Reduce-on-plateau changes the optimizer state between epochs, so the training loop rebuilds its in-place workspace:
    /// the rebuilt one must keep the dropout. Epochs equals Epoch called once per epoch (each builds a fresh workspace).
    /// </summary>
    [Fact]
    public void Training_with_dropout_and_reduce_on_plateau_equals_one_epoch_at_a_time()
    {
        var random = new Random(5);
        var data = new Dataset<double>(ImmutableMatrix.Create(4, 48, (_, _) => random.NextDouble() * 2 - 1), Metrics.OneHot<double>([.. Enumerable.Range(0, 48).Select(i => i % 3)], 3));
        var network = Network.Create<double>([4, 16, 8, 3], Activation.Relu, Activation.Softmax, 4);
        var optimizer = Optimizer.Sgd(Schedule.Constant(0.05), plateau: new ReduceOnPlateau(Factor: 0.5, Patience: 0, Threshold: 0.5));
        var dropout = new Dropout(0.3);
        var epochs = Training.Epochs(network, optimizer, Loss.CategoricalCrossEntropy, data, 8, 4, 11, dropout: dropout).ToArray();
        Assert.NotEqual(optimizer.Init(network), epochs[0].State);
        var (current, state) = (network, optimizer.Init(network));
        foreach (var expected in epochs)
        {
            var single = Training.Epoch(current, state, optimizer, Loss.CategoricalCrossEntropy, data, 8, 11, expected.Epoch, dropout: dropout);
            Assert.Equal(Bits(single.Network, single.State), Bits(expected.Network, expected.State));
            (current, state) = (single.Network, single.State);
        }
    }

    [Fact]
    public void Dropout_changes_training_and_predict_does_not_drop()
    {
        var random = new Random(3);
        var data = new Dataset<double>(ImmutableMatrix.Create(4, 32, (_, _) => random.NextDouble() * 2 - 1), Metrics.OneHot<double>([.. Enumerable.Range(0, 32).Select(i => i % 3)], 3));
        var network = Network.Create<double>([4, 16, 3], Activation.Relu, Activation.Softmax, 2);
        var plain = Training.Epochs(network, Optimizer.Sgd(0.1), Loss.CategoricalCrossEntropy, data, 8, 1, 1).Single();
        var dropped = Training.Epochs(network, Optimizer.Sgd(0.1), Loss.CategoricalCrossEntropy, data, 8, 1, 1, dropout: new Dropout(0.5)).Single();
        Assert.NotEqual(plain.Network, dropped.Network);
        var mask = DropoutMask.Draw<double>(new Dropout(0.5), network.LayerSizes, 32, 1, 1, 1);
        Assert.Equal(Backprop.Forward(network, data.Inputs).Output, Backprop.Predict(network, data.Inputs));
        Assert.NotEqual(Backprop.Forward(network, data.Inputs, mask).Output, Backprop.Predict(network, data.Inputs));
        var trace = Backprop.Forward(network, data.Inputs, mask);
        Assert.Equal(mask, trace.Mask);
        var expected = ImmutableMatrix.Create(16, 32, (i, j) => Math.Max(trace.PreActivations[0][i, j], 0) * mask.Layers[0][i, j]);
        Assert.Equal(expected, trace.Activations[0]);
    }

    [Fact]
    public void Training_with_dropout_is_bitwise_the_same_on_one_and_two_threads()
    {
        // 64-1024-64-10 at batch 128: the products run threaded (see ThreadCountProperties).
        var random = new Random(3);
        var data = new Dataset<float>(ImmutableMatrix.Create(64, 150, (_, _) => (float)(random.NextDouble() * 2 - 1)), Metrics.OneHot<float>([.. Enumerable.Range(0, 150).Select(_ => random.Next(10))], 10));
        EpochResult<float>[] Train(int threads)
        {
            int previous = Gemm<float>.MaxThreads;
            try
            {
                Gemm<float>.MaxThreads = threads;
                var network = Network.Create<float>([64, 1024, 64, 10], Activation.Relu, Activation.Softmax, 11);
                return Training.Epochs(network, Optimizer.Adam(0.001), Loss.CategoricalCrossEntropy, data, 128, 2, 5, dropout: new Dropout([0.2, 0.5])).ToArray();
            }
            finally
            {
                Gemm<float>.MaxThreads = previous;
            }
        }
        Assert.True(Snapshot(Train(1)).AsSpan().SequenceEqual(Snapshot(Train(2))));
    }

    [PureProperty(MaxTest = 40)]
    public Property Resuming_with_dropout_from_a_checkpoint_equals_training_straight_through() => Prop.ForAll(
        (from t in TrainingCase() where t.Sizes.Length > 2 from n in Gen.Choose(1, 3) from rate in Gen.Elements(Rates) select (t, n, rate)).ToArbitrary(), c =>
        {
            var (t, n, rate) = c;
            using var folder = new TemporaryFolder();
            var training = t.TrainingAs<float>();
            var dropout = new Dropout(rate);
            var straight = Training.Epochs(t.CreateNetwork<float>(), t.Optimizer, t.Loss, training, t.BatchSize, 2 * n, t.Seed, dropout: dropout).Last();
            var half = Training.Epochs(t.CreateNetwork<float>(), t.Optimizer, t.Loss, training, t.BatchSize, n, t.Seed, dropout: dropout).Last();
            string path = folder.File("run.checkpoint.json");
            var checkpoint = new Checkpoint<float>(new Model<float>(half.Network, t.Loss), t.Optimizer, half.State, n, t.Seed, t.BatchSize) { Dropout = dropout };
            CheckpointFile.Save(checkpoint, path);
            var loaded = CheckpointFile.Load<float>(path);
            var resumed = Training.Epochs(loaded.Model.Network, loaded.Optimizer, loaded.Model.Loss, training, loaded.BatchSize, n, loaded.Seed,
                state: loaded.State, firstEpoch: loaded.Epoch + 1, dropout: loaded.Dropout).Last();
            return (loaded == checkpoint && loaded.Dropout == dropout
                    && Bits(straight.Network, straight.State).AsSpan().SequenceEqual(Bits(resumed.Network, resumed.State)))
                .Label($"n {n}, rate {rate}");
        });

    [Fact]
    public void A_checkpoint_without_dropout_has_no_dropout_field()
    {
        using var folder = new TemporaryFolder();
        var model = new Model<double>(Network.Create<double>([2, 3, 2], Activation.Tanh, Activation.Identity, 1), Loss.Squared);
        var checkpoint = new Checkpoint<double>(model, Optimizer.Sgd(0.1), Optimizer.Sgd(0.1).Init(model.Network), 1, 1, 1);
        CheckpointFile.Save(checkpoint, folder.File("plain.json"));
        Assert.DoesNotContain("dropout", File.ReadAllText(folder.File("plain.json")));
        Assert.Null(CheckpointFile.Load<double>(folder.File("plain.json")).Dropout);
        CheckpointFile.Save(checkpoint with { Dropout = new Dropout([0.5]) }, folder.File("dropout.json"));
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(folder.File("dropout.json")))!;
        Assert.Equal(0.5, (double)json["dropout"]![0]!);
        json["dropout"] = new System.Text.Json.Nodes.JsonArray(1);
        File.WriteAllText(folder.File("bad.json"), json.ToJsonString());
        var error = Assert.Throws<InvalidDataException>(() => CheckpointFile.Load<double>(folder.File("bad.json")));
        Assert.Contains("$.dropout", error.Message);
        Assert.Contains("[0, 1)", error.Message);
    }

    [Fact]
    public void Bad_rates_and_masks_are_refused_naming_the_argument()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(1.0));
        Assert.Equal("Rates[0]", error.ParamName);
        Assert.Contains("[0, 1)", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout([0.1, double.NaN]));
        Assert.Throws<ArgumentException>(() => new Dropout([]));

        var network = Network.Create<double>([2, 3, 4, 1], Activation.Tanh, Activation.Identity, 1);
        var data = new Dataset<double>(ImmutableMatrix.Create(2, 3, (i, j) => i - j * 0.5), ImmutableMatrix.Create(1, 3, (_, j) => j * 0.1));
        var wrongCount = Assert.Throws<ArgumentException>(() => Training.Epochs(network, Optimizer.Sgd(0.1), Loss.Squared, data, 1, 1, 1, dropout: new Dropout([0.1, 0.2, 0.3])));
        Assert.Equal("dropout", wrongCount.ParamName);
        Assert.Contains("one per hidden layer (2), got 3", wrongCount.Message);
        var noHidden = Network.Create<double>([2, 1], [Activation.Identity], 1);
        Assert.Equal("dropout", Assert.Throws<ArgumentException>(() => Training.Epoch(noHidden, Optimizer.Sgd(0.1).Init(noHidden), Optimizer.Sgd(0.1), Loss.Squared, data, 1, 1, 1, dropout: new Dropout(0.5))).ParamName);

        var mask = DropoutMask.Draw<double>(new Dropout(0.5), network.LayerSizes, 4, 1, 1, 1);
        var wrongColumns = Assert.Throws<ArgumentException>(() => Backprop.Forward(network, data.Inputs, mask));
        Assert.Equal("mask", wrongColumns.ParamName);
        Assert.Contains("to be 3 x 3, got 3 x 4", wrongColumns.Message);
        Assert.Equal("Layers", Assert.Throws<ArgumentException>(() => new DropoutMask<double>([ImmutableMatrix.Zeros<double>(3, 3), ImmutableMatrix.Zeros<double>(4, 2)])).ParamName);
    }
}
