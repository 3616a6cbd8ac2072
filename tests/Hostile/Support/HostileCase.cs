using System.Globalization;
using System.Text;

namespace Pure.Hostile.Tests.Support;

/// <summary>The folder of one case: files made for it, deleted after the run.</summary>
public sealed class CaseFolder
{
    /// <summary>Creates <paramref name="path"/>.</summary>
    public CaseFolder(string path)
    {
        Path = path;
        Directory.CreateDirectory(path);
    }

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    /// <summary>A path inside the folder.</summary>
    public string this[string name] => System.IO.Path.Combine(Path, name);

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="name"/> and returns its path.</summary>
    public string Write(string name, byte[] bytes)
    {
        File.WriteAllBytes(this[name], bytes);
        return this[name];
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 without a byte-order mark and returns its path.</summary>
    public string Write(string name, string text) => Write(name, new UTF8Encoding(false).GetBytes(text));
}

/// <summary>
/// One hostile input: how to make its files and command line, and what <c>pure</c> must do with it.
/// </summary>
/// <param name="Name">A readable, unique name: reader/defect.</param>
/// <param name="ExpectedExit">2 for a wrong command line, 1 for a bad file or a failed run, 0 for data that must be accepted.</param>
/// <param name="Named">For a refused file: text the error line must contain (the file's name); null for command-line cases.</param>
/// <param name="Make">Makes the case's files in its folder and returns the arguments of <c>pure</c>.</param>
/// <param name="AcceptedBytes">For accepted data: the size of the data (elements x dtype size, plus parameters) that the memory bound allows 4 times.</param>
public sealed record HostileCase(string Name, int ExpectedExit, string? Named, Func<CaseFolder, string[]> Make, long AcceptedBytes = 0)
{
    /// <summary>
    /// For inputs that a limit may accept or refuse (their default is the limits' to set): the other exit code allowed.
    /// A run that exits with it is held to the refused bounds (one error line naming the file, 256 MB).
    /// </summary>
    public int? OrExit { get; init; }

    /// <summary>A command run after an accepted run (exit 0) that must succeed too, e.g. reading back the model it wrote.</summary>
    public Func<CaseFolder, string[]>? Then { get; init; }

    /// <summary>Peak memory allowed for any run: 256 MB.</summary>
    public const long BaseMemory = 256L << 20;

    /// <summary>
    /// The time bound of one run: a hang detector, not a speed check (cases take well under a second alone, but a run
    /// on a loaded 2-core machine was seen to take 25 s), so it is far above any honest run.
    /// </summary>
    public static readonly TimeSpan TimeBound = TimeSpan.FromSeconds(120);

    /// <summary>The longest error line accepted: values echoed in errors must be cut.</summary>
    public const int LongestErrorLine = 1000;

    /// <summary>256 MB plus 4 times the accepted data.</summary>
    public long MemoryBound => BaseMemory + 4 * AcceptedBytes;

    /// <summary>The exit code the run is judged by: the expected one, or <see cref="OrExit"/> when the run gave that.</summary>
    private int Judged(PureRun run) => OrExit is int other && run.ExitCode == other ? other : ExpectedExit;

    /// <summary>Runs the case and asserts every promise; records the outcome for the suite's figures.</summary>
    public void Check()
    {
        var folder = new CaseFolder(System.IO.Path.Combine(Workspace.Root, "cases", Workspace.Safe(Name)));
        try
        {
            var args = Make(folder);
            var run = PureProcess.Run(folder.Path, TimeBound, args);
            var problems = Problems(run);
            if (problems.Count == 0 && run.ExitCode == 0 && Then is not null)
            {
                var next = PureProcess.Run(folder.Path, TimeBound, Then(folder));
                if (next.ExitCode != 0) problems.Add($"the follow-up 'pure {string.Join(" ", Then(folder))}' exited {next.ExitCode}: {Shorten(next.Error)}");
            }
            SuiteResults.Record(this, run, problems.Count == 0);
            if (problems.Count > 0)
                Assert.Fail($"{Name}: {string.Join("; ", problems)}\n  command: pure {string.Join(" ", args.Select(Shorten))}\n  exit {run.ExitCode}, "
                    + $"{run.Elapsed.TotalSeconds:F1} s, peak {Mb(run.PeakBytes)} ({run.PeakSource})\n  stderr: {Shorten(run.Error)}");
        }
        finally
        {
            if (Directory.Exists(folder.Path)) Directory.Delete(folder.Path, recursive: true);
        }
    }

    /// <summary>Every broken promise of <paramref name="run"/>; empty when the case was handled cleanly.</summary>
    public List<string> Problems(PureRun run)
    {
        var problems = new List<string>();
        if (run.TimedOut) problems.Add($"still running after {TimeBound.TotalSeconds} s (killed)");
        else if (run.ExitCode != Judged(run))
            problems.Add($"expected exit code {ExpectedExit}{(OrExit is int other ? $" or {other}" : "")}, got {run.ExitCode}");
        int judged = Judged(run);
        long bound = judged == 0 ? MemoryBound : BaseMemory;
        if (run.PeakBytes > bound) problems.Add($"peak memory {Mb(run.PeakBytes)} over the bound {Mb(bound)}");
        if (run.Error.Contains("unexpected", StringComparison.OrdinalIgnoreCase)) problems.Add("stderr says 'unexpected'");
        if (run.Error.Contains("   at ", StringComparison.Ordinal)) problems.Add("stderr holds a stack trace");
        var lines = run.ErrorLines;
        if (judged == 0)
        {
            if (lines.Any(line => line.StartsWith("error:", StringComparison.Ordinal))) problems.Add("an error line for accepted data");
            return problems;
        }
        if (lines.Length != 1) problems.Add($"expected exactly one line on stderr, got {lines.Length}");
        string line = lines.FirstOrDefault() ?? "";
        if (!line.StartsWith("error: ", StringComparison.Ordinal)) problems.Add("the stderr line does not start with 'error: '");
        if (line.Length > LongestErrorLine) problems.Add($"the error line has {line.Length} characters, over {LongestErrorLine} (echoed values must be cut)");
        if (Named is not null && !line.Contains(Named, StringComparison.Ordinal)) problems.Add($"the error line does not name '{Named}'");
        return problems;
    }

    /// <inheritdoc />
    public override string ToString() => Name;

    /// <summary>Bytes as "12.3 MB".</summary>
    public static string Mb(long bytes) => (bytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture) + " MB";

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + $"... ({text.Length} characters)";
}
