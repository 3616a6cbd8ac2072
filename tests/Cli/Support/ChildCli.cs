using System.Diagnostics;

namespace Pure.Cli.Tests.Support;

/// <summary>The built <c>pure</c> (Pure.Cli.dll beside the test assembly) run as a child process, to be killed or to run to the end.</summary>
public static class ChildCli
{
    /// <summary>The path of Pure.Cli.dll, copied beside the test assembly by the project reference.</summary>
    public static string Dll { get; } = Path.Combine(AppContext.BaseDirectory, "Pure.Cli.dll");

    /// <summary>Starts <c>dotnet Pure.Cli.dll args</c> with its output read and discarded.</summary>
    public static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Dll);
        foreach (string arg in args) start.ArgumentList.Add(arg);
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Runs <paramref name="args"/> to the end; returns the exit code and the seconds it took.</summary>
    public static (int ExitCode, double Seconds) Run(params string[] args)
    {
        var clock = Stopwatch.StartNew();
        using var process = Start(args);
        process.WaitForExit();
        return (process.ExitCode, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Runs a system command (mount, chattr); returns its exit code and its error output.</summary>
    public static (int ExitCode, string Error) System(string command, params string[] args)
    {
        try
        {
            var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string arg in args) start.ArgumentList.Add(arg);
            using var process = Process.Start(start)!;
            string error = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, error.Trim());
        }
        catch (System.ComponentModel.Win32Exception problem)
        {
            return (-1, $"{command}: {problem.Message}");
        }
    }

    /// <summary>The id of a process that has exited (for leftovers of a dead writer).</summary>
    public static int DeadProcessId()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        int id = process.Id;
        process.WaitForExit();
        return id;
    }
}
