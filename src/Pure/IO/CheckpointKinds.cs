using System.Collections.Immutable;
using System.Numerics;
using System.Text.Json;

namespace Pure;

/// <summary>
/// How one kind of optimizer transform is written to and read from a checkpoint's "optimizer" object:
/// {"kind": <see cref="Name"/>, then its fields}. Each transform's file declares its kind next to its record.
/// </summary>
internal abstract class TransformCheckpointKind
{
    /// <summary>The value of "kind", e.g. "scale_by_adam".</summary>
    public abstract string Name { get; }

    /// <summary>The transform's record type.</summary>
    public abstract Type TransformType { get; }

    /// <summary>Writes the fields after "kind"; nested transforms go through <paramref name="kinds"/>.</summary>
    public abstract void WriteFields(Utf8JsonWriter writer, Optimizer transform, CheckpointKinds kinds);

    /// <summary>The transform read from <paramref name="node"/> (its "kind" already matched); throws <see cref="ArgumentException"/> for invalid values.</summary>
    public abstract Optimizer Read(JsonField node, CheckpointKinds kinds);

    /// <summary>The kind of a transform with one number, written exactly as <paramref name="field"/>.</summary>
    public static TransformCheckpointKind OneNumber<TTransform>(string name, string field, Func<TTransform, double> value, Func<double, Optimizer> create)
        where TTransform : Optimizer =>
        new TransformCheckpointKind<TTransform>(name, [field],
            (writer, transform, _) => JsonNumbers.WriteDouble(writer, field, value(transform)),
            (fields, _) => create(fields[field].Double()));
}

/// <summary>A <see cref="TransformCheckpointKind"/> of the record <typeparamref name="TTransform"/> whose object holds exactly "kind" and <c>fields</c>.</summary>
internal sealed class TransformCheckpointKind<TTransform>(
    string name, string[] fields, Action<Utf8JsonWriter, TTransform, CheckpointKinds> write, Func<Dictionary<string, JsonField>, CheckpointKinds, Optimizer> read)
    : TransformCheckpointKind where TTransform : Optimizer
{
    private readonly string[] _properties = ["kind", .. fields];

    public override string Name => name;

    public override Type TransformType => typeof(TTransform);

    public override void WriteFields(Utf8JsonWriter writer, Optimizer transform, CheckpointKinds kinds) => write(writer, (TTransform)transform, kinds);

    public override Optimizer Read(JsonField node, CheckpointKinds kinds) => read(node.Object(_properties), kinds);
}

/// <summary>How one kind of <see cref="Schedule"/> is written to and read from a checkpoint: {"kind": <see cref="Name"/>, then its fields}.</summary>
internal abstract class ScheduleCheckpointKind
{
    /// <summary>The value of "kind", e.g. "warmup_cosine_decay".</summary>
    public abstract string Name { get; }

    /// <summary>The schedule's record type.</summary>
    public abstract Type ScheduleType { get; }

    /// <summary>Writes the fields after "kind".</summary>
    public abstract void WriteFields(Utf8JsonWriter writer, Schedule schedule);

    /// <summary>The schedule read from <paramref name="node"/> (its "kind" already matched); throws <see cref="ArgumentException"/> for invalid values.</summary>
    public abstract Schedule Read(JsonField node);
}

/// <summary>A <see cref="ScheduleCheckpointKind"/> of the record <typeparamref name="TSchedule"/> whose object holds exactly "kind" and <c>fields</c>.</summary>
internal sealed class ScheduleCheckpointKind<TSchedule>(string name, string[] fields, Action<Utf8JsonWriter, TSchedule> write, Func<Dictionary<string, JsonField>, Schedule> read)
    : ScheduleCheckpointKind where TSchedule : Schedule
{
    private readonly string[] _properties = ["kind", .. fields];

    public override string Name => name;

    public override Type ScheduleType => typeof(TSchedule);

    public override void WriteFields(Utf8JsonWriter writer, Schedule schedule) => write(writer, (TSchedule)schedule);

    public override Schedule Read(JsonField node) => read(node.Object(_properties));
}

