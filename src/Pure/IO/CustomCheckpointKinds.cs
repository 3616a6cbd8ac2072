using System.Collections.Immutable;
using System.Numerics;
using System.Text.Json;

namespace Pure;

/// <summary>
/// The checkpoint kind of a value of one's own whose settings are named finite numbers, {"kind": name, "field": number, ...}:
/// the common part of <see cref="TransformKind"/> and <see cref="ScheduleKind"/>.
/// </summary>
/// <typeparam name="TValue"><see cref="Optimizer"/> or <see cref="Schedule"/>.</typeparam>
public abstract class NumberFieldsKind<TValue> where TValue : class
{
    private protected NumberFieldsKind(string name, Type type, Func<TValue, IReadOnlyDictionary<string, double>> fields, Func<IReadOnlyDictionary<string, double>, TValue> create)
    {
        CustomKinds.CheckName(name, nameof(name));
        ArgumentNullException.ThrowIfNull(fields);
        ArgumentNullException.ThrowIfNull(create);
        Name = name;
        Type = type;
        Fields = fields;
        CreateValue = create;
    }

    /// <summary>The value of "kind" in the checkpoint.</summary>
    public string Name { get; }

    /// <summary>The record type of the values of this kind (matched exactly when saving).</summary>
    public Type Type { get; }

    internal Func<TValue, IReadOnlyDictionary<string, double>> Fields { get; }

    internal Func<IReadOnlyDictionary<string, double>, TValue> CreateValue { get; }
}

/// <summary>
/// How a transform defined outside Pure (a record deriving from <see cref="Optimizer"/>) is saved in a checkpoint: its
/// settings as named numbers, and rebuilt from them. Register it with <see cref="CheckpointKinds.With(TransformKind)"/>
/// and pass the registry to <see cref="CheckpointFile.Save{T}"/> and <see cref="CheckpointFile.Load{T}"/>.
/// </summary>
public sealed class TransformKind : NumberFieldsKind<Optimizer>
{
    private TransformKind(string name, Type type, Func<Optimizer, IReadOnlyDictionary<string, double>> fields, Func<IReadOnlyDictionary<string, double>, Optimizer> create)
        : base(name, type, fields, create)
    {
    }

    /// <summary>The kind of <typeparamref name="TTransform"/>.</summary>
    /// <param name="name">The value of "kind": ASCII letters, digits and '_', not one of the registry's kinds.</param>
    /// <param name="fields">The transform's settings as finite numbers, by name (ASCII letters, digits and '_', not "kind").</param>
    /// <param name="create">The transform from those numbers; throws <see cref="ArgumentException"/> for invalid ones.</param>
    public static TransformKind Create<TTransform>(string name, Func<TTransform, IReadOnlyDictionary<string, double>> fields, Func<IReadOnlyDictionary<string, double>, TTransform> create)
        where TTransform : Optimizer
    {
        ArgumentNullException.ThrowIfNull(fields);
        return new(name, typeof(TTransform), transform => fields((TTransform)transform), create);
    }
}

/// <summary>
/// How a <see cref="Schedule"/> defined outside Pure is saved in a checkpoint: its settings as named numbers. Register it
/// with <see cref="CheckpointKinds.With(ScheduleKind)"/>.
/// </summary>
public sealed class ScheduleKind : NumberFieldsKind<Schedule>
{
    private ScheduleKind(string name, Type type, Func<Schedule, IReadOnlyDictionary<string, double>> fields, Func<IReadOnlyDictionary<string, double>, Schedule> create)
        : base(name, type, fields, create)
    {
    }

    /// <summary>The kind of <typeparamref name="TSchedule"/>.</summary>
    /// <param name="name">The value of "kind": ASCII letters, digits and '_', not one of the registry's kinds.</param>
    /// <param name="fields">The schedule's settings as finite numbers, by name (ASCII letters, digits and '_', not "kind").</param>
    /// <param name="create">The schedule from those numbers; throws <see cref="ArgumentException"/> for invalid ones.</param>
    public static ScheduleKind Create<TSchedule>(string name, Func<TSchedule, IReadOnlyDictionary<string, double>> fields, Func<IReadOnlyDictionary<string, double>, TSchedule> create)
        where TSchedule : Schedule
    {
        ArgumentNullException.ThrowIfNull(fields);
        return new(name, typeof(TSchedule), schedule => fields((TSchedule)schedule), create);
    }
}

