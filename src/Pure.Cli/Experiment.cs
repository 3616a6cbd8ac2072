using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pure.Cli;

/// <summary>
/// Every setting of a training run. A null member means "not given" while settings are merged (defaults, then an
/// experiment file, then flags); <see cref="Resolve"/> fills every member that applies, and that resolved
/// experiment is written next to the results so that the run can be repeated exactly.
/// </summary>
internal sealed record Experiment
{
    /// <summary>The data: null for the embedded digits set, a CSV file, or an IDX folder or images file.</summary>
    public string? Data { get; init; }

    /// <summary>
    /// The CSV target column: a name, or a 0-based index written as a number; null for the last column. For regression,
    /// several columns separated by commas (for example "a,b") for several targets.
    /// </summary>
    public string? Target { get; init; }

    /// <summary>classification (class labels, one output per class) or regression (numeric targets, one output per target).</summary>
    public string? Task { get; init; }

    /// <summary>For regression: standardize (fitted on the training targets, inverted by predict) or none.</summary>
    public string? TargetScaling { get; init; }

    /// <summary>The hidden layer sizes.</summary>
    public ImmutableArray<int>? Layers { get; init; }

    /// <summary>The activation of the hidden layers.</summary>
    public string? Activation { get; init; }

    /// <summary>The activation of the output layer.</summary>
    public string? OutputActivation { get; init; }

    /// <summary>The loss.</summary>
    public string? Loss { get; init; }

    /// <summary>sgd, momentum, nesterov or adam.</summary>
    public string? Optimizer { get; init; }

    /// <summary>η.</summary>
    public double? LearningRate { get; init; }

    /// <summary>μ of momentum and nesterov; null for the others.</summary>
    public double? Momentum { get; init; }

    /// <summary>λ, L2 weight decay.</summary>
    public double? WeightDecay { get; init; }

    /// <summary>The largest global gradient norm, or null for no clipping.</summary>
    public double? Clip { get; init; }

    /// <summary>The mini-batch size.</summary>
    public int? Batch { get; init; }

    /// <summary>The number of epochs to train (after the resumed checkpoint's, when resuming).</summary>
    public int? Epochs { get; init; }

    /// <summary>The seed of the split, the initial weights and the shuffles.</summary>
    public int? Seed { get; init; }

    /// <summary>The fraction of the samples held out for validation after each epoch.</summary>
    public double? ValidationFraction { get; init; }

    /// <summary>The fraction held out for the final test; null when the data bring their own test part.</summary>
    public double? TestFraction { get; init; }

    /// <summary>standardize, min-max or none.</summary>
    public string? Scaling { get; init; }

    /// <summary>float32 or float64.</summary>
    [JsonPropertyName("dtype")]
    public string? DType { get; init; }

    /// <summary>A checkpoint to resume from, or null.</summary>
    public string? Resume { get; init; }

    /// <summary>The defaults of <c>pure train</c>.</summary>
    public static Experiment Defaults { get; } = new()
    {
        Layers = [100],
        Activation = "relu",
        Optimizer = "adam",
        WeightDecay = 0,
        Batch = 32,
        Epochs = 30,
        Seed = 42,
        ValidationFraction = 0.1,
        TestFraction = 0.25,
        Scaling = "standardize",
        DType = "float64",
    };

    /// <summary>The members of <paramref name="over"/> that are set, else those of this experiment.</summary>
    public Experiment With(Experiment over) => new()
    {
        Data = over.Data ?? Data,
        Target = over.Target ?? Target,
        Task = over.Task ?? Task,
        TargetScaling = over.TargetScaling ?? TargetScaling,
        Layers = over.Layers ?? Layers,
        Activation = over.Activation ?? Activation,
        OutputActivation = over.OutputActivation ?? OutputActivation,
        Loss = over.Loss ?? Loss,
        Optimizer = over.Optimizer ?? Optimizer,
        LearningRate = over.LearningRate ?? LearningRate,
        Momentum = over.Momentum ?? Momentum,
        WeightDecay = over.WeightDecay ?? WeightDecay,
        Clip = over.Clip ?? Clip,
        Batch = over.Batch ?? Batch,
        Epochs = over.Epochs ?? Epochs,
        Seed = over.Seed ?? Seed,
        ValidationFraction = over.ValidationFraction ?? ValidationFraction,
        TestFraction = over.TestFraction ?? TestFraction,
        Scaling = over.Scaling ?? Scaling,
        DType = over.DType ?? DType,
        Resume = over.Resume ?? Resume,
    };