/// <summary>
/// How one kind of optimizer state is written to and read from a checkpoint's "state" object: {"kind": <see cref="Name"/>,
/// then its fields}. A state is always read against the optimizer's Init for the loaded network, which gives its kind
/// and shapes.
/// </summary>
/// <param name="name">The value of "kind", e.g. "adam".</param>
/// <param name="stateType">The state's generic record type, e.g. <c>typeof(AdamState&lt;&gt;)</c>.</param>
internal abstract class StateCheckpointKind(string name, Type stateType)
{
    /// <summary>The value of "kind", e.g. "adam".</summary>
    public string Name => name;

    /// <summary>The state's generic record type, e.g. <c>typeof(AdamState&lt;&gt;)</c>.</summary>
    public Type StateType => stateType;

    /// <summary>Writes the fields after "kind"; nested states go through <paramref name="kinds"/>.</summary>
    public abstract void WriteFields<T>(Utf8JsonWriter writer, OptimizerState<T> state, CheckpointKinds kinds) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>The state read from <paramref name="node"/>, shaped like <paramref name="expected"/> (of this kind).</summary>
    public abstract OptimizerState<T> Read<T>(JsonField node, OptimizerState<T> expected, CheckpointKinds kinds) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// Whether <paramref name="state"/> (of this kind, like <paramref name="expected"/>) fits: false for a mismatch the
    /// caller reports; throws <see cref="ArgumentException"/> naming the shapes where it has a more exact message.
    /// </summary>
    public abstract bool HasShapeOf<T>(OptimizerState<T> state, OptimizerState<T> expected, string path, CheckpointKinds kinds) where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>
/// The registry of the transform, state and schedule kinds a checkpoint can hold, looked up by name when reading and by
/// type when writing: an immutable value, passed to <see cref="CheckpointFile.Save{T}"/> and <see cref="CheckpointFile.Load{T}"/>
/// (there is no global registry). <see cref="Default"/> holds Pure's own; <see cref="With(TransformKind)"/>,
/// <see cref="With(StateKind)"/> and <see cref="With(ScheduleKind)"/> return a registry extended by a kind of one's own.
/// </summary>
public sealed class CheckpointKinds
{
    private readonly ImmutableArray<TransformCheckpointKind> _transforms;
    private readonly ImmutableArray<StateCheckpointKind> _states;
    private readonly ImmutableArray<ScheduleCheckpointKind> _schedules;

    private CheckpointKinds(ImmutableArray<TransformCheckpointKind> transforms, ImmutableArray<StateCheckpointKind> states, ImmutableArray<ScheduleCheckpointKind> schedules)
    {
        _transforms = transforms;
        _states = states;
        _schedules = schedules;
    }

    /// <summary>Pure's own kinds, in the order error messages list them.</summary>
    public static CheckpointKinds Default { get; } = new(
        [ChainOptimizer.Checkpoint, ScaleByLearningRateTransform.Checkpoint, ScaleByMomentumTransform.Checkpoint, ScaleByAdamTransform.Checkpoint,
         AddDecayedWeightsTransform.Checkpoint, ClipByGlobalNormTransform.Checkpoint, ScaleByScheduleTransform.Checkpoint, ScaleByPlateauTransform.Checkpoint],
        [ChainStateCheckpointKind.Instance, EmptyStateCheckpointKind.Instance, MomentumCheckpointKind.Instance, AdamCheckpointKind.Instance,
         ScheduleStateCheckpointKind.Instance, PlateauStateCheckpointKind.Instance],
        [ConstantSchedule.Checkpoint, PiecewiseConstantSchedule.Checkpoint, ExponentialSchedule.Checkpoint, InverseScalingSchedule.Checkpoint,
         WarmupCosineDecaySchedule.Checkpoint, OneCycleSchedule.Checkpoint]);

