using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;

namespace Pure.Properties;

/// <summary>
/// A scripted run: the monitored value of each epoch, k/8 for each k of <paramref name="Steps"/> (exact in binary, so that
/// ties and differences of exactly tol occur), and the rule's settings.
/// </summary>
public sealed record ScriptedStop(int[] Steps, int Patience, double Tolerance, EarlyStoppingMonitor Monitor, bool WithValidation, bool RestoreBest)
{
    /// <summary>The monitored values, k/8.</summary>
    public double[] Values => [.. Steps.Select(k => k / 8.0)];

    /// <summary>Readable in FsCheck's failure report.</summary>
    public override string ToString() =>
        $"values=[{string.Join(", ", Values)}] patience={Patience} tol={Tolerance} monitor={Monitor} validation={WithValidation} restore={RestoreBest}";
}

/// <summary>Early stopping: the fold stops exactly where scikit-learn's rule says, restores the best network, and never pulls an extra epoch.</summary>
public class EarlyStoppingProperties
{
    /// <summary>A distinct network per epoch (seeded by the epoch), so that the restored one names its epoch.</summary>
    private static Network<double> NetworkOf(int epoch) => Network.Create<double>([2, 1], [Activation.Identity], seed: epoch);

    /// <summary>
    /// Epoch <paramref name="epoch"/> whose monitored quantity is <paramref name="value"/>; the other quantities move the
    /// other way (training loss 8 − v with a validation set, validation loss v under the accuracy), so that watching the
    /// wrong one stops elsewhere.
    /// </summary>
    private static EpochResult<double> EpochOf(int epoch, double value, EarlyStoppingMonitor monitor, bool withValidation) => monitor switch
    {
        EarlyStoppingMonitor.TrainingLoss => new(epoch, NetworkOf(epoch), new EmptyState<double>(), value, withValidation ? 8 - value : null, withValidation ? value : null),
        EarlyStoppingMonitor.ValidationAccuracy => new(epoch, NetworkOf(epoch), new EmptyState<double>(), 8 - value, value, value),
        EarlyStoppingMonitor.ValidationLoss => new(epoch, NetworkOf(epoch), new EmptyState<double>(), 8 - value, value, 1 - value / 2),
        _ => withValidation ? new(epoch, NetworkOf(epoch), new EmptyState<double>(), 8 - value, value, 1 - value / 2)
                            : new(epoch, NetworkOf(epoch), new EmptyState<double>(), value, null, null),
    };

    /// <summary>
    /// scikit-learn's <c>_update_no_improvement_count</c> and the test in <c>_fit_stochastic</c>, written out: the
    /// stopped epoch (the last one when the rule never fires) and the epoch of the best value.
    /// </summary>
    private static (int Stopped, int Best, bool Fired) Reference(double[] values, int patience, double tol, bool maximise)
    {
        double best = maximise ? double.NegativeInfinity : double.PositiveInfinity;
        int count = 0, bestEpoch = 0;
        for (int i = 0; i < values.Length; i++)
        {
            if (maximise ? values[i] < best + tol : values[i] > best - tol) count++;
            else count = 0;
            if (maximise ? values[i] > best : values[i] < best) (best, bestEpoch) = (values[i], i + 1);
            if (count > patience) return (i + 1, bestEpoch, true);
        }
        return (values.Length, bestEpoch, false);
    }

    private static readonly double[] Tolerances = [0, 0.125, 0.25, 1e-4];

    private static Arbitrary<ScriptedStop> Scripts()
    {
        var gen =
            from length in Gen.Choose(1, 30)
            from steps in Gen.ArrayOf(Gen.Choose(0, 8), length)
            from patience in Gen.Choose(1, 5)
            from tolerance in Gen.Elements(Tolerances)
            from monitor in Gen.Elements(Enum.GetValues<EarlyStoppingMonitor>())
            from withValidation in Gen.Elements(true, false)
            from restore in Gen.Elements(true, false)
            select new ScriptedStop(steps, patience, tolerance, monitor, withValidation || monitor is EarlyStoppingMonitor.ValidationLoss or EarlyStoppingMonitor.ValidationAccuracy, restore);
        static IEnumerable<ScriptedStop> Shrink(ScriptedStop s)
        {
            if (s.Steps.Length > 1) yield return s with { Steps = s.Steps[..^1] };
            if (s.Steps.Length > 1) yield return s with { Steps = s.Steps[1..] };
            if (s.Patience > 1) yield return s with { Patience = s.Patience - 1 };
            if (s.Tolerance != 0) yield return s with { Tolerance = 0 };
        }
        return Arb.From(gen, Shrink);
    }

