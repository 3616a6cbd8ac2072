using System.Numerics;
using System.Runtime.CompilerServices;

namespace Pure;

/// <summary>See <see cref="Optimizer.AddDecayedWeights"/>: u = g + λ θ. Its state is an <see cref="EmptyState{T}"/>.</summary>
internal sealed record AddDecayedWeightsTransform : KernelTransform
{
    public AddDecayedWeightsTransform(double weightDecay)
    {
        Guard.NonNegative(weightDecay, nameof(weightDecay));
        WeightDecay = weightDecay;
    }

    public double WeightDecay { get; }

    /// <summary>The formula, u = g + λ θ; the fused pass uses it too.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TLanes Decayed<TLanes>(TLanes input, TLanes parameters, TLanes decay) where TLanes : struct, ILaneArithmetic<TLanes> =>
        input + decay * parameters;

    public override OptimizerState<T> Init<T>(Parameters<T> parameters) => new EmptyState<T>();

    private protected override bool ReadsParameters => true;

    internal override InPlaceDecay<T> CreateInPlace<T>(OptimizerState<T> state, Parameters<T> parameters)
    {
        Expect<EmptyState<T>>(state, "weight decay");
        return new InPlaceDecay<T>(T.CreateChecked(WeightDecay));
    }

    /// <summary>The checkpoint kind "add_decayed_weights": {"weight_decay"}.</summary>
    internal static readonly TransformCheckpointKind Checkpoint =
        TransformCheckpointKind.OneNumber<AddDecayedWeightsTransform>("add_decayed_weights", "weight_decay", transform => transform.WeightDecay, Optimizer.AddDecayedWeights);
}

/// <summary>The in-place twin of <see cref="AddDecayedWeightsTransform"/>: u = g + λ θ.</summary>
internal sealed class InPlaceDecay<T>(T decay) : StatelessInPlaceTransform<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>λ.</summary>
    public T Decay => decay;

    public override void Apply(int segment, int offset, ReadOnlySpan<T> input, Span<T> output, ReadOnlySpan<T> parameters) =>
        Lanes<T>.Apply(input, output, parameters, new DecayRule<T>(decay));
}

/// <summary>u = g + λ θ.</summary>
internal readonly ref struct DecayRule<T>(T decay) : IUpdateRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly LaneConstant<T> _decay = new(decay);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TLanes Update<TLanes>(TLanes input, TLanes parameters, int index) where TLanes : struct, ILanes<TLanes, T> =>
        AddDecayedWeightsTransform.Decayed(input, parameters, TLanes.Constant(_decay));
}
