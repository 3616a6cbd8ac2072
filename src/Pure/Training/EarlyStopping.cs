using System.Numerics;

namespace Pure;

/// <summary>The quantity <see cref="EarlyStopping"/> watches after each epoch.</summary>
public enum EarlyStoppingMonitor
{
    /// <summary>The validation loss when the epochs carry one, else the training loss (scikit-learn's choice without a validation set).</summary>
    Auto,

    /// <summary><see cref="EpochResult{T}.ValidationLoss"/>, minimised; the epochs must carry it.</summary>
    ValidationLoss,

    /// <summary><see cref="EpochResult{T}.ValidationAccuracy"/>, maximised (scikit-learn's validation score); the epochs must carry it.</summary>
    ValidationAccuracy,

    /// <summary><see cref="EpochResult{T}.TrainingLoss"/>, minimised.</summary>
    TrainingLoss,
}

/// <summary>Why a run with early stopping ended.</summary>
public enum StopReason
{
    /// <summary>The monitored quantity did not improve by the tolerance for more than <see cref="EarlyStopping.Patience"/> epochs in a row.</summary>
    NoImprovement,

    /// <summary>The epoch sequence ended first.</summary>
    EpochsRanOut,
}

/// <summary>
/// The early-stopping rule of scikit-learn's MLP (<c>_update_no_improvement_count</c>), as a value. After each epoch
/// the monitored value v is compared with the best value so far, v*: for a loss, the epoch improves when
/// v ≤ v* − tol, and otherwise counts one epoch without improvement (an improvement resets the count to 0); v becomes
/// the best (and its network the best network) whenever v &lt; v*, even by less than tol. For the accuracy, which is
/// maximised, the comparisons are v ≥ v* + tol and v &gt; v*. Before the first epoch v* is +∞ for a loss (−∞ for the
/// accuracy), so the first finite value is the best. Training stops after the epoch at which the count exceeds
/// <see cref="Patience"/>: with patience p, after p + 1 epochs in a row without improvement. A NaN is never an
/// improvement nor a best.
/// </summary>
/// <param name="Patience">p, scikit-learn's <c>n_iter_no_change</c>: the epochs without improvement tolerated, at least 1; 10 by default.</param>
/// <param name="Tolerance">tol, the least change that counts as an improvement, finite and 0 or more; 1e-4 by default.</param>
/// <param name="Monitor">The monitored quantity; <see cref="EarlyStoppingMonitor.Auto"/> by default.</param>
/// <param name="RestoreBest">Whether the outcome's network is the best epoch's (true, the default, as scikit-learn does with a validation set) or the last epoch's.</param>
public sealed record EarlyStopping(int Patience = 10, double Tolerance = 1e-4, EarlyStoppingMonitor Monitor = EarlyStoppingMonitor.Auto, bool RestoreBest = true)
{
    /// <summary>p, the epochs without improvement tolerated, at least 1.</summary>
    public int Patience { get; init => field = CheckPatience(value); } = CheckPatience(Patience);

    /// <summary>tol, the least change that counts as an improvement, finite and 0 or more.</summary>
    public double Tolerance { get; init => field = CheckTolerance(value); } = CheckTolerance(Tolerance);

    /// <summary>The monitored quantity.</summary>
    public EarlyStoppingMonitor Monitor { get; init => field = CheckMonitor(value); } = CheckMonitor(Monitor);

    /// <summary>The quantity actually watched on epochs that carry (or lack) a validation measurement: <see cref="EarlyStoppingMonitor.Auto"/> resolved.</summary>
    public EarlyStoppingMonitor Resolve(bool hasValidation) =>
        Monitor == EarlyStoppingMonitor.Auto ? hasValidation ? EarlyStoppingMonitor.ValidationLoss : EarlyStoppingMonitor.TrainingLoss : Monitor;

    /// <summary>The state before the first epoch: no best network, v* = +∞ (−∞ for the accuracy), no epoch without improvement.</summary>
    public EarlyStoppingState<T> Start<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
        new(this, null, 0, Monitor == EarlyStoppingMonitor.ValidationAccuracy ? double.NegativeInfinity : double.PositiveInfinity, null, 0, false);

