using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Pure.Hostile.Tests.Support;

/// <summary>What one run of the built <c>pure</c> command did.</summary>
/// <param name="ExitCode">The exit code, or -1 when the run was killed at the time limit.</param>
/// <param name="Out">Standard output (cut after <see cref="PureProcess.KeptCharacters"/> characters).</param>
/// <param name="Error">Standard error (cut likewise).</param>
/// <param name="Elapsed">From start to exit.</param>
/// <param name="PeakBytes">The peak working set: what <c>pure</c> wrote to PURE_PEAK_MEMORY_FILE, else the largest VmHWM seen while polling.</param>
/// <param name="PeakSource">"hook" or "VmHWM".</param>
/// <param name="TimedOut">True when the run was killed at the time limit.</param>
public sealed record PureRun(int ExitCode, string Out, string Error, TimeSpan Elapsed, long PeakBytes, string PeakSource, bool TimedOut)
{
    /// <summary>The non-empty lines of standard error.</summary>
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>Runs the built <c>pure</c> (Pure.Cli.dll, copied next to the tests) as a child process, at most two at a time.</summary>
public static class PureProcess
{
    /// <summary>How much of each output stream is kept.</summary>
    public const int KeptCharacters = 1 << 20;

    /// <summary>
    /// The GC heap limit given to every child (2 GiB): far above every bound the suite asserts, it only keeps a
    /// runaway input from taking the machine down; hitting it fails the case like any other excess.
    /// </summary>
    public const string HeapHardLimit = "0x80000000";

    private static readonly SemaphoreSlim Slots = new(2);

    /// <summary>The built command.</summary>
    public static string CliPath { get; } = Path.Combine(AppContext.BaseDirectory, "Pure.Cli.dll");

    /// <summary>Runs <c>pure</c> with <paramref name="args"/> in <paramref name="folder"/>, killing it after <paramref name="limit"/>.</summary>
    public static PureRun Run(string folder, TimeSpan limit, IReadOnlyList<string> args)
    {
        Slots.Wait();
        try { return RunAlone(folder, limit, args); }
        finally { Slots.Release(); }
    }

    private static PureRun RunAlone(string folder, TimeSpan limit, IReadOnlyList<string> args)
    {
        string peakFile = Path.Combine(folder, $".peak-{Guid.NewGuid():N}");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(CliPath);
        foreach (string arg in args) start.ArgumentList.Add(arg);
        start.Environment["PURE_PEAK_MEMORY_FILE"] = peakFile;
        start.Environment["DOTNET_GCHeapHardLimit"] = HeapHardLimit;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["NO_COLOR"] = "1";

        var output = new Capped();
        var error = new Capped();
        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, line) => output.Add(line.Data);
        process.ErrorDataReceived += (_, line) => error.Add(line.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        long highWater = 0;
        bool timedOut = false;
        while (!process.WaitForExit(20))
        {
            highWater = Math.Max(highWater, HighWaterMark(process.Id));
            if (clock.Elapsed > limit)
            {
                timedOut = true;
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                break;
            }
        }
        process.WaitForExit();
        var elapsed = clock.Elapsed;
        long peak = File.Exists(peakFile) && long.TryParse(File.ReadAllText(peakFile), NumberStyles.None, CultureInfo.InvariantCulture, out long hook) ? hook : -1;
        if (File.Exists(peakFile)) File.Delete(peakFile);
        return new PureRun(timedOut ? -1 : process.ExitCode, output.Text, error.Text, elapsed,
            peak >= 0 ? peak : highWater, peak >= 0 ? "hook" : "VmHWM", timedOut);
    }

    /// <summary>VmHWM of <paramref name="pid"/> in bytes (Linux), or 0 when it cannot be read.</summary>
    private static long HighWaterMark(int pid)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return 1024 * long.Parse(line["VmHWM:".Length..].Replace("kB", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return 0;
    }

    /// <summary>Lines received from a stream, kept up to <see cref="KeptCharacters"/>.</summary>
    private sealed class Capped
    {
        private readonly StringBuilder _text = new();

        public void Add(string? line)
        {
            if (line is null) return;
            lock (_text)
            {
                if (_text.Length >= KeptCharacters) return;
                _text.Append(line.Length > KeptCharacters ? line[..KeptCharacters] : line).Append('\n');
            }
        }

        public string Text { get { lock (_text) return _text.ToString(); } }
    }
}
