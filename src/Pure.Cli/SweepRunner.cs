using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Pure.Cli;

/// <summary>
/// Runs a written sweep plan: <c>--jobs N</c> on this machine (child processes of <c>pure train</c>, N at a time), or
/// <c>--emit slurm</c>, a job-array script that runs the same command, one array task per run.
/// </summary>
internal static class SweepRunner
{
    /// <summary>The Slurm script of a sweep folder.</summary>
    public const string ScriptName = "sweep.sbatch";

    /// <summary>The lines of a failed run's error output kept in its failure.txt.</summary>
    public const int FailureTailLines = 40;

    /// <summary>
    /// The command that runs this program: this executable when it is the apphost Pure.Cli, else <c>dotnet Pure.Cli.dll</c>
    /// (the dotnet that runs this process, when it is one).
    /// </summary>
    public static IReadOnlyList<string> CurrentPure()
    {
        string dll = typeof(Program).Assembly.Location;
        string? host = Environment.ProcessPath;
        if (host is not null && Path.GetFileNameWithoutExtension(host) == "dotnet") return [host, dll];
        string apphost = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "Pure.Cli.exe" : "Pure.Cli");
        if (host is not null && string.Equals(Path.GetFullPath(host), Path.GetFullPath(apphost), StringComparison.Ordinal)) return [host];
        return [Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } dotnet ? dotnet : "dotnet", dll];
    }

    /// <summary>
    /// Runs every unfinished run, <paramref name="jobs"/> at a time, as <c>pure train --experiment F --output FOLDER</c> and
    /// <paramref name="options"/> (the sweep's <c>--limit</c> values), with its output in logs/NAME.out and logs/NAME.err;
    /// prints one line per run and the counts. A failed run gets failure.txt (exit code and the last lines of its error
    /// output) and the others go on. Returns 0, or 1 when a run failed.
    /// </summary>
    public static int RunJobs(string folder, IReadOnlyList<SweepRun> runs, int jobs, IReadOnlyList<string> pure, IReadOnlyList<string> options, Terminal terminal)
    {
        int ok = 0, failed = 0, done = 0;
        var pending = new List<SweepRun>();
        foreach (var run in runs)
        {
            if (SweepPlan.IsFinished(SweepPlan.RunFolderOf(folder, run.Name))) terminal.Line($"skipped {run.Name}: finished before");
            else pending.Add(run);
        }
        int skipped = runs.Count - pending.Count;
        terminal.Line($"sweep {folder}: {runs.Count} runs, {skipped} finished before, {pending.Count} to run, {jobs} at a time");
        var gate = new Lock();
        Parallel.ForEach(pending, new ParallelOptions { MaxDegreeOfParallelism = jobs }, run =>
        {
            var clock = Stopwatch.StartNew();
            var (code, error) = RunOne(folder, run, pure, options);
            lock (gate)
            {
                done++;
                if (code == 0) ok++;
                else failed++;
                string last = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
                terminal.Line($"[{done}/{pending.Count}] {(code == 0 ? "ok" : "FAILED")} {run.Name} ({clock.Elapsed.TotalSeconds:F1} s{(code == 0 ? "" : $", exit code {code}: {last}")})");
            }
        });
        terminal.Line($"sweep {folder}: {ok} ok, {failed} failed, {skipped} skipped (finished before)");
        if (failed > 0) terminal.Error.WriteLine($"error: {failed} of {pending.Count} runs failed; see {SweepPlan.FailureName} in their folders and {SweepPlan.LogsName}/NAME.err; run the same command again to retry them.");
        return failed == 0 ? 0 : Program.DataError;
    }

    /// <summary>Writes the Slurm job-array script of the sweep and returns its path.</summary>
    /// <param name="folder">The sweep folder (on storage the nodes share).</param>
    /// <param name="runs">The runs; task i runs run i.</param>
    /// <param name="pure">The command that runs pure on the nodes.</param>
    /// <param name="trainOptions">Words added to every run's <c>pure train</c> (the sweep's <c>--limit</c> values).</param>
    /// <param name="options">Options for <c>#SBATCH</c> lines, such as --time=00:10:00.</param>
    public static string EmitSlurm(string folder, IReadOnlyList<SweepRun> runs, IReadOnlyList<string> pure, IReadOnlyList<string> trainOptions, IReadOnlyList<string> options)
    {
        string full = Path.GetFullPath(folder), logs = Path.Combine(full, SweepPlan.LogsName);
        var script = new StringBuilder();
        void Line(string text) => script.Append(text).Append('\n');
        Line("#!/bin/bash");
        Line("# Written by pure sweep --emit slurm: one array task per run of sweep.json; task i runs");
        string extra = string.Concat(trainOptions.Select(word => " " + Quote(word)));
        Line("#   pure train --experiment runs/NAME/experiment.json --output runs/NAME" + extra);
        Line("# for the i-th NAME below. Submit with: sbatch " + full + "/" + ScriptName);
        Line("# Submitting again runs only what is unfinished: a task whose run folder holds metrics.json and model.json does nothing.");
        Line("#SBATCH --job-name=pure-sweep");
        Line($"#SBATCH --array=0-{runs.Count - 1}");
        Line($"#SBATCH --output={logs}/slurm-%A_%a.out");
        Line($"#SBATCH --error={logs}/slurm-%A_%a.err");
        foreach (string option in options) Line("#SBATCH " + option);
        Line("set -u");
        Line("sweep=" + Quote(full));
        Line("pure=(" + string.Join(" ", pure.Select(Quote)) + ")");
        Line("runs=(");
        foreach (var run in runs) Line("    " + Quote(run.Name));
        Line(")");
        Line($"task=${{SLURM_ARRAY_TASK_ID:?expected SLURM_ARRAY_TASK_ID, 0 to {runs.Count - 1}}}");
        Line("if (( task < 0 || task >= ${#runs[@]} )); then echo \"error: SLURM_ARRAY_TASK_ID $task: expected 0 to $(( ${#runs[@]} - 1 ))\" >&2; exit 2; fi");
        Line("run=${runs[$task]}");
        Line("folder=$sweep/runs/$run");
        Line("if [[ -f $folder/metrics.json && -f $folder/model.json ]]; then echo \"skipped $run: finished before\"; exit 0; fi");
        Line("mkdir -p \"$sweep/logs\"");
        Line("err=$sweep/logs/$run.err");
        Line("status=0");
        Line("\"${pure[@]}\" train --experiment \"$folder/experiment.json\" --output \"$folder\"" + extra + " 2> \"$err\" || status=$?");
        Line("cat \"$err\" >&2");
        Line("if (( status != 0 )); then");
        Line($"    {{ echo \"exit-code: $status\"; tail -n {FailureTailLines} \"$err\"; }} > \"$folder/{SweepPlan.FailureName}\"");
        Line("    echo \"failed $run: exit code $status\" >&2");
        Line("else");
        Line("    echo \"ok $run\"");
        Line("fi");
        Line("exit $status");
        string path = Path.Combine(full, ScriptName);
        AtomicFile.WriteText(path, script.ToString());
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return path;
    }

    /// <summary>Runs one run as a child process; returns its exit code and its error output. A failure writes failure.txt into the run folder.</summary>
    private static (int Code, string Error) RunOne(string folder, SweepRun run, IReadOnlyList<string> pure, IReadOnlyList<string> options)
    {
        string runFolder = SweepPlan.RunFolderOf(folder, run.Name), logs = Path.Combine(folder, SweepPlan.LogsName);
        Directory.CreateDirectory(logs);
        var start = new ProcessStartInfo(pure[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in pure.Skip(1)) start.ArgumentList.Add(arg);
        foreach (string arg in new[] { "train", "--experiment", Path.Combine(runFolder, "experiment.json"), "--output", runFolder }.Concat(options)) start.ArgumentList.Add(arg);
        int code;
        string error;
        try
        {
            using var process = Process.Start(start) ?? throw new IOException($"{pure[0]}: did not start.");
            using var outFile = File.Create(Path.Combine(logs, run.Name + ".out"));
            var copyOut = process.StandardOutput.BaseStream.CopyToAsync(outFile);
            var readError = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            copyOut.Wait();
            error = readError.Result;
            code = process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception problem)
        {
            (code, error) = (127, $"{string.Join(" ", pure)}: could not start: {problem.Message}\n");
        }
        File.WriteAllText(Path.Combine(logs, run.Name + ".err"), error);
        if (code != 0)
        {
            var tail = error.Split('\n').SkipLast(error.EndsWith('\n') ? 1 : 0).TakeLast(FailureTailLines);
            File.WriteAllText(Path.Combine(runFolder, SweepPlan.FailureName),
                string.Create(CultureInfo.InvariantCulture, $"exit-code: {code}\n") + string.Concat(tail.Select(line => line + "\n")));
        }
        return (code, error);
    }

    /// <summary>A word for bash: in single quotes, a single quote written as '\''.</summary>
    public static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
