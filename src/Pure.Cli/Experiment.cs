using System.Collections.Immutable;
using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pure.Cli;

/// <summary>
/// Every setting of a training run, by the <see cref="Settings"/> table. A setting without a value is "not given"
/// while settings are merged (defaults, then an experiment file, then flags); <see cref="Resolve"/> fills every
/// setting that applies, and that resolved experiment is written next to the results so that the run can be repeated exactly.
/// </summary>
internal sealed record Experiment
{
    /// <summary>The values given, boxed, by setting name; a setting not given has no entry.</summary>
    private ImmutableDictionary<string, object> Values { get; init; } = ImmutableDictionary<string, object>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>The value of <paramref name="setting"/>, or null when not given.</summary>
    public T Get<T>(Setting<T> setting) => (T)GetBoxed(setting)!;

    /// <summary>This experiment with <paramref name="setting"/> set to <paramref name="value"/> (null: not given).</summary>
    public Experiment Set<T>(Setting<T> setting, T value) => SetBoxed(setting, value);

    private object? GetBoxed(Setting setting) => Values.GetValueOrDefault(setting.Name);

    private Experiment SetBoxed(Setting setting, object? value) =>
        this with { Values = value is null ? Values.Remove(setting.Name) : Values.SetItem(setting.Name, value) };

    /// <summary>The defaults of <c>pure train</c>: each setting's default that does not depend on others.</summary>
    public static Experiment Defaults { get; } = Settings.All.Aggregate(new Experiment(), (e, setting) => e.SetBoxed(setting, setting.DefaultValue));

    /// <summary>The settings given in <paramref name="over"/>, else those of this experiment.</summary>
    public Experiment With(Experiment over) => this with { Values = Values.SetItems(over.Values) };

    /// <summary>The flags given on a command line, read from the options made by <see cref="Setting.CreateOption"/>.</summary>
    public static Experiment FromFlags(ParseResult parsed, IEnumerable<(Setting Setting, Option Option)> options) =>
        options.Aggregate(new Experiment(), (e, pair) => e.SetBoxed(pair.Setting, pair.Setting.FromFlag(parsed, pair.Option)));

    /// <summary>
    /// Fills the settings that follow from others (the loss from the output activation, the learning rate and
    /// momentum from the optimizer) and checks every value, in table order; throws <see cref="UsageException"/> naming the setting.
    /// </summary>
    public Experiment Resolve() => Settings.All.Aggregate(this, (e, setting) => setting.ResolveIn(e));

    /// <summary>The JSON form of results (metrics): kebab-case members, nulls written, indented.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
        PropertyNamingPolicy = JsonNamingPolicy.KebabCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The names an experiment file's object may hold, checked while reading so that an unknown one is refused before the rest is read.</summary>
    private static readonly Lazy<IReadOnlyDictionary<string, string[]>> Schema = new(() => new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["$"] = [.. Settings.All.Select(setting => setting.Name)],
    });

    /// <summary>Reads an experiment file; unknown members and wrong types are refused with the JSON path.</summary>
    /// <remarks>The file passes the checks of <see cref="ReadLimits.ReadJsonFile"/> first (size, nesting, array lengths, UTF-8, duplicate keys, and here known names), with the <c>--limit</c> values.</remarks>
    public static Experiment Load(string path)
    {
        byte[] bytes = JsonInput.ReadFile(path, LimitOptions.Current, schema: Schema.Value);
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}: expected a JSON object, got {root.ValueKind.ToString().ToLowerInvariant()}.");
            var experiment = new Experiment();
            foreach (var member in root.EnumerateObject())
            {
                var setting = Settings.All.FirstOrDefault(s => s.Name == member.Name)
                    ?? throw new InvalidDataException($"{path}: $.{member.Name}: expected one of the settings {string.Join(", ", Settings.All.Select(s => s.Name))}, got an unknown name.");
                try { experiment = experiment.SetBoxed(setting, setting.FromJson(member.Value)); }
                catch (FormatException problem) { throw new InvalidDataException($"{path}: $.{member.Name}: {problem.Message}.", problem); }
            }
            return experiment;
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"{path}: {error.Message}", error);
        }
    }

    /// <summary>Writes every setting as JSON, in table order, nulls written.</summary>
    public void Save(string path)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JsonOptions.Encoder }))
        {
            writer.WriteStartObject();
            foreach (var setting in Settings.All)
            {
                writer.WritePropertyName(setting.Name);
                setting.Write(writer, GetBoxed(setting));
            }
            writer.WriteEndObject();
        }
        AtomicFile.WriteText(path, System.Text.Encoding.UTF8.GetString(stream.ToArray()) + "\n");
    }
}

