using System.Collections.Immutable;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Pure.Cli;

/// <summary>
/// The settings of <c>pure train</c>, each declared once. A row generates the flag <c>--name</c> (its help ends with
/// the default), the experiment-file key <c>name</c> (read strictly, written in table order), the override of the
/// merge defaults ← file ← flags, the dependent default and the check. To add a setting, add one row here and read
/// it in <see cref="TrainJob"/> with <c>experiment.Get(Settings.Name)</c>.
/// </summary>
internal static class Settings
{
    // First: the rows below add themselves to it (their constructor registers them) as they are initialized, in textual order.
    private static readonly List<Setting> all = [];

    /// <summary>Every setting, in the order of the experiment file and of the checks.</summary>
    public static IReadOnlyList<Setting> All => all;

    /// <summary>The data: null for the embedded digits set, a CSV file, or an IDX folder or images file.</summary>
    public static readonly Setting<string?> Data = new("data", Parser.Text("path"), "A CSV file, or a folder of IDX files (train-images-idx3-ubyte[.gz] ...)", defaultText: "the embedded digits set");

    /// <summary>The CSV target column: a name, or a 0-based index written as a number; null for the last column.</summary>
    public static readonly Setting<string?> Target = new("target", Parser.Text("column"), "The CSV column of the class labels: a name, or a 0-based index", defaultText: "the last column");

    /// <summary>The hidden layer sizes.</summary>
    public static readonly Setting<ImmutableArray<int>?> Layers = new("layers", Parser.Sizes, "Hidden layer sizes, e.g. 100 or 256,128 (the input and output sizes come from the data)", ImmutableArray.Create(100), check: LayerSizes);

    /// <summary>The activation of the hidden layers.</summary>
    public static readonly Setting<string?> Activation = new("activation", Parser.Choice(Choices.HiddenActivations), "Activation of the hidden layers", "relu");

    /// <summary>The activation of the output layer.</summary>
    public static readonly Setting<string?> OutputActivation = new("output-activation", Parser.Choice(Choices.OutputActivations), "Activation of the output layer", "softmax");

    /// <summary>The loss; by default the one that suits the output activation.</summary>
    public static readonly Setting<string?> Loss = new("loss", Parser.Choice(Choices.Losses), "Loss", defaultText: "categorical_cross_entropy after softmax, binary_cross_entropy after sigmoid, squared otherwise",
        derive: (e, loss) => loss ?? DefaultLoss(e.Get(OutputActivation)!));

    /// <summary>sgd, momentum, nesterov or adam.</summary>
    public static readonly Setting<string?> Optimizer = new("optimizer", Parser.Choice(Choices.Optimizers), "Optimizer", "adam");

    /// <summary>η; by default 0.001 for adam, 0.01 otherwise.</summary>
    public static readonly Setting<double?> LearningRate = new("learning-rate", Parser.Real, "Learning rate η", defaultText: "0.001 for adam, 0.01 otherwise",
        derive: (e, rate) => rate ?? (e.Get(Optimizer) == "adam" ? 1e-3 : 1e-2), check: Positive);

    /// <summary>μ of momentum and nesterov (0.9 by default); null for the others.</summary>
    public static readonly Setting<double?> Momentum = new("momentum", Parser.Real, "Momentum μ of the momentum and nesterov optimizers", defaultText: "0.9",
        derive: (e, mu) => e.Get(Optimizer) is "momentum" or "nesterov" ? mu ?? 0.9
            : mu is null ? null : throw new UsageException($"--momentum applies to the momentum and nesterov optimizers, not to {e.Get(Optimizer)}."),
        check: (flag, _, mu) => mu > 0 && mu < 1 ? null : $"{flag}: expected a value in (0, 1), got {Format(mu)}.");

    /// <summary>λ, L2 weight decay.</summary>
    public static readonly Setting<double?> WeightDecay = new("weight-decay", Parser.Real, "L2 weight decay λ", 0.0,
        check: (flag, _, decay) => decay >= 0 && !double.IsInfinity(decay!.Value) ? null : $"{flag}: expected a finite value of 0 or more, got {Format(decay)}.");

    /// <summary>The largest global gradient norm, or null for no clipping.</summary>
    public static readonly Setting<double?> Clip = new("clip", Parser.Real, "Scale gradients down to this global norm", defaultText: "no clipping", check: Positive);

