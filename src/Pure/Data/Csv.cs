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
                $"Expected a target column named {ReadLimits.Default.Echo(Column)} in {source}; its columns are {string.Join(", ", header.Take(20).Select(ReadLimits.Default.Echo))}{(header.Count > 20 ? $" and {header.Count - 20} more" : "")}.", "target");
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
    /// <summary>Reads the CSV file at <paramref name="path"/> (UTF-8, with or without a byte-order mark; UTF-16 and other bytes are refused).</summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="target">The target column.</param>
    /// <param name="limits">The resource limits (line length, samples x features, echoed values); null for <see cref="ReadLimits.Default"/>.</param>
    /// <exception cref="InvalidDataException">The file is malformed or above a limit; the message names the file, line and column.</exception>
    public static CsvData Read(string path, CsvTarget target, ReadLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(target);
        JsonInput.CheckFile(path);
        using var stream = File.OpenRead(path);
        RefuseOtherByteOrderMarks(stream, path);
        using var reader = new StreamReader(stream, new UTF8Encoding(false, true), detectEncodingFromByteOrderMarks: false);
        try { return Parse(reader, path, target, limits); }
        catch (DecoderFallbackException e) { throw new InvalidDataException($"{path}: expected UTF-8 text, got bytes that are not UTF-8 ({e.Message})", e); }
    }

    /// <summary>Reads CSV text from <paramref name="reader"/>; <paramref name="source"/> names it in error messages.</summary>
    /// <param name="reader">The text.</param>
    /// <param name="source">The name in error messages.</param>
    /// <param name="target">The target column.</param>
    /// <param name="limits">The resource limits (line length, samples x features, echoed values); null for <see cref="ReadLimits.Default"/>.</param>
    /// <exception cref="InvalidDataException">The text is malformed or above a limit; the message names the source, line and column.</exception>
    public static CsvData Parse(TextReader reader, string source, CsvTarget target, ReadLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        limits ??= ReadLimits.Default;
        var records = new CsvRecordReader(reader, source, limits.MaxCsvLineLength);
        if (!records.Next(out var headerCells, out _))
            throw new InvalidDataException($"{source} is empty: expected a header row of column names.");
        var header = Header(headerCells, source);
        int targetIndex = target.Resolve(header, source);
        var featureNames = header.Where((_, i) => i != targetIndex).ToImmutableArray();
        if (featureNames.Length == 0)
            throw new InvalidDataException($"{source}, line 1: expected at least one feature column besides the target {limits.Echo(header[targetIndex])}, got none.");

        var features = new BlockList(featureNames.Length);
        var targets = ImmutableArray.CreateBuilder<string>();
        var lines = ImmutableArray.CreateBuilder<int>();
        while (records.Next(out var cells, out int line))
        {
            if (cells.Count != header.Length)
                throw new InvalidDataException($"{source}, line {line}: expected {header.Length} cells like the header, got {cells.Count}.");
            limits.Check("samples-x-features", (lines.Count + 1L) * featureNames.Length, source,
                $"line {line}: {lines.Count + 1} samples x {featureNames.Length} features");
            for (int i = 0; i < cells.Count; i++)
            {
                if (i == targetIndex) targets.Add(cells[i].Text.Trim());
                else
                {
                    var cell = cells[i];
                    int column = i + 1;
                    features.Add(ParseNumber(cell.Text, () => $"{source}, line {cell.Line}, column {column} ({limits.Echo(header[column - 1])})", limits));
                }
            }
            lines.Add(line);
        }
        if (lines.Count == 0) throw new InvalidDataException($"{source}: expected data rows after the header, got none.");
        var matrix = new ImmutableMatrix<double>(featureNames.Length, lines.Count, features.ToArray());
        return new CsvData(source, featureNames, targetIndex < 0 ? null : header[targetIndex], matrix, targetIndex < 0 ? [] : targets.ToImmutable())
        {
            LineNumbers = lines.ToImmutable(),
            TargetColumn = targetIndex + 1,
        };
    }

    /// <summary>Parses a finite number in the invariant culture; <paramref name="location"/> names the cell in errors.</summary>
    internal static double ParseNumber(string text, Func<string> location, ReadLimits? limits = null)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            throw new InvalidDataException($"{location()}: expected a number, got {(limits ?? ReadLimits.Default).Echo(text)}.");
        if (!double.IsFinite(value))
            throw new InvalidDataException($"{location()}: expected a finite number, got {(limits ?? ReadLimits.Default).Echo(text.Trim())}.");
        return value;
    }

    /// <summary>Refuses a UTF-16 or UTF-32 byte-order mark with a clear message (the file must be UTF-8), then rewinds.</summary>
    private static void RefuseOtherByteOrderMarks(FileStream stream, string path)
    {
        Span<byte> start = stackalloc byte[4];
        int read = stream.ReadAtLeast(start, 4, throwOnEndOfStream: false);
        stream.Position = 0;
        string? encoding = read >= 4 && start[0] == 0xFF && start[1] == 0xFE && start[2] == 0 && start[3] == 0 ? "UTF-32 (little-endian)"
            : read >= 4 && start[0] == 0 && start[1] == 0 && start[2] == 0xFE && start[3] == 0xFF ? "UTF-32 (big-endian)"
            : read >= 2 && start[0] == 0xFF && start[1] == 0xFE ? "UTF-16 (little-endian)"
            : read >= 2 && start[0] == 0xFE && start[1] == 0xFF ? "UTF-16 (big-endian)"
            : null;
        if (encoding is not null)
            throw new InvalidDataException($"{path}: expected UTF-8 text, got a {encoding} byte-order mark; save the file as UTF-8.");
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
            int control = names[i].AsSpan().IndexOfAnyInRange('\0', '\u001F');
            while (control >= 0 && names[i][control] is '\t' or '\n' or '\r')
            {
                int next = names[i].AsSpan(control + 1).IndexOfAnyInRange('\0', '\u001F');
                control = next < 0 ? -1 : control + 1 + next;
            }
            if (control >= 0)
                throw new InvalidDataException($"{source}, line {cells[i].Line}, column {i + 1}: expected a column name of text, got the control character U+{(int)names[i][control]:X4} at character {control + 1} (a UTF-16 file without a byte-order mark, or binary data?).");
            if (seen.TryGetValue(names[i], out int first))
                throw new InvalidDataException($"{source}, line {cells[i].Line}, column {i + 1}: expected distinct column names, got {ReadLimits.Default.Echo(names[i])} again (first in column {first}).");
            seen.Add(names[i], i + 1);
        }
        return [.. names];
    }
}

