using System.Globalization;
using System.Text.Json;

namespace Pure.Benchmarks;

/// <summary>A bad command line; Program prints the message and exits with code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>"--name value" options after the mode.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public Options(IReadOnlyList<string> args, IReadOnlySet<string> known)
    {
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i];
            if (!name.StartsWith("--", StringComparison.Ordinal) || !known.Contains(name[2..]))
                throw new UsageException($"unknown option '{name}' (expected one of {string.Join(", ", known.Select(k => "--" + k))})");
            if (i + 1 >= args.Count) throw new UsageException($"option '{name}' needs a value");
            if (!_values.TryAdd(name[2..], args[++i])) throw new UsageException($"option '{name}' given twice");
        }
    }

    public bool Has(string name) => _values.ContainsKey(name);

    public string? String(string name)
    {
        _used.Add(name);
        return _values.TryGetValue(name, out var value) ? value : null;
    }

    public int Int(string name, int fallback, int minimum = 1)
    {
        var text = String(name);
        if (text is null) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < minimum)
            throw new UsageException($"--{name} expects an integer of at least {minimum}, got '{text}'");
        return value;
    }

    public double Double(string name, double fallback, double minimum, double maximum)
    {
        var text = String(name);
        if (text is null) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value > minimum && value < maximum))
            throw new UsageException($"--{name} expects a number in ({minimum}, {maximum}), got '{text}'");
        return value;
    }
}

/// <summary>One JSON object per line, numbers in invariant culture.</summary>
internal static class JsonLine
{
    private static readonly JsonSerializerOptions Settings = new() { WriteIndented = false };

    public static void Write(IReadOnlyDictionary<string, object?> fields)
    {
        Console.Out.WriteLine(JsonSerializer.Serialize(fields, Settings));
        Console.Out.Flush();
    }

    /// <summary>The median of <paramref name="values"/> (the mean of the middle two for an even count).</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    public static double Round(double value, int digits) => Math.Round(value, digits, MidpointRounding.AwayFromZero);
}