    /// <summary>Dropout rates of the hidden layers: one for all, or one per hidden layer; null for none.</summary>
    public static readonly Setting<ImmutableArray<double>?> Dropout = new("dropout", Parser.Rates, "Inverted dropout on the hidden layers: one rate p in [0, 1) for all, e.g. 0.2, or one per hidden layer, e.g. 0.2,0.1", defaultText: "none",
        check: (flag, e, rates) => rates!.Value.Any(p => !(p >= 0 && p < 1)) ? $"{flag}: expected rates in [0, 1), got {string.Join(",", rates.Value.Select(p => Format(p)))}."
            : rates.Value.Length != 1 && rates.Value.Length != e.Get(Layers)!.Value.Length ? $"{flag}: expected one rate or one per hidden layer ({e.Get(Layers)!.Value.Length}), got {rates.Value.Length}." : null);

    /// <summary>The mini-batch size.</summary>
    public static readonly Setting<int?> Batch = new("batch", Parser.Integer, "Mini-batch size", 32, check: AtLeastOne);

    /// <summary>The number of epochs to train (after the resumed checkpoint's, when resuming).</summary>
    public static readonly Setting<int?> Epochs = new("epochs", Parser.Integer, "Epochs to train (more epochs after the checkpoint's with --resume)", 30, check: AtLeastOne);

    /// <summary>The seed of the split, the initial weights and the shuffles.</summary>
    public static readonly Setting<int?> Seed = new("seed", Parser.Integer, "Seed of the split, the initial weights and the shuffles", 42);

    /// <summary>The fraction of the samples held out for validation after each epoch.</summary>
    public static readonly Setting<double?> ValidationFraction = new("validation-fraction", Parser.Real, "Fraction of the samples measured after each epoch; 0 for none", 0.1,
        check: (flag, _, v) => v >= 0 && v < 1 ? null : $"{flag}: expected a value in [0, 1), got {Format(v)}.");

    // TestData is a later row (its key comes last in the file); the lambda runs after every row is initialized.
    /// <summary>The fraction held out for the final test (0.25 by default); null when the data bring their own test part or with --test-data.</summary>
    public static readonly Setting<double?> TestFraction = new("test-fraction", Parser.Real, "Fraction held out for the final test (IDX data bring their own test files; not with --test-data)", defaultText: "0.25",
        derive: (e, t) => e.Get(TestData!) is null ? t ?? 0.25
            : t is null ? null : throw new UsageException("--test-fraction applies when the test part is cut from --data, not with --test-data; give one of them."),
        check: (flag, e, t) => !(t > 0 && t < 1) ? $"{flag}: expected a value in (0, 1), got {Format(t)}."
            : e.Get(ValidationFraction) + t >= 1 ? $"--validation-fraction plus {flag} must be below 1, got {Format(e.Get(ValidationFraction))} + {Format(t)}." : null);

    /// <summary>standardize, min-max or none.</summary>
    public static readonly Setting<string?> Scaling = new("scaling", Parser.Choice(Choices.Scalings), "Feature scaling fitted on the training part", "standardize");

    /// <summary>float32 or float64.</summary>
    public static readonly Setting<string?> DType = new("dtype", Parser.Choice(Choices.DTypes), "Floating-point type", "float64");

    /// <summary>A checkpoint to resume from, or null.</summary>
    public static readonly Setting<string?> Resume = new("resume", Parser.Text("checkpoint"), "A checkpoint to continue training from");

    /// <summary>A CSV file with the columns of --data used as the test part, or null to cut --test-fraction from --data.</summary>
    public static readonly Setting<string?> TestData = new("test-data", Parser.Text("csv"), "A CSV file with the columns of --data used as the test part instead of cutting --test-fraction from --data", defaultText: "none");

    /// <summary>Adds a row to <see cref="All"/>: called by each setting's constructor, in the order of the rows.</summary>
    public static void Register(Setting setting) => all.Add(setting);

    private static string DefaultLoss(string outputActivation) => outputActivation switch
    {
        "softmax" => "categorical_cross_entropy",
        "sigmoid" => "binary_cross_entropy",
        _ => "squared",
    };

    private static string? LayerSizes(string flag, Experiment e, ImmutableArray<int>? layers)
    {
        foreach (int size in layers!.Value)
            if (size < 1 || size > ModelFile.MaxLayerSize)
                return $"{flag}: expected sizes from 1 to {ModelFile.MaxLayerSize}, got {size}.";
        return layers.Value.Length > ModelFile.MaxLayers - 1
            ? $"{flag}: expected at most {ModelFile.MaxLayers - 1} hidden layers (a model file holds {ModelFile.MaxLayers} layers), got {layers.Value.Length}." : null;
    }

    private static string? Positive(string flag, Experiment e, double? value) =>
        value > 0 && !double.IsInfinity(value!.Value) ? null : $"{flag}: expected a finite value above 0, got {Format(value)}.";

