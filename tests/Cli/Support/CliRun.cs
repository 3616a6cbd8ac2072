namespace Pure.Cli.Tests.Support;

/// <summary>The outcome of one in-process run of the <c>pure</c> command.</summary>
/// <param name="ExitCode">What Main would return.</param>
/// <param name="Out">Everything written to standard output.</param>
/// <param name="Error">Everything written to standard error.</param>
public sealed record CliRun(int ExitCode, string Out, string Error)
{
    /// <summary>Runs <paramref name="args"/> through <see cref="Program.Run(string[], TextWriter, TextWriter)"/> with captured output.</summary>
    public static CliRun Of(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = Program.Run(args, output, error);
        return new CliRun(code, output.ToString(), error.ToString());
    }

    /// <summary>The non-empty lines of standard output.</summary>
    public string[] OutLines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The lines of standard error.</summary>
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>A fresh temporary folder, deleted on dispose.</summary>
public sealed class TempFolder : IDisposable
{
    /// <summary>Creates the folder.</summary>
    public TempFolder() => Directory.CreateDirectory(Path);

    /// <summary>The folder's full path.</summary>
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "pure-cli-tests-" + Guid.NewGuid().ToString("N"));

    /// <summary>A path inside the folder.</summary>
    public string this[string name] => System.IO.Path.Combine(Path, name);

    /// <inheritdoc />
    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}
