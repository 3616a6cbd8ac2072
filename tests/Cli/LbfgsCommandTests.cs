using System.Text.Json.Nodes;
using Pure.Cli.Tests.Support;

namespace Pure.Cli.Tests;

/// <summary><c>pure train --optimizer lbfgs</c>, run in process on a small network.</summary>
public sealed class LbfgsCommandTests
{
    private static readonly string[] Quick = ["train", "--optimizer", "lbfgs", "--layers", "8", "--max-iterations", "15"];

    [Fact]
    public void LbfgsWritesTheRunFilesWithoutACheckpointAndTheReportInMetrics()
    {
        using var folder = new TempFolder();
        var run = CliRun.Of([.. Quick, "--output", folder.Path]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Error);
        foreach (var name in RunFiles.Names.Where(name => name != RunFiles.CheckpointName))
            Assert.True(File.Exists(folder[name]), $"{name} is missing");
        Assert.False(File.Exists(folder[RunFiles.CheckpointName]));
        var history = File.ReadAllLines(folder["history.csv"]);
        Assert.Equal(2, history.Length);
        Assert.StartsWith("1,", history[1]);

        var report = JsonNode.Parse(File.ReadAllText(folder["metrics.json"]))!["lbfgs"]!;
        int iterations = report["iterations"]!.GetValue<int>();
        Assert.InRange(iterations, 1, 15);
        string reason = report["reason"]!.GetValue<string>();
        Assert.True(Enum.IsDefined(Enum.Parse<LbfgsStop>(reason)));
        Assert.True(report["final-cost"]!.GetValue<double>() < report["initial-cost"]!.GetValue<double>());
        Assert.Equal(iterations == 15, reason == nameof(LbfgsStop.IterationLimit));
        Assert.Contains(run.OutLines, line => line.StartsWith($"{iterations} iterations, ", StringComparison.Ordinal));

        var experiment = JsonNode.Parse(File.ReadAllText(folder["experiment.json"]))!;
        Assert.Equal("lbfgs", experiment["optimizer"]!.GetValue<string>());
        Assert.Equal(15, experiment["max-iterations"]!.GetValue<int>());
        Assert.Equal(1e-4, experiment["alpha"]!.GetValue<double>());
        Assert.Null(experiment["learning-rate"]);
    }

    [Fact]
    public void TheExperimentFileOfAnLbfgsRunRepeatsItBitForBit()
    {
        using var folder = new TempFolder();
        Assert.Equal(0, CliRun.Of([.. Quick, "--alpha", "0.01", "--dtype", "float32", "--output", folder["first"]]).ExitCode);
        Assert.Equal(0, CliRun.Of("train", "--experiment", folder["first/experiment.json"], "--output", folder["second"]).ExitCode);

        Assert.Equal(File.ReadAllText(folder["first/model.json"]), File.ReadAllText(folder["second/model.json"]));
        var first = JsonNode.Parse(File.ReadAllText(folder["first/metrics.json"]))!["lbfgs"]!;
        var second = JsonNode.Parse(File.ReadAllText(folder["second/metrics.json"]))!["lbfgs"]!;
        Assert.True(JsonNode.DeepEquals(first, second));
    }

    [Fact]
    public void InitializationIsASettingWhoseAutoIsGlorotBeforeTanhAndNotBeforeRelu()
    {
        using var folder = new TempFolder();
        string[] tanh = ["train", "--epochs", "1", "--layers", "8", "--activation", "tanh"];
        Assert.Equal(0, CliRun.Of([.. tanh, "--output", folder["auto"]]).ExitCode);
        Assert.Equal(0, CliRun.Of([.. tanh, "--initialization", "glorot-uniform", "--output", folder["glorot"]]).ExitCode);
        Assert.Equal(0, CliRun.Of([.. tanh, "--initialization", "he-uniform", "--output", folder["he"]]).ExitCode);

        Assert.Equal(File.ReadAllText(folder["auto/model.json"]), File.ReadAllText(folder["glorot/model.json"]));
        Assert.NotEqual(File.ReadAllText(folder["auto/model.json"]), File.ReadAllText(folder["he/model.json"]));
        Assert.Equal("glorot-uniform", JsonNode.Parse(File.ReadAllText(folder["glorot/experiment.json"]))!["initialization"]!.GetValue<string>());
        Assert.Equal("auto", JsonNode.Parse(File.ReadAllText(folder["auto/experiment.json"]))!["initialization"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("--learning-rate", "--optimizer", "lbfgs", "--learning-rate", "0.1")]
    [InlineData("--weight-decay (use --alpha)", "--optimizer", "lbfgs", "--weight-decay", "0.1")]
    [InlineData("--clip", "--optimizer", "lbfgs", "--clip", "1")]
    [InlineData("--schedule does not apply to --optimizer lbfgs", "--optimizer", "lbfgs", "--schedule", "cosine")]
    [InlineData("--dropout does not apply to --optimizer lbfgs", "--optimizer", "lbfgs", "--dropout", "0.2")]
    [InlineData("--early-stopping does not apply to --optimizer lbfgs", "--optimizer", "lbfgs", "--patience", "3")]
    [InlineData("--resume", "--optimizer", "lbfgs", "--resume", "checkpoint.json")]
    [InlineData("--alpha applies to --optimizer lbfgs only", "--alpha", "0.1")]
    [InlineData("--max-iterations applies to --optimizer lbfgs only", "--optimizer", "sgd", "--max-iterations", "3")]
    [InlineData("--max-iterations: expected 1 or more, got 0", "--optimizer", "lbfgs", "--max-iterations", "0")]
    [InlineData("--tolerance: expected a finite value above 0, got 0", "--optimizer", "lbfgs", "--tolerance", "0")]
    [InlineData("--alpha: expected a finite value of 0 or more, got -1", "--optimizer", "lbfgs", "--alpha", "-1")]
    public void SettingsThatDoNotGoWithTheOptimizerAreRefused(string named, params string[] args)
    {
        var run = CliRun.Of(["train", .. args]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(named, run.Error, StringComparison.Ordinal);
    }
}
