using System.Numerics;
using System.Runtime.CompilerServices;

namespace Pure;

/// <summary>See <see cref="Optimizer.ScaleByLearningRate"/>: u = -η g. Its state is an <see cref="EmptyState{T}"/>.</summary>
internal sealed record ScaleByLearningRateTransform : KernelTransform
{
    public ScaleByLearningRateTransform(double learningRate)
    {
        Guard.Positive(learningRate, nameof(learningRate));
        LearningRate = learningRate;
    }

    public double LearningRate { get; }

    /// <summary>The formula, u = g · factor with factor = -η; the fused pass uses it too.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TLanes Scaled<TLanes>(TLanes input, TLanes factor) where TLanes : struct, ILaneArithmetic<TLanes> => input * factor;

    public override OptimizerState<T> Init<T>(Parameters<T> parameters) => new EmptyState<T>();

    internal override InPlaceScale<T> CreateInPlace<T>(OptimizerState<T> state, Parameters<T> parameters)
    {
        Expect<EmptyState<T>>(state, "the learning-rate scaling");
        return new InPlaceScale<T>(-T.CreateChecked(LearningRate));
    }

    /// <summary>The checkpoint kind "scale_by_learning_rate": {"learning_rate"}.</summary>
    internal static readonly TransformCheckpointKind Checkpoint =
        TransformCheckpointKind.OneNumber<ScaleByLearningRateTransform>("scale_by_learning_rate", "learning_rate", transform => transform.LearningRate, Optimizer.ScaleByLearningRate);
}

/// <summary>The in-place twin of <see cref="ScaleByLearningRateTransform"/>: u = g · (-η).</summary>
internal sealed class InPlaceScale<T>(T scale) : StatelessInPlaceTransform<T>, IScaleLeaf<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The factor, -η.</summary>
    public T Factor => scale;

    public override void Apply(int segment, int offset, ReadOnlySpan<T> input, Span<T> output, ReadOnlySpan<T> parameters) =>
        Lanes<T>.Apply(input, output, default, new ScaleRule<T>(scale));
}

/// <summary>u = g · factor (the learning rate's -η, or clipping's c / ||g||).</summary>
internal readonly ref struct ScaleRule<T>(T factor) : IUpdateRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly LaneConstant<T> _factor = new(factor);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TLanes Update<TLanes>(TLanes input, TLanes parameters, int index) where TLanes : struct, ILanes<TLanes, T> =>
        ScaleByLearningRateTransform.Scaled(input, TLanes.Constant(_factor));
}
