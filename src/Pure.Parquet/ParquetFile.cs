using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;
using System.Text;
using Parquet;
using Parquet.Schema;

namespace Pure;

/// <summary>
/// Reads and writes data sets as Apache Parquet files (with Parquet.Net), with the rules of <see cref="Csv"/>: a
/// target column chosen by a <see cref="CsvTarget"/>, every other column a numeric feature, the result a
/// <see cref="CsvData"/>. Feature columns may be INT32, INT64 (signed or unsigned, any width), FLOAT, DOUBLE, FLOAT16 or
/// DECIMAL, each read as the nearest double; the target column holds class labels as UTF-8 strings or integers
/// (written in the invariant culture, so 3 becomes "3"). Booleans, strings, dates, times, binary, nested and repeated
/// columns are refused as features, a null anywhere is refused, and so is NaN or an infinity in a feature, each naming
/// the file, the 1-based row, the row group and the column. The file is read row group by row group straight into the
/// final arrays, so memory follows the data kept (samples x features doubles and the labels), not the file's size.
/// </summary>
public static class ParquetFile
{
    /// <summary>The four bytes every Parquet file starts and ends with: "PAR1".</summary>
    public static ReadOnlySpan<byte> Magic => "PAR1"u8;

    /// <summary>
    /// True when <paramref name="path"/> is to be read as Parquet: its name ends in ".parquet" (any case), or its first
    /// four bytes are <see cref="Magic"/>. CSV text cannot start with "PAR1" unless its first column is named so.
    /// </summary>
    /// <param name="path">A data file.</param>
    public static bool IsParquet(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase)) return true;
        if (!File.Exists(path)) return false;
        Span<byte> start = stackalloc byte[4];
        using var stream = File.OpenRead(path);
        return stream.ReadAtLeast(start, 4, throwOnEndOfStream: false) == 4 && start.SequenceEqual(Magic);
    }

    /// <summary>Reads the Parquet file at <paramref name="path"/>.</summary>
    /// <param name="path">The Parquet file.</param>
    /// <param name="target">The target column (<see cref="CsvTarget.None"/> for none: every column is then a feature).</param>
    /// <param name="limits">The resource limits (samples x features, checked from the footer before any allocation); null for <see cref="ReadLimits.Default"/>.</param>
    /// <param name="numericTargets">Also accept a FLOAT, DOUBLE, FLOAT16 or DECIMAL target column (finite values, kept as shortest round-trip text, so <see cref="CsvData.NumericTargets"/> gives them back exactly); by default the target must hold class labels.</param>
    /// <exception cref="InvalidDataException">The file is not Parquet, is damaged, holds a refused type, a null or a non-finite feature, no row, or is above a limit; the message names the file (and the row and column).</exception>
    /// <exception cref="ArgumentException">The target column is not in the file (parameter name "target").</exception>
    public static CsvData Read(string path, CsvTarget target, ReadLimits? limits = null, bool numericTargets = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(target);
        JsonInput.CheckFile(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Read(stream, path, target, limits, numericTargets);
    }

    /// <summary>Reads Parquet data from <paramref name="stream"/> (readable and seekable; left open); <paramref name="source"/> names it in messages.</summary>
    /// <param name="stream">The Parquet bytes, from position 0.</param>
    /// <param name="source">The name in error messages.</param>
    /// <param name="target">The target column (<see cref="CsvTarget.None"/> for none).</param>
    /// <param name="limits">The resource limits; null for <see cref="ReadLimits.Default"/>.</param>
    /// <param name="numericTargets">Also accept a numeric (non-integer) target column, as text.</param>
    /// <exception cref="InvalidDataException">As for <see cref="Read(string, CsvTarget, ReadLimits?, bool)"/>.</exception>
    /// <exception cref="ArgumentException">The stream cannot seek, or the target column is not in the file (parameter name "target").</exception>
    public static CsvData Read(Stream stream, string source, CsvTarget target, ReadLimits? limits = null, bool numericTargets = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        if (!stream.CanRead || !stream.CanSeek) throw new ArgumentException($"Expected a readable, seekable stream for {source}.", nameof(stream));
        limits ??= ReadLimits.Default;
        long dataEnd = CheckFraming(stream, source);
        try
        {
            return Task.Run(() => ReadAsync(stream, dataEnd, source, target, limits, numericTargets)).GetAwaiter().GetResult();
        }
        catch (Exception problem) when (!Ours(problem, source))
        {
            throw new InvalidDataException($"{source}: expected a readable Parquet file, but reading it failed: {problem.GetType().Name}: {limits.Cut(problem.Message)}", problem);
        }
    }

    /// <summary>
    /// Writes <paramref name="data"/> to <paramref name="path"/> as Parquet (atomically: a temporary file renamed over the
    /// path): the columns in the order of the CSV header, features as required DOUBLE columns, the target (when there is
    /// one) as a required UTF-8 string column at <see cref="CsvData.TargetColumn"/> (last when unknown).
    /// </summary>
    /// <param name="path">The file to write.</param>
    /// <param name="data">The data set.</param>
    /// <param name="rowGroupSize">Rows per row group (the last may be shorter); null for about a million values per group.</param>
    /// <param name="compression">The codec of every column; null for Snappy.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rowGroupSize"/> is below 1.</exception>
    public static void Write(string path, CsvData data, int? rowGroupSize = null, CompressionMethod? compression = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(data);
        AtomicFile.Write(path, stream => Write(stream, data, rowGroupSize, compression));
    }

    /// <summary>Writes <paramref name="data"/> as Parquet to <paramref name="stream"/> (writable and seekable; left open), as <see cref="Write(string, CsvData, int?, CompressionMethod?)"/> does.</summary>
    /// <param name="stream">The destination.</param>
    /// <param name="data">The data set.</param>
    /// <param name="rowGroupSize">Rows per row group; null for about a million values per group.</param>
    /// <param name="compression">The codec of every column; null for Snappy.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rowGroupSize"/> is below 1.</exception>
    public static void Write(Stream stream, CsvData data, int? rowGroupSize = null, CompressionMethod? compression = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(data);
        if (rowGroupSize is < 1) throw new ArgumentOutOfRangeException(nameof(rowGroupSize), $"Expected a row group size of 1 or more, got {rowGroupSize}.");
        Task.Run(() => WriteAsync(stream, data, rowGroupSize, compression ?? CompressionMethod.Snappy)).GetAwaiter().GetResult();
    }

    /// <summary>True for this reader's own refusals (which name the source) and a missing target; false for what Parquet.Net or a codec threw.</summary>
    private static bool Ours(Exception problem, string source) =>
        problem is InvalidDataException && problem.Message.StartsWith(source, StringComparison.Ordinal) || problem is ArgumentException { ParamName: "target" };

    /// <summary>Refuses bytes that are not framed as Parquet (PAR1 at both ends, a footer that fits) before Parquet.Net reads them; returns where the footer starts.</summary>
    private static long CheckFraming(Stream stream, string source)
    {
        long length = stream.Length;
        Span<byte> start = stackalloc byte[4], end = stackalloc byte[8];
        stream.Position = 0;
        int read = stream.ReadAtLeast(start, 4, throwOnEndOfStream: false);
        if (read < 4 || !start.SequenceEqual(Magic))
            throw new InvalidDataException($"{source}: expected a Parquet file, which starts with the bytes PAR1, got {(read == 0 ? "an empty file" : $"the bytes {Convert.ToHexString(start[..read])}")}.");
        if (length < 12)
            throw new InvalidDataException($"{source}: expected a Parquet file of at least 12 bytes (PAR1, a footer length, PAR1), got {length}; the file is truncated.");
        stream.Position = length - 8;
        stream.ReadExactly(end);
        if (!end[4..].SequenceEqual(Magic))
            throw new InvalidDataException($"{source}: expected a Parquet file ending with the bytes PAR1, got {Convert.ToHexString(end[4..])}; the file is truncated or damaged.");
        long footer = BitConverter.ToUInt32(end[..4]);
        if (!BitConverter.IsLittleEndian) footer = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness((uint)footer);
        if (footer > length - 12)
            throw new InvalidDataException($"{source}: its footer declares {footer} bytes of metadata, but the file has only {length - 12} bytes besides the framing; the file is truncated or damaged.");
        stream.Position = 0;
        return length - 8 - footer;
    }

    private static async Task<CsvData> ReadAsync(Stream stream, long dataEnd, string source, CsvTarget target, ReadLimits limits, bool numericTargets)
    {
        await using var reader = await ParquetReader.CreateAsync(stream, new ParquetOptions(), leaveStreamOpen: true).ConfigureAwait(false);
        var fields = Columns(reader.Schema, source, limits);
        var header = fields.Select(field => field.Name).ToArray();
        int targetIndex = target.Resolve(header, source);
        var features = fields.Where((_, i) => i != targetIndex).ToArray();
        if (features.Length == 0)
            throw new InvalidDataException($"{source}: expected at least one feature column besides the target {limits.Echo(header[targetIndex])}, got none.");
        foreach (var field in features)
            if (Kind(field) is not (ColumnKind.Number or ColumnKind.Integer))
                throw new InvalidDataException($"{source}, column {limits.Echo(field.Name)}: expected a numeric feature column (INT32, INT64, FLOAT, DOUBLE, FLOAT16 or DECIMAL), got {TypeName(field)}.");
        var targetField = targetIndex < 0 ? null : fields[targetIndex];
        bool numericTarget = targetField is not null && numericTargets && Kind(targetField) == ColumnKind.Number;
        if (targetField is not null && !numericTarget && Kind(targetField) is not (ColumnKind.Text or ColumnKind.Integer))
            throw new InvalidDataException($"{source}, column {limits.Echo(targetField.Name)}: expected class labels as strings or integers in the target column, got {TypeName(targetField)}"
                + (Kind(targetField) == ColumnKind.Number ? "; for numeric targets use --task regression (library: read with CsvTarget.None and take the column from the features)." : "."));

        long rows = 0;
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            long count = reader.RowGroups[g].RowCount;
            if (count < 0) throw new InvalidDataException($"{source}: row group {g + 1} declares {count} rows.");
            rows += count;
            limits.Check("samples-x-features", rows * features.Length, source, $"the footer, row group {g + 1}: {rows} samples x {features.Length} features");
        }
        if (rows == 0) throw new InvalidDataException($"{source}: expected data rows, got none ({reader.RowGroupCount} row groups).");
        long declared = 0;
        foreach (var rowGroup in reader.Metadata?.RowGroups ?? [])
            foreach (var chunk in rowGroup.Columns)
            {
                declared += Math.Max(0, chunk.MetaData?.TotalUncompressedSize ?? 0);
                limits.Check("decompressed-bytes", declared, source, "the column data once decompressed, as the footer declares it");
            }
        if (rows > Array.MaxLength) throw new InvalidDataException($"{source}: {rows} rows are more than one array holds ({Array.MaxLength}).");
        if (reader.Metadata is { } metadata) PageHeaders.Check(stream, metadata, dataEnd, source, limits);

        int m = (int)rows, n = features.Length;
        var values = new double[checked(m * n)];
        var labels = targetField is null ? null : new string[m];
        var targetNumbers = numericTarget ? new double[m] : null;
        int offset = 0;
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            var group = reader.OpenRowGroupReader(g);
            int count = checked((int)group.RowCount);
            var at = new Place(source, g, offset, limits);
            for (int k = 0; k < n; k++)
                await ReadFeature(group, features[k], count, values.AsMemory(), n, k, at).ConfigureAwait(false);
            if (targetNumbers is not null)
                await ReadFeature(group, targetField!, count, targetNumbers.AsMemory(), 1, 0, at).ConfigureAwait(false);
            else if (targetField is not null)
                await ReadLabels(group, targetField, count, labels.AsMemory(offset, count), at).ConfigureAwait(false);
            offset += count;
        }
        if (targetNumbers is not null)
            for (int j = 0; j < m; j++) labels![j] = targetNumbers[j].ToString("R", CultureInfo.InvariantCulture);
        return new CsvData(source, [.. features.Select(field => field.Name)], targetField?.Name, new ImmutableMatrix<double>(n, m, values),
            labels is null ? [] : ImmutableArray.Create(labels))
        { TargetColumn = targetIndex + 1 };
    }

    /// <summary>Where a row group's values go and how its rows are named in messages.</summary>
    private sealed record Place(string Source, int Group, int Offset, ReadLimits Limits)
    {
        public InvalidDataException Error(int row, DataField field, string problem) =>
            new($"{Source}, row {Offset + row + 1} (row {row + 1} of row group {Group + 1}), column {Limits.Echo(field.Name)} ({TypeName(field)}): {problem}");
    }

    /// <summary>The top-level columns, each a flat, non-repeated value; nested and repeated columns are refused by name.</summary>
    private static DataField[] Columns(ParquetSchema schema, string source, ReadLimits limits)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var fields = new DataField[schema.Fields.Count];
        for (int i = 0; i < fields.Length; i++)
        {
            var field = schema.Fields[i];
            if (field is not DataField { IsArray: false, MaxRepetitionLevel: 0 } data)
                throw new InvalidDataException($"{source}, column {limits.Echo(field.Name)}: expected a flat column of single values, got a {field.SchemaType} column (nested or repeated columns are not supported).");
            if (!names.Add(data.Name)) throw new InvalidDataException($"{source}: expected distinct column names, got {limits.Echo(data.Name)} twice.");
            fields[i] = data;
        }
        if (fields.Length == 0) throw new InvalidDataException($"{source}: expected columns, got a schema without any.");
        return fields;
    }

    private enum ColumnKind { Number, Integer, Text, Other }

    private static ColumnKind Kind(DataField field) => field.ClrType switch
    {
        var t when t == typeof(sbyte) || t == typeof(byte) || t == typeof(short) || t == typeof(ushort) || t == typeof(int) || t == typeof(uint)
            || t == typeof(long) || t == typeof(ulong) => field is DecimalDataField ? ColumnKind.Number : ColumnKind.Integer,
        var t when t == typeof(float) || t == typeof(double) || t == typeof(Half) || t == typeof(decimal) => ColumnKind.Number,
        var t when t == typeof(string) || t == typeof(ReadOnlyMemory<char>) => ColumnKind.Text,
        _ => ColumnKind.Other,
    };

    /// <summary>The column's type as Parquet names it, e.g. "INT64 (TIMESTAMP_MILLIS)" or "BYTE_ARRAY (UTF8)".</summary>
    private static string TypeName(DataField field)
    {
        var element = field.SchemaElement;
        string physical = element?.Type?.ToString() ?? field.ClrType.Name;
        string? logical = element?.ConvertedType?.ToString();
        return logical is null ? physical : $"{physical} ({logical})";
    }

    /// <summary>Reads feature column <paramref name="k"/> of one row group into <paramref name="values"/> (sample-major, n per sample), as its own CLR type.</summary>
    private static ValueTask ReadFeature(ParquetRowGroupReader group, DataField field, int count, Memory<double> values, int n, int k, Place at) =>
        (ValueTask)Generic(nameof(ReadNumbers), field.ClrType).Invoke(null, [group, field, count, values, n, k, at])!;

    /// <summary>The private generic method <paramref name="name"/> of this class for the column type <paramref name="type"/> (one that <see cref="Kind"/> accepts).</summary>
    private static System.Reflection.MethodInfo Generic(string name, Type type) =>
        typeof(ParquetFile).GetMethod(name, System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.MakeGenericMethod(type);

    private static async ValueTask ReadNumbers<T>(ParquetRowGroupReader group, DataField field, int count, Memory<double> values, int n, int k, Place at)
        where T : struct, INumberBase<T>
    {
        if (field.IsNullable)
        {
            var buffer = new T?[count];
            await group.ReadAsync<T>(field, buffer.AsMemory()).ConfigureAwait(false);
            for (int r = 0; r < count; r++)
                Store(buffer[r] ?? throw at.Error(r, field, "expected a number, got null (a feature may not be missing)."), r);
        }
        else
        {
            var buffer = new T[count];
            await group.ReadAsync<T>(field, buffer.AsMemory()).ConfigureAwait(false);
            for (int r = 0; r < count; r++) Store(buffer[r], r);
        }

        void Store(T value, int r)
        {
            double number = double.CreateChecked(value);
            if (!double.IsFinite(number))
                throw at.Error(r, field, $"expected a finite number, got {number.ToString(CultureInfo.InvariantCulture)}.");
            values.Span[(at.Offset + r) * n + k] = number;
        }
    }

    /// <summary>Reads the class labels of one row group: strings as written, integers in the invariant culture.</summary>
    private static async ValueTask ReadLabels(ParquetRowGroupReader group, DataField field, int count, Memory<string> labels, Place at)
    {
        if (Kind(field) == ColumnKind.Text)
        {
            var buffer = new string?[count];
            await group.ReadAsync(field, buffer.AsMemory()).ConfigureAwait(false);
            for (int r = 0; r < count; r++)
                labels.Span[r] = buffer[r] ?? throw at.Error(r, field, "expected a class label, got null.");
            return;
        }
        var texts = await ((ValueTask<string[]>)Generic(nameof(IntegerLabels), field.ClrType).Invoke(null, [group, field, count, at])!).ConfigureAwait(false);
        texts.CopyTo(labels);
    }

    private static async ValueTask<string[]> IntegerLabels<T>(ParquetRowGroupReader group, DataField field, int count, Place at) where T : struct, IBinaryInteger<T>
    {
        var texts = new string[count];
        if (field.IsNullable)
        {
            var buffer = new T?[count];
            await group.ReadAsync<T>(field, buffer.AsMemory()).ConfigureAwait(false);
            for (int r = 0; r < count; r++)
                texts[r] = (buffer[r] ?? throw at.Error(r, field, "expected a class label, got null.")).ToString(null, CultureInfo.InvariantCulture);
        }
        else
        {
            var buffer = new T[count];
            await group.ReadAsync<T>(field, buffer.AsMemory()).ConfigureAwait(false);
            for (int r = 0; r < count; r++) texts[r] = buffer[r].ToString(null, CultureInfo.InvariantCulture);
        }
        return texts;
    }

    private static async Task WriteAsync(Stream stream, CsvData data, int? rowGroupSize, CompressionMethod compression)
    {
        int n = data.FeatureNames.Length, m = data.Count;
        var fields = data.FeatureNames.Select(name => (Field)new DataField<double>(name, false)).ToList();
        int targetAt = data.TargetName is null ? -1 : data.TargetColumn > 0 ? Math.Min(data.TargetColumn - 1, n) : n;
        if (targetAt >= 0) fields.Insert(targetAt, new DataField<string>(data.TargetName!, false));
        var schema = new ParquetSchema(fields);
        int groupRows = rowGroupSize ?? Math.Max(1, (1 << 20) / Math.Max(1, n));
        var options = new ParquetOptions { CompressionMethod = compression };
        await using var writer = await ParquetWriter.CreateAsync(schema, stream, options).ConfigureAwait(false);
        var features = data.Features;
        var column = new double[Math.Min(groupRows, m)];
        for (int start = 0; start < m; start += groupRows)
        {
            int count = Math.Min(groupRows, m - start);
            using var group = writer.CreateRowGroup();
            var dataFields = schema.DataFields;
            for (int c = 0, k = 0; c < dataFields.Length; c++)
            {
                if (c == targetAt)
                {
                    await group.WriteAsync(dataFields[c], data.Targets.Skip(start).Take(count).ToArray()).ConfigureAwait(false);
                    continue;
                }
                for (int j = 0; j < count; j++) column[j] = features[k, start + j];
                await group.WriteAsync<double>(dataFields[c], column.AsMemory(0, count)).ConfigureAwait(false);
                k++;
            }
            group.CompleteValidate();
        }
    }
}
