using System.Globalization;
using System.Text;

namespace Pure.Hostile.Tests.Support;

/// <summary>
/// The suite's temporary folder and the files several cases share: a small valid CSV, and a model, checkpoint,
/// experiment and weights file made by one real <c>pure train</c> run on it (the base the JSON cases mutate).
/// Everything is seeded, so every run of the suite makes the same bytes. The folder is deleted when the test process ends.
/// </summary>
public static class Workspace
{
    /// <summary>The suite's temporary folder.</summary>
    public static string Root { get; } = Path.Combine(Path.GetTempPath(), $"pure-hostile-{Environment.ProcessId}");

    static Workspace()
    {
        DeleteFoldersOfDeadRuns();
        Directory.CreateDirectory(Root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(Root, recursive: true); }
            catch (IOException) { }
        };
    }

    /// <summary>
    /// Deletes the folders of earlier runs whose process is gone: the test host may be ended without ProcessExit
    /// (vstest stops it once the results are in), which would otherwise leave hundreds of megabytes in the temp folder.
    /// </summary>
    private static void DeleteFoldersOfDeadRuns()
    {
        foreach (string folder in Directory.EnumerateDirectories(Path.GetTempPath(), "pure-hostile-*"))
        {
            if (!int.TryParse(Path.GetFileName(folder)["pure-hostile-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
                || pid == Environment.ProcessId || IsRunning(pid)) continue;
            try { Directory.Delete(folder, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    private static readonly Lazy<string> SharedFolder = new(() => Directory.CreateDirectory(Path.Combine(Root, "shared")).FullName);
    private static readonly Lazy<BaseRun> Base = new(MakeBaseRun);

    /// <summary>The valid three-class CSV (columns x, y, label; labels a, b, c; 30 rows each).</summary>
    public static string BlobsCsv => Base.Value.Csv;

    /// <summary>The model.json of the base run (2 features, 3 hidden, classes a, b, c, float64).</summary>
    public static string ModelJson => Base.Value.Model;

    /// <summary>The checkpoint.json of the base run (epoch 2, Adam).</summary>
    public static string CheckpointJson => Base.Value.Checkpoint;

    /// <summary>The experiment.json of the base run.</summary>
    public static string ExperimentJson => Base.Value.Experiment;

    /// <summary>The weights.npz of the base run.</summary>
    public static string WeightsNpz => Base.Value.Weights;

    /// <summary>A folder of valid IDX files (train-images/labels, 60 images of 4 x 4, labels 0..2, gzip).</summary>
    public static string IdxFolder => IdxBase.Value.Folder;

    /// <summary>The model.json of a run on <see cref="IdxFolder"/> (16 features, classes 0, 1, 2).</summary>
    public static string IdxModelJson => IdxBase.Value.Model;

    private static readonly Lazy<(string Folder, string Model)> IdxBase = new(MakeIdxRun);

    private static (string Folder, string Model) MakeIdxRun()
    {
        string folder = Path.Combine(SharedFolder.Value, "idx");
        Directory.CreateDirectory(folder);
        var (images, labels) = Data.IdxPair(60, seed: 2);
        File.WriteAllBytes(Path.Combine(folder, "train-images-idx3-ubyte.gz"), Data.Gzip(images));
        File.WriteAllBytes(Path.Combine(folder, "train-labels-idx1-ubyte.gz"), Data.Gzip(labels));
        string run = Path.Combine(SharedFolder.Value, "idx-run");
        var result = PureProcess.Run(SharedFolder.Value, TimeSpan.FromSeconds(60),
            ["train", "--data", folder, "--layers", "3", "--epochs", "1", "--batch", "8", "--output", run]);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"the base IDX run (pure train on {folder}) failed with exit code {result.ExitCode}: {result.Error}");
        return (folder, Path.Combine(run, "model.json"));
    }

    /// <summary>A file name made of <paramref name="name"/>'s letters, digits and dashes.</summary>
    public static string Safe(string name) => new(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_').ToArray());

    /// <summary>A file in the shared folder, made once by <paramref name="make"/> (which gets its path).</summary>
    public static string Shared(string name, Action<string> make)
    {
        lock (SharedLocks.GetOrAdd(name, _ => new object()))
        {
            string path = Path.Combine(SharedFolder.Value, name);
            if (!File.Exists(path) && !Directory.Exists(path)) make(path);
            return path;
        }
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, object> SharedLocks = new();

    private sealed record BaseRun(string Csv, string Model, string Checkpoint, string Experiment, string Weights);

    private static BaseRun MakeBaseRun()
    {
        string folder = Path.Combine(SharedFolder.Value, "base");
        Directory.CreateDirectory(folder);
        string csv = Path.Combine(SharedFolder.Value, "blobs.csv");
        File.WriteAllText(csv, Data.BlobsCsv(rowsPerClass: 30, classes: 3, features: 2, seed: 11), new UTF8Encoding(false));
        string run = Path.Combine(folder, "run");
        var result = PureProcess.Run(folder, TimeSpan.FromSeconds(60),
            ["train", "--data", csv, "--layers", "3", "--epochs", "2", "--batch", "8", "--seed", "5", "--output", run]);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"the base run (pure train on {csv}) failed with exit code {result.ExitCode}: {result.Error}");
        return new BaseRun(csv, Path.Combine(run, "model.json"), Path.Combine(run, "checkpoint.json"), Path.Combine(run, "experiment.json"), Path.Combine(run, "weights.npz"));
    }
}

/// <summary>The outcome of every case run by this test process, and the suite's figures written when it ends.</summary>
public static class SuiteResults
{
    private static readonly List<(string Name, int Expected, int Exit, double Seconds, long Peak, string Source, bool Clean)> Rows = [];

    /// <summary>Where the figures go: PURE_HOSTILE_RESULTS, else hostile-results.tsv next to the tests.</summary>
    public static string TablePath { get; } = Environment.GetEnvironmentVariable("PURE_HOSTILE_RESULTS") is { Length: > 0 } path
        ? path : Path.Combine(AppContext.BaseDirectory, "hostile-results.tsv");

    /// <summary>The summary: cases tried, handled cleanly, peak memory max and median, time max.</summary>
    public static string SummaryPath => Path.ChangeExtension(TablePath, ".summary.txt");

    /// <summary>Records one case and rewrites the table and the summary (so they hold whatever part of the suite ran).</summary>
    public static void Record(HostileCase hostile, PureRun run, bool clean)
    {
        lock (Rows)
        {
            Rows.Add((hostile.Name, hostile.ExpectedExit, run.ExitCode, run.Elapsed.TotalSeconds, run.PeakBytes, run.PeakSource, clean));
            Write();
        }
    }

    /// <summary>Writes the table (one row per case) and the summary.</summary>
    public static void Write()
    {
        lock (Rows)
        {
            if (Rows.Count == 0) return;
            var inv = CultureInfo.InvariantCulture;
            var table = new StringBuilder("case\texpected\texit\tseconds\tpeak_bytes\tpeak_source\tclean\n");
            foreach (var row in Rows.OrderBy(r => r.Name, StringComparer.Ordinal))
                table.Append(inv, $"{row.Name}\t{row.Expected}\t{row.Exit}\t{row.Seconds:F2}\t{row.Peak}\t{row.Source}\t{row.Clean}\n");
            File.WriteAllText(TablePath, table.ToString());
            var peaks = Rows.Select(r => r.Peak).Order().ToArray();
            var slowest = Rows.MaxBy(r => r.Seconds);
            var largest = Rows.MaxBy(r => r.Peak);
            string summary = string.Create(inv,
                $"cases tried: {Rows.Count}\nhandled cleanly: {Rows.Count(r => r.Clean)}\n"
                + $"peak memory: max {HostileCase.Mb(largest.Peak)} ({largest.Name}), median {HostileCase.Mb(peaks[peaks.Length / 2])}\n"
                + $"time: max {slowest.Seconds:F1} s ({slowest.Name}), total {Rows.Sum(r => r.Seconds):F0} s of child processes\n"
                + $"not handled cleanly: {string.Join(", ", Rows.Where(r => !r.Clean).Select(r => r.Name).Order(StringComparer.Ordinal))}\n");
            File.WriteAllText(SummaryPath, summary);
        }
    }
}
