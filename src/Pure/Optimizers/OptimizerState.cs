using System.Collections.Immutable;
using System.Numerics;

namespace Pure;

/// <summary>The immutable state an <see cref="Optimizer"/> carries from one step to the next.</summary>
public abstract record OptimizerState<T> where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>The state of a transform that keeps none (plain scaling, weight decay, clipping).</summary>
public sealed record EmptyState<T>() : OptimizerState<T> where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>The state of <see cref="Optimizer.ScaleByMomentum"/>: the velocity v, shaped like the parameters.</summary>
/// <param name="Velocity">v_t = μ v_{t-1} + g_t.</param>
public sealed record MomentumState<T>(Parameters<T> Velocity) : OptimizerState<T> where T : unmanaged, IFloatingPointIeee754<T>;

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

/// <summary>The state of <see cref="Optimizer.Chain"/>: one state per transform, in order.</summary>
/// <param name="States">The transforms' states.</param>
public sealed record ChainState<T>(ImmutableArray<OptimizerState<T>> States) : OptimizerState<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ValueArray<OptimizerState<T>> _states = States;

    /// <summary>The transforms' states; equality compares them in order, by value.</summary>
    public ImmutableArray<OptimizerState<T>> States { get => _states.Items; init => _states = value; }
}

/// <summary>What <see cref="Optimizer.Update{T}"/> returns: the update u to add to the parameters, and the new state.</summary>
/// <param name="Updates">u, shaped like the parameters; the new parameters are θ + u.</param>
/// <param name="State">The optimizer's new state.</param>
public sealed record OptimizerUpdate<T>(Parameters<T> Updates, OptimizerState<T> State) where T : unmanaged, IFloatingPointIeee754<T>;
