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

    /// <summary>The test metrics of a run; with <see cref="ModelName"/>, the mark of a finished run.</summary>
    public const string MetricsName = "metrics.json";

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
        [ModelName, CheckpointName, WeightsName, "experiment.json", "history.csv", MetricsName, "loss.svg", "accuracy.svg"];

    /// <summary>The files of a run: the eight <see cref="Names"/>, without accuracy.svg for regression.</summary>
    public static IReadOnlyList<string> NamesFor(bool regression) => regression ? [.. Names.Where(name => name != "accuracy.svg")] : Names;

    /// <summary>
    /// Writes the eight files of a run (one fewer for regression, which has no accuracy, and for L-BFGS, which has no checkpoint) into <paramref name="folder"/> (a staging folder of <see cref="RunFolder.Publish"/>),
    /// each through a temporary file synced to the disk; metrics.json records the SHA-256 of the model.json written.
    /// </summary>
    public static void Write<T>(string folder, TrainOutcome<T> outcome) where T : unmanaged, IFloatingPointIeee754<T>
    {
        string model = Path.Combine(folder, ModelName);
        ModelFile.Save(outcome.Model, model);
        if (outcome.Checkpoint is not null) CheckpointFile.Save(outcome.Checkpoint, Path.Combine(folder, CheckpointName));
        Npz.Export(outcome.Model.Network, Path.Combine(folder, WeightsName));
        outcome.Run.Experiment.Save(Path.Combine(folder, "experiment.json"));
        AtomicFile.WriteText(Path.Combine(folder, "history.csv"), History(outcome.History));
        AtomicFile.WriteText(Path.Combine(folder, MetricsName), Metrics(outcome, Sha256(model)).ToJsonString(Experiment.JsonOptions) + "\n");
        var epochs = outcome.History.Select(row => row.Epoch).ToArray();
        Save(SvgChart.Render($"Loss per epoch ({outcome.Run.DataName})", outcome.Run.Experiment.Get(Settings.Loss)!, epochs,
        [
            new ChartSeries("training", [.. outcome.History.Select(row => (double?)row.TrainLoss)]),
            new ChartSeries("validation", [.. outcome.History.Select(row => row.ValidationLoss)]),
        ]), Path.Combine(folder, "loss.svg"));
        if (outcome.Run.Regression) return;
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
    public static JsonObject WithMeasurement(JsonObject target, Measurement measurement, ClassEncoding? classes)
    {
        target["loss"] = Finite(measurement.Loss);
        if (measurement.Scores is RegressionScores scores)
        {
            // Regression: the averages over the targets, then each target's values by name.
            foreach (var (name, value, _) in scores.Averages()) target[name] = Finite(value);
            target["targets"] = new JsonObject([.. scores.Targets.Select((column, i) => KeyValuePair.Create(column, (JsonNode?)new JsonObject(
                [.. scores.Averages().Select(score => KeyValuePair.Create(score.Name, Finite(score.PerTarget[i])))])))]);
            return target;
        }
        ArgumentNullException.ThrowIfNull(classes);
        var confusion = measurement.Confusion ?? throw new ArgumentException("Expected a confusion matrix or regression scores.", nameof(measurement));
        target["accuracy"] = confusion.Accuracy;
        target["classes"] = new JsonArray([.. classes.Classes.Select(c => JsonValue.Create(c))]);
        target["confusion"] = Confusion(confusion);
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
        var metrics = new JsonObject
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
            ["early-stopping"] = EarlyStopping(outcome.Stopping),
            ["timings"] = new JsonObject
            {
                ["training-seconds"] = outcome.TrainingSeconds,
                ["seconds-per-epoch"] = outcome.TrainingSeconds / outcome.History.Count,
                ["total-seconds"] = outcome.TotalSeconds,
            },
        };
        if (outcome.Lbfgs is not null) metrics["lbfgs"] = LbfgsJob.Json(outcome.Lbfgs);
        return metrics;
    }

    /// <summary>
    /// Where early stopping ended (null when off): the monitored quantity, the best epoch and value, the last epoch run,
    /// why the run ended (no_improvement or epochs_ran_out) and whether model.json holds the best epoch's network.
    /// </summary>
    private static JsonObject? EarlyStopping<T>(EarlyStoppingState<T>? stopping) where T : unmanaged, IFloatingPointIeee754<T> =>
        stopping is null ? null : new JsonObject
        {
            ["monitor"] = Choices.MonitorName(stopping.Rule.Monitor),
            ["best-epoch"] = stopping.BestEpoch,
            ["best-value"] = Finite(stopping.BestValue),
            ["stopped-epoch"] = stopping.Last!.Epoch,
            ["reason"] = stopping.Stopped ? "no_improvement" : "epochs_ran_out",
            ["restored-best"] = stopping.Rule.RestoreBest && stopping.BestNetwork is not null,
        };

    /// <summary>The confusion matrix as rows (actual class) of counts per predicted class.</summary>
    private static JsonArray Confusion(ConfusionMatrix confusion) =>
        new([.. confusion.ToRows().Select(row => new JsonArray([.. row.Select(count => JsonValue.Create(count))]))]);

    /// <summary>A JSON number, or null for a missing or non-finite value (a diverged loss), which JSON cannot hold.</summary>
    private static JsonNode? Finite(double? value) => value is double x && double.IsFinite(x) ? JsonValue.Create(x) : null;

    private static string R(double? value) => value is double x ? x.ToString("R", CultureInfo.InvariantCulture) : "";
}
