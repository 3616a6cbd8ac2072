using System.Collections.Immutable;
using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Pure.Cli;

/// <summary>One swept setting: the values it takes, in the order given (as they resolve: the flag's or the JSON's reading).</summary>
/// <param name="Setting">The row of <see cref="Settings"/>.</param>
/// <param name="Values">The values, boxed (null: not given, the default).</param>
internal sealed record SweepAxis(Setting Setting, ImmutableArray<object?> Values);

/// <summary>One run of a sweep.</summary>
/// <param name="Index">Its place in the product, from 0 (the Slurm array task id).</param>
/// <param name="Name">Its folder's name under <c>runs/</c>: the index on three digits or more, then key=value pairs.</param>
/// <param name="Values">The swept settings' values of this run, one per axis.</param>
/// <param name="Experiment">The fully resolved experiment of the run (paths of files made absolute).</param>
internal sealed record SweepRun(int Index, string Name, ImmutableArray<object?> Values, Experiment Experiment)
{
    /// <summary>The text of the run's experiment.json.</summary>
    public string ExperimentText => Experiment.ToJsonText();
}

/// <summary>
/// The plan of <c>pure sweep</c>: the grid (the experiment file's <c>grid</c> block, then <c>--grid key=v1,v2</c> flags,
/// which replace a key of the block or add one), expanded into the Cartesian product, every run resolved and checked by
/// the rows of <see cref="Settings"/> before anything is written, then written as <c>DIR/runs/NAME/experiment.json</c>
/// and <c>DIR/sweep.json</c>.
/// </summary>
internal static class SweepPlan
{
    /// <summary>The member of an experiment file holding the grid.</summary>
    public const string GridKey = "grid";

    /// <summary>The plan file of a sweep folder.</summary>
    public const string PlanName = "sweep.json";

    /// <summary>The folder of the runs inside a sweep folder.</summary>
    public const string RunsName = "runs";

    /// <summary>The folder of the runs' output logs inside a sweep folder.</summary>
    public const string LogsName = "logs";

    /// <summary>The file recording a failed run in its folder: "exit-code: N", then the last lines of its error output.</summary>
    public const string FailureName = "failure.txt";

    /// <summary>The most runs a sweep may have.</summary>
    public const int MaxRuns = 10_000;

    /// <summary>The setting a grid key names: its row's name, with underscores read as dashes (learning_rate is learning-rate).</summary>
    public static Setting SettingNamed(string key, string where) =>
        Settings.All.FirstOrDefault(s => s.Name == key.Replace('_', '-'))
        ?? throw new UsageException($"{where}: expected one of the settings {string.Join(", ", Settings.All.Select(s => s.Name))}, got the unknown key '{key}'.");

