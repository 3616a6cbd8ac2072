using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace Pure;

/// <summary>Which column of a CSV file holds the target: none, a column by header name, or a column by 0-based index.</summary>
public abstract record CsvTarget
{
    private protected CsvTarget() { }

    /// <summary>No target column: every column is a feature.</summary>
    public static CsvTarget None { get; } = new NoTarget();

    /// <summary>The column whose header is <paramref name="column"/> (ordinal comparison, surrounding spaces ignored).</summary>
    public static CsvTarget Named(string column)
    {
        ArgumentNullException.ThrowIfNull(column);
        if (column.Trim().Length == 0) throw new ArgumentException("Expected a column name, got an empty one.", nameof(column));
        return new NamedTarget(column.Trim());
    }

    /// <summary>The last column of the header, whatever its name.</summary>
    public static CsvTarget Last { get; } = new LastTarget();

    /// <summary>The column at 0-based <paramref name="index"/>.</summary>
    public static CsvTarget At(int index)
    {
        if (index < 0) throw new ArgumentOutOfRangeException(nameof(index), $"Expected a column index of 0 or more, got {index}.");
        return new IndexTarget(index);
    }

    /// <summary>The 0-based index of the target among <paramref name="header"/>, or -1 for none.</summary>
    internal abstract int Resolve(IReadOnlyList<string> header, string source);

    private sealed record NoTarget : CsvTarget
    {
        internal override int Resolve(IReadOnlyList<string> header, string source) => -1;

        public override string ToString() => "no target";
    }

    private sealed record LastTarget : CsvTarget
    {
        internal override int Resolve(IReadOnlyList<string> header, string source) => header.Count - 1;

        public override string ToString() => "the last column";
    }

    private sealed record NamedTarget(string Column) : CsvTarget
    {
        internal override int Resolve(IReadOnlyList<string> header, string source)
        {
            for (int i = 0; i < header.Count; i++)
                if (string.Equals(header[i], Column, StringComparison.Ordinal)) return i;
            throw new ArgumentException(
                $"Expected a target column named '{Column}' in {source}; its columns are {string.Join(", ", header.Select(name => $"'{name}'"))}.", "target");
        }

        public override string ToString() => $"the column '{Column}'";
    }

    private sealed record IndexTarget(int Index) : CsvTarget
    {
        internal override int Resolve(IReadOnlyList<string> header, string source) =>
            Index < header.Count
                ? Index
                : throw new ArgumentOutOfRangeException("target", $"Expected a target column index in [0, {header.Count - 1}] for the {header.Count} columns of {source}, got {Index}.");

        public override string ToString() => $"the column at index {Index}";
    }
}

/// <summary>
/// The contents of a CSV file: numeric features, one sample per COLUMN of <see cref="Features"/>, and the raw target
/// cells (class labels such as "setosa" or "3", or numbers for regression).
/// </summary>
/// <param name="Source">The file name (or the name given to <see cref="Csv.Parse"/>) used in error messages.</param>
/// <param name="FeatureNames">The header names of the feature columns, in file order.</param>
/// <param name="TargetName">The header name of the target column, or null when there is none.</param>
/// <param name="Features">FeatureNames.Length x Count: column j is data row j of the file.</param>
/// <param name="Targets">The target cell of every data row, as written (spaces trimmed); empty when there is no target.</param>
public sealed record CsvData(string Source, ImmutableArray<string> FeatureNames, string? TargetName, ImmutableMatrix<double> Features, ImmutableArray<string> Targets)
{
    /// <summary>The file name used in error messages.</summary>
    public string Source { get; init => field = value ?? throw new ArgumentNullException(nameof(Source)); } = Source ?? throw new ArgumentNullException(nameof(Source));

    private readonly ValueArray<string> _featureNames = FeatureNames.IsDefault ? throw new ArgumentNullException(nameof(FeatureNames)) : FeatureNames;

