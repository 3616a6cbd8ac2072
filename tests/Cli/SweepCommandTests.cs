using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Pure.Cli.Tests.Support;

namespace Pure.Cli.Tests;

/// <summary>
/// A 4-run sweep (learning rate x batch on the blobs, 2 epochs) expanded, copied before it ran, then run by <c>--jobs 2</c>;
/// shared by the tests that read its results.
/// </summary>
public sealed class SweepFixture : IDisposable
{
    /// <summary>Expands and runs the sweep.</summary>
    public SweepFixture()
    {
        Samples.WriteBlobs(Folder["blobs.csv"]);
        File.WriteAllText(Folder["base.json"], $$$"""{"data": "{{{Folder["blobs.csv"]}}}", "layers": [4], "epochs": 2, "seed": 3, "grid": {"learning_rate": [0.1, 0.01]}}""");
        Expanded = CliRun.Of(Args("plan"));
        foreach (string run in Directory.GetDirectories(Folder["plan/runs"]))
            File.Copy(Path.Combine(run, "experiment.json"), Folder[Path.GetFileName(run) + ".experiment.json"]);
        Jobs = CliRun.Of([.. Args("jobs"), "--jobs", "2"]);
        Resumed = CliRun.Of([.. Args("jobs"), "--jobs", "2"]);
    }

    /// <summary>The folder of the data, the base file, the plan-only sweep "plan" and the run sweep "jobs".</summary>
    public TempFolder Folder { get; } = new();

    /// <summary>pure sweep without --jobs into plan.</summary>
    public CliRun Expanded { get; }

    /// <summary>pure sweep --jobs 2 into jobs.</summary>
    public CliRun Jobs { get; }

    /// <summary>The same command again.</summary>
    public CliRun Resumed { get; }

    /// <summary>The run names, by the naming rule (first key slowest).</summary>
    public static readonly string[] Names = ["000-learning-rate=0.1_batch=8", "001-learning-rate=0.1_batch=16", "002-learning-rate=0.01_batch=8", "003-learning-rate=0.01_batch=16"];

    /// <summary>The sweep's command line into the folder <paramref name="output"/>.</summary>
    public string[] Args(string output) => ["sweep", "--experiment", Folder["base.json"], "--grid", "batch=8,16", "--output", Folder[output]];

    /// <inheritdoc/>
    public void Dispose() => Folder.Dispose();
}

