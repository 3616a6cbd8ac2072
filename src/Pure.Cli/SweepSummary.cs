using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Pure.Cli;

/// <summary>
/// <c>pure sweep summarize DIR</c>: every run of DIR/sweep.json with its status (ok: its folder holds metrics.json and
/// model.json; failed: failure.txt; missing: neither) and its metrics, written as DIR/summary.csv and a chart
/// DIR/summary.svg of one metric per setting, and the best run by that metric.
/// </summary>
internal static class SweepSummary
{
    /// <summary>The summary table of a sweep folder.</summary>
    public const string SummaryName = "summary.csv";

    /// <summary>The summary chart of a sweep folder.</summary>
    public const string ChartName = "summary.svg";

    /// <summary>The metrics tried, in order, when --metric is not given: validation first, then test, then training.</summary>
    public static readonly string[] DefaultMetrics = ["validation-accuracy", "validation-loss", "test-accuracy", "test-loss", "final-train-loss"];

    private sealed record Row(string Name, IReadOnlyList<string> Values, string Status, IReadOnlyDictionary<string, double> Metrics, string? ModelHash);

    /// <summary>Writes summary.csv and summary.svg into <paramref name="folder"/> and prints the counts and the best run; returns 0, or 1 when no run finished.</summary>
    public static int Run(string folder, string? metric, Terminal terminal)
    {
        string planPath = Path.Combine(folder, SweepPlan.PlanName);
        if (!File.Exists(planPath)) throw new FileNotFoundException($"{planPath}: expected the plan of a sweep (written by pure sweep), got no such file.", planPath);
        using var plan = Parse(planPath);
        var keys = Read(planPath, () => plan.RootElement.GetProperty("keys").EnumerateArray().Select(k => SweepPlan.SettingNamed(k.GetString()!, planPath)).ToList());
        var rows = new List<Row>();
        var columns = new List<string>();
        foreach (var entry in Read(planPath, () => plan.RootElement.GetProperty("runs").EnumerateArray().ToList()))
        {
            string name = Read(planPath, () => entry.GetProperty("name").GetString()!);
            if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal) || name.StartsWith('.'))
                throw new InvalidDataException($"{planPath}: expected run names that are folder names, got '{name}'.");
            var settings = Read(planPath, () => entry.GetProperty("settings"));
            var values = keys.Select(key => SweepPlan.Show(key, Read(planPath, () => key.FromJson(settings.GetProperty(key.Name))))).ToList();
            string runFolder = SweepPlan.RunFolderOf(folder, name);
            string metricsPath = Path.Combine(runFolder, RunFiles.MetricsName);
            if (SweepPlan.IsFinished(runFolder))
            {
                var (metrics, hash) = Metrics(metricsPath);
                foreach (string column in metrics.Keys.Where(column => !columns.Contains(column))) columns.Add(column);
                rows.Add(new Row(name, values, "ok", metrics, hash));
            }
            else rows.Add(new Row(name, values, File.Exists(Path.Combine(runFolder, SweepPlan.FailureName)) ? "failed" : "missing", new Dictionary<string, double>(), null));
        }

        var csv = new StringBuilder();
        csv.Append(string.Join(",", new[] { "run" }.Concat(keys.Select(k => k.Name)).Append("status").Concat(columns).Append("model-sha256").Select(CsvCell.Quote))).Append('\n');
        foreach (var row in rows)
            csv.Append(string.Join(",", new[] { row.Name }.Concat(row.Values).Append(row.Status)
                .Concat(columns.Select(c => row.Metrics.TryGetValue(c, out double v) ? v.ToString("R", CultureInfo.InvariantCulture) : ""))
                .Append(row.ModelHash ?? "").Select(CsvCell.Quote))).Append('\n');
        AtomicFile.WriteText(Path.Combine(folder, SummaryName), csv.ToString());

        string chosen = metric ?? DefaultMetrics.FirstOrDefault(columns.Contains) ?? DefaultMetrics[0];
        if (metric is not null && !columns.Contains(metric))
            throw new UsageException($"--metric: expected one of the metrics of the finished runs ({(columns.Count == 0 ? "none finished" : string.Join(", ", columns))}), got '{metric}'.");
        bool higher = chosen.EndsWith("accuracy", StringComparison.Ordinal) || chosen.EndsWith("r2", StringComparison.Ordinal);
        Chart(folder, keys, rows, chosen);

        int ok = rows.Count(r => r.Status == "ok");
        terminal.Line($"wrote {Path.Combine(folder, SummaryName)}, {Path.Combine(folder, ChartName)}: {rows.Count} runs, {ok} ok, {rows.Count(r => r.Status == "failed")} failed, {rows.Count(r => r.Status == "missing")} missing");
        foreach (var row in rows.Where(r => r.Status != "ok"))
            terminal.Line($"{row.Status}: {row.Name}{(row.Status == "failed" ? $" (see {Path.Combine(SweepPlan.RunsName, row.Name, SweepPlan.FailureName)})" : "")}");
        var best = rows.Where(r => r.Metrics.TryGetValue(chosen, out double v) && double.IsFinite(v))
            .Aggregate((Row?)null, (b, r) => b is null || (higher ? r.Metrics[chosen] > b.Metrics[chosen] : r.Metrics[chosen] < b.Metrics[chosen]) ? r : b);
        if (best is null)
        {
            terminal.Error.WriteLine($"error: no finished run has {chosen}; no best run.");
            return Program.DataError;
        }
        string source = chosen.StartsWith("validation", StringComparison.Ordinal) ? "the validation part"
            : chosen.StartsWith("test", StringComparison.Ordinal) ? "the test part (the runs have no validation part)" : "the training part";
        terminal.Line($"best run by {chosen} ({(higher ? "highest" : "lowest")}, on {source}): {best.Name} = {best.Metrics[chosen].ToString("R", CultureInfo.InvariantCulture)}");
        return 0;
    }

    /// <summary>
    /// The numeric metrics of a run's metrics.json (timings left out, so that equal runs give equal rows): epochs,
    /// final-train-loss, validation-NAME and test-NAME for the numbers in "validation" and "test", and the early-stopping best epoch; and the model's SHA-256.
    /// </summary>
    private static (Dictionary<string, double> Metrics, string? Hash) Metrics(string path)
    {
        using var document = Parse(path);
        var root = document.RootElement;
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        void Add(string name, JsonElement element)
        {
            if (element.ValueKind == JsonValueKind.Number) metrics[name] = element.GetDouble();
        }
        if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path}: expected a JSON object, got {root.ValueKind.ToString().ToLowerInvariant()}.");
        if (root.TryGetProperty("epochs", out var epochs)) Add("epochs", epochs);
        if (root.TryGetProperty("final-train-loss", out var train)) Add("final-train-loss", train);
        foreach (string part in new[] { "validation", "test" })
            if (root.TryGetProperty(part, out var values) && values.ValueKind == JsonValueKind.Object)
                foreach (var member in values.EnumerateObject()) Add($"{part}-{member.Name}", member.Value);
        if (root.TryGetProperty("early-stopping", out var stopping) && stopping.ValueKind == JsonValueKind.Object && stopping.TryGetProperty("best-epoch", out var bestEpoch))
            Add("early-stopping-best-epoch", bestEpoch);
        string? hash = root.TryGetProperty("model-sha256", out var h) && h.ValueKind == JsonValueKind.String ? h.GetString() : null;
        return (metrics, hash);
    }

    /// <summary>summary.svg: the metric over the values of the first swept key, one line per combination of the other keys' values.</summary>
    private static void Chart(string folder, IReadOnlyList<Setting> keys, IReadOnlyList<Row> rows, string metric)
    {
        var categories = keys.Count == 0 ? ["run"] : rows.Select(r => r.Values[0]).Distinct(StringComparer.Ordinal).ToList();
        var groups = rows.GroupBy(r => keys.Count <= 1 ? "" : string.Join(", ", keys.Skip(1).Select((k, i) => $"{k.Name}={r.Values[i + 1]}")), StringComparer.Ordinal);
        var series = groups.Select(g => new ChartSeries(g.Key.Length == 0 ? metric : g.Key,
            [.. categories.Select(c => g.FirstOrDefault(r => keys.Count == 0 || r.Values[0] == c) is { } r && r.Metrics.TryGetValue(metric, out double v) ? (double?)v : null)])).ToList();
        var document = SvgChart.Render($"{metric} per setting ({Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)))})", metric,
            [.. Enumerable.Range(0, categories.Count)], series, categories, keys.Count == 0 ? "run" : keys[0].Name);
        AtomicFile.Write(Path.Combine(folder, ChartName), stream => document.Save(stream));
    }

    /// <summary>A JSON file read within the <c>--limit</c> values (size, nesting, UTF-8, duplicate keys); a parse error names the file.</summary>
    private static JsonDocument Parse(string path)
    {
        byte[] bytes = JsonInput.ReadFile(path, LimitOptions.Current);
        try { return JsonDocument.Parse(bytes); }
        catch (JsonException problem) { throw new InvalidDataException($"{path}: {problem.Message}", problem); }
    }

    private static T Read<T>(string path, Func<T> read)
    {
        try { return read(); }
        catch (Exception problem) when (problem is KeyNotFoundException or InvalidOperationException or FormatException or NullReferenceException)
        {
            throw new InvalidDataException($"{path}: expected a sweep plan (keys; runs with name and settings), got a file without them: {problem.Message}", problem);
        }
    }
}
