using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Pure;

/// <summary>The state of <see cref="Optimizer.ScaleByMomentum"/>: the velocity v, shaped like the parameters.</summary>
/// <param name="Velocity">v_t = μ v_{t-1} + g_t.</param>
public sealed record MomentumState<T>(Parameters<T> Velocity) : OptimizerState<T> where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>See <see cref="Optimizer.ScaleByMomentum"/>: v = μ v + g; u = v, or g + μ v for Nesterov.</summary>
internal sealed record ScaleByMomentumTransform : KernelTransform
{
    public ScaleByMomentumTransform(double momentum, bool nesterov)
    {
        Guard.InUnitInterval(momentum, nameof(momentum));
        Momentum = momentum;
        Nesterov = nesterov;
    }

    public double Momentum { get; }

    public bool Nesterov { get; }

    /// <summary>The formula: v = μ v + g; returns v, or g + μ v with the new v for Nesterov (as in PyTorch).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TLanes Step<TLanes>(TLanes input, ref TLanes velocity, TLanes momentum, bool nesterov) where TLanes : struct, ILaneArithmetic<TLanes>
    {
        velocity = momentum * velocity + input;
        return nesterov ? input + momentum * velocity : velocity;
    }

    public override OptimizerState<T> Init<T>(Parameters<T> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return new MomentumState<T>(parameters.ZerosLike());
    }

    /// <summary>The twin holding a copy of the velocity; <paramref name="shape"/> (θ, or g in the pure update) must share its shape.</summary>
    internal override InPlaceMomentum<T> CreateInPlace<T>(OptimizerState<T> state, Parameters<T> shape)
    {
        var momentum = Expect<MomentumState<T>>(state, "momentum");
        shape.CheckSameShape(momentum.Velocity, nameof(state));
        return new InPlaceMomentum<T>(T.CreateChecked(Momentum), Nesterov, InPlaceTransform<T>.Segments(momentum.Velocity));
    }

    /// <summary>The checkpoint kind "scale_by_momentum": {"momentum", "nesterov"}.</summary>
    internal static readonly TransformCheckpointKind Checkpoint = new TransformCheckpointKind<ScaleByMomentumTransform>(
        "scale_by_momentum", ["momentum", "nesterov"],
        (writer, momentum, _) =>
        {
            JsonNumbers.WriteDouble(writer, "momentum", momentum.Momentum);
            writer.WriteBoolean("nesterov", momentum.Nesterov);
        },
        (fields, _) => Optimizer.ScaleByMomentum(fields["momentum"].Double(), fields["nesterov"].Boolean()));
}

/// <summary>The in-place twin of <see cref="ScaleByMomentumTransform"/>, holding the velocity as segments.</summary>
internal sealed class InPlaceMomentum<T>(T momentum, bool nesterov, T[][] velocity) : InPlaceTransform<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The rule for elements [offset, offset + length) of segment <paramref name="segment"/>.</summary>
    public MomentumRule<T> Rule(int segment, int offset, int length) => new(momentum, nesterov, velocity[segment].AsSpan(offset, length));

    public override void Apply(int segment, int offset, ReadOnlySpan<T> input, Span<T> output, ReadOnlySpan<T> parameters) =>
        Lanes<T>.Apply(input, output, default, Rule(segment, offset, input.Length));

    public override OptimizerState<T> ToState(Parameters<T> shape) => new MomentumState<T>(ToParameters(velocity, shape));
}

/// <summary>v = μ v + g; u = v, or g + μ v for Nesterov; over one stretch of the velocity.</summary>
internal readonly ref struct MomentumRule<T>(T momentum, bool nesterov, Span<T> velocity) : IUpdateRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Span<T> _velocity = velocity;
    private readonly LaneConstant<T> _momentum = new(momentum);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TLanes Update<TLanes>(TLanes input, TLanes parameters, int index) where TLanes : struct, ILanes<TLanes, T>
    {
        var v = TLanes.Load(_velocity, index);
        var update = ScaleByMomentumTransform.Step(input, ref v, TLanes.Constant(_momentum), nesterov);
        v.Store(_velocity, index);
        return update;
    }
}

/// <summary>The checkpoint kind "momentum" of a <see cref="MomentumState{T}"/>: {"velocity"}.</summary>
internal sealed class MomentumCheckpointKind() : StateCheckpointKind("momentum", typeof(MomentumState<>))
{
    /// <summary>The one instance.</summary>
    public static readonly MomentumCheckpointKind Instance = new();

    public override void WriteFields<T>(Utf8JsonWriter writer, OptimizerState<T> state, CheckpointKinds kinds) =>
        CheckpointKinds.WriteParameters(writer, "velocity", ((MomentumState<T>)state).Velocity);

    public override OptimizerState<T> Read<T>(JsonField node, OptimizerState<T> expected, CheckpointKinds kinds) =>
        new MomentumState<T>(CheckpointKinds.ReadParameters(node.Object(["kind", "velocity"])["velocity"], ((MomentumState<T>)expected).Velocity));

    public override bool HasShapeOf<T>(OptimizerState<T> state, OptimizerState<T> expected, string path, CheckpointKinds kinds)
    {
        ((MomentumState<T>)expected).Velocity.CheckSameShape(((MomentumState<T>)state).Velocity, "checkpoint");
        return true;
    }
}