    /// <summary>Random value sequences: the fold stops at the epoch the written-out rule says, keeps that epoch's best, and pulls no epoch beyond the stop.</summary>
    [PureProperty(MaxTest = 500)]
    public Property Stops_where_the_reference_rule_says_and_restores_the_best() => Prop.ForAll(Scripts(), s =>
    {
        var values = s.Values;
        int pulled = 0;
        IEnumerable<EpochResult<double>> Epochs()
        {
            for (int i = 0; i < values.Length; i++)
            {
                pulled++;
                yield return EpochOf(i + 1, values[i], s.Monitor, s.WithValidation);
            }
        }
        var rule = new EarlyStopping(s.Patience, s.Tolerance, s.Monitor, s.RestoreBest);
        var states = Training.WithEarlyStopping(Epochs(), rule).ToList();
        var outcome = new EarlyStoppingOutcome<double>(states[^1]);
        var (stopped, best, fired) = Reference(values, s.Patience, s.Tolerance, s.Monitor == EarlyStoppingMonitor.ValidationAccuracy);
        var expectedNetwork = s.RestoreBest ? NetworkOf(best) : NetworkOf(stopped);
        return (outcome.StoppedEpoch == stopped).Label($"stopped at {outcome.StoppedEpoch}, expected {stopped}")
            .And(states.Count == stopped).Label($"{states.Count} states for {stopped} epochs")
            .And(pulled == stopped).Label($"pulled {pulled} epochs, stopped at {stopped}")
            .And(outcome.BestEpoch == best).Label($"best epoch {outcome.BestEpoch}, expected {best}")
            .And(outcome.Reason == (fired ? StopReason.NoImprovement : StopReason.EpochsRanOut)).Label($"reason {outcome.Reason}")
            .And(states.Take(states.Count - 1).All(state => !state.Stopped)).Label("only the last state stops")
            .And(outcome.Network == expectedNetwork).Label("the kept network is the best epoch's (or the last one's without restoring)")
            .And(!s.RestoreBest || ReferenceEquals(outcome.Network, states[best - 1].Last!.Network)).Label("the restored network is the best epoch's own");
    });

    /// <summary>A lazy, endless sequence of equal losses: with patience p the fold pulls exactly p + 2 epochs (the first is the best, then p + 1 without improvement).</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(10)]
    public void Pulls_no_epoch_after_the_patience_runs_out(int patience)
    {
        int pulled = 0;
        IEnumerable<EpochResult<double>> Endless()
        {
            for (int epoch = 1; ; epoch++)
            {
                pulled++;
                yield return EpochOf(epoch, 1.0, EarlyStoppingMonitor.TrainingLoss, withValidation: false);
            }
        }
        var outcome = Training.RunWithEarlyStopping(Endless(), new EarlyStopping(patience));
        Assert.Equal(patience + 2, pulled);
        Assert.Equal(patience + 2, outcome.StoppedEpoch);
        Assert.Equal(1, outcome.BestEpoch);
        Assert.Equal(StopReason.NoImprovement, outcome.Reason);
        Assert.Same(outcome.State.BestNetwork, outcome.Network);
    }

    /// <summary>
    /// Patience 2, tol 0.1, losses 3, 2, 1.95, 2.5, 2.5, 1: epoch 2 improves (2 ≤ 3 − 0.1); epoch 3 is a new best (1.95 &lt; 2)
    /// but not an improvement (1.95 &gt; 2 − 0.1), count 1; epochs 4 and 5 count 2 and 3 &gt; 2: stop after epoch 5, best epoch 3.
    /// </summary>
    [Fact]
    public void A_best_by_less_than_tol_is_kept_but_does_not_reset_the_count()
    {
        double[] losses = [3, 2, 1.95, 2.5, 2.5, 1];
        var outcome = Training.RunWithEarlyStopping(
            losses.Select((loss, i) => EpochOf(i + 1, loss, EarlyStoppingMonitor.TrainingLoss, false)), new EarlyStopping(2, 0.1));
        Assert.Equal(5, outcome.StoppedEpoch);
        Assert.Equal(3, outcome.BestEpoch);
        Assert.Equal(1.95, outcome.State.BestValue);
        Assert.Equal(NetworkOf(3), outcome.Network);
    }

    /// <summary>Without restoring, the kept network is the last epoch's; a run that never stops ends with <see cref="StopReason.EpochsRanOut"/>.</summary>
    [Fact]
    public void Without_restoring_the_last_network_is_kept()
    {
        double[] losses = [1, 2, 3];
        var outcome = Training.RunWithEarlyStopping(
            losses.Select((loss, i) => EpochOf(i + 1, loss, EarlyStoppingMonitor.TrainingLoss, false)), new EarlyStopping(5, RestoreBest: false));
        Assert.Equal(StopReason.EpochsRanOut, outcome.Reason);
        Assert.Equal(3, outcome.StoppedEpoch);
        Assert.Equal(1, outcome.BestEpoch);
        Assert.Equal(NetworkOf(3), outcome.Network);
    }