/// <summary>What a <see cref="StateKind"/> saves of a state: named finite numbers and named parameter-shaped values (moments).</summary>
/// <param name="Numbers">Numbers by name (counts are saved as numbers and must be integers below 2^53 to come back exact).</param>
/// <param name="Parameters">Values shaped like the parameters (velocities, moments), by name.</param>
public sealed record StateFields<T>(IReadOnlyDictionary<string, double> Numbers, IReadOnlyDictionary<string, Parameters<T>> Parameters)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ValueMap<double> _numbers = ValueMap<double>.Copy(Numbers, nameof(Numbers));
    private readonly ValueMap<Parameters<T>> _parameters = ValueMap<Parameters<T>>.Copy(Parameters, nameof(Parameters));

    /// <summary>Numbers by name: a copy of the dictionary given, in its order; equality compares names and values.</summary>
    public IReadOnlyDictionary<string, double> Numbers { get => _numbers.Items; init => _numbers = ValueMap<double>.Copy(value, nameof(Numbers)); }

    /// <summary>Parameter-shaped values by name: a copy of the dictionary given, in its order; equality compares names and values.</summary>
    public IReadOnlyDictionary<string, Parameters<T>> Parameters { get => _parameters.Items; init => _parameters = ValueMap<Parameters<T>>.Copy(value, nameof(Parameters)); }
}

/// <summary>
/// How the state of a transform defined outside Pure is saved in a checkpoint: derive from this class, give the state's
/// generic type definition (e.g. <c>typeof(MyState&lt;&gt;)</c>) and split the state into <see cref="StateFields{T}"/> and back.
/// A state is read against the optimizer's Init for the loaded network, whose fields give the names and shapes expected.
/// Register it with <see cref="CheckpointKinds.With(StateKind)"/>.
/// </summary>
public abstract class StateKind
{
    /// <summary>A kind named <paramref name="name"/> for states of <paramref name="stateType"/>.</summary>
    /// <param name="name">The value of "kind": letters, digits and '_', not one of Pure's own kinds.</param>
    /// <param name="stateType">A generic type definition with one type parameter T whose types derive from <see cref="OptimizerState{T}"/>.</param>
    protected StateKind(string name, Type stateType)
    {
        CustomKinds.CheckName(name, nameof(name));
        ArgumentNullException.ThrowIfNull(stateType);
        if (!stateType.IsGenericTypeDefinition || stateType.GetGenericArguments().Length != 1
            || !typeof(OptimizerState<double>).IsAssignableFrom(stateType.MakeGenericType(typeof(double))))
            throw new ArgumentException($"Expected a generic type definition with one type parameter deriving from OptimizerState<T>, such as typeof(MyState<>), got {stateType}.", nameof(stateType));
        Name = name;
        StateType = stateType;
    }

    /// <summary>The value of "kind" in the checkpoint.</summary>
    public string Name { get; }

    /// <summary>The state's generic type definition.</summary>
    public Type StateType { get; }