    /// <summary>This registry and the kind of a transform of one's own, whose name and type must be new (an immutable value: this registry is unchanged).</summary>
    public CheckpointKinds With(TransformKind kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        return With(new CustomKinds.Transform(kind));
    }

    /// <summary>This registry and the kind of a state of one's own, whose name and type must be new.</summary>
    public CheckpointKinds With(StateKind kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        return With(new CustomKinds.State(kind));
    }

    /// <summary>This registry and the kind of a schedule of one's own, whose name and type must be new.</summary>
    public CheckpointKinds With(ScheduleKind kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        return With(new CustomKinds.ScheduleAdapter(kind));
    }

    /// <summary>This registry and <paramref name="kind"/>, whose name and type must be new.</summary>
    internal CheckpointKinds With(TransformCheckpointKind kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        if (_transforms.Any(k => k.Name == kind.Name || k.TransformType == kind.TransformType))
            throw new ArgumentException($"Expected a transform kind with a new name and type, got \"{kind.Name}\" ({kind.TransformType.Name}), already registered.", nameof(kind));
        return new(_transforms.Add(kind), _states, _schedules);
    }

    /// <summary>This registry and <paramref name="kind"/>, whose name and type must be new.</summary>
    internal CheckpointKinds With(StateCheckpointKind kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        if (_states.Any(k => k.Name == kind.Name || k.StateType == kind.StateType))
            throw new ArgumentException($"Expected a state kind with a new name and type, got \"{kind.Name}\" ({kind.StateType.Name}), already registered.", nameof(kind));
        return new(_transforms, _states.Add(kind), _schedules);
    }

    /// <summary>This registry and <paramref name="kind"/>, whose name and type must be new.</summary>
    internal CheckpointKinds With(ScheduleCheckpointKind kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        if (_schedules.Any(k => k.Name == kind.Name || k.ScheduleType == kind.ScheduleType))
            throw new ArgumentException($"Expected a schedule kind with a new name and type, got \"{kind.Name}\" ({kind.ScheduleType.Name}), already registered.", nameof(kind));
        return new(_transforms, _states, _schedules.Add(kind));
    }

    /// <summary>The sentence of every refusal of an unregistered type: how to register it.</summary>
    internal static string HowToRegister(string kind, string type) =>
        $"To save it, register a kind: var kinds = CheckpointKinds.Default.With({kind}.Create<{type}>(name, fields, create)) " +
        (kind == nameof(StateKind) ? "(a StateKind is a class of one's own deriving from StateKind) " : "") +
        "and pass kinds to CheckpointFile.Save(checkpoint, path, kinds) and CheckpointFile.Load<T>(path, kinds: kinds); see docs/design.md, \"Checkpointing your own transforms and schedules\".";

    private TransformCheckpointKind? Find(Optimizer transform) => _transforms.FirstOrDefault(k => k.TransformType == transform.GetType());

    private StateCheckpointKind? Find<T>(OptimizerState<T> state) where T : unmanaged, IFloatingPointIeee754<T> =>
        state.GetType() is { IsGenericType: true } type ? _states.FirstOrDefault(k => k.StateType == type.GetGenericTypeDefinition()) : null;