    /// <summary>The header names of the feature columns, one per row of <see cref="Features"/>; a new value must keep their number.</summary>
    public ImmutableArray<string> FeatureNames { get => _featureNames.Items; init => _featureNames = CheckFeatureNames(value, Features); }

    /// <summary>FeatureNames.Length x Count, one sample per column; a new value must keep the number of samples when there are targets.</summary>
    public ImmutableMatrix<double> Features
    {
        get;
        init => field = TargetName is not null && CheckFeatures(value, FeatureNames).Columns != Targets.Length
            ? throw new ArgumentException($"Expected Features with {Targets.Length} columns, one per target, got {value.Shape}; to change the number of samples, call the constructor.", nameof(Features))
            : CheckFeatures(value, FeatureNames);
    } = CheckFeatures(Features, FeatureNames);

    private readonly ValueArray<string> _targets = CheckTargets(Targets, Features, TargetName);

    /// <summary>The raw target cells, one per sample, or empty when there is no target column.</summary>
    public ImmutableArray<string> Targets { get => _targets.Items; init => _targets = CheckTargets(value, Features, TargetName); }

    private readonly ValueArray<int> _lineNumbers;

    /// <summary>The 1-based line of each sample in <see cref="Source"/>, for error messages; default when unknown.</summary>
    public ImmutableArray<int> LineNumbers { get => _lineNumbers.Items; init => _lineNumbers = value; }

    /// <summary>The 1-based column of the target in <see cref="Source"/>, for error messages; 0 when unknown or none.</summary>
    public int TargetColumn { get; init; }

    /// <summary>The number of samples (data rows).</summary>
    public int Count => Features.Columns;

    /// <summary>The targets parsed as numbers (invariant culture); a cell that is not a finite number throws with its line and column.</summary>
    public ImmutableArray<double> NumericTargets()
    {
        if (TargetName is null) throw new InvalidOperationException($"{Source} was read without a target column, so it has no targets to parse.");
        var result = ImmutableArray.CreateBuilder<double>(Targets.Length);
        for (int j = 0; j < Targets.Length; j++)
            result.Add(Csv.ParseNumber(Targets[j], () => Location(j, TargetColumn, TargetName)));
        return result.MoveToImmutable();
    }

    /// <summary>The features rounded to T (FeatureNames.Length x Count); a value beyond T's range throws with its line and column.</summary>
    public ImmutableMatrix<T> FeaturesAs<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = Features.AsSpan();
        var result = new T[values.Length];
        int rows = Features.Rows;
        for (int k = 0; k < values.Length; k++)
        {
            result[k] = T.CreateChecked(values[k]);
            if (!T.IsFinite(result[k]))
            {
                int sample = k / rows, feature = k % rows;
                int column = TargetColumn > 0 && feature + 1 >= TargetColumn ? feature + 2 : feature + 1;
                throw new InvalidDataException($"{Location(sample, column, FeatureNames[feature])}: the value {values[k].ToString("R", CultureInfo.InvariantCulture)} does not fit in {typeof(T).Name}.");
            }
        }
        return new ImmutableMatrix<T>(Features.Rows, Features.Columns, result);
    }

    private static ImmutableArray<string> CheckFeatureNames(ImmutableArray<string> names, ImmutableMatrix<double> features)
    {
        if (names.IsDefault) throw new ArgumentNullException(nameof(FeatureNames));
        if (names.Length != features.Rows)
            throw new ArgumentException($"Expected {features.Rows} feature names, one per row of Features, got {names.Length}.", nameof(FeatureNames));
        return names;
    }

    private string Location(int sample, int column, string name)
    {
        string line = LineNumbers.IsDefault ? $"sample {sample}" : $"line {LineNumbers[sample]}";
        return column > 0 ? $"{Source}, {line}, column {column} ('{name}')" : $"{Source}, {line} ('{name}')";
    }

    private static ImmutableMatrix<double> CheckFeatures(ImmutableMatrix<double> features, ImmutableArray<string> names)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (!names.IsDefault && features.Rows != names.Length)
            throw new ArgumentException($"Expected Features to have one row per feature name ({names.Length}), got {features.Shape}.", nameof(Features));
        return features;
    }

    private static ImmutableArray<string> CheckTargets(ImmutableArray<string> targets, ImmutableMatrix<double> features, string? targetName)
    {
        if (targets.IsDefault) throw new ArgumentNullException(nameof(Targets));
        int expected = targetName is null ? 0 : features.Columns;
        if (targets.Length != expected)
            throw new ArgumentException($"Expected {expected} targets ({(targetName is null ? "no target column" : "one per sample")}), got {targets.Length}.", nameof(Targets));
        return targets;
    }
}

