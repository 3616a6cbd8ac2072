using System.Numerics;
using System.Text.Json;

namespace Pure;

/// <summary>The state of <see cref="Optimizer.ScaleBySchedule"/>: the step count t.</summary>
/// <param name="Count">t, the number of updates made so far, in [0, <see cref="AdamState{T}.MaxCount"/>]; the next update uses η_t.</param>
public sealed record ScheduleState<T>(long Count) : OptimizerState<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>t, the number of updates made so far, in [0, <see cref="AdamState{T}.MaxCount"/>].</summary>
    public long Count { get; init => field = CheckCount(value); } = CheckCount(Count);

    private static long CheckCount(long count) =>
        count is >= 0 and <= AdamState<T>.MaxCount ? count
        : throw new ArgumentOutOfRangeException(nameof(Count), count, $"Expected a schedule step count in [0, {AdamState<T>.MaxCount}] (2^53 - 1), got {count}.");
}

/// <summary>See <see cref="Optimizer.ScaleBySchedule"/>: u = -η_t g, then t ← t + 1. Its state is a <see cref="ScheduleState{T}"/>.</summary>
internal sealed record ScaleByScheduleTransform : KernelTransform
{
    public ScaleByScheduleTransform(Schedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        Schedule = schedule;
    }

    public Schedule Schedule { get; }

    public override OptimizerState<T> Init<T>(Parameters<T> parameters) => new ScheduleState<T>(0);

    internal override InPlaceScheduledScale<T> CreateInPlace<T>(OptimizerState<T> state, Parameters<T> parameters) =>
        new(Schedule, Expect<ScheduleState<T>>(state, "the learning-rate schedule").Count);

    /// <summary>The checkpoint kind "scale_by_schedule": {"schedule": {"kind", ...}}, the schedule written by its own kind.</summary>
    internal static readonly TransformCheckpointKind Checkpoint = new TransformCheckpointKind<ScaleByScheduleTransform>(
        "scale_by_schedule", ["schedule"],
        (writer, transform, kinds) => kinds.WriteSchedule(writer, "schedule", transform.Schedule),
        (fields, kinds) => Optimizer.ScaleBySchedule(kinds.ReadSchedule(fields["schedule"])));
}

/// <summary>
/// The in-place twin of <see cref="ScaleByScheduleTransform"/>: <see cref="Prepare"/> takes the factor -η_t of this step
/// (rounded once to <typeparamref name="T"/>, as the constant rate's -η is) and counts the step; the rule is <see cref="ScaleRule{T}"/>.
/// </summary>
internal sealed class InPlaceScheduledScale<T>(Schedule schedule, long count) : InPlaceTransform<T>, IScaleLeaf<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private T _factor;

    /// <summary>This step's factor, -η_t.</summary>
    public T Factor => _factor;

    public override void Prepare(T[][] input)
    {
        double rate = schedule.ValueAt(count);
        if (!double.IsFinite(rate) || rate < 0)
            throw new InvalidOperationException($"Expected the schedule {schedule.GetType().Name} to give a finite rate of 0 or more at step {count}, got {rate}.");
        _factor = -T.CreateChecked(rate);
        count++;
    }

    public override void Apply(int segment, int offset, ReadOnlySpan<T> input, Span<T> output, ReadOnlySpan<T> parameters) =>
        Lanes<T>.Apply(input, output, default, new ScaleRule<T>(_factor));

    public override OptimizerState<T> ToState(Parameters<T> shape) => new ScheduleState<T>(count);
}

/// <summary>A twin that ends a chain with u = g · factor, a factor fixed for the step: the fused pass reads it at each step.</summary>
internal interface IScaleLeaf<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The factor of the current step (-η, -η_t).</summary>
    T Factor { get; }
}

/// <summary>The checkpoint kind "schedule" of a <see cref="ScheduleState{T}"/>: {"count"}.</summary>
internal sealed class ScheduleStateCheckpointKind() : StateCheckpointKind("schedule", typeof(ScheduleState<>))
{
    /// <summary>The one instance.</summary>
    public static readonly ScheduleStateCheckpointKind Instance = new();

    public override void WriteFields<T>(Utf8JsonWriter writer, OptimizerState<T> state, CheckpointKinds kinds) =>
        writer.WriteNumber("count", ((ScheduleState<T>)state).Count);

    public override OptimizerState<T> Read<T>(JsonField node, OptimizerState<T> expected, CheckpointKinds kinds) =>
        new ScheduleState<T>(node.Object(["kind", "count"])["count"].Integer(0, AdamState<T>.MaxCount));

    public override bool HasShapeOf<T>(OptimizerState<T> state, OptimizerState<T> expected, string path, CheckpointKinds kinds) => true;
}
