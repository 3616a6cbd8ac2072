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

    /// <summary><c>pure evaluate</c>: the model's loss, accuracy and confusion matrix on every sample of the data.</summary>
    internal sealed record Evaluate(Terminal Terminal, string? Data, string? Target, string? Output) : IModelJob
    {
        /// <inheritdoc />
        public int Run<T>(Model<T> model, string path) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var (data, labels, classes) = LoadFor(model, Data, Target);
            var measurement = Evaluation.Measure(model, data.Features.ReadAll(), labels, classes.ClassCount);
            var (confusion, loss) = (measurement.Confusion, measurement.Loss);
            Terminal.Line($"{data.Name}: {data.Count} samples; {model.Network}");
            Terminal.Out.WriteLine(confusion);
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
            Terminal.Line($"accuracy: {confusion.Accuracy:F4}");
            return 0;
        }
    }

    /// <summary><c>pure predict</c>: a CSV with the predicted label and one probability column per class, for each row of a CSV.</summary>
    internal sealed record Predict(Terminal Terminal, string Data, string? Target, string? Output) : IModelJob
    {
        /// <inheritdoc />
        public int Run<T>(Model<T> model, string path) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var csv = DataSources.ReadFeatures(Data, Target);
            int expected = model.Network.InputSize;
            if (csv.FeatureNames.Length != expected)
                throw csv.FeatureNames.Length == expected + 1 && Target is null
                    ? new UsageException($"{Data} has {expected + 1} columns but the model takes {expected} features: name the column to leave out with --target.")
                    : new InvalidDataException($"{Data}: expected {expected} feature columns, as the model takes, got {csv.FeatureNames.Length}{(Target is null ? "" : $" besides '{csv.TargetName}'")}.");
            var classes = ClassesOf(model);
            var output = model.Predict(csv.FeaturesAs<T>());
            var predicted = Metrics.PredictedClasses(output);
            var text = new StringBuilder();
            text.Append(string.Join(",", classes.Classes.Select(c => Quote("probability_" + c)).Prepend("predicted"))).Append('\n');
            for (int j = 0; j < output.Columns; j++)
            {
                text.Append(Quote(classes.Decode(predicted[j])));
                foreach (var probability in output.Column(j)) text.Append(',').Append(double.CreateChecked(probability).ToString("R", CultureInfo.InvariantCulture));
                text.Append('\n');
            }
            if (Output is null) Terminal.Out.Write(text.ToString());
            else
            {
                AtomicFile.WriteText(Output, text.ToString());
                Terminal.Line($"wrote {Output}: {output.Columns} predictions of {classes.ClassCount} classes");
            }
            return 0;
        }

        private static string Quote(string cell) =>
            cell.AsSpan().IndexOfAny(",\"\r\n") < 0 ? cell : "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary><c>pure gradcheck</c>: the gradient checker's report for the model on the first samples of the data.</summary>
    internal sealed record GradCheck(Terminal Terminal, string? Data, string? Target, int Samples, GradientCheckOptions Options) : IModelJob
    {
        /// <inheritdoc />
        public int Run<T>(Model<T> model, string path) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var (data, labels, classes) = LoadFor(model, Data, Target);
            int count = Math.Min(Samples, data.Count);
            var first = Enumerable.Range(0, count).ToArray();
            var inputs = Evaluation.Inputs(model.Scaling, new ImmutableMatrix<T>(data.Features.Rows, count, data.Features.Gather([[.. first]])[0]));
            var targets = Metrics.OneHot<T>([.. first.Select(i => labels[i])], classes.ClassCount);
            var report = GradientCheck.Run(model.Network, inputs, targets, model.Loss, Options);
            Terminal.Line($"{data.Name}: the first {count} samples; {model.Network}, {model.Loss.Name}");
            Terminal.Out.WriteLine(report.ToString());
            return report.Passed ? 0 : CheckFailed;
        }
    }

    /// <summary><c>pure info</c>: the model's architecture, loss, scaling, classes and parameter counts.</summary>
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
            Terminal.Line($"loss: {model.Loss.Name}");
            Terminal.Line($"scaling: {model.Scaling switch
            {
                Standardization<T> s => $"standardize ({s.FeatureCount} features)",
                MinMaxScaling<T> m => $"min-max ({m.FeatureCount} features)",
                null => "none",
                var other => other.GetType().Name,
            }}");
            var classes = model.Classes?.Classes;
            Terminal.Line($"classes: {(classes is null ? "not stored" : $"{classes.Value.Length} ({string.Join(", ", classes.Value.Take(20))}{(classes.Value.Length > 20 ? ", ..." : "")})")}");
            return 0;
        }
    }
}
