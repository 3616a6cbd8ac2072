using System.CommandLine;
using System.Text.Json;

namespace Pure.Cli;

/// <summary>
/// The <c>pure</c> command. With no command it runs the digits job: a 64-100-10 network (ReLU, softmax, categorical
/// cross-entropy, Adam) trained on the embedded digits set with a seeded, stratified 25% hold-out, ending with the
/// line <c>test accuracy: 0.xxxx</c>. The commands <c>train</c>, <c>evaluate</c>, <c>predict</c>, <c>gradcheck</c> and
/// <c>info</c> are described by <c>pure --help</c> and docs/cli.md.
/// </summary>
public static class Program
{
    /// <summary>Exit code of a wrong command line: an unknown command or option, a value that does not parse or is out of range.</summary>
    public const int UsageError = 2;

    /// <summary>Exit code of a missing or bad file (data, model, checkpoint, experiment), a failed write, or a failed (diverged) run.</summary>
    public const int DataError = 1;

    /// <summary>Entry point: 0 on success, 2 on a wrong command line, 1 on bad files and failed runs (3: a failed gradient check).</summary>
    public static int Main(string[] args)
    {
        try { return Run(args, Terminal.FromConsole()); }
        // For the hostile-input suite (tests/Hostile): the peak working set in bytes, written where PURE_PEAK_MEMORY_FILE says.
        finally { if (Environment.GetEnvironmentVariable("PURE_PEAK_MEMORY_FILE") is { Length: > 0 } peakFile) File.WriteAllText(peakFile, System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64.ToString(System.Globalization.CultureInfo.InvariantCulture)); }
    }

    /// <summary>Runs the command line <paramref name="args"/>, writing to <paramref name="output"/> and <paramref name="error"/> (plain lines, no live display).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error) => Run(args, new Terminal(output, error, Live: false));

    internal static int Run(string[] args, Terminal terminal)
    {
        var root = Commands.Build(terminal);
        try
        {
            var parsed = root.Parse(args);
            if (parsed.Errors.Count > 0)
            {
                string command = string.Join(" ", parsed.CommandResult.Command == root ? ["pure"] : new[] { "pure", parsed.CommandResult.Command.Name });
                return Fail(terminal, UsageError, $"{parsed.Errors[0].Message} (see '{command} --help')");
            }
            LimitOptions.Apply(parsed);
            return parsed.Invoke(new InvocationConfiguration { Output = terminal.Out, Error = terminal.Error, EnableDefaultExceptionHandler = false });
        }
        catch (UsageException problem) { return Fail(terminal, UsageError, problem.Message); }
        catch (TrainingDivergedException problem) { return Fail(terminal, DataError, problem.Message); }
        // The command line's values are checked before the library sees them: a library argument error comes from a file.
        catch (ArgumentException problem) { return Fail(terminal, DataError, WithoutParameter(problem)); }
        catch (Exception problem) when (problem is InvalidDataException or IOException or UnauthorizedAccessException or JsonException or FormatException)
        {
            return Fail(terminal, DataError, problem.Message);
        }
        catch (Exception problem)
        {
            return Fail(terminal, DataError, $"unexpected {problem.GetType().Name}: {problem.Message}");
        }
    }

    private static int Fail(Terminal terminal, int code, string message)
    {
        terminal.Error.WriteLine("error: " + string.Join(" ", message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
        return code;
    }

    /// <summary>The message of <paramref name="problem"/> without the " (Parameter 'name')" that .NET appends.</summary>
    internal static string WithoutParameter(ArgumentException problem) =>
        problem.ParamName is null ? problem.Message : problem.Message.Replace($" (Parameter '{problem.ParamName}')", "", StringComparison.Ordinal);
}
