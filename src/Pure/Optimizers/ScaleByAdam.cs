using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Pure;

/// <summary>The state of <see cref="Optimizer.ScaleByAdam"/>.</summary>
/// <param name="Count">t, the number of updates made so far, in [0, <see cref="AdamState{T}.MaxCount"/>].</param>
/// <param name="FirstMoment">m_t = β1 m_{t-1} + (1 - β1) g_t.</param>
/// <param name="SecondMoment">v_t = β2 v_{t-1} + (1 - β2) g_t^2.</param>
public sealed record AdamState<T>(long Count, Parameters<T> FirstMoment, Parameters<T> SecondMoment) : OptimizerState<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// The largest count a state may hold, 2^53 - 1: the next update's t = count + 1 is then still an integer that a
    /// double holds exactly, so the bias corrections 1 - β^t (computed with <see cref="Math.Pow"/> in double) are those
    /// of the true step number and t + 1 cannot overflow. At one step per microsecond it is 285 years of training.
    /// </summary>
    public const long MaxCount = (1L << 53) - 1;

    /// <summary>t, the number of updates made so far, in [0, <see cref="MaxCount"/>].</summary>
    public long Count { get; init => field = CheckCount(value); } = CheckCount(Count);

    private static long CheckCount(long count) =>
        count is >= 0 and <= MaxCount ? count
        : throw new ArgumentOutOfRangeException(nameof(Count), count, $"Expected an Adam step count in [0, {MaxCount}] (2^53 - 1), got {count}.");
}

/// <summary>See <see cref="Optimizer.ScaleByAdam"/>: bias-corrected m̂ / (sqrt(v̂) + ε).</summary>
internal sealed record ScaleByAdamTransform : KernelTransform
{
    public ScaleByAdamTransform(double beta1, double beta2, double epsilon)
    {
        Guard.InUnitInterval(beta1, nameof(beta1));
        Guard.InUnitInterval(beta2, nameof(beta2));
        Guard.Positive(epsilon, nameof(epsilon));
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    public double Beta1 { get; }

    public double Beta2 { get; }

    public double Epsilon { get; }

    /// <summary>
    /// The formula: m = β1 m + (1 - β1) g, v = β2 v + (1 - β2) g g; returns m / (1 - β1^t) / (sqrt(v / (1 - β2^t)) + ε).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TLanes Step<TLanes>(TLanes input, ref TLanes first, ref TLanes second, in AdamCoefficients<TLanes> c) where TLanes : struct, ILaneArithmetic<TLanes>
    {
        first = c.Beta1 * first + c.OneMinusBeta1 * input;
        second = c.Beta2 * second + c.OneMinusBeta2 * input * input;
        return first / c.FirstCorrection / (TLanes.Sqrt(second / c.SecondCorrection) + c.Epsilon);
    }

    public override OptimizerState<T> Init<T>(Parameters<T> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return new AdamState<T>(0, parameters.ZerosLike(), parameters.ZerosLike());
    }

    /// <summary>The twin holding copies of the moments; <paramref name="shape"/> (θ, or g in the pure update) must share their shape.</summary>
    internal override InPlaceAdam<T> CreateInPlace<T>(OptimizerState<T> state, Parameters<T> shape)
    {
        var adam = Expect<AdamState<T>>(state, "Adam");
        shape.CheckSameShape(adam.FirstMoment, nameof(state));
        shape.CheckSameShape(adam.SecondMoment, nameof(state));
        return new InPlaceAdam<T>(Beta1, Beta2, T.CreateChecked(Epsilon), adam.Count,
            InPlaceTransform<T>.Segments(adam.FirstMoment), InPlaceTransform<T>.Segments(adam.SecondMoment));
    }

    /// <summary>The checkpoint kind "scale_by_adam": {"beta1", "beta2", "epsilon"}.</summary>
    internal static readonly TransformCheckpointKind Checkpoint = new TransformCheckpointKind<ScaleByAdamTransform>(
        "scale_by_adam", ["beta1", "beta2", "epsilon"],
        (writer, adam, _) =>
        {
            JsonNumbers.WriteDouble(writer, "beta1", adam.Beta1);
            JsonNumbers.WriteDouble(writer, "beta2", adam.Beta2);
            JsonNumbers.WriteDouble(writer, "epsilon", adam.Epsilon);
        },
        (fields, _) => Optimizer.ScaleByAdam(fields["beta1"].Double(), fields["beta2"].Double(), fields["epsilon"].Double()));
}

/// <summary>Adam's constants for one step, each at the width of <typeparamref name="TLanes"/>.</summary>
internal readonly struct AdamCoefficients<TLanes>(TLanes beta1, TLanes beta2, TLanes oneMinusBeta1, TLanes oneMinusBeta2, TLanes firstCorrection, TLanes secondCorrection, TLanes epsilon)
{
    /// <summary>β1.</summary>
    public TLanes Beta1 { get; } = beta1;

    /// <summary>β2.</summary>
    public TLanes Beta2 { get; } = beta2;

    /// <summary>1 - β1.</summary>
    public TLanes OneMinusBeta1 { get; } = oneMinusBeta1;

    /// <summary>1 - β2.</summary>
    public TLanes OneMinusBeta2 { get; } = oneMinusBeta2;

    /// <summary>1 - β1^t.</summary>
    public TLanes FirstCorrection { get; } = firstCorrection;

    /// <summary>1 - β2^t.</summary>
    public TLanes SecondCorrection { get; } = secondCorrection;

    /// <summary>ε.</summary>
    public TLanes Epsilon { get; } = epsilon;
}

/// <summary>The in-place twin of <see cref="ScaleByAdamTransform"/>, holding the count and the moments as segments.</summary>
internal sealed class InPlaceAdam<T>(double beta1, double beta2, T epsilon, long count, T[][] first, T[][] second)
    : InPlaceTransform<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _beta1 = T.CreateChecked(beta1);
    private readonly T _beta2 = T.CreateChecked(beta2);
    private T _firstCorrection = T.One;
    private T _secondCorrection = T.One;