/// <summary>The names the command accepts, mapped to library values.</summary>
internal static class Choices
{
    /// <summary>Activations of hidden layers.</summary>
    public static readonly string[] HiddenActivations = ["relu", "tanh", "sigmoid", "leaky_relu", "identity"];

    /// <summary>Activations of the output layer.</summary>
    public static readonly string[] OutputActivations = ["softmax", "sigmoid", "identity", "tanh", "relu", "leaky_relu"];

    /// <summary>Losses.</summary>
    public static readonly string[] Losses = ["categorical_cross_entropy", "binary_cross_entropy", "squared", "half_squared", "absolute"];

    /// <summary>Optimizers.</summary>
    public static readonly string[] Optimizers = ["sgd", "momentum", "nesterov", "adam"];

    /// <summary>Feature scalings.</summary>
    public static readonly string[] Scalings = ["standardize", "min-max", "none"];

    /// <summary>Floating-point types.</summary>
    public static readonly string[] DTypes = ["float32", "float64"];

    /// <summary>The library activation named <paramref name="name"/>.</summary>
    public static Activation ActivationNamed(string name) => name switch
    {
        "relu" => Pure.Activation.Relu,
        "tanh" => Pure.Activation.Tanh,
        "sigmoid" => Pure.Activation.Sigmoid,
        "leaky_relu" => Pure.Activation.LeakyRelu(),
        "identity" => Pure.Activation.Identity,
        "softmax" => Pure.Activation.Softmax,
        _ => throw new UsageException($"unknown activation '{name}'."),
    };

    /// <summary>The library loss named <paramref name="name"/>.</summary>
    public static Loss LossNamed(string name) => name switch
    {
        "categorical_cross_entropy" => Pure.Loss.CategoricalCrossEntropy,
        "binary_cross_entropy" => Pure.Loss.BinaryCrossEntropy,
        "squared" => Pure.Loss.Squared,
        "half_squared" => Pure.Loss.HalfSquared,
        "absolute" => Pure.Loss.Absolute,
        _ => throw new UsageException($"unknown loss '{name}'."),
    };

    /// <summary>The optimizer of a resolved experiment.</summary>
    public static Optimizer OptimizerOf(Experiment experiment)
    {
        double rate = experiment.Get(Settings.LearningRate)!.Value, decay = experiment.Get(Settings.WeightDecay)!.Value;
        double? clip = experiment.Get(Settings.Clip);
        return experiment.Get(Settings.Optimizer) switch
        {
            "adam" => Pure.Optimizer.Adam(rate, weightDecay: decay, maxGradientNorm: clip),
            "sgd" => Pure.Optimizer.Sgd(rate, weightDecay: decay, maxGradientNorm: clip),
            "momentum" => Pure.Optimizer.Sgd(rate, experiment.Get(Settings.Momentum)!.Value, weightDecay: decay, maxGradientNorm: clip),
            "nesterov" => Pure.Optimizer.Sgd(rate, experiment.Get(Settings.Momentum)!.Value, nesterov: true, weightDecay: decay, maxGradientNorm: clip),
            _ => throw new UsageException($"unknown optimizer '{experiment.Get(Settings.Optimizer)}'."),
        };
    }
}

/// <summary>A wrong argument or setting: reported as one line, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
