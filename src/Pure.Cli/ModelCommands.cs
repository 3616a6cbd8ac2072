using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json.Nodes;

namespace Pure.Cli;

/// <summary>A job on a loaded model, generic in its element type.</summary>
internal interface IModelJob
{
    /// <summary>Runs the job on <paramref name="model"/>, loaded from <paramref name="path"/>; returns the exit code.</summary>
    int Run<T>(Model<T> model, string path) where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary><c>pure evaluate</c>, <c>predict</c>, <c>gradcheck</c> and <c>info</c>: jobs on a model file.</summary>
internal static class ModelCommands
{
    /// <summary>Exit code of a gradient check that failed.</summary>
    public const int CheckFailed = 3;

    /// <summary>Loads the model in <paramref name="path"/> as float or double, as its file says, and runs <paramref name="job"/> on it.</summary>
    public static int Run(string path, IModelJob job) => ModelFile.ReadDType(path, LimitOptions.Current) == "float32"
        ? job.Run(ModelFile.Load<float>(path, LimitOptions.Current), path)
        : job.Run(ModelFile.Load<double>(path, LimitOptions.Current), path);

    /// <summary>The model's classes, or "0".."k-1" for a model saved without them.</summary>
    private static ClassEncoding ClassesOf<T>(Model<T> model) where T : unmanaged, IFloatingPointIeee754<T> =>
        model.Classes ?? new ClassEncoding([.. Enumerable.Range(0, model.Network.OutputSize).Select(k => k.ToString(CultureInfo.InvariantCulture))]);

    /// <summary>
    /// Labelled data for a model: its feature count checked (for IDX files from the header, before any image is read),
    /// its labels encoded with the model's classes; IDX images are left in their file until a command reads them.
    /// </summary>
    private static (LabelledData<T> Data, ImmutableArray<int> Labels, ClassEncoding Classes) LoadFor<T>(Model<T> model, string? data, string? target)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loaded = DataSources.Load<T>(data, target, preferTest: true, ClassesOf(model), model.Network.InputSize);
        if (loaded.Features.Rows != model.Network.InputSize)
            throw new InvalidDataException($"{data ?? "digits"}: expected {model.Network.InputSize} features per sample, as the model takes, got {loaded.Features.Rows}.");
        var classes = ClassesOf(model);
        return (loaded, TrainJob.Labelled(DataSources.LabelSource(loaded), loaded.Labels, classes.Encode), classes);
    }

    /// <summary>
    /// True for a regression model: one with a target scaling (<c>pure train --task regression</c> always stores one,
    /// the identity for <c>--target-scaling none</c>).
    /// </summary>
    public static bool IsRegression<T>(Model<T> model) where T : unmanaged, IFloatingPointIeee754<T> => model.TargetScaling is not null;