    /// <summary>Counts the step and computes its bias corrections 1 - β^t (in double, with <see cref="Math.Pow"/>).</summary>
    public override void Prepare(T[][] input)
    {
        count++;
        _firstCorrection = T.CreateChecked(1 - Math.Pow(beta1, count));
        _secondCorrection = T.CreateChecked(1 - Math.Pow(beta2, count));
    }

    /// <summary>The rule for elements [offset, offset + length) of segment <paramref name="segment"/>.</summary>
    public AdamRule<T> Rule(int segment, int offset, int length) => new(
        _beta1, _beta2, _firstCorrection, _secondCorrection, epsilon, first[segment].AsSpan(offset, length), second[segment].AsSpan(offset, length));

    public override void Apply(int segment, int offset, ReadOnlySpan<T> input, Span<T> output, ReadOnlySpan<T> parameters) =>
        Lanes<T>.Apply(input, output, default, Rule(segment, offset, input.Length));

    public override OptimizerState<T> ToState(Parameters<T> shape) => new AdamState<T>(count, ToParameters(first, shape), ToParameters(second, shape));
}

/// <summary>Adam's moments and update over one stretch of the moments.</summary>
internal readonly ref struct AdamRule<T>(T beta1, T beta2, T firstCorrection, T secondCorrection, T epsilon, Span<T> first, Span<T> second)
    : IUpdateRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Span<T> _first = first;
    private readonly Span<T> _second = second;
    private readonly LaneConstant<T> _beta1 = new(beta1), _beta2 = new(beta2), _oneMinusBeta1 = new(T.One - beta1), _oneMinusBeta2 = new(T.One - beta2);
    private readonly LaneConstant<T> _firstCorrection = new(firstCorrection), _secondCorrection = new(secondCorrection), _epsilon = new(epsilon);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TLanes Update<TLanes>(TLanes input, TLanes parameters, int index) where TLanes : struct, ILanes<TLanes, T>
    {
        var coefficients = new AdamCoefficients<TLanes>(TLanes.Constant(_beta1), TLanes.Constant(_beta2), TLanes.Constant(_oneMinusBeta1), TLanes.Constant(_oneMinusBeta2),
            TLanes.Constant(_firstCorrection), TLanes.Constant(_secondCorrection), TLanes.Constant(_epsilon));
        var m = TLanes.Load(_first, index);
        var v = TLanes.Load(_second, index);
        var update = ScaleByAdamTransform.Step(input, ref m, ref v, coefficients);
        m.Store(_first, index);
        v.Store(_second, index);
        return update;
    }
}

/// <summary>The checkpoint kind "adam" of an <see cref="AdamState{T}"/>: {"count", "first_moment", "second_moment"}; the second moment must be ≥ 0.</summary>
internal sealed class AdamCheckpointKind() : StateCheckpointKind("adam", typeof(AdamState<>))
{
    /// <summary>The one instance.</summary>
    public static readonly AdamCheckpointKind Instance = new();

    public override void WriteFields<T>(Utf8JsonWriter writer, OptimizerState<T> state, CheckpointKinds kinds)
    {
        var adam = (AdamState<T>)state;
        writer.WriteNumber("count", adam.Count);
        CheckpointKinds.WriteParameters(writer, "first_moment", adam.FirstMoment);
        CheckpointKinds.WriteParameters(writer, "second_moment", adam.SecondMoment);
    }

    public override OptimizerState<T> Read<T>(JsonField node, OptimizerState<T> expected, CheckpointKinds kinds)
    {
        var adam = (AdamState<T>)expected;
        var properties = node.Object(["kind", "count", "first_moment", "second_moment"]);
        long count = properties["count"].Integer(0, AdamState<T>.MaxCount);
        var second = CheckpointKinds.ReadParameters(properties["second_moment"], adam.SecondMoment, nonNegative: true);
        return new AdamState<T>(count, CheckpointKinds.ReadParameters(properties["first_moment"], adam.FirstMoment), second);
    }

    public override bool HasShapeOf<T>(OptimizerState<T> state, OptimizerState<T> expected, string path, CheckpointKinds kinds)
    {
        AdamState<T> e = (AdamState<T>)expected, s = (AdamState<T>)state;
        e.FirstMoment.CheckSameShape(s.FirstMoment, "checkpoint");
        e.SecondMoment.CheckSameShape(s.SecondMoment, "checkpoint");
        return true;
    }
}
