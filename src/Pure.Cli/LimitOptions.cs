using System.CommandLine;
using System.Globalization;

namespace Pure.Cli;

/// <summary>
/// The <c>--limit name=value</c> option of every command: raises (or lowers) one of the <see cref="ReadLimits"/> that
/// every reader checks before it allocates, e.g. <c>--limit classes=20000 --limit samples-x-features=500000000</c>.
/// </summary>
internal static class LimitOptions
{
    /// <summary>The option's name.</summary>
    public const string Name = "--limit";

    private static readonly AsyncLocal<ReadLimits?> CurrentLimits = new();

    /// <summary>The limits of the command being run: the defaults with the <c>--limit</c> values applied.</summary>
    public static ReadLimits Current => CurrentLimits.Value ?? ReadLimits.Default;

    /// <summary>Adds <c>--limit</c> to <paramref name="root"/> and, recursively, to every subcommand.</summary>
    public static void AddTo(RootCommand root) => root.Options.Add(new Option<string[]>(Name)
    {
        HelpName = "name=value",
        Recursive = true,
        AllowMultipleArgumentsPerToken = false,
        Description = $"Raise a resource limit for input you trust, e.g. --limit classes=20000 (repeatable); names: {string.Join(", ", ReadLimits.Names)}; see docs/data.md",
    });

    /// <summary>Sets <see cref="Current"/> from the <c>--limit</c> values of <paramref name="parsed"/> (the defaults when there are none).</summary>
    /// <exception cref="UsageException">A value is not name=value with a known name and a whole number of 1 or more.</exception>
    public static void Apply(ParseResult parsed) => CurrentLimits.Value = Parse(parsed.GetValue<string[]>(Name) ?? []);

    /// <summary>The defaults with each "name=value" of <paramref name="settings"/> applied in order.</summary>
    /// <exception cref="UsageException">A setting is malformed or names an unknown limit.</exception>
    public static ReadLimits Parse(IEnumerable<string> settings)
    {
        var limits = ReadLimits.Default;
        foreach (string setting in settings)
        {
            var (name, value) = ParseOne(setting);
            try { limits = limits.With(name, value); }
            catch (ArgumentException problem) { throw new UsageException($"{Name}: {Program.WithoutParameter(problem)}"); }
        }
        return limits;
    }

    /// <summary>
    /// The <c>--limit</c> values of <paramref name="parsed"/> as command-line words for another pure command, each
    /// written again as name=value (a child run of a sweep reads its data under the same limits).
    /// </summary>
    /// <exception cref="UsageException">A setting is malformed or names an unknown limit.</exception>
    public static IReadOnlyList<string> Words(ParseResult parsed) =>
        [.. (parsed.GetValue<string[]>(Name) ?? []).Select(ParseOne).SelectMany(limit => new[] { Name, string.Create(CultureInfo.InvariantCulture, $"{limit.Name}={limit.Value}") })];

    private static (string Name, long Value) ParseOne(string setting)
    {
        int equals = setting.IndexOf('=', StringComparison.Ordinal);
        string name = equals < 0 ? setting : setting[..equals].Trim();
        string text = equals < 0 ? "" : setting[(equals + 1)..].Trim().Replace("_", "", StringComparison.Ordinal);
        if (!ReadLimits.Names.Contains(name))
            throw new UsageException($"{Name}: expected name=value with a name among {string.Join(", ", ReadLimits.Names)}, got '{setting}'.");
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value < 1)
            throw new UsageException($"{Name}: expected a whole number of 1 or more for {name}, got '{setting}'.");
        return (name, value);
    }

    /// <summary>Refuses labels with more distinct classes than <see cref="ReadLimits.MaxClasses"/> before any one-hot matrix is built.</summary>
    public static void CheckClasses(IEnumerable<string> labels, string source)
    {
        var limits = Current;
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        foreach (string label in labels)
            if (distinct.Add(label) && distinct.Count > limits.MaxClasses)
                throw LimitExceeded.Create(source, "classes", limits.MaxClasses, distinct.Count, "more distinct class labels than the limit, refused at the label " + limits.Echo(label));
    }
}