/// <summary><c>pure sweep</c>: expansion, checks, runs on this machine and by the Slurm script's task body, resuming, failures and the summary.</summary>
public sealed class SweepCommandTests(SweepFixture sweep) : IClassFixture<SweepFixture>
{
    [Fact]
    public void TheProductIsExpandedInOrderWithTheFilesGridAndTheFlags()
    {
        Assert.True(sweep.Expanded.ExitCode == 0, sweep.Expanded.Error);
        Assert.Equal(SweepFixture.Names, Directory.GetDirectories(sweep.Folder["plan/runs"]).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var plan = JsonNode.Parse(File.ReadAllText(sweep.Folder["plan/sweep.json"]))!;
        Assert.Equal(["learning-rate", "batch"], plan["keys"]!.AsArray().Select(k => k!.GetValue<string>()));
        Assert.Equal(SweepFixture.Names, plan["runs"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()));
        (double Rate, int Batch)[] expected = [(0.1, 8), (0.1, 16), (0.01, 8), (0.01, 16)];
        for (int i = 0; i < 4; i++)
        {
            var experiment = JsonNode.Parse(File.ReadAllText(sweep.Folder[$"plan/runs/{SweepFixture.Names[i]}/experiment.json"]))!;
            Assert.Equal(expected[i].Rate, experiment["learning-rate"]!.GetValue<double>());
            Assert.Equal(expected[i].Batch, experiment["batch"]!.GetValue<int>());
            Assert.Equal(4, experiment["layers"]![0]!.GetValue<int>());
            Assert.Equal(sweep.Folder["blobs.csv"], experiment["data"]!.GetValue<string>());
            Assert.Equal("adam", experiment["optimizer"]!.GetValue<string>());
        }
    }

    [Fact]
    public void AFlagReplacesTheFilesKeyAndBracketsHoldListValues()
    {
        using var folder = new TempFolder();
        var run = CliRun.Of("sweep", "--experiment", sweep.Folder["base.json"], "--grid", "learning-rate=0.5", "--grid", "layers=[8,4],[6]", "--output", folder["s"]);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal(["000-learning-rate=0.5_layers=8x4", "001-learning-rate=0.5_layers=6"],
            Directory.GetDirectories(folder["s/runs"]).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var experiment = JsonNode.Parse(File.ReadAllText(folder["s/runs/000-learning-rate=0.5_layers=8x4/experiment.json"]))!;
        Assert.Equal([8, 4], experiment["layers"]!.AsArray().Select(size => size!.GetValue<int>()));
        Assert.Equal(0.5, experiment["learning-rate"]!.GetValue<double>());
    }

    [Theory]
    [InlineData("colour=1,2", "unknown key 'colour'")]
    [InlineData("learning-rate=0.1,-1", "--learning-rate: expected a finite value above 0, got -1.")]
    [InlineData("activation=relu,swish", "swish")]
    [InlineData("batch=8,8", "expected distinct values, got 8 twice")]
    [InlineData("momentum=0.5", "--momentum applies to the momentum and nesterov optimizers, not to adam.")]
    [InlineData("batch", "expected key=value1,value2")]
    public void ABadKeyOrValueIsRefusedByNameBeforeAnythingIsWritten(string grid, string message)
    {
        using var folder = new TempFolder();
        var run = CliRun.Of("sweep", "--experiment", sweep.Folder["base.json"], "--grid", grid, "--output", folder["s"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder["s"]));
    }

    [Fact]
    public void ABadGridBlockIsRefusedWithItsPath()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder["base.json"], """{"epochs": 1, "grid": {"batch": [8, "sixteen"]}}""");
        var run = CliRun.Of("sweep", "--experiment", folder["base.json"], "--output", folder["s"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("$.grid.batch[1]: expected an integer, got \"sixteen\"", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder["s"]));
    }

    [Fact]
    public void AnotherSweepIntoTheSameFolderIsRefused()
    {
        using var folder = new TempFolder();
        Assert.Equal(0, CliRun.Of("sweep", "--grid", "batch=8,16", "--output", folder["s"]).ExitCode);
        Assert.Equal(0, CliRun.Of("sweep", "--grid", "batch=8,16", "--output", folder["s"]).ExitCode);
        byte[] plan = File.ReadAllBytes(folder["s/sweep.json"]);
        var other = CliRun.Of("sweep", "--grid", "batch=8,32", "--output", folder["s"]);

        Assert.Equal(1, other.ExitCode);
        Assert.Contains("another sweep's", other.Error, StringComparison.Ordinal);
        Assert.Equal(plan, File.ReadAllBytes(folder["s/sweep.json"]));
        Assert.False(Directory.Exists(folder["s/runs/001-batch=32"]));
    }

    [Fact]
    public void EveryRunsFileRepeatsItsRunBitForBitWithPureTrain()
    {
        Assert.True(sweep.Jobs.ExitCode == 0, sweep.Jobs.Error);
        using var folder = new TempFolder();
        foreach (string name in SweepFixture.Names)
        {
            var byHand = CliRun.Of("train", "--experiment", sweep.Folder[name + ".experiment.json"], "--output", folder[name]);
            Assert.True(byHand.ExitCode == 0, byHand.Error);
            Assert.Equal(File.ReadAllBytes(sweep.Folder[$"jobs/runs/{name}/model.json"]), File.ReadAllBytes(folder[$"{name}/model.json"]));
        }
        Assert.NotEqual(File.ReadAllBytes(folder[$"{SweepFixture.Names[0]}/model.json"]), File.ReadAllBytes(folder[$"{SweepFixture.Names[1]}/model.json"]));
    }

    [Fact]
    public void JobsRunEveryRunOnceAndAgainSkipsThemAll()
    {
        Assert.True(sweep.Jobs.ExitCode == 0, sweep.Jobs.Error);
        foreach (string name in SweepFixture.Names)
        {
            Assert.Single(sweep.Jobs.OutLines, line => line.StartsWith('[') && line.Contains($"] ok {name} (", StringComparison.Ordinal));
            Assert.True(File.Exists(sweep.Folder[$"jobs/runs/{name}/metrics.json"]));
            Assert.Contains($"skipped {name}: finished before", sweep.Resumed.OutLines);
        }
        Assert.Contains("4 ok, 0 failed, 0 skipped", sweep.Jobs.Out, StringComparison.Ordinal);
        Assert.Equal(0, sweep.Resumed.ExitCode);
        Assert.Contains("0 ok, 0 failed, 4 skipped", sweep.Resumed.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(sweep.Resumed.OutLines, line => line.StartsWith('['));
    }

    [Fact]
    public void AFailedRunIsRecordedAndTheOthersGoOn()
    {
        using var folder = new TempFolder();
        var run = CliRun.Of("sweep", "--experiment", sweep.Folder["base.json"], "--grid", $"data={sweep.Folder["blobs.csv"]},{folder["missing.csv"]}",
            "--grid", "learning-rate=0.01", "--output", folder["s"], "--jobs", "2");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("1 ok, 1 failed", run.Out, StringComparison.Ordinal);
        Assert.Contains("1 of 2 runs failed", run.Error, StringComparison.Ordinal);
        string failed = Directory.GetDirectories(folder["s/runs"]).Single(d => d.Contains("missing.csv", StringComparison.Ordinal));
        string[] failure = File.ReadAllLines(Path.Combine(failed, "failure.txt"));
        Assert.Equal("exit-code: 1", failure[0]);
        Assert.Contains(failure, line => line.Contains("missing.csv", StringComparison.Ordinal));
        Assert.Single(run.OutLines, line => line.Contains("FAILED " + Path.GetFileName(failed), StringComparison.Ordinal));

        var summary = CliRun.Of("sweep", "summarize", folder["s"]);
        Assert.Equal(0, summary.ExitCode);
        Assert.Contains($"failed: {Path.GetFileName(failed)}", summary.OutLines[1], StringComparison.Ordinal);
        Assert.Contains(File.ReadAllLines(folder["s/summary.csv"]), line => line.StartsWith(Path.GetFileName(failed) + ",", StringComparison.Ordinal) && line.Contains(",failed,", StringComparison.Ordinal));
    }

    [Fact]
    public void SummarizeGathersEveryRunsMetricsAndNamesTheBest()
    {
        Assert.True(sweep.Jobs.ExitCode == 0, sweep.Jobs.Error);
        using var copy = new TempFolder();
        CopyFolder(sweep.Folder["jobs"], copy["s"]);
        Directory.Delete(copy[$"s/runs/{SweepFixture.Names[3]}"], recursive: true);
        var run = CliRun.Of("sweep", "summarize", copy["s"]);

        Assert.True(run.ExitCode == 0, run.Error);
        string[] lines = File.ReadAllLines(copy["s/summary.csv"]);
        string[] header = lines[0].Split(',');
        Assert.Equal(["run", "learning-rate", "batch", "status"], header[..4]);
        Assert.Equal(5, lines.Length);
        var accuracies = new List<double>();
        for (int i = 0; i < 3; i++)
        {
            string[] cells = lines[i + 1].Split(',');
            var metrics = JsonNode.Parse(File.ReadAllText(copy[$"s/runs/{SweepFixture.Names[i]}/metrics.json"]))!;
            Assert.Equal([SweepFixture.Names[i], "ok"], [cells[0], cells[3]]);
            double accuracy = metrics["validation"]!["accuracy"]!.GetValue<double>();
            accuracies.Add(accuracy);
            Assert.Equal(accuracy.ToString("R", CultureInfo.InvariantCulture), cells[Array.IndexOf(header, "validation-accuracy")]);
            Assert.Equal(metrics["test"]!["loss"]!.GetValue<double>().ToString("R", CultureInfo.InvariantCulture), cells[Array.IndexOf(header, "test-loss")]);
            Assert.Equal(metrics["model-sha256"]!.GetValue<string>(), cells[^1]);
        }
        Assert.StartsWith($"{SweepFixture.Names[3]},0.01,16,missing,", lines[4], StringComparison.Ordinal);
        Assert.Contains($"missing: {SweepFixture.Names[3]}", run.OutLines);
        int best = accuracies.IndexOf(accuracies.Max());
        Assert.Contains($"best run by validation-accuracy (highest, on the validation part): {SweepFixture.Names[best]} = ", run.Out, StringComparison.Ordinal);
        string chart = File.ReadAllText(copy["s/summary.svg"]);
        Assert.Contains("data-name=\"batch=8\"", chart, StringComparison.Ordinal);
        Assert.Contains(">learning-rate</text>", chart, StringComparison.Ordinal);

        var byLoss = CliRun.Of("sweep", "summarize", copy["s"], "--metric", "test-loss");
        Assert.Contains("best run by test-loss (lowest", byLoss.Out, StringComparison.Ordinal);
        Assert.Equal(2, CliRun.Of("sweep", "summarize", copy["s"], "--metric", "speed").ExitCode);
    }

    [Fact]
    public void SummarizeRefusesAMissingOrBadPlanNamingIt()
    {
        using var folder = new TempFolder();
        var none = CliRun.Of("sweep", "summarize", folder.Path);
        Assert.Equal(1, none.ExitCode);
        Assert.Contains($"{folder["sweep.json"]}: expected the plan of a sweep", none.Error, StringComparison.Ordinal);

        File.WriteAllText(folder["sweep.json"], """{"keys": ["batch"], "runs": [{"name": "../x", "settings": {"batch": 8}}]}""");
        var escaping = CliRun.Of("sweep", "summarize", folder.Path);
        Assert.Equal(1, escaping.ExitCode);
        Assert.Contains("expected run names that are folder names, got '../x'", escaping.Error, StringComparison.Ordinal);

        File.WriteAllText(folder["sweep.json"], """{"keys": ["batch"], "runs": [{"name": "000", "settings": {"batch": "eight"}}]}""");
        var badValue = CliRun.Of("sweep", "summarize", folder.Path);
        Assert.Equal(1, badValue.ExitCode);
        Assert.Contains(folder["sweep.json"], badValue.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(folder["summary.csv"]));
    }

    [Fact]
    public void TheSweepsLimitsReachEveryRunHereAndInTheSlurmScript()
    {
        // A limit below the blobs' line length: a run that reads the data under it fails, naming the limit.
        using var folder = new TempFolder();
        string[] limit = ["--limit", "csv-line-length=8"];
        var jobs = CliRun.Of(["sweep", "--experiment", sweep.Folder["base.json"], "--grid", "learning-rate=0.01", "--output", folder["s"], "--jobs", "1", .. limit]);
        Assert.Equal(1, jobs.ExitCode);
        string run = Directory.GetDirectories(folder["s/runs"]).Single();
        Assert.Contains(File.ReadAllLines(Path.Combine(run, "failure.txt")), line => line.Contains("csv-line-length = 8", StringComparison.Ordinal));
        Assert.DoesNotContain("limit", File.ReadAllText(Path.Combine(run, "experiment.json")), StringComparison.Ordinal);

        var emitted = CliRun.Of(["sweep", "--experiment", sweep.Folder["base.json"], "--grid", "learning-rate=0.01", "--output", folder["t"], "--emit", "slurm",
            "--limit", " csv-line-length = 8 "]);
        Assert.True(emitted.ExitCode == 0, emitted.Error);
        Assert.Contains("--output \"$folder\" '--limit' 'csv-line-length=8' 2> ", File.ReadAllText(folder["t/sweep.sbatch"]), StringComparison.Ordinal);
        Assert.Equal(1, Bash(folder["t/sweep.sbatch"], 0).ExitCode);
        string task = Directory.GetDirectories(folder["t/runs"]).Single();
        Assert.Contains(File.ReadAllLines(Path.Combine(task, "failure.txt")), line => line.Contains("csv-line-length = 8", StringComparison.Ordinal));

        // Without the limit the same sweep runs.
        Assert.Equal(0, CliRun.Of("sweep", "--experiment", sweep.Folder["base.json"], "--grid", "learning-rate=0.01", "--output", folder["u"], "--jobs", "1").ExitCode);
    }

    [Fact]
    public void TheSlurmScriptMapsEachArrayTaskToItsRun()
    {
        using var folder = new TempFolder();
        var run = CliRun.Of([.. sweep.Args(folder["s"]), "--emit", "slurm", "--slurm-option", "--qos=short", "--time", "00:10:00", "--partition", "debug",
            "--pure-command", "/opt/pure/bin/pure --limit-free"]);

        Assert.True(run.ExitCode == 0, run.Error);
        string script = File.ReadAllText(folder["s/sweep.sbatch"]);
        Assert.StartsWith("#!/bin/bash\n", script, StringComparison.Ordinal);
        Assert.Contains("\n#SBATCH --array=0-3\n", script, StringComparison.Ordinal);
        Assert.Contains($"\n#SBATCH --output={folder["s"]}/logs/slurm-%A_%a.out\n", script, StringComparison.Ordinal);
        Assert.Contains($"\n#SBATCH --error={folder["s"]}/logs/slurm-%A_%a.err\n", script, StringComparison.Ordinal);
        foreach (string option in new[] { "--qos=short", "--time=00:10:00", "--partition=debug" }) Assert.Contains($"\n#SBATCH {option}\n", script, StringComparison.Ordinal);
        Assert.Contains("\npure=('/opt/pure/bin/pure' '--limit-free')\n", script, StringComparison.Ordinal);
        Assert.Contains("\nruns=(\n" + string.Concat(SweepFixture.Names.Select(name => $"    '{name}'\n")) + ")\n", script, StringComparison.Ordinal);
        Assert.Contains("train --experiment \"$folder/experiment.json\" --output \"$folder\"", script, StringComparison.Ordinal);
        Assert.True(Directory.Exists(folder["s/logs"]));
        Assert.Equal(2, CliRun.Of([.. sweep.Args(folder["t"]), "--time", "00:10:00"]).ExitCode);
        Assert.Equal(2, CliRun.Of([.. sweep.Args(folder["t"]), "--emit", "slurm", "--jobs", "2"]).ExitCode);
    }

    [Fact]
    public void TheSlurmTasksRunByHandGiveTheSummaryOfJobs()
    {
        Assert.True(sweep.Jobs.ExitCode == 0, sweep.Jobs.Error);
        Assert.Equal(0, CliRun.Of("sweep", "summarize", sweep.Folder["jobs"]).ExitCode);
        using var folder = new TempFolder();
        Assert.Equal(0, CliRun.Of([.. sweep.Args(folder["s"]), "--emit", "slurm"]).ExitCode);
        for (int task = 0; task < 4; task++) Assert.Equal(0, Bash(folder["s/sweep.sbatch"], task).ExitCode);
        var again = Bash(folder["s/sweep.sbatch"], 2);
        Assert.Equal(0, CliRun.Of("sweep", "summarize", folder["s"]).ExitCode);

        Assert.Equal(File.ReadAllBytes(sweep.Folder["jobs/summary.csv"]), File.ReadAllBytes(folder["s/summary.csv"]));
        Assert.Equal($"skipped {SweepFixture.Names[2]}: finished before", again.Out.Trim());
        Assert.Equal(2, Bash(folder["s/sweep.sbatch"], 4).ExitCode);
    }

    [Fact]
    public void AFailedSlurmTaskWritesItsFailure()
    {
        using var folder = new TempFolder();
        Assert.Equal(0, CliRun.Of("sweep", "--grid", $"data={folder["missing.csv"]}", "--output", folder["s"], "--emit", "slurm").ExitCode);
        var task = Bash(folder["s/sweep.sbatch"], 0);

        Assert.Equal(1, task.ExitCode);
        string[] failure = File.ReadAllLines(Path.Combine(Directory.GetDirectories(folder["s/runs"]).Single(), "failure.txt"));
        Assert.Equal("exit-code: 1", failure[0]);
        Assert.Contains(failure, line => line.Contains("missing.csv", StringComparison.Ordinal));
        Assert.Equal(1, CliRun.Of("sweep", "summarize", folder["s"]).ExitCode);
        Assert.Contains(",failed,", File.ReadAllLines(folder["s/summary.csv"])[1], StringComparison.Ordinal);
    }

    /// <summary>Runs the script's body with bash as array task <paramref name="task"/>.</summary>
    private static (int ExitCode, string Out) Bash(string script, int task)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        start.Environment["SLURM_ARRAY_TASK_ID"] = task.ToString(CultureInfo.InvariantCulture);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        _ = error.Result;
        return (process.ExitCode, output);
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (string folder in Directory.GetDirectories(from)) CopyFolder(folder, Path.Combine(to, Path.GetFileName(folder)));
    }
}
