using System.Collections.Immutable;
using System.Text.Json;

namespace Pure;

/// <summary>
/// A learning-rate schedule in the style of Optax: a pure function η_t = <see cref="ValueAt"/>(t) of the step count t,
/// the number of updates already applied (0 for the first update, as Optax's count). A schedule is an immutable value;
/// <see cref="Optimizer.ScaleBySchedule"/> (and the <see cref="Optimizer.Sgd(Schedule, double, bool, double, double?, ReduceOnPlateau?)"/>
/// and <see cref="Optimizer.Adam(Schedule, double, double, double, double, double?, ReduceOnPlateau?)"/> overloads) use it in
/// an optimizer chain, whose state then holds t. A schedule defined outside Pure trains as it is, and is saved in a
/// checkpoint once registered (docs/design.md, "Checkpointing your own transforms and schedules").
/// </summary>
public abstract record Schedule
{
    /// <summary>η_t for step count <paramref name="step"/> ≥ 0 (updates already applied); finite and ≥ 0.</summary>
    public abstract double ValueAt(long step);

    /// <summary>η_t = η: a constant rate (bit for bit the rate of <see cref="Optimizer.ScaleByLearningRate"/>).</summary>
    /// <param name="value">η &gt; 0.</param>
    public static Schedule Constant(double value) => new ConstantSchedule(value);

    /// <summary>
    /// Step decay, Optax's <c>piecewise_constant_schedule</c>: η_t = η0 · Π s_i over the boundaries b_i ≤ t, multiplied in
    /// the order given (the rate in force from step b_i on is the previous one times s_i).
    /// </summary>
    /// <param name="initialValue">η0 &gt; 0.</param>
    /// <param name="boundaries">b_i ≥ 0, strictly increasing.</param>
    /// <param name="scales">s_i &gt; 0, one per boundary.</param>
    public static Schedule PiecewiseConstant(double initialValue, IEnumerable<long> boundaries, IEnumerable<double> scales) =>
        new PiecewiseConstantSchedule(initialValue, [.. boundaries ?? throw new ArgumentNullException(nameof(boundaries))], [.. scales ?? throw new ArgumentNullException(nameof(scales))]);

    /// <summary>
    /// Optax's <c>exponential_decay</c>: η_t = η0 · r^p with p = max(0, t - begin) / k (⌊p⌋ when <paramref name="staircase"/>),
    /// and η_t = η0 before <paramref name="transitionBegin"/>; bounded by <paramref name="endValue"/> when given (below for r &lt; 1, above for r &gt; 1).
    /// </summary>
    /// <param name="initialValue">η0 &gt; 0.</param>
    /// <param name="transitionSteps">k ≥ 1.</param>
    /// <param name="decayRate">r &gt; 0.</param>
    /// <param name="transitionBegin">The step at which the decay starts, ≥ 0.</param>
    /// <param name="staircase">Decay in whole transitions (⌊p⌋) rather than continuously.</param>
    /// <param name="endValue">A bound on η_t, &gt; 0, or null for none.</param>
    public static Schedule Exponential(double initialValue, long transitionSteps, double decayRate, long transitionBegin = 0, bool staircase = false, double? endValue = null) =>
        new ExponentialSchedule(initialValue, transitionSteps, decayRate, transitionBegin, staircase, endValue);

    /// <summary>
    /// Inverse scaling, scikit-learn's <c>invscaling</c>: η_t = η0 / (c · ⌊t / k⌋ + 1)^p. With k = c = 1 the rate falls at
    /// every step (η0 / (t + 1)^p). scikit-learn changes its rate once per epoch, with t its count of samples seen
    /// before the epoch: take k = the steps per epoch (⌈m / batch size⌉) and c = m, the training samples.
    /// </summary>
    /// <param name="initialValue">η0 &gt; 0 (scikit-learn's learning_rate_init).</param>
    /// <param name="power">p ≥ 0 (scikit-learn's power_t, 0.5 by default).</param>
    /// <param name="transitionSteps">k ≥ 1, the steps between two changes of the rate.</param>
    /// <param name="countPerTransition">c &gt; 0, what one transition adds to the count.</param>
    public static Schedule InverseScaling(double initialValue, double power = 0.5, long transitionSteps = 1, double countPerTransition = 1) =>
        new InverseScalingSchedule(initialValue, power, transitionSteps, countPerTransition);

