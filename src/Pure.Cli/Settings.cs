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
    public static readonly Setting<string?> Data = new("data", Parser.Text("path"), "A CSV file, a Parquet file (.parquet, or starting with PAR1), or a folder of IDX files (train-images-idx3-ubyte[.gz] ...)", defaultText: "the embedded digits set");

    /// <summary>The CSV target column: a name, or a 0-based index written as a number; null for the last column. For regression, several separated by commas.</summary>
    public static readonly Setting<string?> Target = new("target", Parser.Text("column"), "The CSV or Parquet column of the class labels, or for regression of the targets (several separated by commas, e.g. a,b): a name, or a 0-based index", defaultText: "the last column");

    /// <summary>classification (class labels, one output per class) or regression (numeric targets, one output per target).</summary>
    public static readonly Setting<string?> Task = new("task", Parser.Choice(Choices.Tasks), "classification, or regression (identity output, half_squared loss, standardized targets by default)", "classification");

    /// <summary>Regression: standardize (fitted on the training targets, stored in the model, inverted by predict) or none; null for classification.</summary>
    public static readonly Setting<string?> TargetScaling = new("target-scaling", Parser.Choice(Choices.TargetScalings), "Regression: target scaling fitted on the training part, inverted by predict", defaultText: "standardize",
        derive: (e, t) => e.Get(Task) == "regression" ? t ?? "standardize"
            : t is null ? null : throw new UsageException($"--target-scaling applies to --task regression, not to {e.Get(Task)}."));

    /// <summary>The hidden layer sizes.</summary>
    public static readonly Setting<ImmutableArray<int>?> Layers = new("layers", Parser.Sizes, "Hidden layer sizes, e.g. 100 or 256,128 (the input and output sizes come from the data)", ImmutableArray.Create(100), check: LayerSizes);

    /// <summary>The activation of the hidden layers.</summary>
    public static readonly Setting<string?> Activation = new("activation", Parser.Choice(Choices.HiddenActivations), "Activation of the hidden layers", "relu");

    /// <summary>The initial weight distribution: auto (He before ReLU and leaky ReLU, Glorot otherwise), glorot-uniform or he-uniform.</summary>
    public static readonly Setting<string?> Initialization = new("initialization", Parser.Choice(Choices.Initializations),
        "Initial weights: auto (He uniform before relu and leaky_relu, Glorot uniform otherwise), glorot-uniform (scikit-learn's) or he-uniform; biases start at 0", "auto");

    /// <summary>The activation of the output layer.</summary>
    public static readonly Setting<string?> OutputActivation = new("output-activation", Parser.Choice(Choices.OutputActivations), "Activation of the output layer", defaultText: "softmax; identity for regression",
        derive: (e, a) => a ?? (e.Get(Task) == "regression" ? "identity" : "softmax"));

    /// <summary>The loss; by default the one that suits the output activation.</summary>
    public static readonly Setting<string?> Loss = new("loss", Parser.Choice(Choices.Losses), "Loss (huber: δ from --huber-delta)", defaultText: "half_squared for regression; categorical_cross_entropy after softmax, binary_cross_entropy after sigmoid, squared otherwise",
        derive: (e, loss) => loss ?? (e.Get(Task) == "regression" ? "half_squared" : DefaultLoss(e.Get(OutputActivation)!)),
        check: (flag, e, loss) => e.Get(Task) == "regression" && loss!.EndsWith("cross_entropy", StringComparison.Ordinal)
            ? $"{flag}: expected a regression loss (squared, half_squared, absolute or huber) for --task regression, got {loss}." : null);

    /// <summary>δ of the huber loss (1 by default); null for the other losses.</summary>
    public static readonly Setting<double?> HuberDelta = new("huber-delta", Parser.Real, "δ of the huber loss: quadratic for |a - y| ≤ δ, linear beyond (PyTorch's HuberLoss delta)", defaultText: "1",
        derive: (e, delta) => e.Get(Loss) == "huber" ? delta ?? 1.0
            : delta is null ? null : throw new UsageException($"--huber-delta applies to --loss huber, not to {e.Get(Loss)}."),
        check: Positive);

    /// <summary>sgd, momentum, nesterov, adam or lbfgs.</summary>
    public static readonly Setting<string?> Optimizer = new("optimizer", Parser.Choice(Choices.Optimizers), "Optimizer", "adam");

    /// <summary>η; by default 0.001 for adam, 0.01 otherwise; null for lbfgs.</summary>
    public static readonly Setting<double?> LearningRate = new("learning-rate", Parser.Real, "Learning rate η", defaultText: "0.001 for adam, 0.01 otherwise",
        derive: (e, rate) => e.Get(Optimizer) == "lbfgs" ? NotWithLbfgs(rate, "--learning-rate") : rate ?? (e.Get(Optimizer) == "adam" ? 1e-3 : 1e-2), check: Positive);

    /// <summary>μ of momentum and nesterov (0.9 by default); null for the others.</summary>
    public static readonly Setting<double?> Momentum = new("momentum", Parser.Real, "Momentum μ of the momentum and nesterov optimizers", defaultText: "0.9",
        derive: (e, mu) => e.Get(Optimizer) is "momentum" or "nesterov" ? mu ?? 0.9
            : mu is null ? null : throw new UsageException($"--momentum applies to the momentum and nesterov optimizers, not to {e.Get(Optimizer)}."),
        check: (flag, _, mu) => mu > 0 && mu < 1 ? null : $"{flag}: expected a value in (0, 1), got {Format(mu)}.");

    /// <summary>λ, L2 weight decay.</summary>
    public static readonly Setting<double?> WeightDecay = new("weight-decay", Parser.Real, "L2 weight decay λ", 0.0,
        derive: (e, decay) => e.Get(Optimizer) == "lbfgs" && decay is > 0 ? NotWithLbfgs(decay, "--weight-decay (use --alpha)") : decay,
        check: (flag, _, decay) => decay >= 0 && !double.IsInfinity(decay!.Value) ? null : $"{flag}: expected a finite value of 0 or more, got {Format(decay)}.");

    /// <summary>The largest global gradient norm, or null for no clipping.</summary>
    public static readonly Setting<double?> Clip = new("clip", Parser.Real, "Scale gradients down to this global norm", defaultText: "no clipping",
        derive: (e, clip) => e.Get(Optimizer) == "lbfgs" ? NotWithLbfgs(clip, "--clip") : clip, check: Positive);

    /// <summary>The learning-rate schedule: constant, step, exponential, invscaling, cosine, onecycle or plateau.</summary>
    public static readonly Setting<string?> Schedule = new("schedule", Parser.Choice(Choices.Schedules),
        "Learning-rate schedule, from --learning-rate as η0 or peak (docs/cli.md, \"Learning-rate schedules\")", "constant",
        derive: (e, schedule) => e.Get(Optimizer) == "lbfgs" && schedule is not "constant" ? NotWithLbfgs(schedule, "--schedule") : schedule);

    /// <summary>The period of step and exponential decay, the end of cosine decay or the one-cycle's length, in epochs.</summary>
    public static readonly Setting<int?> DecayEpochs = new("decay-epochs", Parser.Integer,
        "Epochs per decay of step and exponential, until the end of cosine, or of the one-cycle", defaultText: "--epochs for cosine and onecycle, 10 for step and exponential",
        derive: (e, k) => ForSchedules(e, "--decay-epochs", k, ["step", "exponential", "cosine", "onecycle"], e.Get(Schedule) is "cosine" or "onecycle" ? e.Get(Epochs!) : 10), check: AtLeastOne);

    /// <summary>The factor of step and exponential decay and of plateau, or the power of invscaling.</summary>
    public static readonly Setting<double?> DecayRate = new("decay-rate", Parser.Real,
        "Factor per --decay-epochs of step and exponential, factor of plateau, power of invscaling", defaultText: "0.1; 0.5 for invscaling",
        derive: (e, r) => ForSchedules(e, "--decay-rate", r, ["step", "exponential", "plateau", "invscaling"], e.Get(Schedule) == "invscaling" ? 0.5 : 0.1), check: Positive);

    /// <summary>The linear warm-up of cosine, in epochs.</summary>
    public static readonly Setting<int?> WarmupEpochs = new("warmup-epochs", Parser.Integer, "Epochs of linear warm-up of cosine, from 0 to --learning-rate", defaultText: "0",
        derive: (e, w) => ForSchedules(e, "--warmup-epochs", w, ["cosine"], 0),
        check: (flag, e, w) => w >= 0 && w < e.Get(DecayEpochs) ? null : $"{flag}: expected 0 or more and below --decay-epochs {e.Get(DecayEpochs)}, got {w}.");

    /// <summary>The bad epochs plateau tolerates before reducing the rate.</summary>
    public static readonly Setting<int?> PlateauPatience = new("plateau-patience", Parser.Integer, "Epochs without improvement plateau tolerates before reducing the rate", defaultText: "10",
        derive: (e, p) => ForSchedules(e, "--plateau-patience", p, ["plateau"], 10),
        check: (flag, _, p) => p >= 0 ? null : $"{flag}: expected 0 or more, got {p}.");

    /// <summary>Dropout rates of the hidden layers: one for all, or one per hidden layer; null for none.</summary>
    public static readonly Setting<ImmutableArray<double>?> Dropout = new("dropout", Parser.Rates, "Inverted dropout on the hidden layers: one rate p in [0, 1) for all, e.g. 0.2, or one per hidden layer, e.g. 0.2,0.1", defaultText: "none",
        derive: (e, rates) => e.Get(Optimizer) == "lbfgs" ? NotWithLbfgs(rates, "--dropout") : rates,
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
    public static readonly Setting<string?> Resume = new("resume", Parser.Text("checkpoint"), "A checkpoint to continue training from",
        derive: (e, resume) => e.Get(Optimizer) == "lbfgs" ? NotWithLbfgs(resume, "--resume") : resume);

    /// <summary>A CSV file with the columns of --data used as the test part, or null to cut --test-fraction from --data.</summary>
    public static readonly Setting<string?> TestData = new("test-data", Parser.Text("csv"), "A CSV or Parquet file with the columns of --data used as the test part instead of cutting --test-fraction from --data", defaultText: "none");

    /// <summary>
    /// Early stopping on or off. Not given, it is on exactly when a patience is given (a --patience flag turns it on even
    /// over a file's off); giving --tol, --monitor or --restore-best while it is off is refused. Off clears the four below.
    /// </summary>
    public static readonly Setting<bool?> EarlyStopping = new("early-stopping", Parser.Switch, "Stop when the monitored quantity stops improving", defaultText: "off; on with --patience",
        derive: (e, on) => EarlyStoppingOn(e, on) is true && e.Get(Optimizer) == "lbfgs" ? NotWithLbfgs<bool>(true, "--early-stopping") : EarlyStoppingOn(e, on));

    /// <summary>Early stopping's patience p (scikit-learn's n_iter_no_change): stop after p + 1 epochs in a row without improvement.</summary>
    public static readonly Setting<int?> Patience = new("patience", Parser.Integer, "Early stopping: stop after patience + 1 epochs in a row without improvement (n_iter_no_change); turns it on", defaultText: "10",
        derive: (e, p) => e.Get(EarlyStopping) is true ? p ?? 10 : null, check: AtLeastOne);

    /// <summary>Early stopping's tol: the least change of the monitored quantity that counts as an improvement.</summary>
    public static readonly Setting<double?> Tol = new("tol", Parser.Real, "Early stopping: the least change of the monitored quantity that is an improvement", defaultText: "0.0001",
        derive: (e, tol) => e.Get(EarlyStopping) is true ? tol ?? 1e-4 : null,
        check: (flag, _, tol) => tol >= 0 && !double.IsInfinity(tol!.Value) ? null : $"{flag}: expected a finite value of 0 or more, got {Format(tol)}.");

    /// <summary>The quantity early stopping watches: validation_loss, validation_accuracy or training_loss.</summary>
    public static readonly Setting<string?> Monitor = new("monitor", Parser.Choice(Choices.Monitors), "Early stopping: the quantity watched", defaultText: "validation_loss, or training_loss without a validation part",
        derive: (e, m) => e.Get(EarlyStopping) is true ? m ?? (e.Get(ValidationFraction) > 0 ? "validation_loss" : "training_loss") : null,
        check: (flag, e, m) => m == "validation_accuracy" && e.Get(Task) == "regression" ? $"{flag} validation_accuracy applies to classification; with --task regression give {flag} validation_loss or training_loss."
            : m == "training_loss" || e.Get(ValidationFraction) > 0 ? null
            : $"{flag} {m} needs a validation part, but --validation-fraction is 0: give --validation-fraction above 0 or {flag} training_loss.");

    /// <summary>Whether model.json holds the best epoch's network (true) or the last epoch's.</summary>
    public static readonly Setting<bool?> RestoreBest = new("restore-best", Parser.Switch, "Early stopping: model.json holds the best epoch's network (on) or the last epoch's (off)", defaultText: "on",
        derive: (e, restore) => e.Get(EarlyStopping) is true ? restore ?? true : null);

    /// <summary>How the loss of a mini-batch reduces: mean (the default) or sum (the classic papers' summed error).</summary>
    public static readonly Setting<string?> Reduction = new("reduction", Parser.Choice(["mean", "sum"]), "Cost of a mini-batch: the mean or the sum of the sample losses", "mean");

    /// <summary>none, or balanced class weights w_c = m / (k n_c) fitted on the training part.</summary>
    public static readonly Setting<string?> ClassWeight = new("class-weight", Parser.Choice(["none", "balanced"]), "Class weights: balanced weighs each class by m / (k n_c) on the training part, as scikit-learn", "none");

    /// <summary>The CSV column holding the sample weights (not a feature), or null for none.</summary>
    public static readonly Setting<string?> SampleWeight = new("sample-weight", Parser.Text("column"), "The CSV or Parquet column of per-sample weights (finite, 0 or more; not a feature)", defaultText: "none");

    /// <summary>L-BFGS's iteration limit (scikit-learn's max_iter), 200 by default; null for the other optimizers.</summary>
    public static readonly Setting<int?> MaxIterations = new("max-iterations", Parser.Integer, "Iteration limit of --optimizer lbfgs (scikit-learn's max_iter)", defaultText: "200",
        derive: (e, n) => LbfgsOnly(e, n, 200, "--max-iterations"), check: AtLeastOne);

    /// <summary>L-BFGS's gradient tolerance (scikit-learn's tol), 1e-4 by default; null for the other optimizers.</summary>
    public static readonly Setting<double?> Tolerance = new("tolerance", Parser.Real, "Gradient tolerance of --optimizer lbfgs (scikit-learn's tol)", defaultText: "0.0001",
        derive: (e, tol) => LbfgsOnly(e, tol, 1e-4, "--tolerance"), check: Positive);

    /// <summary>L-BFGS's α (scikit-learn's alpha): (α / 2m) Σ ||W||² added to the cost, 1e-4 by default; null for the other optimizers.</summary>
    public static readonly Setting<double?> Alpha = new("alpha", Parser.Real, "L2 penalty α of --optimizer lbfgs, (α/2m) Σ ||W||² on the weights (scikit-learn's alpha)", defaultText: "0.0001",
        derive: (e, alpha) => LbfgsOnly(e, alpha, 1e-4, "--alpha"),
        check: (flag, _, alpha) => alpha >= 0 && !double.IsInfinity(alpha!.Value) ? null : $"{flag}: expected a finite value of 0 or more, got {Format(alpha)}.");

    /// <summary>Adds a row to <see cref="All"/>: called by each setting's constructor, in the order of the rows.</summary>
    public static void Register(Setting setting) => all.Add(setting);

    /// <summary>A schedule's parameter: its default for the <paramref name="schedules"/> that use it, null (and refused when given) for the others.</summary>
    private static TValue? ForSchedules<TValue>(Experiment e, string flag, TValue? value, string[] schedules, TValue? fallback) where TValue : struct =>
        schedules.Contains(e.Get(Schedule)) ? value ?? fallback
        : value is null ? null : throw new UsageException($"{flag} applies to --schedule {string.Join(" or ", schedules)}, not to {e.Get(Schedule)}.");

    /// <summary>The value of an lbfgs-only setting: <paramref name="fallback"/> when not given with lbfgs, null without lbfgs, where giving it is refused.</summary>
    private static T? LbfgsOnly<T>(Experiment e, T? value, T fallback, string flag) where T : struct =>
        e.Get(Optimizer) == "lbfgs" ? value ?? fallback
        : value is null ? null : throw new UsageException($"{flag} applies to --optimizer lbfgs only, not to {e.Get(Optimizer)}.");

    /// <summary>Refuses a gradient-descent setting given with lbfgs; null (not given) passes.</summary>
    private static T? NotWithLbfgs<T>(T? value, string flag) => value is null ? default
        : throw new UsageException($"{flag} does not apply to --optimizer lbfgs (full-batch L-BFGS takes no learning rate, schedule, clipping, dropout, early stopping or checkpoint).");

    private static string DefaultLoss(string outputActivation) => outputActivation switch
    {
        "softmax" => "categorical_cross_entropy",
        "sigmoid" => "binary_cross_entropy",
        _ => "squared",
    };

    /// <summary>Early stopping given, or on exactly when a patience is given; a stray --tol, --monitor or --restore-best without it is refused.</summary>
    private static bool? EarlyStoppingOn(Experiment e, bool? on)
    {
        if (on is not null) return on;
        if (e.Get(Patience) is not null) return true;
        string? stray = e.Get(Tol) is not null ? "tol" : e.Get(Monitor) is not null ? "monitor" : e.Get(RestoreBest) is not null ? "restore-best" : null;
        return stray is null ? false : throw new UsageException($"--{stray} applies to early stopping, which is off: give --early-stopping or --patience N.");
    }

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

    /// <summary>A non-null value (boxed) as the flag takes it and the help shows it, such as 0.01 or 256,128.</summary>
    public abstract string Show(object value);
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
    public override string Show(object value) => parser.Show((T)value);

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

    /// <summary>on or off on the command line (the flag alone is on), true or false in JSON.</summary>
    public static readonly Parser<bool?> Switch = new(
        (flag, help) =>
        {
            var option = new Option<string?>(flag) { HelpName = "on|off", Description = help, Arity = ArgumentArity.ZeroOrOne };
            option.AcceptOnlyFromAmong("on", "off");
            return option;
        },
        (p, o) => p.GetResult(o) is null ? null : (p.GetValue((Option<string?>)o) ?? "on") == "on",
        e => e.ValueKind is JsonValueKind.True or JsonValueKind.False ? e.GetBoolean() : throw Expected("true or false", e),
        (w, v) => w.WriteBooleanValue(v!.Value), v => v!.Value ? "on" : "off");

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
