using System.Text.Json.Nodes;
using Pure.Cli.Tests.Support;

namespace Pure.Cli.Tests;

/// <summary><c>pure train --schedule</c>: saved in experiment.json and the checkpoint, resumed bit for bit, and its parameters checked.</summary>
public sealed class ScheduleCommandTests
{
    [Theory]
    [InlineData("float64", "momentum", "cosine", "--warmup-epochs", "1", "--decay-epochs", "4")]
    [InlineData("float32", "adam", "plateau", "--plateau-patience", "0", "--decay-rate", "0.5")]
    [InlineData("float64", "sgd", "step", "--decay-epochs", "1", "--decay-rate", "0.5")]
    [InlineData("float32", "nesterov", "onecycle", "--decay-epochs", "4")]
    [InlineData("float64", "adam", "invscaling", "--decay-rate", "0.25")]
    [InlineData("float64", "sgd", "exponential", "--decay-epochs", "2", "--decay-rate", "0.5")]
    public void ResumingAScheduledRunEqualsTrainingStraightThroughBitForBit(string dtype, string optimizer, string schedule, params string[] parameters)
    {
        using var folder = new TempFolder();
        string[] settings = ["train", "--layers", "16", "--batch", "50", "--seed", "3", "--dtype", dtype, "--optimizer", optimizer, "--schedule", schedule, .. parameters];
        Assert.Equal(0, CliRun.Of([.. settings, "--epochs", "4", "--output", folder["straight"]]).ExitCode);
        Assert.Equal(0, CliRun.Of([.. settings, "--epochs", "2", "--output", folder["first"]]).ExitCode);
        var resumed = CliRun.Of("train", "--resume", folder["first/checkpoint.json"], "--epochs", "2", "--output", folder["resumed"]);

        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Equal(File.ReadAllBytes(folder["straight/checkpoint.json"]), File.ReadAllBytes(folder["resumed/checkpoint.json"]));
        var experiment = JsonNode.Parse(File.ReadAllText(folder["resumed/experiment.json"]))!;
        Assert.Equal(schedule, experiment["schedule"]!.GetValue<string>());
        Assert.Contains("\"scale_by_schedule\"", File.ReadAllText(folder["straight/checkpoint.json"]), StringComparison.Ordinal);
        Assert.Contains($", {schedule} schedule", resumed.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void AScheduleParameterOfAnotherScheduleIsAUsageError()
    {
        var run = CliRun.Of("train", "--schedule", "cosine", "--plateau-patience", "3", "--epochs", "1");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--plateau-patience applies to --schedule plateau, not to cosine.", run.Error, StringComparison.Ordinal);
        run = CliRun.Of("train", "--schedule", "cosine", "--warmup-epochs", "5", "--decay-epochs", "5", "--epochs", "1");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--warmup-epochs: expected 0 or more and below --decay-epochs 5, got 5.", run.Error, StringComparison.Ordinal);
        run = CliRun.Of("train", "--schedule", "plateau", "--decay-rate", "1.5", "--epochs", "1");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--schedule plateau: Expected Factor in (0, 1), got 1.5.", run.Error, StringComparison.Ordinal);
    }
}
