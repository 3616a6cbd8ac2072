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

    /// <summary>The value of <paramref name="setting"/>, boxed, or null when not given.</summary>
    public object? GetBoxed(Setting setting) => Values.GetValueOrDefault(setting.Name);

    /// <summary>This experiment with <paramref name="setting"/> set to the boxed <paramref name="value"/> (null: not given).</summary>
    public Experiment SetBoxed(Setting setting, object? value) =>
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

    /// <summary>The names of a sweep's base experiment file: the settings and <c>grid</c>.</summary>
    private static readonly Lazy<IReadOnlyDictionary<string, string[]>> SweepSchema = new(() => new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["$"] = [.. Settings.All.Select(setting => setting.Name), SweepPlan.GridKey],
    });

    /// <summary>Reads an experiment file; unknown members and wrong types are refused with the JSON path.</summary>
    /// <remarks>The file passes the checks of <see cref="ReadLimits.ReadJsonFile"/> first (size, nesting, array lengths, UTF-8, duplicate keys, and here known names), with the <c>--limit</c> values.</remarks>
    public static Experiment Load(string path) => Load(path, out _, allowGrid: false);

    /// <summary>
    /// Reads an experiment file as <see cref="Load(string)"/>; with <paramref name="allowGrid"/> the member <c>grid</c>
    /// (the block of <c>pure sweep</c>) is allowed too and handed back, detached, in <paramref name="grid"/> (null when absent).
    /// </summary>
    public static Experiment Load(string path, out JsonElement? grid, bool allowGrid)
    {
        grid = null;
        byte[] bytes = JsonInput.ReadFile(path, LimitOptions.Current, schema: allowGrid ? SweepSchema.Value : Schema.Value);
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}: expected a JSON object, got {root.ValueKind.ToString().ToLowerInvariant()}.");
            var experiment = new Experiment();
            foreach (var member in root.EnumerateObject())
            {
                if (allowGrid && member.Name == SweepPlan.GridKey)
                {
                    grid = member.Value.Clone();
                    continue;
                }
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
    public void Save(string path) => AtomicFile.WriteText(path, ToJsonText());

    /// <summary>The text <see cref="Save"/> writes: every setting as indented JSON, in table order, nulls written, with a final line break.</summary>
    public string ToJsonText()
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
        return System.Text.Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}

/// <summary>The names the command accepts, mapped to library values.</summary>
internal static class Choices
{
    /// <summary>Activations of hidden layers.</summary>
    public static readonly string[] HiddenActivations = ["relu", "tanh", "sigmoid", "leaky_relu", "identity"];

    /// <summary>Initial weight distributions.</summary>
    public static readonly string[] Initializations = ["auto", "glorot-uniform", "he-uniform"];

    /// <summary>The library initialization named <paramref name="name"/>.</summary>
    public static Initialization InitializationNamed(string name) => name switch
    {
        "glorot-uniform" => Pure.Initialization.GlorotUniform,
        "he-uniform" => Pure.Initialization.HeUniform,
        _ => Pure.Initialization.Auto,
    };

    /// <summary>Activations of the output layer.</summary>
    public static readonly string[] OutputActivations = ["softmax", "sigmoid", "identity", "tanh", "relu", "leaky_relu"];

    /// <summary>Losses.</summary>
    public static readonly string[] Losses = ["categorical_cross_entropy", "binary_cross_entropy", "squared", "half_squared", "absolute", "huber"];

    /// <summary>Tasks.</summary>
    public static readonly string[] Tasks = ["classification", "regression"];

    /// <summary>Target scalings (regression).</summary>
    public static readonly string[] TargetScalings = ["standardize", "none"];

    /// <summary>Optimizers.</summary>
    public static readonly string[] Optimizers = ["sgd", "momentum", "nesterov", "adam", "lbfgs"];

    /// <summary>Feature scalings.</summary>
    public static readonly string[] Scalings = ["standardize", "min-max", "none"];

    /// <summary>Floating-point types.</summary>
    public static readonly string[] DTypes = ["float32", "float64"];

    /// <summary>The quantities early stopping can watch.</summary>
    public static readonly string[] Monitors = ["validation_loss", "validation_accuracy", "training_loss"];

    /// <summary>The early-stopping rule of a resolved experiment, or null when it is off.</summary>
    public static EarlyStopping? EarlyStoppingOf(Experiment experiment) => experiment.Get(Settings.EarlyStopping) is true
        ? new EarlyStopping(experiment.Get(Settings.Patience)!.Value, experiment.Get(Settings.Tol)!.Value,
            MonitorNamed(experiment.Get(Settings.Monitor)!), experiment.Get(Settings.RestoreBest)!.Value)
        : null;

    /// <summary>The library's monitor named <paramref name="name"/>, one of <see cref="Monitors"/>.</summary>
    public static EarlyStoppingMonitor MonitorNamed(string name) => name switch
    {
        "validation_loss" => EarlyStoppingMonitor.ValidationLoss,
        "validation_accuracy" => EarlyStoppingMonitor.ValidationAccuracy,
        "training_loss" => EarlyStoppingMonitor.TrainingLoss,
        _ => throw new UsageException($"unknown monitor '{name}'."),
    };

    /// <summary>The name of a resolved monitor, one of <see cref="Monitors"/>.</summary>
    public static string MonitorName(EarlyStoppingMonitor monitor) => Monitors.First(name => MonitorNamed(name) == monitor);

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

