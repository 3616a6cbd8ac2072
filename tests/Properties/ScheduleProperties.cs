using System.Collections.Immutable;
using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;
using static Pure.Properties.Support.BehaviourGenerators;

namespace Pure.Properties;

/// <summary>
/// Learning-rate schedules: each one's value at step t against its formula (written here in another, equivalent form,
/// compared to 1e-12 relative), their checkpoint round trip, training with a schedule or reduce-on-plateau against
/// the pure steps, and resuming such a run from a checkpoint bit for bit.
/// </summary>
public class ScheduleProperties
{
    private static Gen<double> Between(double low, double high) => Gen.Choose(0, 1_000_000).Select(i => low + (high - low) * i / 1_000_000.0);

    private static Gen<long> Steps(int max) => Gen.Choose(0, max).Select(i => (long)i);

    private static bool Close(double expected, double actual) => Math.Abs(expected - actual) <= 1e-12 * Math.Max(Math.Abs(expected), 1e-300) + 1e-300;

    private static Property Matches(double expected, double actual) => Close(expected, actual).Label($"expected {expected:R}, got {actual:R}");

    [PureProperty]
    public Property Constant_is_its_value_at_every_step() =>
        Prop.ForAll(Between(1e-6, 10).ToArbitrary(), Steps(1_000_000).ToArbitrary(), (eta, t) => Schedule.Constant(eta).ValueAt(t) == eta);

    /// <summary>η_t = η0 times the scales of the boundaries already reached (here: the product of a filtered list).</summary>
    [PureProperty]
    public Property Piecewise_constant_multiplies_the_scales_of_the_boundaries_reached() => Prop.ForAll(
        (from eta in Between(1e-3, 1)
         from count in Gen.Choose(0, 5)
         from gaps in Gen.ArrayOf(Gen.Choose(1, 50), count)
         from scales in Gen.ArrayOf(Between(0.05, 2), count)
         from t in Steps(300)
         select (eta, gaps, scales, t)).ToArbitrary(),
        c =>
        {
            long[] boundaries = [.. c.gaps.Select((gap, i) => (long)c.gaps.Take(i + 1).Sum() - 1)];
            double expected = c.eta;
            foreach (double scale in c.scales.Where((_, i) => boundaries[i] <= c.t)) expected *= scale;
            return Matches(expected, Schedule.PiecewiseConstant(c.eta, boundaries, c.scales).ValueAt(c.t));
        });

    /// <summary>η_t = η0 · exp(p ln r), p = (t - begin) / k after the start (⌊p⌋ for a staircase), bounded by the end value.</summary>
    [PureProperty]
    public Property Exponential_decay_is_its_formula() => Prop.ForAll(
        (from eta in Between(1e-3, 1)
         from k in Gen.Choose(1, 40)
         from rate in Between(0.1, 1.5)
         from begin in Gen.Choose(0, 30)
         from staircase in Gen.Elements(true, false)
         from end in Gen.Elements<double?>(null, 1e-4, 0.5)
         from t in Steps(400)
         select (eta, k, rate, begin, staircase, end, t)).ToArbitrary(),
        c =>
        {
            double p = c.t < c.begin ? 0 : (c.t - c.begin) / (double)c.k;
            if (c.staircase) p = Math.Floor(p);
            double expected = c.eta * Math.Exp(p * Math.Log(c.rate));
            if (c.end is double end) expected = c.rate < 1 ? Math.Max(expected, end) : Math.Min(expected, end);
            return Matches(expected, Schedule.Exponential(c.eta, c.k, c.rate, c.begin, c.staircase, c.end).ValueAt(c.t));
        });

    /// <summary>η_t = η0 · (c ⌊t / k⌋ + 1)^(-p); with k = steps per epoch and c = m it is scikit-learn's invscaling of the epoch.</summary>
    [PureProperty]
    public Property Inverse_scaling_is_its_formula() => Prop.ForAll(
        (from eta in Between(1e-3, 1)
         from power in Between(0, 2)
         from k in Gen.Choose(1, 20)
         from count in Gen.Choose(1, 500)
         from t in Steps(2000)
         select (eta, power, k, count, t)).ToArbitrary(),
        c =>
        {
            long epoch = c.t / c.k;
            double expected = c.eta * Math.Exp(-c.power * Math.Log(c.count * (double)epoch + 1));
            return Matches(expected, Schedule.InverseScaling(c.eta, c.power, c.k, c.count).ValueAt(c.t));
        });