    /// <summary>
    /// Fills the settings that follow from others (the loss from the output activation, the learning rate and
    /// momentum from the optimizer) and checks every value; throws <see cref="UsageException"/> naming the setting.
    /// </summary>
    public Experiment Resolve()
    {
        string optimizer = OneOf(Optimizer, "optimizer", Choices.Optimizers);
        bool usesMomentum = optimizer is "momentum" or "nesterov";
        if (!usesMomentum && Momentum is not null)
            throw new UsageException($"--momentum applies to the momentum and nesterov optimizers, not to {optimizer}.");
        string task = OneOf(Task ?? "classification", "task", Choices.Tasks);
        bool regression = task == "regression";
        string outputActivation = OneOf(OutputActivation ?? (regression ? "identity" : "softmax"), "output-activation", Choices.OutputActivations);
        string loss = OneOf(Loss ?? (regression ? "half_squared" : DefaultLoss(outputActivation)), "loss", Choices.Losses);
        if (regression && loss.EndsWith("cross_entropy", StringComparison.Ordinal))
            throw new UsageException($"--loss: expected a regression loss (squared, half_squared, absolute or huber) for --task regression, got {loss}.");
        if (!regression && TargetScaling is not null)
            throw new UsageException($"--target-scaling applies to --task regression, not to {task}.");
        var resolved = this with
        {
            Task = task,
            TargetScaling = regression ? OneOf(TargetScaling ?? "standardize", "target-scaling", Choices.TargetScalings) : null,
            Activation = OneOf(Activation, "activation", Choices.HiddenActivations),
            OutputActivation = outputActivation,
            Loss = loss,
            Optimizer = optimizer,
            LearningRate = LearningRate ?? (optimizer == "adam" ? 1e-3 : 1e-2),
            Momentum = usesMomentum ? Momentum ?? 0.9 : null,
            Scaling = OneOf(Scaling, "scaling", Choices.Scalings),
            DType = OneOf(DType, "dtype", Choices.DTypes),
        };
        var layers = resolved.Layers ?? throw new UsageException("--layers is missing.");
        foreach (int size in layers)
            if (size < 1 || size > ModelFile.MaxLayerSize)
                throw new UsageException($"--layers: expected sizes from 1 to {ModelFile.MaxLayerSize}, got {size}.");
        if (layers.Length > ModelFile.MaxLayers - 1)
            throw new UsageException($"--layers: expected at most {ModelFile.MaxLayers - 1} hidden layers (a model file holds {ModelFile.MaxLayers} layers), got {layers.Length}.");
        Positive(resolved.LearningRate, "learning-rate");
        if (resolved.Momentum is double momentum && !(momentum > 0 && momentum < 1))
            throw new UsageException($"--momentum: expected a value in (0, 1), got {Format(momentum)}.");
        if (resolved.WeightDecay is not double decay || !(decay >= 0) || double.IsInfinity(decay))
            throw new UsageException($"--weight-decay: expected a finite value of 0 or more, got {Format(resolved.WeightDecay)}.");
        if (resolved.Clip is double clip) Positive(clip, "clip");
        if (resolved.Batch is not >= 1) throw new UsageException($"--batch: expected 1 or more, got {resolved.Batch}.");
        if (resolved.Epochs is not >= 1) throw new UsageException($"--epochs: expected 1 or more, got {resolved.Epochs}.");
        if (resolved.Seed is null) throw new UsageException("--seed is missing.");
        if (resolved.ValidationFraction is not double validation || !(validation >= 0 && validation < 1))
            throw new UsageException($"--validation-fraction: expected a value in [0, 1), got {Format(resolved.ValidationFraction)}.");
        if (resolved.TestFraction is double test && !(test > 0 && test < 1))
            throw new UsageException($"--test-fraction: expected a value in (0, 1), got {Format(test)}.");
        if (resolved.TestFraction is double t && validation + t >= 1)
            throw new UsageException($"--validation-fraction plus --test-fraction must be below 1, got {Format(validation)} + {Format(t)}.");
        return resolved;
    }