    /// <summary>A NaN is neither an improvement nor a best: it counts one epoch without improvement.</summary>
    [Fact]
    public void Nan_is_not_an_improvement()
    {
        var rule = new EarlyStopping(1, 0);
        var state = EarlyStopping.Next(rule.Start<double>(), EpochOf(1, 1.0, EarlyStoppingMonitor.TrainingLoss, false));
        state = EarlyStopping.Next(state, EpochOf(2, double.NaN, EarlyStoppingMonitor.TrainingLoss, false));
        Assert.Equal(1, state.EpochsWithoutImprovement);
        Assert.Equal(1, state.BestEpoch);
        Assert.False(state.Stopped);
        state = EarlyStopping.Next(state, EpochOf(3, double.NaN, EarlyStoppingMonitor.TrainingLoss, false));
        Assert.True(state.Stopped);
    }

    /// <summary>On a real run with a validation set, the restored network equals the network a fresh run reaches at the best epoch.</summary>
    [Fact]
    public void Restored_network_is_the_one_training_reaches_at_the_best_epoch()
    {
        var x = ImmutableMatrix.Create(2, 40, (i, j) => Math.Sin(3 * j + 7 * i));
        var y = ImmutableMatrix.Create(1, 40, (_, j) => Math.Sin(3 * j) + Math.Sin(3 * j + 7) > 0 ? 1.0 : 0.0);
        var training = new Dataset<double>(x.SelectColumns([.. Enumerable.Range(0, 30)]), y.SelectColumns([.. Enumerable.Range(0, 30)]));
        var validation = new Dataset<double>(x.SelectColumns([.. Enumerable.Range(30, 10)]), y.SelectColumns([.. Enumerable.Range(30, 10)]));
        var network = Network.Create<double>([2, 8, 1], Activation.Tanh, Activation.Sigmoid, seed: 5);
        // A tolerance of 0.01 ends the run once the validation loss flattens, well before the 200 epochs.
        IEnumerable<EpochResult<double>> Run(int epochs) =>
            Training.Epochs(network, Optimizer.Adam(0.05), Loss.BinaryCrossEntropy, training, 4, epochs, seed: 2, validation);
        var outcome = Training.RunWithEarlyStopping(Run(200), new EarlyStopping(3, 0.01));
        Assert.Equal(StopReason.NoImprovement, outcome.Reason);
        Assert.InRange(outcome.BestEpoch, 1, outcome.StoppedEpoch);
        var replayed = Run(outcome.BestEpoch).Last();
        Assert.Equal(replayed.Network, outcome.Network);
        Assert.Equal(replayed.ValidationLoss!.Value, outcome.State.BestValue);
        Assert.Equal(Run(outcome.StoppedEpoch).Last().Network, outcome.Last.Network);
    }

    [Fact]
    public void Bad_settings_are_refused_naming_the_argument()
    {
        Assert.Equal("Patience", Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping(0)).ParamName);
        Assert.Equal("Tolerance", Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping(Tolerance: -1e-9)).ParamName);
        Assert.Equal("Tolerance", Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping(Tolerance: double.NaN)).ParamName);
        Assert.Equal("Monitor", Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping() with { Monitor = (EarlyStoppingMonitor)9 }).ParamName);
        Assert.Equal("Patience", Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping() with { Patience = -1 }).ParamName);
        Assert.Equal("BestEpoch", Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping().Start<double>() with { BestEpoch = -1 }).ParamName);
        Assert.Equal("EpochsWithoutImprovement", Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping().Start<double>() with { EpochsWithoutImprovement = -1 }).ParamName);
        Assert.Equal("Rule", Assert.Throws<ArgumentNullException>(() => new EarlyStopping().Start<double>() with { Rule = null! }).ParamName);
    }

    [Fact]
    public void A_missing_monitored_quantity_or_a_stopped_state_is_refused()
    {
        var noValidation = EpochOf(1, 1.0, EarlyStoppingMonitor.TrainingLoss, withValidation: false);
        var missing = Assert.Throws<ArgumentException>(() => EarlyStopping.Next(new EarlyStopping(Monitor: EarlyStoppingMonitor.ValidationAccuracy).Start<double>(), noValidation));
        Assert.Equal("epoch", missing.ParamName);
        Assert.Contains("ValidationAccuracy", missing.Message);
        var stopped = new EarlyStopping(1).Start<double>() with { Stopped = true };
        Assert.Equal("state", Assert.Throws<ArgumentException>(() => EarlyStopping.Next(stopped, noValidation)).ParamName);
        Assert.Equal("start", Assert.Throws<ArgumentException>(() => Training.WithEarlyStopping([noValidation], stopped)).ParamName);
        Assert.Equal("epochs", Assert.Throws<ArgumentException>(() => Training.RunWithEarlyStopping<double>([], new EarlyStopping())).ParamName);
        Assert.Equal("State", Assert.Throws<ArgumentException>(() => new EarlyStoppingOutcome<double>(new EarlyStopping().Start<double>())).ParamName);
    }
}