    /// <summary>The library loss named <paramref name="name"/>; huber with δ = <paramref name="huberDelta"/>.</summary>
    public static Loss LossNamed(string name, double huberDelta = 1.0) => name switch
    {
        "categorical_cross_entropy" => Pure.Loss.CategoricalCrossEntropy,
        "binary_cross_entropy" => Pure.Loss.BinaryCrossEntropy,
        "squared" => Pure.Loss.Squared,
        "half_squared" => Pure.Loss.HalfSquared,
        "absolute" => Pure.Loss.Absolute,
        "huber" => Pure.Loss.Huber(huberDelta),
        _ => throw new UsageException($"unknown loss '{name}'."),
    };

    /// <summary>The learning-rate schedules of --schedule.</summary>
    public static readonly string[] Schedules = ["constant", "step", "exponential", "invscaling", "cosine", "onecycle", "plateau"];

    /// <summary>
    /// The optimizer of a resolved experiment (null for lbfgs, see <see cref="LbfgsOf"/>). With a schedule other than constant, the rate is a <see cref="Schedule"/> whose
    /// epochs are converted to steps (epochs × <paramref name="stepsPerEpoch"/>): step is η · r^⌊t / period⌋ (PyTorch's StepLR),
    /// invscaling is scikit-learn's (η / (m · epoch + 1)^power with m = <paramref name="trainingCount"/>); plateau keeps the rate constant and adds
    /// reduce-on-plateau, monitoring the validation loss, or the training loss when <paramref name="validated"/> is false.
    /// </summary>
    public static Optimizer? OptimizerOf(Experiment experiment, int stepsPerEpoch, int trainingCount, bool validated)
    {
        if (experiment.Get(Settings.Optimizer) == "lbfgs") return null;
        double rate = experiment.Get(Settings.LearningRate)!.Value, decay = experiment.Get(Settings.WeightDecay)!.Value;
        double? clip = experiment.Get(Settings.Clip);
        string schedule = experiment.Get(Settings.Schedule)!;
        if (schedule == "constant")
            return experiment.Get(Settings.Optimizer) switch
            {
                "adam" => Pure.Optimizer.Adam(rate, weightDecay: decay, maxGradientNorm: clip),
                "sgd" => Pure.Optimizer.Sgd(rate, weightDecay: decay, maxGradientNorm: clip),
                "momentum" => Pure.Optimizer.Sgd(rate, experiment.Get(Settings.Momentum)!.Value, weightDecay: decay, maxGradientNorm: clip),
                "nesterov" => Pure.Optimizer.Sgd(rate, experiment.Get(Settings.Momentum)!.Value, nesterov: true, weightDecay: decay, maxGradientNorm: clip),
                _ => throw new UsageException($"unknown optimizer '{experiment.Get(Settings.Optimizer)}'."),
            };
        long steps = stepsPerEpoch;
        long period = steps * (experiment.Get(Settings.DecayEpochs) ?? 1);
        double factor = experiment.Get(Settings.DecayRate) ?? 0.1;
        try
        {
            ReduceOnPlateau? plateau = schedule == "plateau" ? new ReduceOnPlateau(factor, experiment.Get(Settings.PlateauPatience)!.Value,
                Monitor: validated ? PlateauMonitor.ValidationLossOrTrainingLoss : PlateauMonitor.TrainingLoss) : null;
            var rates = schedule switch
            {
                "step" => Pure.Schedule.Exponential(rate, period, factor, staircase: true),
                "exponential" => Pure.Schedule.Exponential(rate, period, factor),
                "invscaling" => Pure.Schedule.InverseScaling(rate, factor, steps, trainingCount),
                "cosine" => Pure.Schedule.WarmupCosineDecay(0, rate, steps * experiment.Get(Settings.WarmupEpochs)!.Value, period),
                "onecycle" => Pure.Schedule.OneCycle(period, rate),
                _ => Pure.Schedule.Constant(rate),
            };
            return experiment.Get(Settings.Optimizer) switch
            {
                "adam" => Pure.Optimizer.Adam(rates, weightDecay: decay, maxGradientNorm: clip, plateau: plateau),
                "sgd" => Pure.Optimizer.Sgd(rates, weightDecay: decay, maxGradientNorm: clip, plateau: plateau),
                "momentum" => Pure.Optimizer.Sgd(rates, experiment.Get(Settings.Momentum)!.Value, weightDecay: decay, maxGradientNorm: clip, plateau: plateau),
                "nesterov" => Pure.Optimizer.Sgd(rates, experiment.Get(Settings.Momentum)!.Value, nesterov: true, weightDecay: decay, maxGradientNorm: clip, plateau: plateau),
                _ => throw new UsageException($"unknown optimizer '{experiment.Get(Settings.Optimizer)}'."),
            };
        }
        catch (ArgumentException problem)
        {
            throw new UsageException($"--schedule {schedule}: {Program.WithoutParameter(problem)}");
        }
    }

    /// <summary>The L-BFGS options of a resolved lbfgs experiment; the others keep <see cref="LbfgsOptions"/>' defaults (scikit-learn's).</summary>
    public static LbfgsOptions LbfgsOf(Experiment experiment) => new()
    {
        MaxIterations = experiment.Get(Settings.MaxIterations)!.Value, Tolerance = experiment.Get(Settings.Tolerance)!.Value, Alpha = experiment.Get(Settings.Alpha)!.Value,
    };
}

/// <summary>A wrong argument or setting: reported as one line, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
