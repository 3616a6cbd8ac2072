using System.Numerics;
using System.Text.Json;

namespace Pure;

/// <summary>The immutable state an <see cref="Optimizer"/> carries from one step to the next.</summary>
public abstract record OptimizerState<T> where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>The state of a transform that keeps none (plain scaling, weight decay, clipping).</summary>
public sealed record EmptyState<T>() : OptimizerState<T> where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>What <see cref="Optimizer.Update{T}"/> returns: the update u to add to the parameters, and the new state.</summary>
/// <param name="Updates">u, shaped like the parameters; the new parameters are θ + u.</param>
/// <param name="State">The optimizer's new state.</param>
public sealed record OptimizerUpdate<T>(Parameters<T> Updates, OptimizerState<T> State) where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>The checkpoint kind "empty" of an <see cref="EmptyState{T}"/>: no fields.</summary>
internal sealed class EmptyStateCheckpointKind() : StateCheckpointKind("empty", typeof(EmptyState<>))
{
    /// <summary>The one instance.</summary>
    public static readonly EmptyStateCheckpointKind Instance = new();

    public override void WriteFields<T>(Utf8JsonWriter writer, OptimizerState<T> state, CheckpointKinds kinds)
    {
    }

    public override OptimizerState<T> Read<T>(JsonField node, OptimizerState<T> expected, CheckpointKinds kinds)
    {
        node.Object(["kind"]);
        return new EmptyState<T>();
    }

    public override bool HasShapeOf<T>(OptimizerState<T> state, OptimizerState<T> expected, string path, CheckpointKinds kinds) => true;
}
