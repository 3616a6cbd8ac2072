using System.Diagnostics;
using System.Globalization;
using Pure.Cli.Tests.Support;
using Xunit.Abstractions;

namespace Pure.Cli.Tests;

/// <summary>
/// Faults while a run folder or a file is written: SIGKILL at random points, a full disk, a read-only target. Each
/// asserts that the previous folder or file is intact (or the complete new one is there) and that nothing stray is left.
/// </summary>
public sealed class FaultTests(ITestOutputHelper output)
{
    private static readonly string[] Big = ["train", "--layers", "512,512", "--epochs", "1", "--batch", "64"];
    private static readonly string[] Small = ["train", "--layers", "8", "--epochs", "1"];

    [Fact]
    public void ARunFolderKilledAtRandomPointsIsTheCompleteOldOrNewRun()
    {
        using var folder = new TempFolder();
        string run = folder["run"];
        Assert.Equal(0, ChildCli.Run([.. Big, "--seed", "1", "--output", run]).ExitCode);
        var (code, seconds) = ChildCli.Run([.. Big, "--seed", "2", "--output", folder["reference/new"]]);
        Assert.Equal(0, code);
        var old = Snapshot(run);
        var fresh = Snapshot(folder["reference/new"]);
        Assert.NotEqual(old, fresh);

        var random = new Random(11);
        int trials = 20, duringWrites = 0, targetMissing = 0, published = 0;
        for (int trial = 0; trial < trials; trial++)
        {
            var before = Snapshot(run);
            // Half the delays spread over the whole run, half over its last 40%, where the files are written.
            double delay = seconds * (trial % 2 == 0 ? random.NextDouble() * 1.05 : 0.6 + random.NextDouble() * 0.45);
            using (var child = ChildCli.Start([.. Big, "--seed", "2", "--output", run]))
            {
                if (!child.WaitForExit(TimeSpan.FromSeconds(delay))) child.Kill(entireProcessTree: true);
                child.WaitForExit();
            }
            var entries = Directory.EnumerateFileSystemEntries(folder.Path).Select(Path.GetFileName).ToArray();
            if (entries.Any(entry => RunFolder.IsLeftover(entry!, "run"))) duringWrites++;
            if (!Directory.Exists(run)) targetMissing++;

            RunFolder.Recover(folder.Path, "run");
            var after = Snapshot(run);
            Assert.True(after == before || after == fresh, $"trial {trial} (killed after {delay:F2} s): the folder is neither the previous run nor the new one: {after}");
            if (after == fresh && before != fresh) published++;
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{trials} kills over a {seconds:F2} s run: {duringWrites} left a staging or old folder (killed while writing or publishing), {targetMissing} between the renames, {published} after publishing"));
        Assert.True(duringWrites > 0, "no kill landed while the run was written: the test did not test the write phase");

        Assert.Equal(0, ChildCli.Run([.. Big, "--seed", "2", "--output", run]).ExitCode);
        Assert.Equal(fresh, Snapshot(run));
        Assert.Equal(["reference", "run"], Directory.EnumerateFileSystemEntries(folder.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void PredictionsKilledAtRandomPointsAreTheCompleteOldOrNewFile()
    {
        using var folder = new TempFolder();
        Samples.WriteBlobs(folder["blobs.csv"]);
        Assert.Equal(0, CliRun.Of("train", "--data", folder["blobs.csv"], "--layers", "8", "--epochs", "1", "--output", folder["model"]).ExitCode);
        string model = folder["model/model.json"], predictions = folder["out/predictions.csv"];
        Directory.CreateDirectory(folder["out"]);
        WriteFeatures(folder["few.csv"], 50, 1);
        WriteFeatures(folder["many.csv"], 300_000, 2);
        Assert.Equal(0, CliRun.Of("predict", "--model", model, "--data", folder["few.csv"], "--output", predictions).ExitCode);
        var (code, seconds) = ChildCli.Run("predict", "--model", model, "--data", folder["many.csv"], "--output", folder["reference.csv"]);
        Assert.Equal(0, code);
        byte[] old = File.ReadAllBytes(predictions), fresh = File.ReadAllBytes(folder["reference.csv"]);

        var random = new Random(5);
        int trials = 10, leftTemporary = 0;
        for (int trial = 0; trial < trials; trial++)
        {
            // Half the delays over the whole run, half over its last 30%, where the file is written.
            double delay = seconds * (trial % 2 == 0 ? random.NextDouble() * 1.05 : 0.7 + random.NextDouble() * 0.35);
            using (var child = ChildCli.Start("predict", "--model", model, "--data", folder["many.csv"], "--output", predictions))
            {
                if (!child.WaitForExit(TimeSpan.FromSeconds(delay))) child.Kill(entireProcessTree: true);
                child.WaitForExit();
            }
            if (Directory.EnumerateFiles(folder["out"], ".predictions.csv.*.tmp").Any()) leftTemporary++;
            var after = File.ReadAllBytes(predictions);
            Assert.True(after.AsSpan().SequenceEqual(old) || after.AsSpan().SequenceEqual(fresh), $"trial {trial}: predictions.csv is neither the old file nor the new one ({after.Length} bytes)");
        }
        output.WriteLine($"{trials} kills over a {seconds:F2} s predict: {leftTemporary} left a temporary file (killed while writing)");

        Assert.Equal(0, ChildCli.Run("predict", "--model", model, "--data", folder["many.csv"], "--output", predictions).ExitCode);
        Assert.Equal(fresh, File.ReadAllBytes(predictions));
        Assert.Equal(["predictions.csv"], Directory.EnumerateFileSystemEntries(folder["out"]).Select(Path.GetFileName));
    }

    [Fact]
    public void OnAFullDiskThePreviousRunAndPredictionsStayAndNothingStrayIsLeft()
    {
        using var folder = new TempFolder();
        string disk = folder["disk"];
        Directory.CreateDirectory(disk);
        var (mounted, why) = ChildCli.System("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", disk);
        if (mounted != 0)
        {
            output.WriteLine($"not run: this machine does not allow mounting a small tmpfs ({why})");
            return;
        }
        try
        {
            string run = Path.Combine(disk, "run");
            Assert.Equal(0, CliRun.Of([.. Small, "--output", run]).ExitCode);
            var before = Snapshot(run);

            var failed = CliRun.Of([.. Big, "--output", run]);

            Assert.Equal(1, failed.ExitCode);
            Assert.StartsWith("error: ", Assert.Single(failed.ErrorLines), StringComparison.Ordinal);
            Assert.Equal(before, Snapshot(run));
            Assert.Equal(["run"], Directory.EnumerateFileSystemEntries(disk).Select(Path.GetFileName));

            string predictions = Path.Combine(disk, "predictions.csv");
            Samples.WriteBlobs(folder["blobs.csv"]);
            Assert.Equal(0, CliRun.Of("train", "--data", folder["blobs.csv"], "--layers", "4", "--epochs", "1", "--output", folder["model"]).ExitCode);
            WriteFeatures(folder["few.csv"], 10, 1);
            WriteFeatures(folder["many.csv"], 100_000, 2);
            Assert.Equal(0, CliRun.Of("predict", "--model", folder["model/model.json"], "--data", folder["few.csv"], "--output", predictions).ExitCode);
            byte[] old = File.ReadAllBytes(predictions);
            var full = CliRun.Of("predict", "--model", folder["model/model.json"], "--data", folder["many.csv"], "--output", predictions);
            Assert.Equal(1, full.ExitCode);
            Assert.Equal(old, File.ReadAllBytes(predictions));
            Assert.Equal(["predictions.csv", "run"], Directory.EnumerateFileSystemEntries(disk).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        }
        finally
        {
            ChildCli.System("umount", disk);
        }
    }

    [Fact]
    public void AReadOnlyTargetKeepsThePreviousRunAndPredictionsAndLeavesNothing()
    {
        using var folder = new TempFolder();
        string parent = folder["parent"], run = Path.Combine(parent, "run"), predictions = Path.Combine(parent, "predictions.csv");
        Directory.CreateDirectory(parent);
        Assert.Equal(0, CliRun.Of([.. Small, "--output", run]).ExitCode);
        var before = Snapshot(run);
        Samples.WriteBlobs(folder["blobs.csv"]);
        Assert.Equal(0, CliRun.Of("train", "--data", folder["blobs.csv"], "--layers", "4", "--epochs", "1", "--output", folder["model"]).ExitCode);
        WriteFeatures(folder["few.csv"], 10, 1);
        WriteFeatures(folder["other.csv"], 20, 2);
        Assert.Equal(0, CliRun.Of("predict", "--model", folder["model/model.json"], "--data", folder["few.csv"], "--output", predictions).ExitCode);
        byte[] old = File.ReadAllBytes(predictions);

        var (locked, why) = ChildCli.System("chattr", "+i", parent);
        if (locked != 0)
        {
            output.WriteLine($"not run: chattr +i is not available here ({why})");
            return;
        }
        try
        {
            var failed = CliRun.Of([.. Small, "--seed", "3", "--output", run]);
            Assert.Equal(1, failed.ExitCode);
            Assert.StartsWith("error: ", Assert.Single(failed.ErrorLines), StringComparison.Ordinal);
            var refused = CliRun.Of("predict", "--model", folder["model/model.json"], "--data", folder["other.csv"], "--output", predictions);
            Assert.Equal(1, refused.ExitCode);
            Assert.StartsWith("error: ", Assert.Single(refused.ErrorLines), StringComparison.Ordinal);
        }
        finally
        {
            ChildCli.System("chattr", "-i", parent);
        }
        Assert.Equal(before, Snapshot(run));
        Assert.Equal(old, File.ReadAllBytes(predictions));
        Assert.Equal(["predictions.csv", "run"], Directory.EnumerateFileSystemEntries(parent).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void LeftoversOfADeadWriterAreRemovedAndAnOldFolderIsRestoredWhenTheTargetIsMissing()
    {
        using var folder = new TempFolder();
        int dead = ChildCli.DeadProcessId();
        string old = folder[$".run.old-{dead}-{Guid.NewGuid():N}"], staging = folder[$".run.staging-{dead}-{Guid.NewGuid():N}"];
        string temporary = folder[$".run.{dead}.{Guid.NewGuid():N}.tmp"];
        Directory.CreateDirectory(old);
        File.WriteAllText(Path.Combine(old, "model.json"), "old");
        Directory.CreateDirectory(staging);
        File.WriteAllText(Path.Combine(staging, "model.json"), "never published");
        File.WriteAllText(temporary, "partial");
        string live = folder[$".run.staging-{Environment.ProcessId}-{Guid.NewGuid():N}"];
        Directory.CreateDirectory(live);

        RunFolder.Recover(folder.Path, "run");

        Assert.Equal("old", File.ReadAllText(folder["run/model.json"]));
        Assert.False(Directory.Exists(staging));
        Assert.False(File.Exists(temporary));
        Assert.True(Directory.Exists(live), "the staging folder of a live writer was removed");
    }

    /// <summary>
    /// The eight files of a run folder, hashed (those with timings or times only checked to be non-empty, and metrics.json to name
    /// this model.json's SHA-256): equal for the same run; "missing ..." when a file is absent, "extra ..." for a stray one.
    /// </summary>
    private static string Snapshot(string folder)
    {
        if (!Directory.Exists(folder)) return "missing folder";
        var parts = new List<string>();
        foreach (string name in RunFiles.Names)
        {
            string path = Path.Combine(folder, name);
            if (!File.Exists(path)) return $"missing {name}";
            // weights.npz holds the zip entries' time of writing.
            parts.Add(name is "metrics.json" or "history.csv" or "loss.svg" or "accuracy.svg" or "weights.npz" ? $"{name}:{new FileInfo(path).Length > 0}" : $"{name}:{RunFiles.Sha256(path)}");
        }
        var recorded = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "metrics.json")))!["model-sha256"]!.GetValue<string>();
        parts.Add($"metrics-name-this-model:{recorded == RunFiles.Sha256(Path.Combine(folder, RunFiles.ModelName))}");
        var extra = Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName).Except(RunFiles.Names).ToArray();
        return extra.Length > 0 ? $"extra {string.Join(",", extra)}" : string.Join(" ", parts);
    }

    /// <summary>A CSV of x,y features only (no labels), <paramref name="rows"/> rows, seeded.</summary>
    private static void WriteFeatures(string path, int rows, int seed)
    {
        var random = new Random(seed);
        using var writer = new StreamWriter(path);
        writer.Write("x,y\n");
        for (int i = 0; i < rows; i++)
            writer.Write(string.Create(CultureInfo.InvariantCulture, $"{random.NextDouble() * 8 - 4:R},{random.NextDouble() * 8 - 4:R}\n"));
    }
}
