using System.Collections.Immutable;
using System.Numerics;
using System.Text.Json;

namespace Pure;

/// <summary>The state of <see cref="Optimizer.Chain"/>: one state per transform, in order.</summary>
/// <param name="States">The transforms' states.</param>
public sealed record ChainState<T>(ImmutableArray<OptimizerState<T>> States) : OptimizerState<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ValueArray<OptimizerState<T>> _states = States;

    /// <summary>The transforms' states; equality compares them in order, by value.</summary>
    public ImmutableArray<OptimizerState<T>> States { get => _states.Items; init => _states = value; }
}

/// <summary>See <see cref="Optimizer.Chain"/>: each transform's update is the next one's input; the state is a <see cref="ChainState{T}"/>.</summary>
internal sealed record ChainOptimizer : Optimizer
{
    public ChainOptimizer(Optimizer[] transforms)
    {
        ArgumentNullException.ThrowIfNull(transforms);
        for (int i = 0; i < transforms.Length; i++)
            if (transforms[i] is null) throw new ArgumentNullException(nameof(transforms), $"Transform {i} is null.");
        _transforms = ImmutableArray.Create(transforms);
    }

    private readonly ValueArray<Optimizer> _transforms;

    /// <summary>The most transforms a checkpoint's chain may list.</summary>
    private const int MaxTransforms = 100;

    public ImmutableArray<Optimizer> Transforms => _transforms.Items;

    public override OptimizerState<T> Init<T>(Parameters<T> parameters) =>
        new ChainState<T>(Transforms.Select(transform => transform.Init(parameters)).ToImmutableArray());

    public override OptimizerUpdate<T> Update<T>(Parameters<T> gradient, OptimizerState<T> state, Parameters<T> parameters)
    {
        var chain = ExpectChain(state);
        var states = new OptimizerState<T>[Transforms.Length];
        var current = gradient;
        for (int i = 0; i < Transforms.Length; i++)
        {
            var update = Transforms[i].Update(current, chain.States[i], parameters);
            current = update.Updates;
            states[i] = update.State;
        }
        return new OptimizerUpdate<T>(current, new ChainState<T>(ImmutableArray.Create(states)));
    }

    /// <summary>Each transform's <see cref="Optimizer.EndEpoch{T}"/> on its state; <paramref name="state"/> itself when none changes.</summary>
    public override OptimizerState<T> EndEpoch<T>(OptimizerState<T> state, double trainingLoss, double? validationLoss)
    {
        var chain = ExpectChain(state);
        var states = chain.States.Select((inner, i) => Transforms[i].EndEpoch(inner, trainingLoss, validationLoss)).ToImmutableArray();
        return states.Select((inner, i) => ReferenceEquals(inner, chain.States[i])).All(same => same) ? state : new ChainState<T>(states);
    }

    internal override InPlaceTransform<T>? CreateInPlace<T>(OptimizerState<T> state, Parameters<T> parameters)
    {
        var chain = ExpectChain(state);
        var transforms = new InPlaceTransform<T>[Transforms.Length];
        for (int i = 0; i < transforms.Length; i++)
        {
            var transform = Transforms[i].CreateInPlace(chain.States[i], parameters);
            if (transform is null) return null;
            transforms[i] = transform;
        }
        return new InPlaceChain<T>(transforms);
    }

    private ChainState<T> ExpectChain<T>(OptimizerState<T> state) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var chain = Expect<ChainState<T>>(state, "a chain");
        if (chain.States.Length != Transforms.Length)
            throw new ArgumentException($"Expected a chain state of {Transforms.Length} states, got {chain.States.Length}.", nameof(state));
        return chain;
    }

    /// <summary>The checkpoint kind "chain": {"transforms": [...]}, each transform written by its own kind.</summary>
    internal static readonly TransformCheckpointKind Checkpoint = new TransformCheckpointKind<ChainOptimizer>(
        "chain", ["transforms"],
        (writer, chain, kinds) =>
        {
            writer.WriteStartArray("transforms");
            foreach (var transform in chain.Transforms) kinds.WriteOptimizer(writer, transform);
            writer.WriteEndArray();
        },
        (fields, kinds) => Optimizer.Chain(fields["transforms"].Array(0, MaxTransforms).Select(kinds.ReadOptimizer).ToArray()));
}

/// <summary>The in-place twin of <see cref="ChainOptimizer"/>: the training loop runs its leaves, one after another.</summary>
internal sealed class InPlaceChain<T>(InPlaceTransform<T>[] transforms) : InPlaceTransform<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override IEnumerable<InPlaceTransform<T>> Leaves => transforms.SelectMany(transform => transform.Leaves);

    public override void Apply(int segment, int offset, ReadOnlySpan<T> input, Span<T> output, ReadOnlySpan<T> parameters) =>
        throw new InvalidOperationException("A chain runs as its leaves.");

    public override OptimizerState<T> ToState(Parameters<T> shape) =>
        new ChainState<T>(transforms.Select(transform => transform.ToState(shape)).ToImmutableArray());
}

/// <summary>The checkpoint kind "chain" of a <see cref="ChainState{T}"/>: {"states": [...]}, one per transform, each written by its own kind.</summary>
internal sealed class ChainStateCheckpointKind() : StateCheckpointKind("chain", typeof(ChainState<>))
{
    /// <summary>The one instance.</summary>
    public static readonly ChainStateCheckpointKind Instance = new();

    public override void WriteFields<T>(Utf8JsonWriter writer, OptimizerState<T> state, CheckpointKinds kinds)
    {
        writer.WriteStartArray("states");
        foreach (var inner in ((ChainState<T>)state).States) kinds.WriteState(writer, inner);
        writer.WriteEndArray();
    }

    public override OptimizerState<T> Read<T>(JsonField node, OptimizerState<T> expected, CheckpointKinds kinds)
    {
        var chain = (ChainState<T>)expected;
        var states = node.Object(["kind", "states"])["states"].Array(chain.States.Length, chain.States.Length);
        return new ChainState<T>(states.Select((state, i) => kinds.ReadState(state, chain.States[i])).ToImmutableArray());
    }

    public override bool HasShapeOf<T>(OptimizerState<T> state, OptimizerState<T> expected, string path, CheckpointKinds kinds)
    {
        ChainState<T> e = (ChainState<T>)expected, s = (ChainState<T>)state;
        if (e.States.Length != s.States.Length) return false;
        for (int i = 0; i < e.States.Length; i++) kinds.CheckState(s.States[i], e.States[i], $"{path}.States[{i}]");
        return true;
    }
}