/// <summary>
/// Reads CSV files (RFC 4180): a header row, then one sample per line; cells separated by commas, optionally quoted
/// ("a, b" and doubled quotes ""), CRLF or LF line ends, an optional UTF-8 byte-order mark, trailing blank lines allowed.
/// Feature cells must be finite numbers in the invariant culture (1.5, -2e-3); the target cell is kept as text.
/// </summary>
public static class Csv
{
    /// <summary>Reads the CSV file at <paramref name="path"/> (UTF-8, with or without a byte-order mark; other bytes are refused).</summary>
    /// <exception cref="InvalidDataException">The file is malformed; the message names the file, line and column.</exception>
    public static CsvData Read(string path, CsvTarget target)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(target);
        using var reader = new StreamReader(path, new UTF8Encoding(false, true), detectEncodingFromByteOrderMarks: true);
        try { return Parse(reader, path, target); }
        catch (DecoderFallbackException e) { throw new InvalidDataException($"{path}: expected UTF-8 text, got bytes that are not UTF-8 ({e.Message})", e); }
    }

    /// <summary>Reads CSV text from <paramref name="reader"/>; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="InvalidDataException">The text is malformed; the message names the source, line and column.</exception>
    public static CsvData Parse(TextReader reader, string source, CsvTarget target)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        var records = new CsvRecordReader(reader, source);
        if (!records.Next(out var headerCells, out _))
            throw new InvalidDataException($"{source} is empty: expected a header row of column names.");
        var header = Header(headerCells, source);
        int targetIndex = target.Resolve(header, source);
        var featureNames = header.Where((_, i) => i != targetIndex).ToImmutableArray();
        if (featureNames.Length == 0)
            throw new InvalidDataException($"{source}, line 1: expected at least one feature column besides the target '{header[targetIndex]}', got none.");

        var features = new List<double>();
        var targets = ImmutableArray.CreateBuilder<string>();
        var lines = ImmutableArray.CreateBuilder<int>();
        while (records.Next(out var cells, out int line))
        {
            if (cells.Count != header.Length)
                throw new InvalidDataException($"{source}, line {line}: expected {header.Length} cells like the header, got {cells.Count}.");
            for (int i = 0; i < cells.Count; i++)
            {
                if (i == targetIndex) targets.Add(cells[i].Text.Trim());
                else
                {
                    var cell = cells[i];
                    int column = i + 1;
                    features.Add(ParseNumber(cell.Text, () => $"{source}, line {cell.Line}, column {column} ('{header[column - 1]}')"));
                }
            }
            lines.Add(line);
        }
        if (lines.Count == 0) throw new InvalidDataException($"{source}: expected data rows after the header, got none.");
        var matrix = new ImmutableMatrix<double>(featureNames.Length, lines.Count, [.. features]);
        return new CsvData(source, featureNames, targetIndex < 0 ? null : header[targetIndex], matrix, targetIndex < 0 ? [] : targets.ToImmutable())
        {
            LineNumbers = lines.ToImmutable(),
            TargetColumn = targetIndex + 1,
        };
    }

    /// <summary>Parses a finite number in the invariant culture; <paramref name="location"/> names the cell in errors.</summary>
    internal static double ParseNumber(string text, Func<string> location)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            throw new InvalidDataException($"{location()}: expected a number, got '{text}'.");
        if (!double.IsFinite(value))
            throw new InvalidDataException($"{location()}: expected a finite number, got '{text.Trim()}'.");
        return value;
    }

    private static ImmutableArray<string> Header(List<CsvCell> cells, string source)
    {
        var names = new string[cells.Count];
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < names.Length; i++)
        {
            names[i] = cells[i].Text.Trim();
            if (names[i].Length == 0)
                throw new InvalidDataException($"{source}, line {cells[i].Line}, column {i + 1}: expected a column name in the header, got an empty cell.");
            if (seen.TryGetValue(names[i], out int first))
                throw new InvalidDataException($"{source}, line {cells[i].Line}, column {i + 1}: expected distinct column names, got '{names[i]}' again (first in column {first}).");
            seen.Add(names[i], i + 1);
        }
        return [.. names];
    }
}