    /// <summary>Regression data for a model: the targets named by <paramref name="target"/> (the last column by default), as many as the model's outputs, and its feature count checked.</summary>
    private static LabelledData<T> LoadRegressionFor<T>(Model<T> model, string? data, string? target) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loaded = DataSources.LoadRegression<T>(data, target);
        if (loaded.Targets!.Rows != model.Network.OutputSize)
            throw new UsageException($"--target: the model predicts {model.Network.OutputSize} targets, but {loaded.Targets.Rows} columns are named ({string.Join(", ", loaded.TargetNames)}).");
        if (loaded.Features.Rows != model.Network.InputSize)
            throw new InvalidDataException($"{data}: expected {model.Network.InputSize} features per sample, as the model takes, got {loaded.Features.Rows}.");
        return loaded;
    }

    /// <summary>"standardize (mean ..., scale ...)" or "none" (the identity scaling) for <c>pure info</c>.</summary>
    private static string TargetScalingName<T>(FeatureScaling<T> scaling) where T : unmanaged, IFloatingPointIeee754<T> => scaling switch
    {
        Standardization<T> s when s.Mean.AsSpan().IndexOfAnyExcept(T.Zero) < 0 && s.Scale.AsSpan().IndexOfAnyExcept(T.One) < 0 => "none",
        Standardization<T> s => $"standardize (mean {string.Join(", ", s.Mean.AsSpan().ToArray().Select(Show))}; scale {string.Join(", ", s.Scale.AsSpan().ToArray().Select(Show))})",
        MinMaxScaling<T> => "min-max",
        var other => other.GetType().Name,
    };

    private static string Show<T>(T value) where T : unmanaged, IFloatingPointIeee754<T> => double.CreateChecked(value).ToString("G6", CultureInfo.InvariantCulture);

    /// <summary><c>pure evaluate</c>: the model's loss, accuracy and confusion matrix on every sample of the data; for regression its loss, MSE, RMSE, MAE and R².</summary>
    internal sealed record Evaluate(Terminal Terminal, string? Data, string? Target, string? Output) : IModelJob
    {
        /// <inheritdoc />
        public int Run<T>(Model<T> model, string path) where T : unmanaged, IFloatingPointIeee754<T>
        {
            bool regression = IsRegression(model);
            var (data, labels, classes) = regression ? (LoadRegressionFor(model, Data, Target), [], null) : LoadFor(model, Data, Target);
            var measurement = regression
                ? Evaluation.MeasureRegressionInputs(model, Evaluation.Inputs(model.Scaling, data.Features.ReadAll()), data.Targets!, data.TargetNames)
                : Evaluation.Measure(model, data.Features.ReadAll(), labels, classes!.ClassCount);
            var (confusion, loss) = (measurement.Confusion, measurement.Loss);
            Terminal.Line($"{data.Name}: {data.Count} samples; {model.Network}");
            if (confusion is not null) Terminal.Out.WriteLine(confusion);
            if (Output is not null)
            {
                var metrics = RunFiles.WithMeasurement(new JsonObject
                {
                    ["library-version"] = RunFiles.LibraryVersion,
                    ["model"] = path,
                    ["model-sha256"] = RunFiles.Sha256(path),
                    ["data"] = data.Name,
                    ["data-sha256"] = new JsonObject([.. DataSources.Hashes(data).Select(pair => KeyValuePair.Create(pair.Key, (JsonNode?)JsonValue.Create(pair.Value)))]),
                    ["samples"] = data.Count,
                }, measurement, classes);
                AtomicFile.WriteText(Output, metrics.ToJsonString(Experiment.JsonOptions) + "\n");
                Terminal.Line($"wrote {Output}");
            }
            Terminal.Line($"loss ({model.Loss.Name}): {loss:F4}");
            if (measurement.Scores is RegressionScores scores) Evaluation.Show(Terminal, "", scores);
            else Terminal.Line($"accuracy: {confusion!.Accuracy:F4}");
            return 0;
        }
    }

    /// <summary><c>pure predict</c>: a CSV with the predicted label and one probability column per class, for each row of a CSV.</summary>
    internal sealed record Predict(Terminal Terminal, string Data, string? Target, string? Output) : IModelJob
    {
        /// <inheritdoc />
        public int Run<T>(Model<T> model, string path) where T : unmanaged, IFloatingPointIeee754<T>
        {
            // For regression, --target may name several columns to leave out.
            var csv = IsRegression(model) && Target is not null ? null : DataSources.ReadFeatures(Data, Target);
            var features = csv?.FeaturesAs<T>() ?? DataSources.LoadRegression<T>(Data, Target).Features.ReadAll();
            int expected = model.Network.InputSize;
            if (features.Rows != expected)
                throw features.Rows == expected + (IsRegression(model) ? model.Network.OutputSize : 1) && Target is null
                    ? new UsageException($"{Data} has {features.Rows} columns but the model takes {expected} features: name the column(s) to leave out with --target.")
                    : new InvalidDataException($"{Data}: expected {expected} feature columns, as the model takes, got {features.Rows}{(Target is null ? "" : $" besides '{csv?.TargetName ?? Target}'")}.");
            var output = model.Predict(features);
            if (IsRegression(model))
            {
                Write(Regression(output, TargetNames(model, path)), $"{output.Columns} predictions of {output.Rows} target{(output.Rows == 1 ? "" : "s")}", CsvTarget.None);
                return 0;
            }
            var classes = ClassesOf(model);
            var predicted = Metrics.PredictedClasses(output);
            var text = new StringBuilder();
            text.Append(string.Join(",", classes.Classes.Select(c => CsvCell.Quote("probability_" + c)).Prepend("predicted"))).Append('\n');
            for (int j = 0; j < output.Columns; j++)
            {
                text.Append(CsvCell.Quote(classes.Decode(predicted[j])));
                foreach (var probability in output.Column(j)) text.Append(',').Append(double.CreateChecked(probability).ToString("R", CultureInfo.InvariantCulture));
                text.Append('\n');
            }
            Write(text.ToString(), $"{output.Columns} predictions of {classes.ClassCount} classes", CsvTarget.Named("predicted"));
            return 0;
        }

        /// <summary>Writes the CSV <paramref name="text"/> to standard output or to <see cref="Output"/>; to a .parquet file, as Parquet (the labels a string column, the numbers DOUBLE columns).</summary>
        private void Write(string text, string summary, CsvTarget labels)
        {
            if (Output is null) Terminal.Out.Write(text);
            else
            {
                if (Output.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase))
                    ParquetFile.Write(Output, Csv.Parse(new StringReader(text), Output, labels, ReadLimits.Default with { MaxCsvLineLength = int.MaxValue, MaxSamplesTimesFeatures = long.MaxValue }));
                else AtomicFile.WriteText(Output, text);
                Terminal.Line($"wrote {Output}: {summary}");
            }
        }

        /// <summary>One column per target, named like it, in the targets' units (every digit: shortest round trip).</summary>
        private static string Regression<T>(ImmutableMatrix<T> output, IReadOnlyList<string> names) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var text = new StringBuilder(string.Join(",", names.Select(CsvCell.Quote))).Append('\n');
            for (int j = 0; j < output.Columns; j++)
                text.Append(string.Join(",", output.Column(j).Select(value => double.CreateChecked(value).ToString("R", CultureInfo.InvariantCulture)))).Append('\n');
            return text.ToString();
        }

        /// <summary>
        /// The names of the model's targets: those given with --target when they are as many, else those recorded in the
        /// experiment.json beside the model (a run folder), else target_1 .. target_k.
        /// </summary>
        private IReadOnlyList<string> TargetNames<T>(Model<T> model, string path) where T : unmanaged, IFloatingPointIeee754<T>
        {
            int k = model.Network.OutputSize;
            string? Split(string? names) => names is not null && names.Split(',').Length == k ? names : null;
            string beside = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? "", "experiment.json");
            string? recorded = null;
            if (Split(Target) is null && File.Exists(beside))
            {
                try { recorded = Experiment.Load(beside).Get(Settings.Target); }
                catch (InvalidDataException) { recorded = null; }
            }
            return Split(Target) is string given && !given.Split(',').Any(name => int.TryParse(name, out _)) ? given.Split(',', StringSplitOptions.TrimEntries)
                : Split(recorded) is string fromRun ? fromRun.Split(',', StringSplitOptions.TrimEntries)
                : [.. Enumerable.Range(1, k).Select(i => $"target_{i}")];
        }
    }

    /// <summary><c>pure gradcheck</c>: the gradient checker's report for the model on the first samples of the data.</summary>
    internal sealed record GradCheck(Terminal Terminal, string? Data, string? Target, int Samples, GradientCheckOptions Options) : IModelJob
    {
        /// <inheritdoc />
        public int Run<T>(Model<T> model, string path) where T : unmanaged, IFloatingPointIeee754<T>
        {
            bool regression = IsRegression(model);
            var (data, labels, classes) = regression ? (LoadRegressionFor(model, Data, Target), [], null) : LoadFor(model, Data, Target);
            int count = Math.Min(Samples, data.Count);
            var first = Enumerable.Range(0, count).ToArray();
            var inputs = Evaluation.Inputs(model.Scaling, new ImmutableMatrix<T>(data.Features.Rows, count, data.Features.Gather([[.. first]])[0]));
            // A regression model's network was trained on scaled targets: the check uses them too.
            var targets = regression ? model.TargetScaling!.Apply(data.Targets!.SelectColumns(first))
                : Metrics.OneHot<T>([.. first.Select(i => labels[i])], classes!.ClassCount);
            var report = GradientCheck.Run(model.Network, inputs, targets, model.Loss, Options);
            Terminal.Line($"{data.Name}: the first {count} samples; {model.Network}, {model.Loss.Name}");
            Terminal.Out.WriteLine(report.ToString());
            return report.Passed ? 0 : CheckFailed;
        }
    }

    /// <summary><c>pure info</c>: the model's architecture, loss, scaling, classes and parameter counts.</summary>
    /// <summary>
    /// <c>pure export --format onnx</c>: writes the model with <see cref="Onnx.Export{T}"/>, recording the seed of the
    /// experiment.json beside the model file when there is one.
    /// </summary>
    internal sealed record ExportOnnx(Terminal Terminal, string Output) : IModelJob
    {
        /// <inheritdoc />
        public int Run<T>(Model<T> model, string path) where T : unmanaged, IFloatingPointIeee754<T>
        {
            string experiment = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "experiment.json");
            long? seed = File.Exists(experiment) ? Experiment.Load(experiment).Get(Settings.Seed) : null;
            try { Onnx.Export(model, Output, seed); }
            catch (NotSupportedException refused) { throw new UsageException($"{path}: {refused.Message}"); }
            Terminal.Line($"wrote {Output}: ONNX opset {Onnx.Opset}, {model.Network.Architecture}, output \"{Onnx.OutputName(model.Loss)}\"{(seed is long s ? FormattableString.Invariant($", seed {s}") : "")}");
            return 0;
        }
    }

    internal sealed record Info(Terminal Terminal) : IModelJob
    {
        /// <inheritdoc />
        public int Run<T>(Model<T> model, string path) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var network = model.Network;
            Terminal.Line($"{path}: {(typeof(T) == typeof(float) ? "float32" : "float64")} model");
            Terminal.Line($"network: {network.Architecture}");
            for (int l = 0; l < network.Layers.Length; l++)
            {
                var layer = network.Layers[l];
                Terminal.Line($"  layer {l + 1}: W {layer.OutputSize} x {layer.InputSize}, b {layer.OutputSize}, {layer.Activation.Name}: {layer.Weight.Count + layer.Bias.Length} parameters");
            }
            Terminal.Line($"parameters: {network.ParameterCount}");
            Terminal.Line($"loss: {model.Loss.Name}{(model.Loss is HuberLoss huber ? FormattableString.Invariant($" (δ = {huber.Delta})") : "")}");
            Terminal.Line($"task: {(IsRegression(model) ? $"regression of {network.OutputSize} target{(network.OutputSize == 1 ? "" : "s")}, target scaling {TargetScalingName(model.TargetScaling!)}" : "classification")}");
            Terminal.Line($"scaling: {model.Scaling switch
            {
                Standardization<T> s => $"standardize ({s.FeatureCount} features)",
                MinMaxScaling<T> m => $"min-max ({m.FeatureCount} features)",
                null => "none",
                var other => other.GetType().Name,
            }}");
            var classes = model.Classes?.Classes;
            if (IsRegression(model)) return 0;
            Terminal.Line($"classes: {(classes is null ? "not stored" : $"{classes.Value.Length} ({string.Join(", ", classes.Value.Take(20))}{(classes.Value.Length > 20 ? ", ..." : "")})")}");
            return 0;
        }
    }
}