    /// <summary>
    /// Optax's <c>warmup_cosine_decay_schedule</c> (exponent 1): for t &lt; w, linear from η_init to η_peak,
    /// (η_init - η_peak)(1 - t / w) + η_peak; then η_peak ((1 - α) · ½(1 + cos(π s / (D - w))) + α) with s = min(t - w, D - w)
    /// and α = η_end / η_peak, so η_t = η_end from step D on.
    /// </summary>
    /// <param name="initialValue">η_init ≥ 0.</param>
    /// <param name="peakValue">η_peak &gt; 0.</param>
    /// <param name="warmupSteps">w ≥ 0.</param>
    /// <param name="decaySteps">D &gt; w, the total length of warm-up and decay (as in Optax).</param>
    /// <param name="endValue">η_end ≥ 0.</param>
    public static Schedule WarmupCosineDecay(double initialValue, double peakValue, long warmupSteps, long decaySteps, double endValue = 0) =>
        new WarmupCosineDecaySchedule(initialValue, peakValue, warmupSteps, decaySteps, endValue);

    /// <summary>
    /// One-cycle, Optax's <c>cosine_onecycle_schedule</c> (cosine annealing in both phases): from η_peak / d up to η_peak
    /// over the first b = ⌊f T⌋ steps, then down to η_peak / (d · d_final) at step T, each phase by
    /// end + (start - end) / 2 · (cos(π x) + 1) with x the fraction of the phase done; η_peak / (d · d_final) after T.
    /// </summary>
    /// <param name="transitionSteps">T ≥ 2, the length of the cycle.</param>
    /// <param name="peakValue">η_peak &gt; 0.</param>
    /// <param name="percentStart">f in (0, 1): the fraction of the cycle spent rising; ⌊f T⌋ must be in [1, T - 1].</param>
    /// <param name="divFactor">d &gt; 0: the rate starts at η_peak / d.</param>
    /// <param name="finalDivFactor">d_final &gt; 0: the rate ends at η_peak / (d · d_final).</param>
    public static Schedule OneCycle(long transitionSteps, double peakValue, double percentStart = 0.3, double divFactor = 25, double finalDivFactor = 1e4) =>
        new OneCycleSchedule(transitionSteps, peakValue, percentStart, divFactor, finalDivFactor);

    /// <summary>Throws unless <paramref name="step"/> ≥ 0.</summary>
    private protected static void CheckStep(long step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, $"Expected a step count of 0 or more, got {step}.");
    }

    private protected static void AtLeast(long value, long minimum, string parameterName)
    {
        if (value < minimum) throw new ArgumentOutOfRangeException(parameterName, value, $"Expected {parameterName} to be at least {minimum}, got {value}.");
    }
}

/// <summary>See <see cref="Schedule.Constant"/>.</summary>
internal sealed record ConstantSchedule : Schedule
{
    public ConstantSchedule(double value)
    {
        Guard.Positive(value, nameof(value));
        Value = value;
    }

    public double Value { get; }

    public override double ValueAt(long step)
    {
        CheckStep(step);
        return Value;
    }

    /// <summary>The checkpoint kind "constant": {"value"}.</summary>
    internal static readonly ScheduleCheckpointKind Checkpoint = new ScheduleCheckpointKind<ConstantSchedule>("constant", ["value"],
        (writer, s) => JsonNumbers.WriteDouble(writer, "value", s.Value),
        fields => Constant(fields["value"].Double()));
}

/// <summary>See <see cref="Schedule.PiecewiseConstant"/>.</summary>
internal sealed record PiecewiseConstantSchedule : Schedule
{
    /// <summary>The most boundaries a schedule (and a checkpoint) may hold.</summary>
    internal const int MaxBoundaries = 10_000;

    private readonly ValueArray<long> _boundaries;
    private readonly ValueArray<double> _scales;

