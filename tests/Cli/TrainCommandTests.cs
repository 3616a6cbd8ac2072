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
}