/// <summary>A cell's text (quotes removed) and the 1-based line it starts on.</summary>
internal readonly record struct CsvCell(string Text, int Line);

/// <summary>Splits RFC 4180 text into records of cells, skipping blank lines at the end.</summary>
internal sealed class CsvRecordReader(TextReader reader, string source)
{
    private int _line = 1;
    private bool _first = true;
    private int _pendingBlankLine;

    /// <summary>The next non-blank record and the line it starts on; false at the end of the text.</summary>
    public bool Next(out List<CsvCell> cells, out int line)
    {
        while (true)
        {
            line = _line;
            var raw = ReadRecord(out bool ended);
            bool blank = raw.Count == 1 && !raw[0].Quoted && raw[0].Text.Trim().Length == 0;
            if (!blank)
            {
                if (_pendingBlankLine > 0)
                    throw new InvalidDataException($"{source}, line {_pendingBlankLine}: expected a data row, got a blank line (blank lines are allowed only at the end).");
                cells = [.. raw.Select(cell => new CsvCell(cell.Text, cell.Line))];
                return true;
            }
            if (ended) { cells = []; return false; }
            if (_pendingBlankLine == 0) _pendingBlankLine = line;
        }
    }

    private List<(string Text, int Line, bool Quoted)> ReadRecord(out bool ended)
    {
        var cells = new List<(string Text, int Line, bool Quoted)>();
        var text = new StringBuilder();
        int cellLine = _line;
        bool quoted = false;
        ended = false;
        if (_first)
        {
            _first = false;
            if (reader.Peek() == '\uFEFF') reader.Read();
        }
        while (true)
        {
            int c = reader.Read();
            if (c == '"' && text.Length == 0 && !quoted)
            {
                quoted = true;
                int quoteLine = _line;
                while (true)
                {
                    int q = reader.Read();
                    if (q < 0) throw new InvalidDataException($"{source}, line {quoteLine}, column {cells.Count + 1}: the quoted cell opened here is never closed.");
                    if (q == '"')
                    {
                        if (reader.Peek() == '"') { reader.Read(); text.Append('"'); continue; }
                        break;
                    }
                    if (q == '\n' || (q == '\r' && reader.Peek() != '\n')) _line++;
                    text.Append((char)q);
                }
                int after = reader.Peek();
                if (after is not (',' or '\r' or '\n' or -1))
                    throw new InvalidDataException($"{source}, line {_line}, column {cells.Count + 1}: expected a comma or the end of the line after the closing quote, got '{(char)after}'.");
                continue;
            }
            if (c == '"')
                throw new InvalidDataException($"{source}, line {_line}, column {cells.Count + 1}: a quote inside an unquoted cell; quote the whole cell and double the quote (\"\").");
            if (c == ',')
            {
                cells.Add((text.ToString(), cellLine, quoted));
                text.Clear();
                quoted = false;
                cellLine = _line;
                continue;
            }
            if (c < 0 || c == '\n' || c == '\r')
            {
                if (c == '\r' && reader.Peek() == '\n') reader.Read();
                cells.Add((text.ToString(), cellLine, quoted));
                if (c < 0) ended = true;
                else _line++;
                return cells;
            }
            text.Append((char)c);
        }
    }
}