    public PiecewiseConstantSchedule(double initialValue, ImmutableArray<long> boundaries, ImmutableArray<double> scales)
    {
        Guard.Positive(initialValue, nameof(initialValue));
        if (boundaries.Length != scales.Length)
            throw new ArgumentException($"Expected one scale per boundary, got {boundaries.Length} boundaries and {scales.Length} scales.", nameof(scales));
        if (boundaries.Length > MaxBoundaries)
            throw new ArgumentException($"Expected at most {MaxBoundaries} boundaries, got {boundaries.Length}.", nameof(boundaries));
        for (int i = 0; i < boundaries.Length; i++)
        {
            if (boundaries[i] < 0 || (i > 0 && boundaries[i] <= boundaries[i - 1]))
                throw new ArgumentException($"Expected boundaries of 0 or more, strictly increasing, got {boundaries[i]} at index {i}{(i > 0 ? $" after {boundaries[i - 1]}" : "")}.", nameof(boundaries));
            Guard.Positive(scales[i], nameof(scales));
        }
        InitialValue = initialValue;
        _boundaries = boundaries;
        _scales = scales;
    }

    public double InitialValue { get; }

    public ImmutableArray<long> Boundaries => _boundaries.Items;

    public ImmutableArray<double> Scales => _scales.Items;

    public override double ValueAt(long step)
    {
        CheckStep(step);
        double value = InitialValue;
        for (int i = 0; i < Boundaries.Length && Boundaries[i] <= step; i++) value *= Scales[i];
        return value;
    }

    /// <summary>The checkpoint kind "piecewise_constant": {"initial_value", "boundaries", "scales"}.</summary>
    internal static readonly ScheduleCheckpointKind Checkpoint = new ScheduleCheckpointKind<PiecewiseConstantSchedule>(
        "piecewise_constant", ["initial_value", "boundaries", "scales"],
        (writer, s) =>
        {
            JsonNumbers.WriteDouble(writer, "initial_value", s.InitialValue);
            writer.WriteStartArray("boundaries");
            foreach (long b in s.Boundaries) writer.WriteNumberValue(b);
            writer.WriteEndArray();
            writer.WriteStartArray("scales");
            foreach (double scale in s.Scales) JsonNumbers.WriteDoubleValue(writer, scale);
            writer.WriteEndArray();
        },
        fields => PiecewiseConstant(fields["initial_value"].Double(),
            fields["boundaries"].Array(0, MaxBoundaries).Select(b => b.Integer(0, long.MaxValue)),
            fields["scales"].Array(0, MaxBoundaries).Select(s => s.Double())));
}

/// <summary>See <see cref="Schedule.Exponential"/>.</summary>
internal sealed record ExponentialSchedule : Schedule
{
    public ExponentialSchedule(double initialValue, long transitionSteps, double decayRate, long transitionBegin, bool staircase, double? endValue)
    {
        Guard.Positive(initialValue, nameof(initialValue));
        AtLeast(transitionSteps, 1, nameof(transitionSteps));
        Guard.Positive(decayRate, nameof(decayRate));
        AtLeast(transitionBegin, 0, nameof(transitionBegin));
        if (endValue is double end) Guard.Positive(end, nameof(endValue));
        (InitialValue, TransitionSteps, DecayRate, TransitionBegin, Staircase, EndValue) = (initialValue, transitionSteps, decayRate, transitionBegin, staircase, endValue);
    }

    public double InitialValue { get; }

    public long TransitionSteps { get; }

    public double DecayRate { get; }

    public long TransitionBegin { get; }

    public bool Staircase { get; }

    public double? EndValue { get; }

    public override double ValueAt(long step)
    {
        CheckStep(step);
        double p = (double)Math.Max(0, step - TransitionBegin) / TransitionSteps;
        if (Staircase) p = Math.Floor(p);
        double value = InitialValue * Math.Pow(DecayRate, p);
        return EndValue is not double end ? value : DecayRate < 1 ? Math.Max(value, end) : Math.Min(value, end);
    }

    /// <summary>The checkpoint kind "exponential": {"initial_value", "transition_steps", "decay_rate", "transition_begin", "staircase", "end_value" (null for none)}.</summary>
    internal static readonly ScheduleCheckpointKind Checkpoint = new ScheduleCheckpointKind<ExponentialSchedule>(
        "exponential", ["initial_value", "transition_steps", "decay_rate", "transition_begin", "staircase", "end_value"],
        (writer, s) =>
        {
            JsonNumbers.WriteDouble(writer, "initial_value", s.InitialValue);
            writer.WriteNumber("transition_steps", s.TransitionSteps);
            JsonNumbers.WriteDouble(writer, "decay_rate", s.DecayRate);
            writer.WriteNumber("transition_begin", s.TransitionBegin);
            writer.WriteBoolean("staircase", s.Staircase);
            if (s.EndValue is double end) JsonNumbers.WriteDouble(writer, "end_value", end);
            else writer.WriteNull("end_value");
        },
        fields => Exponential(fields["initial_value"].Double(), fields["transition_steps"].Integer(1, long.MaxValue), fields["decay_rate"].Double(),
            fields["transition_begin"].Integer(0, long.MaxValue), fields["staircase"].Boolean(), fields["end_value"].IsNull ? null : fields["end_value"].Double()));
}

