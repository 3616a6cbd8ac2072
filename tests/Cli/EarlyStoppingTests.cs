using System.Globalization;
using System.Text.Json.Nodes;
using Pure.Cli.Tests.Support;

namespace Pure.Cli.Tests;

/// <summary><c>pure train</c> with early stopping: where it stops, what each result file holds, and the settings it refuses.</summary>
public sealed class EarlyStoppingTests
{
    private static readonly string[] Settings = ["train", "--layers", "16", "--batch", "64"];

    /// <summary>
    /// Digits with patience 2 and tol 0.01 on the validation loss: the run stops at the first epoch where scikit-learn's
    /// rule, applied to history.csv's validation losses, says so; history.csv has exactly the epochs run; model.json is
    /// the network a plain run of best-epoch epochs ends with, checkpoint.json the one of stopped-epoch epochs; the same
    /// settings in an experiment file give the same run.
    /// </summary>
    [Fact]
    public void StopsWhenThePatienceRunsOutAndKeepsTheBestEpochsNetwork()
    {
        using var folder = new TempFolder();
        var run = CliRun.Of([.. Settings, "--epochs", "60", "--patience", "2", "--tol", "0.01", "--output", folder["stopped"]]);
        Assert.Equal(0, run.ExitCode);

        var metrics = JsonNode.Parse(File.ReadAllText(folder["stopped/metrics.json"]))!;
        var stopping = metrics["early-stopping"]!;
        int stopped = stopping["stopped-epoch"]!.GetValue<int>(), best = stopping["best-epoch"]!.GetValue<int>();
        Assert.Equal("no_improvement", stopping["reason"]!.GetValue<string>());
        Assert.Equal("validation_loss", stopping["monitor"]!.GetValue<string>());
        Assert.True(stopping["restored-best"]!.GetValue<bool>());
        Assert.InRange(stopped, 4, 59);
        Assert.Equal(stopped, metrics["epochs"]!.GetValue<int>());
        Assert.Contains($"early stopping: stopped after epoch {stopped}:", run.Out, StringComparison.Ordinal);

        var losses = File.ReadAllLines(folder["stopped/history.csv"]).Skip(1)
            .Select(line => double.Parse(line.Split(',')[2], CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(stopped, losses.Length);
        Assert.Equal((stopped, best), Reference(losses, patience: 2, tol: 0.01));
        Assert.Equal(losses[best - 1], stopping["best-value"]!.GetValue<double>());

        Assert.Equal(0, CliRun.Of([.. Settings, "--epochs", best.ToString(CultureInfo.InvariantCulture), "--output", folder["best"]]).ExitCode);
        Assert.Equal(File.ReadAllBytes(folder["best/model.json"]), File.ReadAllBytes(folder["stopped/model.json"]));
        Assert.Equal(0, CliRun.Of([.. Settings, "--epochs", stopped.ToString(CultureInfo.InvariantCulture), "--output", folder["last"]]).ExitCode);
        Assert.Equal(File.ReadAllBytes(folder["last/checkpoint.json"]), File.ReadAllBytes(folder["stopped/checkpoint.json"]));

        File.WriteAllText(folder["experiment.json"], """{ "layers": [16], "batch": 64, "epochs": 60, "early-stopping": true, "patience": 2, "tol": 0.01 }""");
        Assert.Equal(0, CliRun.Of("train", "--experiment", folder["experiment.json"], "--output", folder["file"]).ExitCode);
        Assert.Equal(HistoryWithoutSeconds(folder["stopped"]), HistoryWithoutSeconds(folder["file"]));
        Assert.Equal(File.ReadAllBytes(folder["stopped/model.json"]), File.ReadAllBytes(folder["file/model.json"]));

        // Resuming continues from checkpoint.json (the last epoch run) with early stopping started afresh: its first epoch is a new best.
        Assert.Equal(0, CliRun.Of("train", "--resume", folder["stopped/checkpoint.json"], "--epochs", "3", "--output", folder["resumed"]).ExitCode);
        Assert.Equal(stopped + 1, int.Parse(File.ReadAllLines(folder["resumed/history.csv"])[1].Split(',')[0], CultureInfo.InvariantCulture));
        var resumed = JsonNode.Parse(File.ReadAllText(folder["resumed/metrics.json"]))!["early-stopping"]!;
        Assert.InRange(resumed["best-epoch"]!.GetValue<int>(), stopped + 1, stopped + 3);
        // --early-stopping off overrides the experiment.json beside the checkpoint and clears its early-stopping settings.
        Assert.Equal(0, CliRun.Of("train", "--resume", folder["stopped/checkpoint.json"], "--epochs", "1", "--early-stopping", "off", "--output", folder["off"]).ExitCode);
        Assert.Null(JsonNode.Parse(File.ReadAllText(folder["off/metrics.json"]))!["early-stopping"]);
        Assert.Null(JsonNode.Parse(File.ReadAllText(folder["off/experiment.json"]))!["patience"]);
    }

    /// <summary>Without restoring the best, model.json is the last epoch's network; a run that never stops says its epochs ran out.</summary>
    [Fact]
    public void WithoutRestoringTheModelIsTheLastEpochsNetwork()
    {
        using var folder = new TempFolder();
        Assert.Equal(0, CliRun.Of([.. Settings, "--epochs", "3", "--early-stopping", "--restore-best", "off", "--output", folder["run"]]).ExitCode);
        Assert.Equal(0, CliRun.Of([.. Settings, "--epochs", "3", "--output", folder["plain"]]).ExitCode);

        var stopping = JsonNode.Parse(File.ReadAllText(folder["run/metrics.json"]))!["early-stopping"]!;
        Assert.Equal("epochs_ran_out", stopping["reason"]!.GetValue<string>());
        Assert.False(stopping["restored-best"]!.GetValue<bool>());
        Assert.Equal(File.ReadAllBytes(folder["plain/model.json"]), File.ReadAllBytes(folder["run/model.json"]));
        Assert.Null(JsonNode.Parse(File.ReadAllText(folder["plain/metrics.json"]))!["early-stopping"]);
        Assert.False(JsonNode.Parse(File.ReadAllText(folder["plain/experiment.json"]))!["early-stopping"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("--tol applies to early stopping", "--tol", "0.1")]
    [InlineData("--monitor validation_accuracy needs a validation part", "--patience", "2", "--monitor", "validation_accuracy", "--validation-fraction", "0")]
    [InlineData("--patience: expected 1 or more, got 0", "--patience", "0")]
    [InlineData("--monitor validation_accuracy applies to classification", "--task", "regression", "--patience", "2", "--monitor", "validation_accuracy")]
    [InlineData("--tol: expected a finite value of 0 or more", "--early-stopping", "on", "--tol", "-1")]
    public void BadEarlyStoppingSettingsAreUsageErrors(string expected, params string[] args)
    {
        using var folder = new TempFolder();
        var run = CliRun.Of([.. Settings, "--epochs", "1", .. args, "--output", folder["run"]]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(expected, Assert.Single(run.ErrorLines), StringComparison.Ordinal);
    }

    /// <summary>scikit-learn's rule on a loss, written out: the epoch it stops at (or the last) and the epoch of the best loss.</summary>
    private static (int Stopped, int Best) Reference(double[] losses, int patience, double tol)
    {
        double best = double.PositiveInfinity;
        int count = 0, bestEpoch = 0;
        for (int i = 0; i < losses.Length; i++)
        {
            count = losses[i] > best - tol ? count + 1 : 0;
            if (losses[i] < best) (best, bestEpoch) = (losses[i], i + 1);
            if (count > patience) return (i + 1, bestEpoch);
        }
        return (losses.Length, bestEpoch);
    }

    private static IEnumerable<string> HistoryWithoutSeconds(string folder) =>
        File.ReadAllLines(Path.Combine(folder, "history.csv")).Skip(1).Select(line => string.Join(',', line.Split(',')[..^1]));
}