    /// <summary>The JSON form: kebab-case members named like the flags, nulls written, indented.</summary>
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
        ["$"] = [.. JsonOptions.GetTypeInfo(typeof(Experiment)).Properties.Select(property => property.Name)],
    });

    /// <summary>Reads an experiment file; unknown members and wrong types are refused with the JSON path.</summary>
    /// <remarks>The file passes the checks of <see cref="ReadLimits.ReadJsonFile"/> first (size, nesting, array lengths, UTF-8, duplicate keys, and here known names), with the <c>--limit</c> values.</remarks>
    public static Experiment Load(string path)
    {
        byte[] bytes = JsonInput.ReadFile(path, LimitOptions.Current, schema: Schema.Value);
        try
        {
            return JsonSerializer.Deserialize<Experiment>(bytes, JsonOptions)
                ?? throw new InvalidDataException($"{path}: expected a JSON object, got null.");
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"{path}: {error.Message}", error);
        }
    }

    /// <summary>Writes this experiment as JSON.</summary>
    public void Save(string path) => AtomicFile.WriteText(path, JsonSerializer.Serialize(this, JsonOptions) + "\n");

    private static string DefaultLoss(string outputActivation) => outputActivation switch
    {
        "softmax" => "categorical_cross_entropy",
        "sigmoid" => "binary_cross_entropy",
        _ => "squared",
    };

    private static string OneOf(string? value, string name, params string[] choices) =>
        value is not null && choices.Contains(value, StringComparer.Ordinal) ? value
        : throw new UsageException($"--{name}: expected one of {string.Join(", ", choices)}, got {(value is null ? "nothing" : $"'{value}'")}.");

    private static void Positive(double? value, string name)
    {
        if (value is not double x || !(x > 0) || double.IsInfinity(x))
            throw new UsageException($"--{name}: expected a finite value above 0, got {Format(value)}.");
    }

    private static string Format(double? value) => value is double x ? x.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "nothing";
}

/// <summary>The names the command accepts, mapped to library values.</summary>
internal static class Choices
{
    /// <summary>Activations of hidden layers.</summary>
    public static readonly string[] HiddenActivations = ["relu", "tanh", "sigmoid", "leaky_relu", "identity"];

    /// <summary>Activations of the output layer.</summary>
    public static readonly string[] OutputActivations = ["softmax", "sigmoid", "identity", "tanh", "relu", "leaky_relu"];

    /// <summary>Losses.</summary>
    public static readonly string[] Losses = ["categorical_cross_entropy", "binary_cross_entropy", "squared", "half_squared", "absolute", "huber"];

    /// <summary>Tasks.</summary>
    public static readonly string[] Tasks = ["classification", "regression"];

    /// <summary>Target scalings (regression).</summary>
    public static readonly string[] TargetScalings = ["standardize", "none"];

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
        "huber" => Pure.Loss.Huber(),
        _ => throw new UsageException($"unknown loss '{name}'."),
    };

    /// <summary>The optimizer of a resolved experiment.</summary>
    public static Optimizer OptimizerOf(Experiment experiment)
    {
        double rate = experiment.LearningRate!.Value, decay = experiment.WeightDecay!.Value;
        return experiment.Optimizer switch
        {
            "adam" => Pure.Optimizer.Adam(rate, weightDecay: decay, maxGradientNorm: experiment.Clip),
            "sgd" => Pure.Optimizer.Sgd(rate, weightDecay: decay, maxGradientNorm: experiment.Clip),
            "momentum" => Pure.Optimizer.Sgd(rate, experiment.Momentum!.Value, weightDecay: decay, maxGradientNorm: experiment.Clip),
            "nesterov" => Pure.Optimizer.Sgd(rate, experiment.Momentum!.Value, nesterov: true, weightDecay: decay, maxGradientNorm: experiment.Clip),
            _ => throw new UsageException($"unknown optimizer '{experiment.Optimizer}'."),
        };
    }
}

/// <summary>A wrong argument or setting: reported as one line, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