/// <summary>See <see cref="Schedule.InverseScaling"/>.</summary>
internal sealed record InverseScalingSchedule : Schedule
{
    public InverseScalingSchedule(double initialValue, double power, long transitionSteps, double countPerTransition)
    {
        Guard.Positive(initialValue, nameof(initialValue));
        Guard.NonNegative(power, nameof(power));
        AtLeast(transitionSteps, 1, nameof(transitionSteps));
        Guard.Positive(countPerTransition, nameof(countPerTransition));
        (InitialValue, Power, TransitionSteps, CountPerTransition) = (initialValue, power, transitionSteps, countPerTransition);
    }

    public double InitialValue { get; }

    public double Power { get; }

    public long TransitionSteps { get; }

    public double CountPerTransition { get; }

    public override double ValueAt(long step)
    {
        CheckStep(step);
        return InitialValue / Math.Pow(CountPerTransition * (step / TransitionSteps) + 1, Power);
    }

    /// <summary>The checkpoint kind "inverse_scaling": {"initial_value", "power", "transition_steps", "count_per_transition"}.</summary>
    internal static readonly ScheduleCheckpointKind Checkpoint = new ScheduleCheckpointKind<InverseScalingSchedule>(
        "inverse_scaling", ["initial_value", "power", "transition_steps", "count_per_transition"],
        (writer, s) =>
        {
            JsonNumbers.WriteDouble(writer, "initial_value", s.InitialValue);
            JsonNumbers.WriteDouble(writer, "power", s.Power);
            writer.WriteNumber("transition_steps", s.TransitionSteps);
            JsonNumbers.WriteDouble(writer, "count_per_transition", s.CountPerTransition);
        },
        fields => InverseScaling(fields["initial_value"].Double(), fields["power"].Double(), fields["transition_steps"].Integer(1, long.MaxValue), fields["count_per_transition"].Double()));
}

/// <summary>See <see cref="Schedule.WarmupCosineDecay"/>.</summary>
internal sealed record WarmupCosineDecaySchedule : Schedule
{
    public WarmupCosineDecaySchedule(double initialValue, double peakValue, long warmupSteps, long decaySteps, double endValue)
    {
        Guard.NonNegative(initialValue, nameof(initialValue));
        Guard.Positive(peakValue, nameof(peakValue));
        AtLeast(warmupSteps, 0, nameof(warmupSteps));
        if (decaySteps <= warmupSteps)
            throw new ArgumentOutOfRangeException(nameof(decaySteps), decaySteps, $"Expected decaySteps (warm-up included) greater than warmupSteps {warmupSteps}, got {decaySteps}.");
        Guard.NonNegative(endValue, nameof(endValue));
        (InitialValue, PeakValue, WarmupSteps, DecaySteps, EndValue) = (initialValue, peakValue, warmupSteps, decaySteps, endValue);
    }

    public double InitialValue { get; }

    public double PeakValue { get; }

    public long WarmupSteps { get; }

    public long DecaySteps { get; }

    public double EndValue { get; }

    public override double ValueAt(long step)
    {
        CheckStep(step);
        if (step < WarmupSteps) return (InitialValue - PeakValue) * (1 - (double)step / WarmupSteps) + PeakValue;
        long length = DecaySteps - WarmupSteps;
        double alpha = EndValue / PeakValue;
        double cosine = 0.5 * (1 + Math.Cos(Math.PI * Math.Min(step - WarmupSteps, length) / length));
        return PeakValue * ((1 - alpha) * cosine + alpha);
    }