    private static string? AtLeastOne(string flag, Experiment e, int? value) => value >= 1 ? null : $"{flag}: expected 1 or more, got {value}.";

    /// <summary>A number as the messages show it (round-trip, invariant), or "nothing".</summary>
    public static string Format(double? value) => value is double x ? x.ToString("R", CultureInfo.InvariantCulture) : "nothing";
}

/// <summary>A check of a resolved value (never null): null when it passes, else the message naming <paramref name="flag"/>, the expected and the actual value.</summary>
internal delegate string? SettingCheck<T>(string flag, Experiment resolved, T value);

/// <summary>One setting, untyped: what the command line, the experiment file and the merge need.</summary>
internal abstract class Setting
{
    /// <summary>A setting named <paramref name="name"/>, added to <see cref="Settings.All"/>.</summary>
    protected Setting(string name)
    {
        Name = name;
        Settings.Register(this);
    }

    /// <summary>The kebab-case name: the flag without its dashes and the experiment-file key.</summary>
    public string Name { get; }

    /// <summary>The flag, <c>--name</c>.</summary>
    public string Flag => "--" + Name;

    /// <summary>The value of the defaults, boxed, or null when the default is derived or absent.</summary>
    public abstract object? DefaultValue { get; }

    /// <summary>The option of the flag; <paramref name="description"/> replaces the table's help (the digits job's wording).</summary>
    public abstract Option CreateOption(string? description = null);

    /// <summary>The flag's value, boxed, or null when the flag is not given.</summary>
    public abstract object? FromFlag(ParseResult parsed, Option option);

    /// <summary>The experiment file's value, boxed, or null for JSON null; a wrong type throws <see cref="FormatException"/> saying what was expected.</summary>
    public abstract object? FromJson(JsonElement element);

    /// <summary>Writes <paramref name="value"/> (boxed, or null) as the value of this setting's key.</summary>
    public abstract void Write(Utf8JsonWriter writer, object? value);

    /// <summary><paramref name="experiment"/> with this setting's value derived and checked; throws <see cref="UsageException"/>.</summary>
    public abstract Experiment ResolveIn(Experiment experiment);
}

/// <summary>A setting of type <typeparamref name="T"/> (a nullable type: null means not given).</summary>
/// <param name="name">The kebab-case name.</param>
/// <param name="parser">How the flag and the JSON value are read and written.</param>
/// <param name="help">The help without its default.</param>
/// <param name="defaultValue">The default, or null when there is none or it is derived.</param>
/// <param name="defaultText">The default as the help shows it, when not <paramref name="defaultValue"/> itself.</param>
/// <param name="derive">The resolved value from the merged one and the settings before it in the table (resolved), or null to keep the merged value.</param>
/// <param name="check">The check of a non-null resolved value, or null.</param>
internal sealed class Setting<T>(string name, Parser<T> parser, string help, T defaultValue = default!, string? defaultText = null,
    Func<Experiment, T, T>? derive = null, SettingCheck<T>? check = null) : Setting(name)
{
    /// <inheritdoc/>
    public override object? DefaultValue => defaultValue;

    /// <inheritdoc/>
    public override Option CreateOption(string? description = null)
    {
        string? shown = defaultText ?? (defaultValue is null ? null : parser.Show(defaultValue));
        return parser.Create(Flag, description ?? (shown is null ? help : $"{help} [default: {shown}]"));
    }

    /// <inheritdoc/>
    public override object? FromFlag(ParseResult parsed, Option option) => parser.Read(parsed, option);

    /// <inheritdoc/>
    public override object? FromJson(JsonElement element) => element.ValueKind == JsonValueKind.Null ? null : parser.FromJson(element);

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, object? value)
    {
        if (value is null) writer.WriteNullValue();
        else parser.Write(writer, (T)value);
    }

    /// <inheritdoc/>
    public override Experiment ResolveIn(Experiment experiment)
    {
        T value = experiment.Get(this);
        if (derive is not null) value = derive(experiment, value);
        if (value is not null && (parser.Check?.Invoke(Flag, experiment, value) ?? check?.Invoke(Flag, experiment, value)) is string problem)
            throw new UsageException(problem);
        return experiment.Set(this, value);
    }
}

