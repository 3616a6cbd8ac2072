using System.Globalization;
using System.Text.Json.Nodes;
using Pure.Cli.Tests.Support;

namespace Pure.Cli.Tests;

/// <summary><c>pure train</c> on CSV and IDX files, resuming from a checkpoint, and the commands that take a model file.</summary>
public sealed class ModelCommandTests
{
    [Theory]
    [InlineData("float64", "adam")]
    [InlineData("float32", "nesterov")]
    public void ResumingFromACheckpointEqualsTrainingStraightThroughBitForBit(string dtype, string optimizer)
    {
        using var folder = new TempFolder();
        string[] settings = ["train", "--layers", "16", "--batch", "50", "--seed", "3", "--dtype", dtype, "--optimizer", optimizer];
        Assert.Equal(0, CliRun.Of([.. settings, "--epochs", "4", "--output", folder["straight"]]).ExitCode);
        Assert.Equal(0, CliRun.Of([.. settings, "--epochs", "2", "--output", folder["first"]]).ExitCode);
        var resumed = CliRun.Of("train", "--resume", folder["first/checkpoint.json"], "--epochs", "2", "--output", folder["resumed"]);

        Assert.Equal(0, resumed.ExitCode);
        Assert.Equal(File.ReadAllBytes(folder["straight/model.json"]), File.ReadAllBytes(folder["resumed/model.json"]));
        Assert.Equal(File.ReadAllBytes(folder["straight/checkpoint.json"]), File.ReadAllBytes(folder["resumed/checkpoint.json"]));
        Assert.Equal(HistoryWithoutSeconds(folder["straight"]).Skip(2), HistoryWithoutSeconds(folder["resumed"]));
        Assert.Equal(folder["first/checkpoint.json"], JsonNode.Parse(File.ReadAllText(folder["resumed/experiment.json"]))!["resume"]!.GetValue<string>());
    }