    /// <summary>An axis of <c>--grid key=v1,v2</c>: values separated by commas; a value holding commas (layers, dropout) in brackets, e.g. layers=[64,32],[128].</summary>
    public static SweepAxis FromFlag(string text)
    {
        int equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0) throw new UsageException($"--grid: expected key=value1,value2,..., e.g. learning-rate=0.1,0.01, got '{text}'.");
        string key = text[..equals].Trim();
        var setting = SettingNamed(key, "--grid");
        var values = ImmutableArray.CreateBuilder<object?>();
        foreach (string cell in SplitValues(text[(equals + 1)..], text))
        {
            var command = new Command("grid");
            var option = setting.CreateOption();
            command.Options.Add(option);
            var parsed = command.Parse([setting.Flag, cell]);
            if (parsed.Errors.Count > 0) throw new UsageException($"--grid {key}: value '{cell}': {parsed.Errors[0].Message}");
            try { values.Add(setting.FromFlag(parsed, option) ?? throw new UsageException($"--grid {key}: expected a value, got '{cell}'.")); }
            catch (UsageException problem) when (!problem.Message.StartsWith("--grid", StringComparison.Ordinal))
            {
                throw new UsageException($"--grid {key}: value '{cell}': {problem.Message}");
            }
        }
        return Checked(new SweepAxis(setting, values.ToImmutable()), $"--grid {key}");
    }

    /// <summary>The axes of an experiment file's <c>grid</c> object: each member a setting's name and an array of its values as the file writes them.</summary>
    public static IReadOnlyList<SweepAxis> FromJson(JsonElement grid, string path)
    {
        if (grid.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{path}: $.{GridKey}: expected an object of setting names and arrays of values, got {grid.ValueKind.ToString().ToLowerInvariant()}.");
        var axes = new List<SweepAxis>();
        foreach (var member in grid.EnumerateObject())
        {
            string where = $"{path}: $.{GridKey}.{member.Name}";
            Setting setting;
            try { setting = SettingNamed(member.Name, where); }
            catch (UsageException problem) { throw new InvalidDataException(problem.Message, problem); }
            if (member.Value.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException($"{where}: expected an array of values, got {member.Value.ValueKind.ToString().ToLowerInvariant()}.");
            var values = ImmutableArray.CreateBuilder<object?>();
            int i = 0;
            foreach (var item in member.Value.EnumerateArray())
            {
                try { values.Add(setting.FromJson(item)); }
                catch (FormatException problem) { throw new InvalidDataException($"{where}[{i}]: {problem.Message}.", problem); }
                i++;
            }
            if (axes.Any(axis => axis.Setting == setting)) throw new InvalidDataException($"{where}: expected each setting once, got {setting.Name} twice.");
            try { axes.Add(Checked(new SweepAxis(setting, values.ToImmutable()), where)); }
            catch (UsageException problem) { throw new InvalidDataException(problem.Message, problem); }
        }
        return axes;
    }

    /// <summary>The axes of the file, each replaced by a flag's axis of the same setting, then the flags' other axes in their order; a setting given by two flags is refused.</summary>
    public static IReadOnlyList<SweepAxis> Merge(IReadOnlyList<SweepAxis> file, IReadOnlyList<SweepAxis> flags)
    {
        foreach (var axis in flags)
            if (flags.Count(other => other.Setting == axis.Setting) > 1)
                throw new UsageException($"--grid: expected each setting once, got {axis.Setting.Name} in two --grid options.");
        return [.. file.Select(axis => flags.FirstOrDefault(flag => flag.Setting == axis.Setting) ?? axis), .. flags.Where(flag => file.All(axis => axis.Setting != flag.Setting))];
    }

    /// <summary>
    /// The Cartesian product of <paramref name="axes"/> (the first axis varies slowest) over <paramref name="file"/>, each run the
    /// defaults, then the file, then its values (a patience turns early stopping on, as the flag does), resolved and checked by the
    /// rows of <see cref="Settings"/>. Paths of files (data, test data, checkpoint) are made absolute, as seen from the current folder.
    /// </summary>
    public static IReadOnlyList<SweepRun> Expand(Experiment file, IReadOnlyList<SweepAxis> axes)
    {
        long count = axes.Aggregate(1L, (product, axis) => product * axis.Values.Length);
        if (count > MaxRuns) throw new UsageException($"--grid: expected at most {MaxRuns} runs, got {count} ({string.Join(" x ", axes.Select(a => a.Values.Length))}).");
        int width = Math.Max(3, (count - 1).ToString(CultureInfo.InvariantCulture).Length);
        var runs = new List<SweepRun>((int)count);
        for (int index = 0; index < count; index++)
        {
            var values = ImmutableArray.CreateBuilder<object?>(axes.Count);
            long rest = index;
            for (int a = axes.Count - 1; a >= 0; a--)
            {
                values.Insert(0, axes[a].Values[(int)(rest % axes[a].Values.Length)]);
                rest /= axes[a].Values.Length;
            }
            var given = values.ToImmutable();
            string name = index.ToString("D" + width.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)
                + string.Concat(axes.Select((axis, a) => (a == 0 ? "-" : "_") + axis.Setting.Name + "=" + NamePart(Show(axis.Setting, given[a]))));
            var grid = axes.Select((axis, a) => (axis.Setting, Value: given[a])).Aggregate(new Experiment(), (e, pair) => e.SetBoxed(pair.Setting, pair.Value));
            if (grid.Get(Settings.Patience) is not null && grid.Get(Settings.EarlyStopping) is null) grid = grid.Set(Settings.EarlyStopping, true);
            Experiment resolved;
            try { resolved = Experiment.Defaults.With(file).With(grid).Resolve(); }
            catch (UsageException problem)
            {
                throw new UsageException($"sweep run {name} ({string.Join(", ", axes.Select((axis, a) => $"{axis.Setting.Name}={Show(axis.Setting, given[a])}"))}): {problem.Message}");
            }
            runs.Add(new SweepRun(index, name, given, Absolute(resolved)));
        }
        return runs;
    }

    /// <summary>
    /// Writes the plan into <paramref name="folder"/>: each unfinished run's experiment.json (a finished run's folder is left as it is), then sweep.json.
    /// An existing sweep.json of another plan (other keys, values or settings) is refused before anything is written.
    /// </summary>
    public static void Write(string folder, IReadOnlyList<SweepAxis> axes, IReadOnlyList<SweepRun> runs)
    {
        string plan = Plan(axes, runs);
        string planPath = Path.Combine(folder, PlanName);
        if (File.Exists(planPath) && File.ReadAllText(planPath) != plan)
            throw new InvalidDataException($"{planPath}: expected the plan of this sweep, got another sweep's (other keys, values or base settings); give another --output, or delete {folder} to start over.");
        foreach (var run in runs)
        {
            string runFolder = RunFolderOf(folder, run.Name);
            if (IsFinished(runFolder)) continue;
            Directory.CreateDirectory(runFolder);
            AtomicFile.WriteText(Path.Combine(runFolder, "experiment.json"), run.ExperimentText);
        }
        Directory.CreateDirectory(Path.Combine(folder, LogsName));
        AtomicFile.WriteText(planPath, plan);
    }

    /// <summary>The folder of the run <paramref name="name"/> in the sweep folder <paramref name="folder"/>.</summary>
    public static string RunFolderOf(string folder, string name) => Path.Combine(folder, RunsName, name);

    /// <summary>True when the run folder holds a published result (metrics.json and model.json, written together by <see cref="RunFolder.Publish"/>).</summary>
    public static bool IsFinished(string runFolder) =>
        File.Exists(Path.Combine(runFolder, RunFiles.MetricsName)) && File.Exists(Path.Combine(runFolder, RunFiles.ModelName));

    /// <summary>A value as a flag takes it, or "none" for null (not given).</summary>
    public static string Show(Setting setting, object? value) => value is null ? "none" : setting.Show(value);

    /// <summary>
    /// sweep.json: the swept keys, then each run's index, name, swept values (as the experiment file writes them) and the
    /// SHA-256 of its experiment.json, so that a changed base file or grid is told apart from the same sweep resumed.
    /// </summary>
    private static string Plan(IReadOnlyList<SweepAxis> axes, IReadOnlyList<SweepRun> runs)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = Experiment.JsonOptions.Encoder }))
        {
            writer.WriteStartObject();
            writer.WriteString("format", "pure-sweep");
            writer.WriteNumber("version", 1);
            writer.WriteStartArray("keys");
            foreach (var axis in axes) writer.WriteStringValue(axis.Setting.Name);
            writer.WriteEndArray();
            writer.WriteStartArray("runs");
            foreach (var run in runs)
            {
                writer.WriteStartObject();
                writer.WriteNumber("index", run.Index);
                writer.WriteString("name", run.Name);
                writer.WriteStartObject("settings");
                for (int a = 0; a < axes.Count; a++)
                {
                    writer.WritePropertyName(axes[a].Setting.Name);
                    axes[a].Setting.Write(writer, run.Values[a]);
                }
                writer.WriteEndObject();
                writer.WriteString("experiment-sha256", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(run.ExperimentText))));
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    /// <summary>The values of a grid flag: split at commas outside brackets, brackets removed; empty or repeated values refused.</summary>
    private static List<string> SplitValues(string text, string flag)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        int depth = 0;
        foreach (char c in text)
        {
            if (c == '[') depth++;
            if (c == ']') depth--;
            if (depth < 0 || depth > 1) throw new UsageException($"--grid: expected values separated by commas, a value with commas in brackets (layers=[64,32],[128]), got '{flag}'.");
            if (c == ',' && depth == 0)
            {
                cells.Add(cell.ToString().Trim());
                cell.Clear();
            }
            else if (c is not '[' and not ']') cell.Append(c);
        }
        if (depth != 0) throw new UsageException($"--grid: expected closed brackets, got '{flag}'.");
        cells.Add(cell.ToString().Trim());
        if (cells.Any(c => c.Length == 0)) throw new UsageException($"--grid: expected a value between every two commas, got '{flag}'.");
        return cells;
    }

    /// <summary>The axis, refused when it has no value or a value twice.</summary>
    private static SweepAxis Checked(SweepAxis axis, string where)
    {
        if (axis.Values.Length == 0) throw new UsageException($"{where}: expected at least one value, got none.");
        var shown = axis.Values.Select(v => Show(axis.Setting, v)).ToList();
        string? twice = shown.GroupBy(s => s, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1)?.Key;
        return twice is null ? axis : throw new UsageException($"{where}: expected distinct values, got {twice} twice.");
    }

    /// <summary>A value as part of a folder name: commas become x, characters other than letters, digits and . + - = become _, at most 40 characters.</summary>
    private static string NamePart(string value)
    {
        var text = new StringBuilder();
        foreach (char c in value.Replace(',', 'x'))
            text.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '+' or '-' ? c : '_');
        return text.Length <= 40 ? text.ToString() : text.ToString(text.Length - 40, 40);
    }

    /// <summary>The experiment with its file paths (data, test data, checkpoint) made absolute, as seen from the current folder.</summary>
    private static Experiment Absolute(Experiment experiment)
    {
        foreach (var setting in new[] { Settings.Data, Settings.TestData, Settings.Resume })
            if (experiment.Get(setting) is string path) experiment = experiment.Set(setting, Path.GetFullPath(path));
        return experiment;
    }
}
