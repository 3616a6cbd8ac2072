using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

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

    /// <summary>Writes experiment.json, history.csv, metrics.json, loss.svg and accuracy.svg into <paramref name="folder"/>; returns their names.</summary>
    public static IReadOnlyList<string> Write(string folder, TrainOutcome outcome)
    {
        Directory.CreateDirectory(folder);
        outcome.Experiment.Save(Path.Combine(folder, "experiment.json"));
        File.WriteAllText(Path.Combine(folder, "history.csv"), History(outcome.History));
        File.WriteAllText(Path.Combine(folder, "metrics.json"), Metrics(outcome).ToJsonString(Experiment.JsonOptions) + "\n");
        var epochs = outcome.History.Select(row => row.Epoch).ToArray();
        SvgChart.Render($"Loss per epoch ({outcome.DataName})", outcome.Experiment.Loss!, epochs,
        [
            new ChartSeries("training", [.. outcome.History.Select(row => (double?)row.TrainLoss)]),
            new ChartSeries("validation", [.. outcome.History.Select(row => row.ValidationLoss)]),
        ]).Save(Path.Combine(folder, "loss.svg"));
        SvgChart.Render($"Validation accuracy per epoch ({outcome.DataName})", "accuracy", epochs,
        [
            new ChartSeries("validation", [.. outcome.History.Select(row => row.ValidationAccuracy)]),
        ]).Save(Path.Combine(folder, "accuracy.svg"));
        return ["experiment.json", "history.csv", "metrics.json", "loss.svg", "accuracy.svg"];
    }

    /// <summary>Adds "loss", "accuracy", "classes" and "confusion" of a measurement on labelled data to <paramref name="target"/>, and returns it.</summary>
    public static JsonObject WithMeasurement(JsonObject target, double loss, ConfusionMatrix confusion, ClassEncoding classes)
    {
        target["loss"] = Finite(loss);
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

    private static JsonObject Metrics(TrainOutcome outcome)
    {
        var confusion = outcome.TestConfusion;
        var last = outcome.History[^1];
        return new JsonObject
        {
            ["library-version"] = LibraryVersion,
            ["data"] = outcome.DataName,
            ["seed"] = outcome.Experiment.Seed,
            ["epochs"] = last.Epoch,
            ["network"] = outcome.Architecture,
            ["parameters"] = outcome.ParameterCount,
            ["samples"] = new JsonObject
            {
                ["train"] = outcome.Parts.Train.Length,
                ["validation"] = outcome.Parts.Validation.Length,
                ["test"] = outcome.Parts.Test.Length,
            },
            ["final-train-loss"] = Finite(last.TrainLoss),
            ["validation"] = last.ValidationLoss is null ? null : new JsonObject
            {
                ["loss"] = Finite(last.ValidationLoss),
                ["accuracy"] = last.ValidationAccuracy,
            },
            ["test"] = WithMeasurement(new JsonObject(), outcome.TestLoss, confusion, outcome.Classes),
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