    /// <summary>
    /// The state after <paramref name="epoch"/>, by the rule above: the count of epochs without improvement, the best
    /// value, epoch and network, and <see cref="EarlyStoppingState{T}.Stopped"/> once the count exceeds the patience.
    /// </summary>
    /// <param name="state">The state before the epoch; not stopped.</param>
    /// <param name="epoch">The epoch's result; it must carry the monitored quantity.</param>
    public static EarlyStoppingState<T> Next<T>(EarlyStoppingState<T> state, EpochResult<T> epoch) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(epoch);
        if (state.Stopped)
            throw new ArgumentException($"Expected a state that has not stopped, got one stopped after epoch {state.Last?.Epoch}.", nameof(state));
        var monitor = state.Rule.Resolve(epoch.ValidationLoss is not null);
        double value = MonitoredValue(monitor, epoch);
        double best = state.BestValue, tolerance = state.Rule.Tolerance;
        bool maximise = monitor == EarlyStoppingMonitor.ValidationAccuracy;
        bool improved = maximise ? value >= best + tolerance : value <= best - tolerance;
        bool better = maximise ? value > best : value < best;
        int count = improved ? 0 : state.EpochsWithoutImprovement + 1;
        return new EarlyStoppingState<T>(state.Rule, epoch,
            better ? epoch.Epoch : state.BestEpoch, better ? value : best, better ? epoch.Network : state.BestNetwork, count, count > state.Rule.Patience);
    }

    private static double MonitoredValue<T>(EarlyStoppingMonitor monitor, EpochResult<T> epoch) where T : unmanaged, IFloatingPointIeee754<T> => monitor switch
    {
        EarlyStoppingMonitor.TrainingLoss => double.CreateChecked(epoch.TrainingLoss),
        EarlyStoppingMonitor.ValidationLoss => epoch.ValidationLoss is T loss ? double.CreateChecked(loss) : throw Missing(monitor, epoch),
        _ => epoch.ValidationAccuracy ?? throw Missing(monitor, epoch),
    };

    private static ArgumentException Missing<T>(EarlyStoppingMonitor monitor, EpochResult<T> epoch) where T : unmanaged, IFloatingPointIeee754<T> =>
        new($"Expected epoch {epoch.Epoch} to carry the monitored {monitor}, got none: give Training.Epochs a validation set, or monitor {EarlyStoppingMonitor.TrainingLoss}.", nameof(epoch));

    private static int CheckPatience(int value) =>
        value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Patience), value, $"Expected {nameof(Patience)} to be at least 1, got {value}.");

    private static double CheckTolerance(double value) =>
        double.IsFinite(value) && value >= 0 ? value
        : throw new ArgumentOutOfRangeException(nameof(Tolerance), value, $"Expected {nameof(Tolerance)} to be finite and 0 or more, got {value}.");

    private static EarlyStoppingMonitor CheckMonitor(EarlyStoppingMonitor value) =>
        Enum.IsDefined(value) ? value
        : throw new ArgumentOutOfRangeException(nameof(Monitor), value, $"Expected {nameof(Monitor)} to be one of {string.Join(", ", Enum.GetNames<EarlyStoppingMonitor>())}, got {(int)value}.");
}

/// <summary>
/// Where early stopping stands after some epochs: an immutable value that <see cref="EarlyStopping.Next{T}"/> maps to
/// the next one. Start from <see cref="EarlyStopping.Start{T}"/>.
/// </summary>
/// <param name="Rule">The rule.</param>
/// <param name="Last">The last epoch seen, or null before the first.</param>
/// <param name="BestEpoch">The epoch of the best value, or 0 when there is none yet.</param>
/// <param name="BestValue">v*, the best monitored value so far (±∞ before the first finite one).</param>
/// <param name="BestNetwork">The network after <paramref name="BestEpoch"/>, or null when there is none yet.</param>
/// <param name="EpochsWithoutImprovement">The epochs in a row, up to <paramref name="Last"/>, that did not improve v* by the tolerance; 0 or more.</param>
/// <param name="Stopped">Whether the count exceeded the patience at <paramref name="Last"/>: training should stop there.</param>
public sealed record EarlyStoppingState<T>(
    EarlyStopping Rule, EpochResult<T>? Last, int BestEpoch, double BestValue, Network<T>? BestNetwork, int EpochsWithoutImprovement, bool Stopped)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The rule.</summary>
    public EarlyStopping Rule { get; init => field = value ?? throw new ArgumentNullException(nameof(Rule)); } = Rule ?? throw new ArgumentNullException(nameof(Rule));

    /// <summary>The epoch of the best value, or 0 when there is none yet.</summary>
    public int BestEpoch { get; init => field = CheckBestEpoch(value); } = CheckBestEpoch(BestEpoch);

    /// <summary>The epochs in a row without improvement, 0 or more.</summary>
    public int EpochsWithoutImprovement { get; init => field = CheckCount(value); } = CheckCount(EpochsWithoutImprovement);

    /// <summary>
    /// The network to keep: the best one when <see cref="EarlyStopping.RestoreBest"/> and there is one, else the last
    /// epoch's; null before the first epoch.
    /// </summary>
    public Network<T>? Network => Rule.RestoreBest && BestNetwork is not null ? BestNetwork : Last?.Network;

    private static int CheckBestEpoch(int value) =>
        value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(BestEpoch), value, $"Expected {nameof(BestEpoch)} to be 0 or more, got {value}.");

    private static int CheckCount(int value) =>
        value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(EpochsWithoutImprovement), value, $"Expected {nameof(EpochsWithoutImprovement)} to be 0 or more, got {value}.");
}