/// <summary>How a setting's value is read from a flag and from JSON, shown in the help and written to JSON.</summary>
/// <param name="Create">The option, from the flag and the description.</param>
/// <param name="Read">The value of the option, or null when not given.</param>
/// <param name="FromJson">The value of a non-null JSON element; a wrong type throws <see cref="FormatException"/>.</param>
/// <param name="Write">Writes a non-null value.</param>
/// <param name="Show">A value as the help shows it.</param>
/// <param name="Check">A check every value of this kind passes (such as being one of the choices), before the setting's own; or null.</param>
internal sealed record Parser<T>(Func<string, string, Option> Create, Func<ParseResult, Option, T> Read, Func<JsonElement, T> FromJson,
    Action<Utf8JsonWriter, T> Write, Func<T, string> Show, SettingCheck<T>? Check = null);

/// <summary>The parsers of the settings.</summary>
internal static class Parser
{
    /// <summary>An integer.</summary>
    public static readonly Parser<int?> Integer = new((flag, help) => Commands.Number<int>(flag, help), (p, o) => p.GetValue((Option<int?>)o),
        e => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int i) ? i : throw Expected("an integer", e),
        (w, v) => w.WriteNumberValue(v!.Value), v => v!.Value.ToString(CultureInfo.InvariantCulture));

    /// <summary>A finite number.</summary>
    public static readonly Parser<double?> Real = new((flag, help) => Commands.Number<double>(flag, help), (p, o) => p.GetValue((Option<double?>)o),
        e => e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out double x) ? x : throw Expected("a finite number", e),
        (w, v) => w.WriteNumberValue(v!.Value), v => v!.Value.ToString(CultureInfo.InvariantCulture));

    /// <summary>Sizes separated by commas on the command line, an array of integers in JSON.</summary>
    public static readonly Parser<ImmutableArray<int>?> Sizes = new(
        (flag, help) => new Option<string?>(flag) { HelpName = "sizes", Description = help }, (p, o) => Commands.Layers(p.GetValue((Option<string?>)o)),
        e => e.ValueKind == JsonValueKind.Array
            ? [.. e.EnumerateArray().Select(item => item.ValueKind == JsonValueKind.Number && item.TryGetInt32(out int i) ? i : throw Expected("an array of integers", item))]
            : throw Expected("an array of integers", e),
        (w, v) =>
        {
            w.WriteStartArray();
            foreach (int size in v!.Value) w.WriteNumberValue(size);
            w.WriteEndArray();
        },
        v => string.Join(",", v!.Value));

    /// <summary>Rates separated by commas on the command line; a number, or an array of numbers, in JSON (written as a number when there is one).</summary>
    public static readonly Parser<ImmutableArray<double>?> Rates = new(
        (flag, help) => new Option<string?>(flag) { HelpName = "rates", Description = help }, (p, o) => Commands.Rates(p.GetValue((Option<string?>)o)),
        e => e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out double rate) ? [rate]
            : e.ValueKind == JsonValueKind.Array ? [.. e.EnumerateArray().Select(item => item.ValueKind == JsonValueKind.Number && item.TryGetDouble(out double x) ? x : throw Expected("a number or an array of numbers", item))]
            : throw Expected("a number or an array of numbers", e),
        (w, v) =>
        {
            if (v!.Value.Length == 1)
            {
                w.WriteNumberValue(v.Value[0]);
                return;
            }
            w.WriteStartArray();
            foreach (double rate in v.Value) w.WriteNumberValue(rate);
            w.WriteEndArray();
        },
        v => string.Join(",", v!.Value.Select(rate => rate.ToString("R", CultureInfo.InvariantCulture))));

    /// <summary>A text, such as a path; <paramref name="helpName"/> names its value in the help.</summary>
    public static Parser<string?> Text(string helpName) => new(
        (flag, help) => new Option<string?>(flag) { HelpName = helpName, Description = help }, (p, o) => p.GetValue((Option<string?>)o),
        e => e.ValueKind == JsonValueKind.String ? e.GetString() : throw Expected("a string", e), (w, v) => w.WriteStringValue(v), v => v!);

    /// <summary>One of <paramref name="choices"/>: refused otherwise by the command line, and by the check for the experiment file.</summary>
    public static Parser<string?> Choice(string[] choices) => Text("") with
    {
        Create = (flag, help) =>
        {
            var option = new Option<string?>(flag) { Description = help };
            option.AcceptOnlyFromAmong(choices);
            return option;
        },
        Check = (flag, _, value) => choices.Contains(value, StringComparer.Ordinal) ? null : $"{flag}: expected one of {string.Join(", ", choices)}, got '{value}'.",
    };

    private static FormatException Expected(string what, JsonElement e)
    {
        string raw = e.ValueKind is JsonValueKind.Array or JsonValueKind.Object ? "" : e.GetRawText();
        return new($"expected {what}, got {(raw.Length is > 0 and <= 40 ? raw : e.ValueKind.ToString().ToLowerInvariant())}");
    }
}
