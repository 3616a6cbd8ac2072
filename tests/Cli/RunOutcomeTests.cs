using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Pure.Cli.Tests.Support;

namespace Pure.Cli.Tests;

/// <summary>How a run ends: a diverged run publishes nothing and exits 1, sizes that cannot be built are usage errors, metrics.json names its inputs and its model.</summary>
public sealed class RunOutcomeTests
{
    [Fact]
    public void ADivergedRunIsOneLineNamingTheEpochStepAndHintExitsOneAndPublishesNothing()
    {
        using var folder = new TempFolder();
        var run = CliRun.Of("train", "--optimizer", "sgd", "--learning-rate", "1e6", "--output", folder["run"]);

        Assert.Equal(1, run.ExitCode);
        string line = Assert.Single(run.ErrorLines);
        Assert.StartsWith("error: Training diverged", line, StringComparison.Ordinal);
        Assert.Matches(@"at epoch \d+, step \d+", line);
        Assert.Contains("lower the learning rate", line, StringComparison.Ordinal);
        Assert.DoesNotContain("unexpected", line, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder.Path));
    }

    [Fact]
    public void ADivergedRunLeavesThePreviousRunAsItWas()
    {
        using var folder = new TempFolder();
        Assert.Equal(0, CliRun.Of("train", "--layers", "8", "--epochs", "1", "--output", folder["run"]).ExitCode);
        byte[] model = File.ReadAllBytes(folder["run/model.json"]);

        var run = CliRun.Of("train", "--layers", "8", "--optimizer", "sgd", "--learning-rate", "1e6", "--output", folder["run"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(model, File.ReadAllBytes(folder["run/model.json"]));
        Assert.Equal(["run"], Directory.EnumerateFileSystemEntries(folder.Path).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("a layer wider than a model file holds", "--layers", "train", "--layers", "2000000000")]
    [InlineData("a layer too large in weights", "--layers", "train", "--layers", "10000000")]
    [InlineData("more hidden layers than a model file holds", "--layers", "train", "--layers", "LAYERS1000")]
    public void SizesThatCannotBeBuiltAreUsageErrorsBeforeAllocation(string why, string named, params string[] args)
    {
        args = [.. args.Select(arg => arg == "LAYERS1000" ? string.Join(",", Enumerable.Repeat("2", 1000)) : arg)];
        var run = CliRun.Of(args);

        Assert.True(run.ExitCode == 2, $"{why}: exit code {run.ExitCode}, error '{run.Error}'");
        string line = Assert.Single(run.ErrorLines);
        Assert.Contains(named, line, StringComparison.Ordinal);
        Assert.DoesNotContain("unexpected", line, StringComparison.Ordinal);
    }

    [Fact]
    public void ResumingForMoreEpochsThanAnIntCountsIsAUsageError()
    {
        using var folder = new TempFolder();
        Assert.Equal(0, CliRun.Of("train", "--layers", "8", "--epochs", "1", "--output", folder["first"]).ExitCode);

        var run = CliRun.Of("train", "--resume", folder["first/checkpoint.json"], "--epochs", "2147483647", "--output", folder["second"]);

        Assert.Equal(2, run.ExitCode);
        string line = Assert.Single(run.ErrorLines);
        Assert.Contains("--epochs", line, StringComparison.Ordinal);
        Assert.Contains("2147483647", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder["second"]));
    }

    [Fact]
    public void MetricsRecordTheSha256OfTheDataAndOfThePublishedModel()
    {
        using var folder = new TempFolder();
        string data = Samples.WriteBlobs(folder["blobs.csv"]);
        Assert.Equal(0, CliRun.Of("train", "--data", data, "--layers", "4", "--epochs", "1", "--output", folder["csv"]).ExitCode);
        Assert.Equal(0, CliRun.Of("train", "--layers", "4", "--epochs", "1", "--output", folder["digits"]).ExitCode);

        var csv = JsonNode.Parse(File.ReadAllText(folder["csv/metrics.json"]))!;
        Assert.Equal(Hex(data), csv["data-sha256"]![data]!.GetValue<string>());
        Assert.Equal(Hex(folder["csv/model.json"]), csv["model-sha256"]!.GetValue<string>());
        var digits = JsonNode.Parse(File.ReadAllText(folder["digits/metrics.json"]))!;
        Assert.Matches("^[0-9a-f]{64}$", digits["data-sha256"]!["digits"]!.GetValue<string>());
        Assert.Equal(Hex(folder["digits/model.json"]), digits["model-sha256"]!.GetValue<string>());
    }

    [Fact]
    public void AColumnTooSmallToStandardizeIsRefusedByItsHeaderName()
    {
        using var folder = new TempFolder();
        var lines = new List<string> { "tiny,y,kind" };
        for (int i = 0; i < 40; i++)
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{(i % 2 == 0 ? "0" : "1e-45")},{i % 5},{(i % 3 == 0 ? "a" : "b")}"));
        File.WriteAllLines(folder["tiny.csv"], lines);
        var run = CliRun.Of("train", "--data", folder["tiny.csv"], "--dtype", "float32", "--layers", "3", "--epochs", "1", "--output", folder["run"]);

        Assert.Equal(1, run.ExitCode);
        string line = Assert.Single(run.ErrorLines);
        Assert.StartsWith($"error: {folder["tiny.csv"]}: ", line, StringComparison.Ordinal);
        Assert.Contains("column 'tiny' (feature 0)", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder["run"]));
    }

    [Fact]
    public void TrainAndEvaluateMeasureTheTestPartAlike()
    {
        using var folder = new TempFolder();
        Samples.WriteIdx(folder.Path, "train", 60, new Random(1));
        Samples.WriteIdx(folder.Path, "t10k", 30, new Random(2));
        Assert.Equal(0, CliRun.Of("train", "--data", folder.Path, "--layers", "6", "--epochs", "2", "--output", folder["run"]).ExitCode);
        Assert.Equal(0, CliRun.Of("evaluate", "--model", folder["run/model.json"], "--data", folder.Path, "--output", folder["evaluation.json"]).ExitCode);

        var trained = JsonNode.Parse(File.ReadAllText(folder["run/metrics.json"]))!["test"]!;
        var evaluated = JsonNode.Parse(File.ReadAllText(folder["evaluation.json"]))!;
        Assert.Equal(trained["loss"]!.GetValue<double>(), evaluated["loss"]!.GetValue<double>());
        Assert.Equal(trained["confusion"]!.ToJsonString(), evaluated["confusion"]!.ToJsonString());
        Assert.Equal(Hex(folder["run/model.json"]), evaluated["model-sha256"]!.GetValue<string>());
    }

    private static string Hex(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}