    /// <summary>The checkpoint kind "warmup_cosine_decay": {"initial_value", "peak_value", "warmup_steps", "decay_steps", "end_value"}.</summary>
    internal static readonly ScheduleCheckpointKind Checkpoint = new ScheduleCheckpointKind<WarmupCosineDecaySchedule>(
        "warmup_cosine_decay", ["initial_value", "peak_value", "warmup_steps", "decay_steps", "end_value"],
        (writer, s) =>
        {
            JsonNumbers.WriteDouble(writer, "initial_value", s.InitialValue);
            JsonNumbers.WriteDouble(writer, "peak_value", s.PeakValue);
            writer.WriteNumber("warmup_steps", s.WarmupSteps);
            writer.WriteNumber("decay_steps", s.DecaySteps);
            JsonNumbers.WriteDouble(writer, "end_value", s.EndValue);
        },
        fields => WarmupCosineDecay(fields["initial_value"].Double(), fields["peak_value"].Double(), fields["warmup_steps"].Integer(0, long.MaxValue),
            fields["decay_steps"].Integer(1, long.MaxValue), fields["end_value"].Double()));
}

/// <summary>See <see cref="Schedule.OneCycle"/>.</summary>
internal sealed record OneCycleSchedule : Schedule
{
    public OneCycleSchedule(long transitionSteps, double peakValue, double percentStart, double divFactor, double finalDivFactor)
    {
        AtLeast(transitionSteps, 2, nameof(transitionSteps));
        Guard.Positive(peakValue, nameof(peakValue));
        if (!(percentStart > 0 && percentStart < 1))
            throw new ArgumentOutOfRangeException(nameof(percentStart), percentStart, $"Expected percentStart in (0, 1), got {percentStart}.");
        long rise = (long)(percentStart * transitionSteps);
        if (rise < 1 || rise >= transitionSteps)
            throw new ArgumentOutOfRangeException(nameof(percentStart), percentStart, $"Expected ⌊percentStart · transitionSteps⌋ in [1, {transitionSteps - 1}], got {rise}.");
        Guard.Positive(divFactor, nameof(divFactor));
        Guard.Positive(finalDivFactor, nameof(finalDivFactor));
        (TransitionSteps, PeakValue, PercentStart, DivFactor, FinalDivFactor) = (transitionSteps, peakValue, percentStart, divFactor, finalDivFactor);
    }

    public long TransitionSteps { get; }

    public double PeakValue { get; }

    public double PercentStart { get; }

    public double DivFactor { get; }

    public double FinalDivFactor { get; }

    /// <summary>Optax's _cos_interpolate: end + (start - end) / 2 · (cos(π x) + 1).</summary>
    private static double Interpolate(double start, double end, double fraction) => end + (start - end) / 2.0 * (Math.Cos(Math.PI * fraction) + 1.0);

    public override double ValueAt(long step)
    {
        CheckStep(step);
        long rise = (long)(PercentStart * TransitionSteps);
        // Optax's piecewise_interpolate_schedule with values η_peak / d, times d, times 1 / (d · d_final).
        double start = PeakValue / DivFactor, peak = start * DivFactor, end = peak * (1.0 / (DivFactor * FinalDivFactor));
        if (step < rise) return Interpolate(start, peak, (double)step / rise);
        if (step < TransitionSteps) return Interpolate(peak, end, (double)(step - rise) / (TransitionSteps - rise));
        return end;
    }

    /// <summary>The checkpoint kind "one_cycle": {"transition_steps", "peak_value", "percent_start", "div_factor", "final_div_factor"}.</summary>
    internal static readonly ScheduleCheckpointKind Checkpoint = new ScheduleCheckpointKind<OneCycleSchedule>(
        "one_cycle", ["transition_steps", "peak_value", "percent_start", "div_factor", "final_div_factor"],
        (writer, s) =>
        {
            writer.WriteNumber("transition_steps", s.TransitionSteps);
            JsonNumbers.WriteDouble(writer, "peak_value", s.PeakValue);
            JsonNumbers.WriteDouble(writer, "percent_start", s.PercentStart);
            JsonNumbers.WriteDouble(writer, "div_factor", s.DivFactor);
            JsonNumbers.WriteDouble(writer, "final_div_factor", s.FinalDivFactor);
        },
        fields => OneCycle(fields["transition_steps"].Integer(1, long.MaxValue), fields["peak_value"].Double(), fields["percent_start"].Double(),
            fields["div_factor"].Double(), fields["final_div_factor"].Double()));
}