/// <summary>How a run with early stopping ended: the final state and why.</summary>
/// <param name="State">The state after the last epoch run; at least one epoch.</param>
public sealed record EarlyStoppingOutcome<T>(EarlyStoppingState<T> State) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The state after the last epoch run.</summary>
    public EarlyStoppingState<T> State { get; init => field = Check(value); } = Check(State);

    /// <summary>Why the run ended: <see cref="StopReason.NoImprovement"/> when the state stopped, else <see cref="StopReason.EpochsRanOut"/>.</summary>
    public StopReason Reason => State.Stopped ? StopReason.NoImprovement : StopReason.EpochsRanOut;

    /// <summary>The last epoch run (its network and optimizer state continue the training).</summary>
    public EpochResult<T> Last => State.Last!;

    /// <summary>The number of the last epoch run.</summary>
    public int StoppedEpoch => Last.Epoch;

    /// <summary>The epoch of the best value, or 0 when no monitored value was a best (all NaN).</summary>
    public int BestEpoch => State.BestEpoch;

    /// <summary>The network to keep: the best epoch's when <see cref="EarlyStopping.RestoreBest"/> (and there is one), else the last epoch's.</summary>
    public Network<T> Network => State.Network!;

    private static EarlyStoppingState<T> Check(EarlyStoppingState<T> state)
    {
        ArgumentNullException.ThrowIfNull(state, nameof(State));
        return state.Last is not null ? state : throw new ArgumentException("Expected a state after at least one epoch, got the start state.", nameof(State));
    }
}

public static partial class Training
{
    /// <summary>
    /// Early stopping as a lazy fold (a scan) over <paramref name="epochs"/>: yields the state after each epoch, and ends
    /// after the first stopped state without asking <paramref name="epochs"/> for another epoch, or when the epochs end.
    /// The last state yielded is the outcome (see <see cref="EarlyStoppingOutcome{T}"/>).
    /// </summary>
    /// <param name="epochs">The epochs, typically <see cref="Epochs{T}"/>.</param>
    /// <param name="rule">The rule.</param>
    public static IEnumerable<EarlyStoppingState<T>> WithEarlyStopping<T>(IEnumerable<EpochResult<T>> epochs, EarlyStopping rule)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(rule);
        return WithEarlyStopping(epochs, rule.Start<T>());
    }

    /// <summary>The same fold from a given state (to continue one), which must not have stopped.</summary>
    /// <param name="epochs">The epochs.</param>
    /// <param name="start">The state to continue from.</param>
    public static IEnumerable<EarlyStoppingState<T>> WithEarlyStopping<T>(IEnumerable<EpochResult<T>> epochs, EarlyStoppingState<T> start)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(epochs);
        ArgumentNullException.ThrowIfNull(start);
        if (start.Stopped) throw new ArgumentException($"Expected a state that has not stopped, got one stopped after epoch {start.Last?.Epoch}.", nameof(start));
        return Scan(epochs, start);

        static IEnumerable<EarlyStoppingState<T>> Scan(IEnumerable<EpochResult<T>> epochs, EarlyStoppingState<T> state)
        {
            using var enumerator = epochs.GetEnumerator();
            while (!state.Stopped && enumerator.MoveNext())
            {
                state = EarlyStopping.Next(state, enumerator.Current);
                yield return state;
            }
        }
    }

    /// <summary>Runs <see cref="WithEarlyStopping{T}(IEnumerable{EpochResult{T}}, EarlyStopping)"/> to its end.</summary>
    /// <param name="epochs">The epochs; at least one.</param>
    /// <param name="rule">The rule.</param>
    public static EarlyStoppingOutcome<T> RunWithEarlyStopping<T>(IEnumerable<EpochResult<T>> epochs, EarlyStopping rule)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var final = WithEarlyStopping(epochs, rule).LastOrDefault()
            ?? throw new ArgumentException("Expected at least one epoch, got none.", nameof(epochs));
        return new EarlyStoppingOutcome<T>(final);
    }
}