    /// <summary>The fields of <paramref name="state"/> (a state of <see cref="StateType"/>).</summary>
    public abstract StateFields<T> Fields<T>(OptimizerState<T> state) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>The state holding <paramref name="fields"/> (read with the names and shapes of <paramref name="initial"/>'s fields); throws <see cref="ArgumentException"/> for invalid values.</summary>
    public abstract OptimizerState<T> Create<T>(StateFields<T> fields, OptimizerState<T> initial) where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>The adapters that let <see cref="CheckpointKinds"/> write and read the public kinds like Pure's own.</summary>
internal static class CustomKinds
{
    /// <summary>The most fields a kind of one's own may have.</summary>
    private const int MaxFields = 100;

    public static void CheckName(string name, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(name, parameterName);
        if (name.Length is 0 or > 100 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            throw new ArgumentException($"Expected a name of 1 to 100 ASCII letters, digits and '_', got \"{name}\".", parameterName);
    }

    private static void WriteNumbers(Utf8JsonWriter writer, IReadOnlyDictionary<string, double> numbers, string owner)
    {
        foreach (var (name, value) in numbers)
        {
            if (name == "kind" || name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
                throw new InvalidOperationException($"Expected the fields of {owner} to be named with ASCII letters, digits and '_' (not \"kind\"), got \"{name}\".");
            if (!double.IsFinite(value)) throw new InvalidOperationException($"Expected the field \"{name}\" of {owner} to be finite, got {value}.");
            JsonNumbers.WriteDouble(writer, name, value);
        }
    }

    /// <summary>Every property of <paramref name="node"/> but "kind", each a finite number.</summary>
    private static Dictionary<string, double> ReadNumbers(JsonField node)
    {
        string[] names = node.Element.ValueKind == JsonValueKind.Object ? [.. node.Element.EnumerateObject().Select(p => p.Name).Where(name => name != "kind").Distinct()] : [];
        if (names.Length > MaxFields) throw node.Error($"expected at most {MaxFields} fields, got {names.Length}.");
        var properties = node.Object(["kind", .. names]);
        return names.ToDictionary(name => name, name => properties[name].Double(), StringComparer.Ordinal);
    }

    /// <summary>The internal kind that writes and reads a <see cref="TransformKind"/>.</summary>
    public sealed class Transform(TransformKind kind) : TransformCheckpointKind
    {
        public override string Name => kind.Name;

        public override Type TransformType => kind.Type;

        public override void WriteFields(Utf8JsonWriter writer, Optimizer transform, CheckpointKinds kinds) => WriteNumbers(writer, kind.Fields(transform), transform.GetType().Name);

        public override Optimizer Read(JsonField node, CheckpointKinds kinds) => kind.CreateValue(ReadNumbers(node));
    }

    /// <summary>The internal kind that writes and reads a <see cref="ScheduleKind"/>.</summary>
    public sealed class ScheduleAdapter(ScheduleKind kind) : ScheduleCheckpointKind
    {
        public override string Name => kind.Name;

        public override Type ScheduleType => kind.Type;

        public override void WriteFields(Utf8JsonWriter writer, Schedule schedule) => WriteNumbers(writer, kind.Fields(schedule), schedule.GetType().Name);

        public override Schedule Read(JsonField node) => kind.CreateValue(ReadNumbers(node));
    }

    /// <summary>The internal kind that writes and reads a <see cref="StateKind"/>: its numbers, then its parameter-shaped values.</summary>
    public sealed class State(StateKind kind) : StateCheckpointKind(kind.Name, kind.StateType)
    {
        public override void WriteFields<T>(Utf8JsonWriter writer, OptimizerState<T> state, CheckpointKinds kinds)
        {
            var fields = kind.Fields(state);
            WriteNumbers(writer, fields.Numbers, state.GetType().Name);
            foreach (var (name, values) in fields.Parameters)
            {
                if (name == "kind" || fields.Numbers.ContainsKey(name))
                    throw new InvalidOperationException($"Expected the fields of {state.GetType().Name} to have distinct names other than \"kind\", got \"{name}\" twice.");
                CheckpointKinds.WriteParameters(writer, name, values);
            }
        }

        public override OptimizerState<T> Read<T>(JsonField node, OptimizerState<T> expected, CheckpointKinds kinds)
        {
            var shape = kind.Fields(expected);
            var properties = node.Object(["kind", .. shape.Numbers.Keys, .. shape.Parameters.Keys]);
            var numbers = shape.Numbers.Keys.ToDictionary(name => name, name => properties[name].Double(), StringComparer.Ordinal);
            var parameters = shape.Parameters.ToDictionary(p => p.Key, p => CheckpointKinds.ReadParameters(properties[p.Key], p.Value), StringComparer.Ordinal);
            try
            {
                return kind.Create(new StateFields<T>(numbers, parameters), expected);
            }
            catch (ArgumentException e)
            {
                throw node.Error($"invalid {kind.Name} state: {e.Message}");
            }
        }

        public override bool HasShapeOf<T>(OptimizerState<T> state, OptimizerState<T> expected, string path, CheckpointKinds kinds)
        {
            StateFields<T> s = kind.Fields(state), e = kind.Fields(expected);
            if (!s.Numbers.Keys.Order(StringComparer.Ordinal).SequenceEqual(e.Numbers.Keys.Order(StringComparer.Ordinal))
                || !s.Parameters.Keys.Order(StringComparer.Ordinal).SequenceEqual(e.Parameters.Keys.Order(StringComparer.Ordinal)))
                return false;
            foreach (var (name, values) in e.Parameters) values.CheckSameShape(s.Parameters[name], "checkpoint");
            return true;
        }
    }
}
