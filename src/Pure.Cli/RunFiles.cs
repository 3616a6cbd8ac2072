using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;

namespace Pure.Cli;

/// <summary>The result files of <c>pure train</c>.</summary>
internal static class RunFiles
{
    /// <summary>The model file of a run.</summary>
    public const string ModelName = "model.json";

    /// <summary>The checkpoint of a run (to resume from).</summary>
    public const string CheckpointName = "checkpoint.json";

    /// <summary>The weights of a run for NumPy (W1, b1, W2, b2, ...).</summary>
    public const string WeightsName = "weights.npz";

    /// <summary>The header of history.csv.</summary>
    public const string HistoryHeader = "epoch,train_loss,validation_loss,validation_accuracy,seconds";

    /// <summary>The version of the Pure library this program runs.</summary>
    public static string LibraryVersion { get; } =
        typeof(Network).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(Network).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>The eight files of a run, in the order they are written.</summary>
    public static IReadOnlyList<string> Names { get; } =
        [ModelName, CheckpointName, WeightsName, "experiment.json", "history.csv", "metrics.json", "loss.svg", "accuracy.svg"];

    /// <summary>
    /// Writes the eight files of a run into <paramref name="folder"/> (a staging folder of <see cref="RunFolder.Publish"/>),
    /// each through a temporary file synced to the disk; metrics.json records the SHA-256 of the model.json written.
    /// </summary>
    public static void Write<T>(string folder, TrainOutcome<T> outcome) where T : unmanaged, IFloatingPointIeee754<T>
    {
        string model = Path.Combine(folder, ModelName);
        ModelFile.Save(outcome.Model, model);
        CheckpointFile.Save(outcome.Checkpoint, Path.Combine(folder, CheckpointName));
        Npz.Export(outcome.Model.Network, Path.Combine(folder, WeightsName));
        outcome.Run.Experiment.Save(Path.Combine(folder, "experiment.json"));
        AtomicFile.WriteText(Path.Combine(folder, "history.csv"), History(outcome.History));
        AtomicFile.WriteText(Path.Combine(folder, "metrics.json"), Metrics(outcome, Sha256(model)).ToJsonString(Experiment.JsonOptions) + "\n");
        var epochs = outcome.History.Select(row => row.Epoch).ToArray();
        Save(SvgChart.Render($"Loss per epoch ({outcome.Run.DataName})", outcome.Run.Experiment.Get(Settings.Loss)!, epochs,
        [
            new ChartSeries("training", [.. outcome.History.Select(row => (double?)row.TrainLoss)]),
            new ChartSeries("validation", [.. outcome.History.Select(row => row.ValidationLoss)]),
        ]), Path.Combine(folder, "loss.svg"));
        Save(SvgChart.Render($"Validation accuracy per epoch ({outcome.Run.DataName})", "accuracy", epochs,
        [
            new ChartSeries("validation", [.. outcome.History.Select(row => row.ValidationAccuracy)]),
        ]), Path.Combine(folder, "accuracy.svg"));
    }

    /// <summary>The SHA-256 of the file's bytes, as lowercase hex.</summary>
    public static string Sha256(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static void Save(XDocument document, string path) => AtomicFile.Write(path, stream => document.Save(stream));

    /// <summary>Adds "loss", "accuracy", "classes" and "confusion" of a measurement on labelled data to <paramref name="target"/>, and returns it.</summary>
    public static JsonObject WithMeasurement(JsonObject target, Measurement measurement, ClassEncoding classes)
    {
        target["loss"] = Finite(measurement.Loss);
        target["accuracy"] = measurement.Confusion.Accuracy;
        target["classes"] = new JsonArray([.. classes.Classes.Select(c => JsonValue.Create(c))]);
        target["confusion"] = Confusion(measurement.Confusion);
        return target;
    }

    /// <summary>history.csv: one row per epoch; validation cells are empty when there is no validation part.</summary>
    public static string History(IEnumerable<HistoryRow> rows)
    {
        var text = new StringBuilder(HistoryHeader).Append('\n');
        foreach (var row in rows)
            text.Append(CultureInfo.InvariantCulture,
                $"{row.Epoch},{R(row.TrainLoss)},{R(row.ValidationLoss)},{R(row.ValidationAccuracy)},{row.Seconds.ToString("F3", CultureInfo.InvariantCulture)}\n");
        return text.ToString();
    }

    private static JsonObject Metrics<T>(TrainOutcome<T> outcome, string modelHash) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var run = outcome.Run;
        var last = outcome.History[^1];
        return new JsonObject
        {
            ["library-version"] = LibraryVersion,
            ["data"] = run.DataName,
            ["data-sha256"] = new JsonObject([.. run.DataHashes.Select(pair => KeyValuePair.Create(pair.Key, (JsonNode?)JsonValue.Create(pair.Value)))]),
            ["model-sha256"] = modelHash,
            ["seed"] = run.Seed,
            ["epochs"] = last.Epoch,
            ["network"] = outcome.Model.Network.ToString(),
            ["parameters"] = outcome.Model.Network.ParameterCount,
            ["samples"] = new JsonObject
            {
                ["train"] = run.Parts.Train.Length,
                ["validation"] = run.Parts.Validation.Length,
                ["test"] = run.Parts.Test.Length,
            },
            ["final-train-loss"] = Finite(last.TrainLoss),
            ["validation"] = last.ValidationLoss is null ? null : new JsonObject
            {
                ["loss"] = Finite(last.ValidationLoss),
                ["accuracy"] = last.ValidationAccuracy,
            },
            ["test"] = WithMeasurement(new JsonObject(), outcome.Test, run.Classes),
            ["timings"] = new JsonObject
            {
                ["training-seconds"] = outcome.TrainingSeconds,
                ["seconds-per-epoch"] = outcome.TrainingSeconds / outcome.History.Count,
                ["total-seconds"] = outcome.TotalSeconds,
            },
        };
    }

    /// <summary>The confusion matrix as rows (actual class) of counts per predicted class.</summary>
    private static JsonArray Confusion(ConfusionMatrix confusion) =>
        new([.. confusion.ToRows().Select(row => new JsonArray([.. row.Select(count => JsonValue.Create(count))]))]);

    /// <summary>A JSON number, or null for a missing or non-finite value (a diverged loss), which JSON cannot hold.</summary>
    private static JsonNode? Finite(double? value) => value is double x && double.IsFinite(x) ? JsonValue.Create(x) : null;

    private static string R(double? value) => value is double x ? x.ToString("R", CultureInfo.InvariantCulture) : "";
}
