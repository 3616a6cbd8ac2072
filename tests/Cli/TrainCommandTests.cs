using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Pure.Cli.Tests.Support;

namespace Pure.Cli.Tests;

/// <summary>The digits job and <c>pure train</c>, run in process on small settings.</summary>
public sealed class TrainCommandTests
{
    private static readonly string[] Quick = ["--epochs", "3", "--layers", "16", "--batch", "64"];

    [Fact]
    public void NoCommandRunsTheDigitsJobAndEndsWithTheTestAccuracyOfTheReadme()
    {
        var run = CliRun.Of();

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Error);
        Assert.Matches(new Regex(@"^test accuracy: [01]\.[0-9]{4}$"), run.OutLines[^1]);
        Assert.Equal("test accuracy: 0.9867", run.OutLines[^1]);
        Assert.Equal(30, run.OutLines.Count(line => line.StartsWith("epoch ", StringComparison.Ordinal)));
    }

    [Fact]
    public void TrainWritesEveryResultFileWithOneHistoryRowPerEpoch()
    {
        using var folder = new TempFolder();
        var run = CliRun.Of(["train", .. Quick, "--output", folder.Path]);

        Assert.Equal(0, run.ExitCode);
        foreach (var name in new[] { "experiment.json", "history.csv", "metrics.json", "loss.svg", "accuracy.svg" })
            Assert.True(File.Exists(folder[name]), $"{name} is missing");
        var history = File.ReadAllLines(folder["history.csv"]);
        Assert.Equal("epoch,train_loss,validation_loss,validation_accuracy,seconds", history[0]);
        Assert.Equal(["1", "2", "3"], history.Skip(1).Select(line => line.Split(',')[0]));
        Assert.All(history.Skip(1), line => Assert.Equal(5, line.Split(',').Length));

        var metrics = JsonNode.Parse(File.ReadAllText(folder["metrics.json"]))!;
        double accuracy = metrics["test"]!["accuracy"]!.GetValue<double>();
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"test accuracy: {accuracy:F4}"), run.OutLines[^1]);
        var confusion = metrics["test"]!["confusion"]!.AsArray();
        Assert.Equal(10, confusion.Count);
        Assert.Equal(metrics["samples"]!["test"]!.GetValue<int>(), confusion.Sum(row => row!.AsArray().Sum(cell => cell!.GetValue<int>())));
        Assert.Equal(42, metrics["seed"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(metrics["library-version"]!.GetValue<string>()));
    }

    [Fact]
    public void ChartsAreWellFormedSvgWithOnePointPerEpochInEachLine()
    {
        using var folder = new TempFolder();
        Assert.Equal(0, CliRun.Of("train", "--epochs", "4", "--layers", "16", "--output", folder.Path).ExitCode);

        XNamespace svg = "http://www.w3.org/2000/svg";
        foreach (var (name, lines) in new[] { ("loss.svg", 2), ("accuracy.svg", 1) })
        {
            var document = XDocument.Parse(File.ReadAllText(folder[name]));
            Assert.Equal(svg + "svg", document.Root!.Name);
            var polylines = document.Descendants(svg + "polyline").ToArray();
            Assert.Equal(lines, polylines.Length);
            Assert.All(polylines, line => Assert.Equal(4, line.Attribute("points")!.Value.Split(' ').Length));
            Assert.Contains(document.Descendants(svg + "text"), text => text.Value == "epoch");
        }
    }

    [Fact]
    public void TheResolvedExperimentFileRepeatsTheRunBitForBit()
    {
        using var folder = new TempFolder();
        string[] settings = ["train", .. Quick, "--optimizer", "nesterov", "--weight-decay", "0.0001", "--clip", "5", "--seed", "7", "--scaling", "min-max"];
        Assert.Equal(0, CliRun.Of([.. settings, "--output", folder["first"]]).ExitCode);
        Assert.Equal(0, CliRun.Of("train", "--experiment", folder["first/experiment.json"], "--output", folder["second"]).ExitCode);

        Assert.Equal(File.ReadAllText(folder["first/experiment.json"]), File.ReadAllText(folder["second/experiment.json"]));
        Assert.Equal(WithoutSeconds(folder["first/history.csv"]), WithoutSeconds(folder["second/history.csv"]));
        Assert.Equal(TestMetrics(folder["first"]), TestMetrics(folder["second"]));
        var experiment = JsonNode.Parse(File.ReadAllText(folder["first/experiment.json"]))!;
        Assert.Equal(0.9, experiment["momentum"]!.GetValue<double>());
        Assert.Equal(0.01, experiment["learning-rate"]!.GetValue<double>());
    }

    [Fact]
    public void FlagsOverrideTheExperimentFile()
    {
        using var folder = new TempFolder();
        Assert.Equal(0, CliRun.Of(["train", .. Quick, "--output", folder["first"]]).ExitCode);
        var run = CliRun.Of("train", "--experiment", folder["first/experiment.json"], "--epochs", "1", "--dtype", "float32", "--output", folder["second"]);

        Assert.Equal(0, run.ExitCode);
        var experiment = JsonNode.Parse(File.ReadAllText(folder["second/experiment.json"]))!;
        Assert.Equal(1, experiment["epochs"]!.GetValue<int>());
        Assert.Equal("float32", experiment["dtype"]!.GetValue<string>());
        Assert.Equal(16, experiment["layers"]![0]!.GetValue<int>());
        Assert.Equal(2, File.ReadAllLines(folder["second/history.csv"]).Length);
    }

    [Fact]
    public void WithoutAValidationPartTheValidationCellsAreEmpty()
    {
        using var folder = new TempFolder();
        Assert.Equal(0, CliRun.Of(["train", .. Quick, "--validation-fraction", "0", "--output", folder.Path]).ExitCode);

        Assert.All(File.ReadAllLines(folder["history.csv"]).Skip(1), line => Assert.Equal("", line.Split(',')[2]));
    }

    [Fact]
    public void EveryCommandHasHelp()
    {
        foreach (var args in new[] { new[] { "--help" }, ["train", "--help"] })
        {
            var run = CliRun.Of(args);
            Assert.Equal(0, run.ExitCode);
            Assert.Contains("Usage:", run.Out, StringComparison.Ordinal);
        }
        Assert.Contains("--layers", CliRun.Of("train", "--help").Out, StringComparison.Ordinal);
    }

    private static string[] WithoutSeconds(string path) =>
        [.. File.ReadAllLines(path).Select(line => string.Join(',', line.Split(',')[..^1]))];

    private static string TestMetrics(string folder) => JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "metrics.json")))!["test"]!.ToJsonString();

    // The settings table: one row makes the flag and the experiment-file key; --test-data is the row added through it.

    [Fact]
    public void EveryKeyOfTheExperimentFileIsAFlagOfTrainWithItsDefaultShown()
    {
        using var folder = new TempFolder();
        Assert.Equal(0, CliRun.Of(["train", .. Quick, "--output", folder["run"]]).ExitCode);
        var help = CliRun.Of("train", "--help");

        var keys = JsonNode.Parse(File.ReadAllText(folder["run/experiment.json"]))!.AsObject().Select(pair => pair.Key).ToArray();
        Assert.Contains("test-data", keys);
        Assert.Equal(Settings.All.Select(setting => setting.Name), keys);
        foreach (string key in keys)
            Assert.Contains(help.OutLines, line => line.StartsWith($"--{key} ", StringComparison.Ordinal));
        // Conversely, every flag of train but those that are not settings of the run is a key of the file.
        string[] notSettings = ["output", "experiment", "limit", "help"];
        var flags = help.OutLines.Select(line => line.TrimStart()).Where(line => line.StartsWith("--", StringComparison.Ordinal))
            .Select(line => line[2..].Split(' ', ',')[0]).Where(flag => !notSettings.Contains(flag)).ToArray();
        Assert.NotEmpty(flags);
        Assert.Equal(flags.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
        Assert.Contains(help.OutLines, line => line.StartsWith("--batch ", StringComparison.Ordinal) && line.EndsWith("[default: 32]", StringComparison.Ordinal));
    }

    [Fact]
    public void TestDataIsTheTestPartAndItsAccuracyIsThatOfEvaluateOnTheFile()
    {
        using var folder = new TempFolder();
        var (train, test) = SplitBlobs(folder);

        var run = CliRun.Of(["train", .. Quick, "--data", train, "--test-data", test, "--output", folder["run"]]);

        Assert.Equal(0, run.ExitCode);
        var metrics = JsonNode.Parse(File.ReadAllText(folder["run/metrics.json"]))!;
        Assert.Equal(30, metrics["samples"]!["test"]!.GetValue<int>());
        Assert.Equal(90, metrics["samples"]!["train"]!.GetValue<int>() + metrics["samples"]!["validation"]!.GetValue<int>());
        var evaluate = CliRun.Of("evaluate", "--model", folder["run/model.json"], "--data", test, "--output", folder["evaluation.json"]);
        Assert.Equal(0, evaluate.ExitCode);
        var evaluation = JsonNode.Parse(File.ReadAllText(folder["evaluation.json"]))!;
        Assert.Equal(evaluation["accuracy"]!.GetValue<double>(), metrics["test"]!["accuracy"]!.GetValue<double>());
        Assert.Equal(evaluation["confusion"]!.ToJsonString(), metrics["test"]!["confusion"]!.ToJsonString());

        var experiment = JsonNode.Parse(File.ReadAllText(folder["run/experiment.json"]))!;
        Assert.Equal(test, experiment["test-data"]!.GetValue<string>());
        Assert.Null(experiment["test-fraction"]);
        Assert.Equal(0, CliRun.Of("train", "--experiment", folder["run/experiment.json"], "--output", folder["again"]).ExitCode);
        Assert.Equal(File.ReadAllText(folder["run/experiment.json"]), File.ReadAllText(folder["again/experiment.json"]));
        Assert.Equal(metrics["test"]!.ToJsonString(), JsonNode.Parse(File.ReadAllText(folder["again/metrics.json"]))!["test"]!.ToJsonString());
    }

    [Fact]
    public void TestDataWithAnotherHeaderIsABadFileNamingTheFileAndTheColumn()
    {
        using var folder = new TempFolder();
        var (train, test) = SplitBlobs(folder);
        File.WriteAllLines(test, ["x,z,kind", .. File.ReadAllLines(test).Skip(1)]);

        var run = CliRun.Of(["train", .. Quick, "--data", train, "--test-data", test, "--output", folder["run"]]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(test, run.Error, StringComparison.Ordinal);
        Assert.Contains("column 2 is 'z'", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder["run"]));
    }

    [Fact]
    public void TestDataAndTestFractionTogetherAreAUsageErrorNamingBoth()
    {
        using var folder = new TempFolder();
        var (train, test) = SplitBlobs(folder);

        var run = CliRun.Of(["train", .. Quick, "--data", train, "--test-data", test, "--test-fraction", "0.2", "--output", folder["run"]]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--test-fraction", run.Error, StringComparison.Ordinal);
        Assert.Contains("--test-data", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void SumReductionIsRecordedInTheExperimentAndModelAndTrainsAsTheMeanAtMTimesTheRate()
    {
        // Full batch (--batch above m): the sum at rate η steps as the mean at rate m η; m is the training part's size.
        using var folder = new TempFolder();
        string data = Samples.WriteBlobs(folder["blobs.csv"]);
        string[] common = ["train", "--data", data, "--epochs", "3", "--layers", "4", "--batch", "1000", "--optimizer", "sgd", "--scaling", "none"];
        var summed = CliRun.Of([.. common, "--reduction", "sum", "--learning-rate", "0.001", "--output", folder["sum"]]);
        Assert.Equal(0, summed.ExitCode);
        int m = JsonNode.Parse(File.ReadAllText(folder["sum/metrics.json"]))!["samples"]!["train"]!.GetValue<int>();
        var mean = CliRun.Of([.. common, "--learning-rate", (0.001 * m).ToString("R", CultureInfo.InvariantCulture), "--output", folder["mean"]]);
        Assert.Equal(0, mean.ExitCode);
        Assert.Equal("sum", JsonNode.Parse(File.ReadAllText(folder["sum/experiment.json"]))!["reduction"]!.GetValue<string>());
        Assert.Equal("mean", JsonNode.Parse(File.ReadAllText(folder["mean/experiment.json"]))!["reduction"]!.GetValue<string>());
        Assert.Equal("sum", JsonNode.Parse(File.ReadAllText(folder["sum/model.json"]))!["reduction"]!.GetValue<string>());
        Assert.Null(JsonNode.Parse(File.ReadAllText(folder["mean/model.json"]))!["reduction"]);
        var summedWeights = ModelFile.Load<double>(folder["sum/model.json"]).Network.Parameters.Flatten();
        var meanWeights = ModelFile.Load<double>(folder["mean/model.json"]).Network.Parameters.Flatten();
        Assert.All(summedWeights.Zip(meanWeights), pair => Assert.Equal(pair.Second, pair.First, 1e-9));
        Assert.Equal(0, CliRun.Of("train", "--experiment", folder["sum/experiment.json"], "--output", folder["again"]).ExitCode);
        Assert.Equal(File.ReadAllText(folder["sum/model.json"]), File.ReadAllText(folder["again/model.json"]));
    }

    [Fact]
    public void BalancedClassWeightsChangeTheTrainingAndAreKeptInTheExperimentFile()
    {
        // An imbalanced file: the blobs with most of the west rows left out.
        using var folder = new TempFolder();
        var lines = File.ReadAllLines(Samples.WriteBlobs(folder["blobs.csv"]));
        File.WriteAllLines(folder["imbalanced.csv"], [lines[0], .. lines.Skip(1).Where((line, i) => !line.EndsWith(",west", StringComparison.Ordinal) || i % 8 == 2)]);
        string[] common = ["train", .. Quick, "--data", folder["imbalanced.csv"]];
        var plain = CliRun.Of([.. common, "--output", folder["plain"]]);
        var balanced = CliRun.Of([.. common, "--class-weight", "balanced", "--output", folder["balanced"]]);
        Assert.Equal(0, plain.ExitCode);
        Assert.Equal(0, balanced.ExitCode);
        Assert.Contains(balanced.OutLines, line => line.Contains("balanced class weights", StringComparison.Ordinal));
        Assert.Equal("balanced", JsonNode.Parse(File.ReadAllText(folder["balanced/experiment.json"]))!["class-weight"]!.GetValue<string>());
        Assert.NotEqual(File.ReadAllText(folder["plain/model.json"]), File.ReadAllText(folder["balanced/model.json"]));
        Assert.Equal(0, CliRun.Of("train", "--experiment", folder["balanced/experiment.json"], "--output", folder["again"]).ExitCode);
        Assert.Equal(File.ReadAllText(folder["balanced/model.json"]), File.ReadAllText(folder["again/model.json"]));
        var bad = CliRun.Of([.. common, "--class-weight", "heavy", "--output", folder["bad"]]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("'heavy'", bad.Error, StringComparison.Ordinal);
        Assert.Contains("'balanced'", bad.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void SampleWeightColumnIsNotAFeatureAndWeightsOfOneTrainTheSameModel()
    {
        // A weight column w between the features and the target: with every weight 1 the gradients are those of no weights, bit for bit.
        using var folder = new TempFolder();
        var lines = File.ReadAllLines(Samples.WriteBlobs(folder["blobs.csv"]));
        File.WriteAllLines(folder["weighted.csv"], [.. lines.Select((line, i) => line.Insert(line.LastIndexOf(',') + 1, i == 0 ? "w," : "1,"))]);
        var plain = CliRun.Of(["train", .. Quick, "--data", folder["blobs.csv"], "--output", folder["plain"]]);
        var weighted = CliRun.Of(["train", .. Quick, "--data", folder["weighted.csv"], "--sample-weight", "w", "--output", folder["weighted"]]);
        Assert.Equal(0, plain.ExitCode);
        Assert.Equal(0, weighted.ExitCode);
        Assert.Equal(File.ReadAllText(folder["plain/model.json"]), File.ReadAllText(folder["weighted/model.json"]));
        Assert.Equal("w", JsonNode.Parse(File.ReadAllText(folder["weighted/experiment.json"]))!["sample-weight"]!.GetValue<string>());
        Assert.Equal(0, CliRun.Of("train", "--experiment", folder["weighted/experiment.json"], "--output", folder["again"]).ExitCode);
        Assert.Equal(File.ReadAllText(folder["weighted/model.json"]), File.ReadAllText(folder["again/model.json"]));
    }

    [Fact]
    public void NegativeSampleWeightIsABadFileNamingTheFileTheLineAndTheColumn()
    {
        using var folder = new TempFolder();
        var lines = File.ReadAllLines(Samples.WriteBlobs(folder["blobs.csv"]));
        File.WriteAllLines(folder["weighted.csv"], [.. lines.Select((line, i) => line.Insert(line.LastIndexOf(',') + 1, i == 0 ? "w," : i == 7 ? "-0.5," : "2,"))]);

        var run = CliRun.Of(["train", .. Quick, "--data", folder["weighted.csv"], "--sample-weight", "w", "--output", folder["run"]]);
        var missing = CliRun.Of(["train", .. Quick, "--data", folder["weighted.csv"], "--sample-weight", "weight", "--output", folder["missing"]]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"{folder["weighted.csv"]}: line 8, column 'w'", run.Error, StringComparison.Ordinal);
        Assert.Contains("got -0.5", run.Error, StringComparison.Ordinal);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--sample-weight", missing.Error, StringComparison.Ordinal);
        Assert.Contains("'weight'", missing.Error, StringComparison.Ordinal);
    }

    /// <summary>The blobs cut into a training file of the first 90 rows and a test file of the last 30, both with the header.</summary>
    private static (string Train, string Test) SplitBlobs(TempFolder folder)
    {
        var lines = File.ReadAllLines(Samples.WriteBlobs(folder["blobs.csv"]));
        File.WriteAllLines(folder["train.csv"], lines.Take(91));
        File.WriteAllLines(folder["test.csv"], [lines[0], .. lines.Skip(91)]);
        Assert.Equal(31, File.ReadAllLines(folder["test.csv"]).Length);
        return (folder["train.csv"], folder["test.csv"]);
    }

    [Fact]
    public void DropoutIsRecordedInTheExperimentAndTheCheckpointAndResumesBitForBit()
    {
        using var folder = new TempFolder();
        string[] settings = ["train", "--layers", "16,8", "--batch", "50", "--seed", "3", "--dtype", "float32"];
        Assert.Equal(0, CliRun.Of([.. settings, "--dropout", "0.2,0.1", "--epochs", "4", "--output", folder["straight"]]).ExitCode);
        Assert.Equal(0, CliRun.Of([.. settings, "--dropout", "0.2,0.1", "--epochs", "2", "--output", folder["first"]]).ExitCode);
        Assert.Equal(0, CliRun.Of([.. settings, "--epochs", "2", "--output", folder["plain"]]).ExitCode);
        var resumed = CliRun.Of("train", "--resume", folder["first/checkpoint.json"], "--epochs", "2", "--output", folder["resumed"]);

        Assert.Equal(0, resumed.ExitCode);
        Assert.Contains("dropout 0.2,0.1", resumed.Out, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(folder["straight/checkpoint.json"]), File.ReadAllBytes(folder["resumed/checkpoint.json"]));
        Assert.NotEqual(File.ReadAllBytes(folder["plain/model.json"]), File.ReadAllBytes(folder["first/model.json"]));
        var experiment = JsonNode.Parse(File.ReadAllText(folder["first/experiment.json"]))!;
        Assert.Equal([0.2, 0.1], experiment["dropout"]!.AsArray().Select(rate => rate!.GetValue<double>()));
        var checkpoint = JsonNode.Parse(File.ReadAllText(folder["first/checkpoint.json"]))!;
        Assert.Equal([0.2, 0.1], checkpoint["dropout"]!.AsArray().Select(rate => rate!.GetValue<double>()));
        Assert.Null(JsonNode.Parse(File.ReadAllText(folder["plain/checkpoint.json"]))!["dropout"]);

        var other = CliRun.Of("train", "--resume", folder["first/checkpoint.json"], "--dropout", "0.3", "--output", folder["other"]);
        Assert.Equal(2, other.ExitCode);
        Assert.Contains("trained with dropout 0.2,0.1, but --dropout is 0.3", Assert.Single(other.ErrorLines), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1", "--dropout: expected rates in [0, 1), got 1.")]
    [InlineData("0.2,0.1", "--dropout: expected one rate or one per hidden layer (1), got 2.")]
    [InlineData("0.2;0.1", "--dropout: expected rates separated by commas, e.g. 0.2 or 0.2,0.1, got '0.2;0.1'.")]
    public void BadDropoutRatesAreRefusedNamingTheFlag(string rates, string message)
    {
        using var folder = new TempFolder();
        var run = CliRun.Of(["train", .. Quick, "--dropout", rates, "--output", folder["run"]]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, Assert.Single(run.ErrorLines), StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder["run"]));
    }
}