/// <summary>A cell's text (quotes removed) and the 1-based line it starts on.</summary>
internal readonly record struct CsvCell(string Text, int Line);

/// <summary>Splits RFC 4180 text into records of cells, skipping blank lines at the end.</summary>
internal sealed class CsvRecordReader(TextReader reader, string source, int maxLineLength = int.MaxValue)
{
    private int _line = 1;
    private int _lineLength;
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
        _lineLength = 0;
        while (true)
        {
            int c = Read();
            if (c == '"' && text.Length == 0 && !quoted)
            {
                quoted = true;
                int quoteLine = _line;
                while (true)
                {
                    int q = Read();
                    if (q < 0) throw new InvalidDataException($"{source}, line {quoteLine}, column {cells.Count + 1}: the quoted cell opened here is never closed.");
                    if (q == '"')
                    {
                        if (reader.Peek() == '"') { Read(); text.Append('"'); continue; }
                        break;
                    }
                    if (q == '\n' || (q == '\r' && reader.Peek() != '\n')) NewLine();
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
                if (c == '\r' && reader.Peek() == '\n') Read();
                cells.Add((text.ToString(), cellLine, quoted));
                if (c < 0) ended = true;
                else NewLine();
                return cells;
            }
            text.Append((char)c);
        }
    }

    /// <summary>The next character, refusing a line longer than the limit before it is kept.</summary>
    private int Read()
    {
        int c = reader.Read();
        if (c >= 0 && c != '\n' && c != '\r' && ++_lineLength > maxLineLength)
            throw LimitExceeded.Create(source, "csv-line-length", maxLineLength, _lineLength, $"line {_line}: a line of more characters than the limit, refused at character {_lineLength}");
        return c;
    }

    private void NewLine()
    {
        _line++;
        _lineLength = 0;
    }
}

/// <summary>A growing list of doubles kept in blocks, so that growing never copies and the final array is the only full-size copy.</summary>
internal sealed class BlockList(int rowLength)
{
    private const int BlockLength = 1 << 20;
    private readonly List<double[]> _blocks = [];
    private int _lastCount = BlockLength;

    /// <summary>The number of values added.</summary>
    public long Count => _blocks.Count == 0 ? 0 : (long)(_blocks.Count - 1) * BlockLength + _lastCount;

    /// <summary>Appends <paramref name="value"/>.</summary>
    public void Add(double value)
    {
        if (_lastCount == BlockLength)
        {
            _blocks.Add(new double[_blocks.Count == 0 ? Math.Min(BlockLength, Math.Max(rowLength, 1) * 64) : BlockLength]);
            _lastCount = 0;
        }
        if (_lastCount == _blocks[^1].Length) Array.Resize(ref System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_blocks)[^1], BlockLength);
        _blocks[^1][_lastCount++] = value;
    }

    /// <summary>All the values in one array of exactly <see cref="Count"/> elements.</summary>
    public double[] ToArray()
    {
        var result = new double[Count];
        long offset = 0;
        for (int b = 0; b < _blocks.Count; b++)
        {
            int length = b == _blocks.Count - 1 ? _lastCount : BlockLength;
            _blocks[b].AsSpan(0, length).CopyTo(result.AsSpan((int)offset));
            offset += length;
        }
        return result;
    }
}