    /// <summary>Throws, saying how to register one, unless <paramref name="state"/> (and every state in a chain state) has a kind.</summary>
    internal void CheckStateKinds<T>(OptimizerState<T> state, string parameterName) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Find(state) is null)
        {
            string name = state.GetType().Name.Split('`')[0];
            throw new ArgumentException($"Cannot save the optimizer state {name}: no checkpoint kind is registered for it (Pure's own states are in CheckpointKinds.Default). {HowToRegister(nameof(StateKind), name + "<T>")}", parameterName);
        }
        if (state is ChainState<T> chain)
            foreach (var inner in chain.States) CheckStateKinds(inner, parameterName);
    }

    /// <summary>Throws unless every transform of <paramref name="optimizer"/> (through chains) and every schedule has a kind.</summary>
    internal void CheckOptimizer(Optimizer optimizer, string parameterName)
    {
        if (Find(optimizer) is null)
            throw new ArgumentException(
                $"Cannot save the optimizer {optimizer.GetType().Name}: no checkpoint kind is registered for it (Pure's own transforms are in CheckpointKinds.Default). {HowToRegister(nameof(TransformKind), optimizer.GetType().Name)}",
                parameterName);
        if (optimizer is ChainOptimizer chain)
            foreach (var transform in chain.Transforms) CheckOptimizer(transform, parameterName);
        if (optimizer is ScaleByScheduleTransform scheduled && FindSchedule(scheduled.Schedule) is null)
            throw new ArgumentException(
                $"Cannot save the schedule {scheduled.Schedule.GetType().Name}: no checkpoint kind is registered for it (Pure's own schedules are in CheckpointKinds.Default). {HowToRegister(nameof(ScheduleKind), scheduled.Schedule.GetType().Name)}",
                parameterName);
    }

    private ScheduleCheckpointKind? FindSchedule(Schedule schedule) => _schedules.FirstOrDefault(k => k.ScheduleType == schedule.GetType());

    /// <summary>Writes {"kind", fields} for <paramref name="schedule"/>, checked by <see cref="CheckOptimizer"/>.</summary>
    internal void WriteSchedule(Utf8JsonWriter writer, string name, Schedule schedule)
    {
        var kind = FindSchedule(schedule) ?? throw new InvalidOperationException($"No checkpoint kind for {schedule.GetType().Name}.");
        writer.WriteStartObject(name);
        writer.WriteString("kind", kind.Name);
        kind.WriteFields(writer, schedule);
        writer.WriteEndObject();
    }

    /// <summary>Reads a schedule by its "kind"; an unknown kind or invalid values are errors naming the JSON path.</summary>
    internal Schedule ReadSchedule(JsonField node) => ReadByKind(node, _schedules, k => k.Name, "schedule", k => k.Read(node));

    /// <summary>Reads the object at <paramref name="node"/> with the kind its "kind" names; an unknown kind or invalid values are errors naming the JSON path.</summary>
    private static TResult ReadByKind<TKind, TResult>(JsonField node, ImmutableArray<TKind> kinds, Func<TKind, string> nameOf, string what, Func<TKind, TResult> read)
        where TKind : class
    {
        var kindNode = node.Property("kind");
        string name = kindNode.String();
        var kind = kinds.FirstOrDefault(k => nameOf(k) == name)
            ?? throw kindNode.Error($"unknown {what} \"{name}\"; expected {string.Join(", ", kinds[..^1].Select(nameOf))} or {nameOf(kinds[^1])} " +
                "(a kind of one's own loads with the registry it was saved with: CheckpointFile.Load<T>(path, kinds: kinds)).");
        try
        {
            return read(kind);
        }
        catch (ArgumentException e)
        {
            throw node.Error($"invalid {name} {what}: {e.Message}");
        }
    }

    /// <summary>Throws unless <paramref name="state"/> has the kinds and shapes of <paramref name="expected"/> (the optimizer's Init).</summary>
    internal void CheckState<T>(OptimizerState<T> state, OptimizerState<T> expected, string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var kind = Find(expected);
        if (kind is null || kind != Find(state) || !kind.HasShapeOf(state, expected, path, this))
            throw new ArgumentException(
                $"Expected the checkpoint's {path} to be a {expected.GetType().Name.Split('`')[0]} shaped like the optimizer's Init, got {state.GetType().Name.Split('`')[0]}.", "checkpoint");
    }

    /// <summary>Writes {"kind", fields} for <paramref name="optimizer"/>, checked by <see cref="CheckOptimizer"/>.</summary>
    internal void WriteOptimizer(Utf8JsonWriter writer, Optimizer optimizer)
    {
        var kind = Find(optimizer) ?? throw new InvalidOperationException($"No checkpoint kind for {optimizer.GetType().Name}.");
        writer.WriteStartObject();
        writer.WriteString("kind", kind.Name);
        kind.WriteFields(writer, optimizer, this);
        writer.WriteEndObject();
    }

    /// <summary>Reads a transform by its "kind"; an unknown kind or invalid values are errors naming the JSON path.</summary>
    internal Optimizer ReadOptimizer(JsonField node) => ReadByKind(node, _transforms, k => k.Name, "transform", k => k.Read(node, this));

    /// <summary>Writes {"kind", fields} for <paramref name="state"/>, checked by <see cref="CheckState{T}"/>.</summary>
    internal void WriteState<T>(Utf8JsonWriter writer, OptimizerState<T> state) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var kind = Find(state) ?? throw new InvalidOperationException($"No checkpoint kind for {state.GetType().Name}.");
        writer.WriteStartObject();
        writer.WriteString("kind", kind.Name);
        kind.WriteFields(writer, state, this);
        writer.WriteEndObject();
    }

    /// <summary>Reads a state of the kind and shapes of <paramref name="expected"/>, the optimizer's Init for the loaded network.</summary>
    internal OptimizerState<T> ReadState<T>(JsonField node, OptimizerState<T> expected) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var kindNode = node.Property("kind");
        string name = kindNode.String();
        var kind = Find(expected) ?? throw new InvalidOperationException($"No checkpoint kind for {expected.GetType().Name}.");
        if (name != kind.Name) throw kindNode.Error($"expected \"{kind.Name}\" (the state of the saved optimizer), got \"{name}\".");
        return kind.Read(node, expected, this);
    }

    /// <summary>Writes <paramref name="parameters"/> as an array of {"weight", "bias"} per layer.</summary>
    internal static void WriteParameters<T>(Utf8JsonWriter writer, string name, Parameters<T> parameters) where T : unmanaged, IFloatingPointIeee754<T>
    {
        writer.WriteStartArray(name);
        foreach (var layer in parameters.Layers)
        {
            writer.WriteStartObject();
            JsonNumbers.WriteWeightAndBias(writer, layer.Weight, layer.Bias);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    /// <summary>Parameters shaped like <paramref name="shape"/>, every number finite; with <paramref name="nonNegative"/>, every number at least 0 (Adam's v).</summary>
    internal static Parameters<T> ReadParameters<T>(JsonField node, Parameters<T> shape, bool nonNegative = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var layers = node.Array(shape.Layers.Length, shape.Layers.Length);
        var result = ImmutableArray.CreateBuilder<LayerParameters<T>>(layers.Length);
        for (int l = 0; l < layers.Length; l++)
        {
            var properties = layers[l].Object(["weight", "bias"]);
            var expected = shape.Layers[l];
            var weight = properties["weight"].Matrix<T>(expected.Weight.Rows, expected.Weight.Columns);
            var bias = properties["bias"].Vector<T>(expected.Bias.Length);
            if (nonNegative)
            {
                CheckNonNegative(weight.AsSpan(), properties["weight"], weight.Rows, weight.Columns);
                CheckNonNegative(bias.AsSpan(), properties["bias"], bias.Length, 0);
            }
            result.Add(new LayerParameters<T>(weight, bias));
        }
        return new Parameters<T>(result.MoveToImmutable());
    }

    /// <summary>
    /// Throws, naming the element's JSON path, at the first negative value of <paramref name="values"/>: a column-major
    /// rows x columns matrix (weight rows are JSON arrays), or a vector when <paramref name="columns"/> is 0.
    /// </summary>
    private static void CheckNonNegative<T>(ReadOnlySpan<T> values, JsonField node, int rows, int columns) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] >= T.Zero) continue;
            // ImmutableMatrix stores columns one after another: element i is row i % rows, column i / rows.
            string path = columns == 0 ? $"[{i}]" : $"[{i % rows}][{i / rows}]";
            throw new InvalidDataException($"{node.Source}: {node.Path}{path}: expected a second moment of 0 or more (a mean of squared gradients), got {JsonNumbers.Format(values[i])}.");
        }
    }
}