    [Fact]
    public void ResumingASummedRunEqualsTrainingStraightThroughAndAnotherReductionIsRefused()
    {
        using var folder = new TempFolder();
        string[] settings = ["train", "--layers", "8", "--batch", "50", "--seed", "3", "--reduction", "sum", "--optimizer", "sgd", "--learning-rate", "0.0005"];
        Assert.Equal(0, CliRun.Of([.. settings, "--epochs", "2", "--output", folder["straight"]]).ExitCode);
        Assert.Equal(0, CliRun.Of([.. settings, "--epochs", "1", "--output", folder["first"]]).ExitCode);
        var resumed = CliRun.Of("train", "--resume", folder["first/checkpoint.json"], "--epochs", "1", "--output", folder["resumed"]);
        var mean = CliRun.Of("train", "--resume", folder["first/checkpoint.json"], "--reduction", "mean", "--output", folder["mean"]);

        Assert.Equal(0, resumed.ExitCode);
        Assert.Equal(File.ReadAllBytes(folder["straight/model.json"]), File.ReadAllBytes(folder["resumed/model.json"]));
        Assert.Equal(2, mean.ExitCode);
        Assert.Contains("reduction sum, but --reduction is mean", Assert.Single(mean.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public void ResumingWithAnotherSeedIsRefused()
    {
        using var folder = new TempFolder();
        Assert.Equal(0, CliRun.Of("train", "--layers", "8", "--epochs", "1", "--output", folder["first"]).ExitCode);
        var run = CliRun.Of("train", "--resume", folder["first/checkpoint.json"], "--seed", "5", "--output", folder["second"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("seed", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public void ResumingWithAnotherBatchSizeIsRefusedNamingTheCheckpointsBatch()
    {
        using var folder = new TempFolder();
        Assert.Equal(0, CliRun.Of("train", "--layers", "8", "--epochs", "1", "--batch", "20", "--output", folder["first"]).ExitCode);
        var run = CliRun.Of("train", "--resume", folder["first/checkpoint.json"], "--batch", "7", "--output", folder["second"]);

        Assert.Equal(2, run.ExitCode);
        string line = Assert.Single(run.ErrorLines);
        Assert.Contains("batch 20, but --batch is 7", line, StringComparison.Ordinal);
        Assert.Contains("give --batch 20", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder["second"]));
    }

    [Fact]
    public void ACheckpointRecordsItsDataAndResumingWithoutThemIsRefused()
    {
        using var folder = new TempFolder();
        string data = Samples.WriteBlobs(folder["blobs.csv"]);
        Assert.Equal(0, CliRun.Of("train", "--data", data, "--layers", "4", "--epochs", "1", "--output", folder["first"]).ExitCode);
        var recorded = Assert.Single(JsonNode.Parse(File.ReadAllText(folder["first/checkpoint.json"]))!["training_data"]!.AsArray())!;
        Assert.Equal(data, recorded["name"]!.GetValue<string>());
        Assert.Equal(JsonNode.Parse(File.ReadAllText(folder["first/metrics.json"]))!["data-sha256"]![data]!.GetValue<string>(), recorded["sha256"]!.GetValue<string>());

        Directory.CreateDirectory(folder["lone"]);
        File.Copy(folder["first/checkpoint.json"], folder["lone/checkpoint.json"]);
        var run = CliRun.Of("train", "--resume", folder["lone/checkpoint.json"], "--epochs", "1", "--output", folder["second"]);

        Assert.Equal(2, run.ExitCode);
        string line = Assert.Single(run.ErrorLines);
        Assert.Contains($"was trained on {data}", line, StringComparison.Ordinal);
        Assert.Contains("give --data", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder["second"]));
    }

    [Fact]
    public void ResumingOnOtherDataWarnsWithBothHashesAndResumingOnTheSameDataDoesNot()
    {
        using var folder = new TempFolder();
        string data = Samples.WriteBlobs(folder["blobs.csv"]);
        Assert.Equal(0, CliRun.Of("train", "--data", data, "--layers", "4", "--epochs", "1", "--output", folder["first"]).ExitCode);
        var same = CliRun.Of("train", "--resume", folder["first/checkpoint.json"], "--epochs", "1", "--output", folder["same"]);
        string[] lines = File.ReadAllLines(data);
        lines[1] = string.Join(",", lines[1].Split(',').Select((cell, i) => i == 0 ? "0.5" : cell));
        File.WriteAllLines(folder["changed.csv"], lines);
        var changed = CliRun.Of("train", "--resume", folder["first/checkpoint.json"], "--data", folder["changed.csv"], "--epochs", "1", "--output", folder["changed"]);

        Assert.Equal(0, same.ExitCode);
        Assert.DoesNotContain(same.ErrorLines, line => line.Contains("differ", StringComparison.Ordinal));
        Assert.Equal(0, changed.ExitCode);
        string warning = Assert.Single(changed.ErrorLines, line => line.StartsWith("warning: the data differ", StringComparison.Ordinal));
        Assert.Contains(data, warning, StringComparison.Ordinal);
        Assert.Contains(folder["changed.csv"], warning, StringComparison.Ordinal);
    }

    [Fact]
    public void ACsvFileTrainsEvaluatesAndPredicts()
    {
        using var folder = new TempFolder();
        string data = Samples.WriteBlobs(folder["blobs.csv"]);
        var train = CliRun.Of("train", "--data", data, "--target", "kind", "--layers", "8", "--epochs", "30", "--batch", "16", "--output", folder["run"]);

        Assert.True(train.ExitCode == 0, train.Error);
        Assert.Equal("kind", JsonNode.Parse(File.ReadAllText(folder["run/experiment.json"]))!["target"]!.GetValue<string>());
        var metrics = JsonNode.Parse(File.ReadAllText(folder["run/metrics.json"]))!;
        Assert.Equal(["east", "north", "west"], metrics["test"]!["classes"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal(30, metrics["samples"]!["test"]!.GetValue<int>());
        Assert.True(metrics["test"]!["accuracy"]!.GetValue<double>() > 0.9, train.OutLines[^1]);

        var evaluate = CliRun.Of("evaluate", "--model", folder["run/model.json"], "--data", data, "--target", "kind", "--output", folder["evaluation.json"]);
        Assert.Equal(0, evaluate.ExitCode);
        double accuracy = JsonNode.Parse(File.ReadAllText(folder["evaluation.json"]))!["accuracy"]!.GetValue<double>();
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"accuracy: {accuracy:F4}"), evaluate.OutLines[^1]);
        Assert.True(accuracy > 0.9, $"accuracy {accuracy} on well separated blobs");

        var predict = CliRun.Of("predict", "--model", folder["run/model.json"], "--data", data, "--target", "kind");
        Assert.Equal(0, predict.ExitCode);
        var rows = predict.OutLines;
        Assert.Equal("predicted,probability_east,probability_north,probability_west", rows[0]);
        Assert.Equal(File.ReadAllLines(data).Length, rows.Length);
        Assert.All(rows.Skip(1), row =>
        {
            var cells = row.Split(',');
            Assert.Contains(cells[0], new[] { "east", "north", "west" });
            Assert.Equal(1.0, cells.Skip(1).Sum(cell => double.Parse(cell, CultureInfo.InvariantCulture)), 1e-9);
        });
        var predictedRight = rows.Skip(1).Zip(File.ReadAllLines(data).Skip(1)).Count(pair => pair.First.Split(',')[0] == pair.Second.Split(',')[^1]);
        Assert.Equal(accuracy, (double)predictedRight / (rows.Length - 1), 12);
    }

    [Fact]
    public void PredictNeedsTargetWhenTheCsvHasOneColumnTooMany()
    {
        using var folder = new TempFolder();
        string data = Samples.WriteBlobs(folder["blobs.csv"]);
        string numeric = folder["numeric.csv"];
        File.WriteAllLines(numeric, File.ReadAllLines(data).Select(line => line.Replace("east", "0").Replace("north", "1").Replace("west", "2")));
        Assert.Equal(0, CliRun.Of("train", "--data", numeric, "--layers", "4", "--epochs", "1", "--output", folder["run"]).ExitCode);

        var run = CliRun.Of("predict", "--model", folder["run/model.json"], "--data", numeric);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--target", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public void EvaluateOnAFolderOfIdxFilesUsesItsT10kFiles()
    {
        using var folder = new TempFolder();
        var random = new Random(1);
        Samples.WriteIdx(folder.Path, "train", 120, random);
        Samples.WriteIdx(folder.Path, "t10k", 30, random);
        Assert.Equal(0, CliRun.Of("train", "--data", folder.Path, "--layers", "8", "--epochs", "2", "--output", folder["run"]).ExitCode);

        var evaluate = CliRun.Of("evaluate", "--model", folder["run/model.json"], "--data", folder.Path);
        Assert.Equal(0, evaluate.ExitCode);
        Assert.StartsWith($"{Path.GetFileName(folder.Path)}: 30 samples", evaluate.OutLines[0], StringComparison.Ordinal);
        double accuracy = JsonNode.Parse(File.ReadAllText(folder["run/metrics.json"]))!["test"]!["accuracy"]!.GetValue<double>();
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"accuracy: {accuracy:F4}"), evaluate.OutLines[^1]);
    }

    [Fact]
    public void InfoAndGradcheckDescribeAndCheckTheModel()
    {
        using var folder = new TempFolder();
        Assert.Equal(0, CliRun.Of("train", "--layers", "16", "--epochs", "2", "--activation", "tanh", "--output", folder.Path).ExitCode);

        var info = CliRun.Of("info", "--model", folder["model.json"]);
        Assert.Equal(0, info.ExitCode);
        Assert.Contains("network: 64-16(tanh)-10(softmax)", info.OutLines);
        Assert.Contains($"parameters: {64 * 16 + 16 + 16 * 10 + 10}", info.OutLines);

        var check = CliRun.Of("gradcheck", "--model", folder["model.json"], "--samples", "8");
        Assert.Equal(0, check.ExitCode);
        Assert.StartsWith("gradient check passed", check.OutLines[^1], StringComparison.Ordinal);
        // A step of 1 puts central differences far enough from the derivative of tanh that the check must fail (a tiny
        // --tolerance no longer does: it is rtol, and the noise floor atol still passes the coordinates near zero).
        var strict = CliRun.Of("gradcheck", "--model", folder["model.json"], "--samples", "8", "--step", "1");
        Assert.Equal(3, strict.ExitCode);
        // The summary line, then one line per failing parameter.
        int summary = Array.FindIndex(strict.OutLines, line => line.StartsWith("gradient check FAILED", StringComparison.Ordinal));
        Assert.True(summary >= 0, string.Join("\n", strict.OutLines));
        Assert.Matches(@" (\d+) failing,", strict.OutLines[summary]);
        int failing = int.Parse(System.Text.RegularExpressions.Regex.Match(strict.OutLines[summary], @" (\d+) failing,").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(failing > 0);
        Assert.Equal(failing, strict.OutLines.Length - summary - 1);
        Assert.All(strict.OutLines.Skip(summary + 1), line => Assert.Matches(@"^layer \d+ [Wb]\[", line));
    }

    [Theory]
    [InlineData("truncated model", "{\"format\": \"pure-model\"", "model.json")]
    [InlineData("not a model", "{\"format\": \"something else\", \"version\": 1}", "model.json")]
    [InlineData("empty", "", "model.json")]
    public void ABadModelFileIsOneLineAndExitCodeOne(string why, string content, string named)
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder["model.json"], content);
        foreach (var command in new[] { "info", "evaluate", "gradcheck" })
        {
            var run = CliRun.Of(command, "--model", folder["model.json"]);
            Assert.True(run.ExitCode == 1, $"{why}, {command}: exit code {run.ExitCode}, error '{run.Error}'");
            var line = Assert.Single(run.ErrorLines);
            Assert.StartsWith("error: ", line, StringComparison.Ordinal);
            Assert.Contains(named, line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AMissingModelOptionIsAUsageError()
    {
        var run = CliRun.Of("info");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--model", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
    }

    private static IEnumerable<string> HistoryWithoutSeconds(string folder) =>
        File.ReadAllLines(Path.Combine(folder, "history.csv")).Skip(1).Select(line => string.Join(',', line.Split(',')[..^1]));
}