    [Fact]
    public void Inverse_scaling_with_unit_transitions_falls_every_step_as_one_over_t_plus_one_to_the_power()
    {
        var schedule = Schedule.InverseScaling(0.5, power: 1);
        Assert.Equal(0.5, schedule.ValueAt(0));
        Assert.Equal(0.25, schedule.ValueAt(1));
        Assert.Equal(0.125, schedule.ValueAt(3));
    }

    /// <summary>Linear warm-up η_init + (η_peak - η_init) t / w, then η_end + (η_peak - η_end) · ½(1 + cos(π s / (D - w))).</summary>
    [PureProperty]
    public Property Warmup_cosine_decay_is_its_formula() => Prop.ForAll(
        (from init in Between(0, 0.1)
         from peak in Between(0.1, 1)
         from w in Gen.Choose(0, 50)
         from length in Gen.Choose(1, 200)
         from end in Between(0, 0.1)
         from t in Steps(300)
         select (init, peak, w, length, end, t)).ToArbitrary(),
        c =>
        {
            long decay = c.w + c.length;
            double expected = c.t < c.w ? c.init + (c.peak - c.init) * c.t / c.w
                : c.end + (c.peak - c.end) * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(c.t - c.w, c.length) / c.length));
            var schedule = Schedule.WarmupCosineDecay(c.init, c.peak, c.w, decay, c.end);
            return Matches(expected, schedule.ValueAt(c.t))
                .And(Matches(c.peak, schedule.ValueAt(c.w)).Label("η_w = η_peak"))
                .And(Matches(c.end, schedule.ValueAt(decay)).Label("η_D = η_end"));
        });

    /// <summary>
    /// One-cycle: cosine from η_peak / d up to η_peak over ⌊f T⌋ steps, then down to η_peak / (d d_final) at T (written here
    /// as the cosine annealing lo + (hi - lo) · ½(1 ± cos)); and the three anchors.
    /// </summary>
    [PureProperty]
    public Property One_cycle_is_its_formula() => Prop.ForAll(
        (from T in Gen.Choose(10, 400)
         from peak in Between(0.01, 1)
         from f in Between(0.1, 0.7)
         from d in Between(2, 40)
         from final in Between(10, 1e4)
         from t in Steps(450)
         select (T, peak, f, d, final, t)).ToArbitrary(),
        c =>
        {
            long rise = (long)(c.f * c.T);
            double start = c.peak / c.d, end = c.peak / (c.d * c.final);
            double expected = c.t < rise ? start + (c.peak - start) * 0.5 * (1 - Math.Cos(Math.PI * c.t / rise))
                : c.t < c.T ? end + (c.peak - end) * 0.5 * (1 + Math.Cos(Math.PI * (c.t - rise) / (c.T - rise)))
                : end;
            var schedule = Schedule.OneCycle(c.T, c.peak, c.f, c.d, c.final);
            bool close = Math.Abs(expected - schedule.ValueAt(c.t)) <= 1e-12 * c.peak;
            return close.Label($"expected {expected:R}, got {schedule.ValueAt(c.t):R}")
                .And(Matches(start, schedule.ValueAt(0)).Label("η_0 = η_peak / d"))
                .And((Math.Abs(c.peak - schedule.ValueAt(rise)) <= 1e-12 * c.peak).Label("η_b = η_peak"))
                .And(Matches(end, schedule.ValueAt(c.T)).Label("η_T = η_peak / (d d_final)"));
        });

    [Fact]
    public void Schedules_refuse_bad_arguments_naming_them()
    {
        void Refused(Func<Schedule> create, string name, string expected)
        {
            var error = Assert.ThrowsAny<ArgumentException>(() => create());
            Assert.Equal(name, error.ParamName);
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        }
        Refused(() => Schedule.Constant(0), "value", "greater than 0, got 0");
        Refused(() => Schedule.PiecewiseConstant(0.1, [5, 5], [0.1, 0.1]), "boundaries", "strictly increasing, got 5 at index 1 after 5");
        Refused(() => Schedule.PiecewiseConstant(0.1, [5], []), "scales", "one scale per boundary, got 1 boundaries and 0 scales");
        Refused(() => Schedule.Exponential(0.1, 0, 0.5), "transitionSteps", "at least 1, got 0");
        Refused(() => Schedule.Exponential(0.1, 1, -0.5), "decayRate", "greater than 0, got -0.5");
        Refused(() => Schedule.InverseScaling(0.1, power: -1), "power", "0 or more, got -1");
        Refused(() => Schedule.WarmupCosineDecay(0, 0.1, 10, 10), "decaySteps", "greater than warmupSteps 10, got 10");
        Refused(() => Schedule.OneCycle(10, 0.1, percentStart: 0.05), "percentStart", "in [1, 9], got 0");
        var factor = Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceOnPlateau(Factor: 1));
        Assert.Equal("Factor", factor.ParamName);
        Assert.Contains("Expected Factor in (0, 1), got 1", factor.Message, StringComparison.Ordinal);
        var step = Assert.Throws<ArgumentOutOfRangeException>(() => Schedule.WarmupCosineDecay(0, 0.1, 1, 2).ValueAt(-1));
        Assert.Equal("step", step.ParamName);
        Assert.Contains("Expected a step count of 0 or more, got -1", step.Message, StringComparison.Ordinal);
    }

    /// <summary>A schedule of each kind, drawn with its parameters.</summary>
    private static Gen<Schedule> AnySchedule() => Gen.OneOf(
        Between(1e-4, 1).Select(Schedule.Constant),
        from eta in Between(1e-3, 1) from scale in Between(0.1, 0.9) select Schedule.PiecewiseConstant(eta, [3, 10, 20], [scale, scale / 3, 0.7]),
        from eta in Between(1e-3, 1) from rate in Between(0.1, 0.99) from stair in Gen.Elements(true, false) from end in Gen.Elements<double?>(null, 1e-5)
        select Schedule.Exponential(eta, 7, rate, 2, stair, end),
        from eta in Between(1e-3, 1) from power in Between(0, 1) select Schedule.InverseScaling(eta, power, 3, 17),
        from peak in Between(1e-3, 1) from end in Between(0, 1e-3) select Schedule.WarmupCosineDecay(peak / 10, peak, 5, 40, end),
        from peak in Between(1e-3, 1) from f in Between(0.2, 0.5) select Schedule.OneCycle(30, peak, f, 25, 1e3));

    private static Gen<PlateauState> AnyPlateauState() =>
        from scale in Between(1e-6, 1)
        from best in Gen.OneOf(Gen.Constant<double?>(null), Between(-5, 5).Select(b => (double?)b))
        from bad in Gen.Choose(0, 20)
        from cooldown in Gen.Choose(0, 5)
        select new PlateauState(scale, best, bad, cooldown);

    /// <summary>Saving then loading returns an equal optimizer (the schedule and policy by value) and state, bit for bit.</summary>
    [PureProperty(MaxTest = 60)]
    public Property Schedules_and_plateau_states_survive_a_checkpoint_round_trip() => Prop.ForAll(
        (from schedule in AnySchedule()
         from count in Gen.Choose(0, 1_000_000)
         from plateau in AnyPlateauState()
         from factor in Between(0.01, 0.99)
         from mode in Gen.Elements(PlateauThresholdMode.Relative, PlateauThresholdMode.Absolute)
         from monitor in Gen.Elements(PlateauMonitor.TrainingLoss, PlateauMonitor.ValidationLossOrTrainingLoss)
                  from lowest in Gen.Elements(true, false)
         select (schedule, count, plateau, policy: new ReduceOnPlateau(factor, 3, 0.01, mode, 2, 1e-3, monitor, lowest))).ToArbitrary(),
        c =>
        {
            using var folder = new TemporaryFolder();
            var network = Network.Create<float>([2, 3, 2], Activation.Tanh, Activation.Identity, seed: 1);
            var optimizer = Optimizer.Adam(c.schedule, plateau: c.policy);
            var state = new ChainState<float>([Optimizer.ScaleByAdam().Init(network.Parameters), new ScheduleState<float>(c.count), new PlateauScaleState<float>(c.plateau)]);
            var checkpoint = new Checkpoint<float>(new Model<float>(network, Loss.Squared), optimizer, state, 2, 7, 4);
            string path = folder.File("c.json");
            CheckpointFile.Save(checkpoint, path);
            var loaded = CheckpointFile.Load<float>(path);
            Assert.Equal(checkpoint, loaded);
            Assert.Equal(Bits(checkpoint.State), Bits(loaded.State));
            var schedule = ((ScaleByScheduleTransform)((ChainOptimizer)loaded.Optimizer).Transforms[1]).Schedule;
            foreach (long t in new long[] { 0, 1, 4, 29, 100, c.count })
                Assert.Equal(BitConverter.DoubleToInt64Bits(c.schedule.ValueAt(t)), BitConverter.DoubleToInt64Bits(schedule.ValueAt(t)));
            return true;
        });

    [Fact]
    public void A_constant_schedule_trains_bit_for_bit_as_the_constant_rate()
    {
        var data = new Dataset<float>(ImmutableMatrix.Create(3, 20, (i, j) => (float)Math.Sin(i + 3 * j)), ImmutableMatrix.Create(2, 20, (i, j) => (i + j) % 2 == 0 ? 1f : 0f));
        var network = Network.Create<float>([3, 5, 2], [Activation.Tanh, Activation.Softmax], seed: 4);
        foreach (var (constant, scheduled) in new[]
        {
            (Optimizer.Sgd(0.1, momentum: 0.9), Optimizer.Sgd(Schedule.Constant(0.1), momentum: 0.9)),
            (Optimizer.Adam(0.01, weightDecay: 0.01), Optimizer.Adam(Schedule.Constant(0.01), weightDecay: 0.01)),
            (Optimizer.Sgd(0.1, maxGradientNorm: 0.5), Optimizer.Sgd(Schedule.Constant(0.1), maxGradientNorm: 0.5)),
        })
        {
            var a = Training.Epochs(network, constant, Loss.CategoricalCrossEntropy, data, 6, 3, 9).Last();
            var b = Training.Epochs(network, scheduled, Loss.CategoricalCrossEntropy, data, 6, 3, 9).Last();
            Assert.Equal(Bits(a.Network), Bits(b.Network));
        }
    }

    /// <summary>Optimizers with a schedule and with reduce-on-plateau (patience 0, so that it reduces within a few epochs); all clip.</summary>
    private static readonly (string Name, Optimizer Optimizer)[] ScheduledOptimizers =
    [
        ("sgd, momentum, warmup cosine", Optimizer.Sgd(Schedule.WarmupCosineDecay(0.01, 0.05, 3, 20), momentum: 0.9, maxGradientNorm: 1)),
        ("adam, one-cycle", Optimizer.Adam(Schedule.OneCycle(12, 0.02), maxGradientNorm: 1)),
        ("sgd, step decay, plateau", Optimizer.Sgd(Schedule.PiecewiseConstant(0.05, [4, 9], [0.5, 0.5]), weightDecay: 0.01, maxGradientNorm: 1,
            plateau: new ReduceOnPlateau(Factor: 0.5, Patience: 0, Threshold: 0.05))),
        ("adam, exponential, plateau on training loss", Optimizer.Adam(Schedule.Exponential(0.02, 5, 0.5), maxGradientNorm: 1,
            plateau: ReduceOnPlateau.ScikitLearnAdaptive with { Patience = 0, Threshold = 0.01 })),
    ];

    /// <summary>The pure loop by hand: <see cref="Backprop.Step{T}"/> per mini-batch, then <see cref="Optimizer.EndEpoch{T}"/> with the epoch's losses.</summary>
    private static List<(Network<T> Network, OptimizerState<T> State)> PureLoop<T>(Network<T> network, Optimizer optimizer, Loss loss, Dataset<T> data, Dataset<T> validation, int batchSize, int seed, int epochs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var results = new List<(Network<T>, OptimizerState<T>)>();
        var state = optimizer.Init(network);
        int m = data.Count, size = Math.Min(batchSize, m);
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            var order = Training.ShuffledOrder(m, seed, epoch);
            T sum = T.Zero;
            for (int start = 0; start < m; start += size)
            {
                int length = Math.Min(size, m - start);
                var batch = data.Select(order.AsSpan(start, length));
                var gradients = Backprop.Gradient(network, batch.Inputs, batch.Targets, loss);
                sum += gradients.Loss * T.CreateChecked(length);
                (network, state) = Backprop.Step(optimizer, state, network, gradients) is var step ? (step.Network, step.State) : default;
            }
            double trainingLoss = double.CreateChecked(sum / T.CreateChecked(m));
            double validationLoss = double.CreateChecked(Backprop.Cost(network, validation.Inputs, validation.Targets, loss));
            state = optimizer.EndEpoch(state, trainingLoss, validationLoss);
            results.Add((network, state));
        }
        return results;
    }

    private static Property TrainingEqualsPureSteps<T>() where T : unmanaged, IFloatingPointIeee754<T> => Prop.ForAll(
        TrainingCases(), Arb.From(Gen.Choose(0, ScheduledOptimizers.Length - 1)), (c, o) =>
        {
            var (name, optimizer) = ScheduledOptimizers[o];
            var expected = PureLoop(c.CreateNetwork<T>(), optimizer, c.Loss, c.TrainingAs<T>(), c.ValidationAs<T>(), c.BatchSize, c.Seed, 5);
            var actual = Training.Epochs(c.CreateNetwork<T>(), optimizer, c.Loss, c.TrainingAs<T>(), c.BatchSize, 5, c.Seed, c.ValidationAs<T>()).ToList();
            for (int e = 0; e < 5; e++)
                if (!Bits(expected[e].Network, expected[e].State).AsSpan().SequenceEqual(Bits(actual[e].Network, actual[e].State)))
                    return false.Label($"{name}: epoch {e + 1} differs");
            return true.Label(name);
        });

    [PureProperty(MaxTest = 40)]
    public Property Training_with_a_schedule_or_plateau_equals_pure_steps_in_double() => TrainingEqualsPureSteps<double>();

    [PureProperty(MaxTest = 40)]
    public Property Training_with_a_schedule_or_plateau_equals_pure_steps_in_float() => TrainingEqualsPureSteps<float>();

    /// <summary>n epochs, a checkpoint saved and loaded, n more epochs: the same bits as 2n epochs straight through.</summary>
    private static Property ResumeEqualsStraight<T>() where T : unmanaged, IFloatingPointIeee754<T> => Prop.ForAll(
        TrainingCases(), Arb.From(Gen.Choose(1, 4)), Arb.From(Gen.Choose(0, ScheduledOptimizers.Length - 1)), (c, n, o) =>
        {
            using var folder = new TemporaryFolder();
            var optimizer = ScheduledOptimizers[o].Optimizer;
            var (training, validation) = (c.TrainingAs<T>(), c.ValidationAs<T>());
            var straight = Training.Epochs(c.CreateNetwork<T>(), optimizer, c.Loss, training, c.BatchSize, 2 * n, c.Seed, validation).Last();
            var half = Training.Epochs(c.CreateNetwork<T>(), optimizer, c.Loss, training, c.BatchSize, n, c.Seed, validation).Last();
            string path = folder.File("run.checkpoint.json");
            CheckpointFile.Save(new Checkpoint<T>(new Model<T>(half.Network, c.Loss), optimizer, half.State, n, c.Seed, c.BatchSize), path);
            var loaded = CheckpointFile.Load<T>(path);
            var resumed = Training.Epochs(loaded.Model.Network, loaded.Optimizer, loaded.Model.Loss, training, loaded.BatchSize, n, loaded.Seed,
                validation, loaded.State, loaded.Epoch + 1).Last();
            return Bits(straight.Network, straight.State).AsSpan().SequenceEqual(Bits(resumed.Network, resumed.State)).Label(ScheduledOptimizers[o].Name);
        });

    [PureProperty(MaxTest = 40)]
    public Property Resuming_a_scheduled_run_equals_training_straight_through_in_double() => ResumeEqualsStraight<double>();

    [PureProperty(MaxTest = 40)]
    public Property Resuming_a_scheduled_run_equals_training_straight_through_in_float() => ResumeEqualsStraight<float>();

    /// <summary>
    /// A loss that stops improving after the first epoch: the scale falls at epoch 1 + (p + 1), then every c + p + 1 epochs
    /// (c epochs of cooldown, then p + 1 bad ones), by f each time and never below the least scale.
    /// </summary>
    [PureProperty]
    public Property Plateau_reduces_exactly_when_patience_runs_out() => Prop.ForAll(
        (from patience in Gen.Choose(0, 5)
         from cooldown in Gen.Choose(0, 3)
         from factor in Between(0.1, 0.9)
         from min in Gen.Elements(0.0, 0.01)
         from epochs in Gen.Choose(1, 40)
         from loss in Between(0.1, 10)
         select (patience, cooldown, factor, min, epochs, loss)).ToArbitrary(),
        c =>
        {
            var policy = new ReduceOnPlateau(c.factor, c.patience, 1e-4, PlateauThresholdMode.Relative, c.cooldown, c.min);
            var state = Enumerable.Repeat(c.loss, c.epochs).Aggregate(PlateauState.Initial, policy.Next);
            int reductions = c.epochs - 1 < c.patience + 1 ? 0 : 1 + (c.epochs - 1 - (c.patience + 1)) / (c.cooldown + c.patience + 1);
            double expected = 1;
            for (int r = 0; r < reductions; r++) expected = Math.Max(expected * c.factor, c.min);
            return (state.Scale == expected).Label($"{reductions} reductions: expected scale {expected:R}, got {state.Scale:R}")
                .And((state.Best == c.loss).Label("the first epoch's loss stays the best"));
        });

    [PureProperty]
    public Property Plateau_never_reduces_while_the_loss_keeps_improving_by_the_threshold() => Prop.ForAll(
        (from patience in Gen.Choose(0, 3) from epochs in Gen.Choose(1, 30) from start in Between(1, 100) select (patience, epochs, start)).ToArbitrary(),
        c =>
        {
            var policy = new ReduceOnPlateau(0.5, c.patience, 0.01, PlateauThresholdMode.Absolute);
            var state = Enumerable.Range(0, c.epochs).Select(e => c.start - 0.02 * e).Aggregate(PlateauState.Initial, policy.Next);
            return state.Scale == 1 && state.BadEpochs == 0 && state.Best == c.start - 0.02 * (c.epochs - 1);
        });

    [Fact]
    public void Plateau_counts_a_non_finite_loss_as_a_bad_epoch_and_keeps_its_best()
    {
        var policy = new ReduceOnPlateau(Patience: 1);
        var state = new[] { 1.0, double.NaN, double.PositiveInfinity }.Aggregate(PlateauState.Initial, policy.Next);
        Assert.Equal(new PlateauState(0.1, 1.0, 0, 0), state);
        Assert.Equal(new PlateauState(1, null, 1, 0), policy.Next(PlateauState.Initial, double.NaN));
    }

    [Fact]
    public void Scikit_learn_adaptive_divides_by_five_after_more_than_ten_epochs_without_a_fall_of_tol_in_the_training_loss()
    {
        var adaptive = ReduceOnPlateau.ScikitLearnAdaptive;
        Assert.Equal((0.2, 10, 1e-4, PlateauThresholdMode.Absolute, PlateauMonitor.TrainingLoss, true),
            (adaptive.Factor, adaptive.Patience, adaptive.Threshold, adaptive.ThresholdMode, adaptive.Monitor, adaptive.BestIsLowest));
        // A fall of less than tol below the lowest loss so far is no improvement: eleven such epochs after the first divide the
        // rate by 5 (PyTorch's bookkeeping would count the fall of 1.5e-4 over three epochs as one).
        var losses = Enumerable.Range(0, 12).Select(e => 1 - 0.5e-4 * e).ToArray();
        Assert.Equal(1, losses[..11].Aggregate(PlateauState.Initial, adaptive.Next).Scale);
        Assert.Equal(0.2, losses.Aggregate(PlateauState.Initial, adaptive.Next).Scale);
        Assert.Equal(1, losses.Aggregate(PlateauState.Initial, (adaptive with { BestIsLowest = false }).Next).Scale);
        Assert.Equal(0.7, adaptive.Monitored(0.7, validationLoss: 0.1));
        Assert.Equal(0.1, new ReduceOnPlateau().Monitored(0.7, validationLoss: 0.1));
    }

    [Fact]
    public void End_of_epoch_leaves_an_optimizer_without_a_plateau_as_it_is()
    {
        var network = Network.Create<double>([2, 2], [Activation.Identity], 1);
        foreach (var optimizer in new[] { Optimizer.Adam(0.1, maxGradientNorm: 1), Optimizer.Sgd(Schedule.Constant(0.1), momentum: 0.5) })
        {
            var state = optimizer.Init(network);
            Assert.Same(state, optimizer.EndEpoch(state, 1.0, 0.5));
        }
        var plateau = Optimizer.Sgd(Schedule.Constant(0.1), plateau: new ReduceOnPlateau());
        var initial = plateau.Init(network);
        var next = (ChainState<double>)plateau.EndEpoch(initial, 1.0, 0.5);
        Assert.Equal(new PlateauScaleState<double>(new PlateauState(1, 0.5, 0, 0)), next.States[1]);
        Assert.Equal(new PlateauScaleState<double>(PlateauState.Initial), ((ChainState<double>)initial).States[1]);
    }
}
