using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;

namespace Pure;

/// <summary>
/// Reading untrusted JSON files: size limits checked before and while reading, and a scan while reading (syntax,
/// nesting, array lengths, duplicate keys, UTF-8) that refuses a hostile file at its first bad byte, before any
/// document is built; then parse errors with line and byte, and typed access that names the JSON path.
/// </summary>
internal static class JsonInput
{
    /// <summary>The default largest file read (<see cref="ReadLimits.MaxJsonBytes"/> of <see cref="ReadLimits.Default"/>).</summary>
    internal static long MaxFileBytes => ReadLimits.Default.MaxJsonBytes;

    private const int ChunkLength = 1 << 16;

    private const int FirstBuffer = 1 << 20;

    /// <summary>
    /// Reads and scans a whole JSON file (see <see cref="JsonScanner"/>); <paramref name="schema"/>, when given, maps
    /// object paths with array indices written [] ("$", "$.layers[]") to the only names those objects may hold,
    /// checked while reading, so that an unknown property is refused before any document is built.
    /// </summary>
    internal static byte[] ReadFile(string path, ReadLimits? limits = null, int schemaDepth = int.MaxValue, IReadOnlyDictionary<string, string[]>? schema = null)
    {
        limits ??= ReadLimits.Default;
        using var stream = OpenRead(path, limits.MaxJsonBytes, "json-bytes");
        return ReadStream(stream, path, limits, schemaDepth, schema);
    }

    /// <summary>
    /// Opens a file for reading once it is known to be a file (not a folder) whose length is at most
    /// <paramref name="limit"/> bytes; <paramref name="limitName"/> names the limit in the refusal.
    /// </summary>
    internal static FileStream OpenRead(string path, long limit, string? limitName = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var file = CheckFile(path);
        if (file.Length > limit)
            throw limitName is null
                ? new InvalidDataException($"{path}: expected a file of at most {limit} bytes, got {file.Length} bytes; refused before reading.")
                : LimitExceeded.Create(path, limitName, limit, file.Length, $"expected a file of at most {limit} bytes, got one of that many; refused before reading");
        return File.OpenRead(path);
    }

    /// <summary>The file at <paramref name="path"/>, which must exist and not be a folder.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="InvalidDataException">The path is a folder.</exception>
    internal static FileInfo CheckFile(string path)
    {
        if (Directory.Exists(path)) throw new InvalidDataException($"{path} is a directory, expected a file.");
        var file = new FileInfo(path);
        if (!file.Exists) throw new FileNotFoundException($"{path}: no such file.", path);
        return file;
    }

    /// <summary>Reads a stream to its end, refusing more than <paramref name="limit"/> bytes (no scan; for callers with their own format).</summary>
    internal static byte[] ReadStream(Stream stream, string source, long limit) =>
        ReadStream(stream, source, ReadLimits.Default with { MaxJsonBytes = limit });

    /// <summary>
    /// Reads a stream to its end into one buffer, refusing more than <see cref="ReadLimits.MaxJsonBytes"/> bytes and
    /// scanning each chunk as it arrives, so that a stream of zeros or a deep, wide or duplicate-keyed document is
    /// refused at once.
    /// </summary>
    internal static byte[] ReadStream(Stream stream, string source, ReadLimits? limits = null, int schemaDepth = int.MaxValue, IReadOnlyDictionary<string, string[]>? schema = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        limits ??= ReadLimits.Default;
        long limit = limits.MaxJsonBytes;
        long declared = stream.CanSeek ? stream.Length - stream.Position : 0;
        if (declared > limit)
            throw LimitExceeded.Create(source, "json-bytes", limit, declared, $"expected at most {limit} bytes, got a stream of that many; refused before reading");
        var scanner = new JsonScanner(source, limits, schemaDepth, schema);
        // A pipe or device grows the buffer as data arrive. A regular file starts with at most FirstBuffer bytes, so a
        // hostile file refused by the scan in its first megabyte costs no more, then gets its exact length at once.
        var buffer = new byte[declared > 0 ? Math.Min(declared + 1, FirstBuffer) : ChunkLength];
        int length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length > limit) break;
                long grown = declared >= length ? declared + 1 : (long)buffer.Length * 2;
                Array.Resize(ref buffer, (int)Math.Min(Math.Min(grown, limit + 1), Array.MaxLength));
            }
            int read = stream.Read(buffer, length, Math.Min(buffer.Length - length, ChunkLength));
            if (read == 0) break;
            length += read;
            if (length > limit) break;
            scanner.Scan(buffer, length, isFinalBlock: false);
        }
        if (length > limit)
            throw LimitExceeded.Create(source, "json-bytes", limit, length, $"expected at most {limit} bytes, got more; refused after reading");
        scanner.Scan(buffer, length, isFinalBlock: true);
        if (length != buffer.Length) Array.Resize(ref buffer, length);
        return buffer;
    }

    /// <summary>Parses <paramref name="bytes"/> with nesting limited to <paramref name="maxDepth"/>; syntax errors name the line and byte.</summary>
    internal static JsonDocument Parse(byte[] bytes, string source, int maxDepth)
    {
        try
        {
            return JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = maxDepth, AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException(
                $"{source}: line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: invalid or truncated JSON, or nesting deeper than {maxDepth} levels (the schema's depth): {e.Message}", e);
        }
    }
}

/// <summary>
/// Checks JSON as it is read, chunk by chunk: syntax, UTF-8 in every string, nesting against the format's depth and
/// <see cref="ReadLimits.MaxJsonDepth"/>, every array's length against <see cref="ReadLimits.MaxJsonArrayLength"/>,
/// duplicate keys in every object, and optionally the names allowed in the objects at given paths.
/// </summary>
internal sealed class JsonScanner(string source, ReadLimits limits, int schemaDepth, IReadOnlyDictionary<string, string[]>? schema)
{
    private sealed class Frame(bool isArray, string pattern)
    {
        public bool IsArray { get; } = isArray;
        public string Pattern { get; } = pattern;
        public int Count { get; set; }
        public string? Name { get; set; }
        public HashSet<string>? Keys { get; set; }
    }

    private readonly List<Frame> _frames = [];
    private JsonReaderState _state = new(new JsonReaderOptions { MaxDepth = int.MaxValue / 2, CommentHandling = JsonCommentHandling.Disallow });
    private int _consumed;
    private bool _done;

    /// <summary>Scans the bytes of <paramref name="buffer"/> up to <paramref name="length"/> that were not scanned yet.</summary>
    public void Scan(byte[] buffer, int length, bool isFinalBlock)
    {
        if (_done) return;
        var reader = new Utf8JsonReader(buffer.AsSpan(_consumed, length - _consumed), isFinalBlock, _state);
        try
        {
            while (reader.Read()) Visit(ref reader);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException(
                $"{source}: line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: invalid or truncated JSON: {e.Message}", e);
        }
        _consumed += (int)reader.BytesConsumed;
        _state = reader.CurrentState;
        if (isFinalBlock) _done = true;
    }

    private void Visit(ref Utf8JsonReader reader)
    {
        var token = reader.TokenType;
        if (token is JsonTokenType.EndObject or JsonTokenType.EndArray)
        {
            _frames.RemoveAt(_frames.Count - 1);
            return;
        }
        if (token == JsonTokenType.PropertyName)
        {
            var frame = _frames[^1];
            string name = Text(ref reader);
            if (schema is not null && schema.TryGetValue(frame.Pattern, out var allowed) && !allowed.Contains(name))
                throw Error(ref reader, $"unknown property {limits.Echo(name)}; expected only {string.Join(", ", allowed.Select(known => $"'{known}'"))}", name);
            if (!(frame.Keys ??= new HashSet<string>(StringComparer.Ordinal)).Add(name))
                throw Error(ref reader, $"duplicate property {limits.Echo(name)}", name);
            frame.Name = name;
            return;
        }
        if (_frames.Count > 0 && _frames[^1].IsArray)
        {
            var array = _frames[^1];
            array.Count++;
            if (array.Count > limits.MaxJsonArrayLength)
                throw LimitExceeded.Create(source, "json-array-length", limits.MaxJsonArrayLength, array.Count, $"{PathText()}: an array of more items than the limit, refused at item {array.Count}");
        }
        if (token == JsonTokenType.String) Text(ref reader);
        if (token is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            int depth = _frames.Count + 1;
            if (depth > schemaDepth)
                throw Error(ref reader, $"nesting deeper than {schemaDepth} levels (the format's depth)");
            if (depth > limits.MaxJsonDepth)
                throw LimitExceeded.Create(source, "json-depth", limits.MaxJsonDepth, depth, $"{PathText()}: nesting {depth} levels deep");
            string pattern = _frames.Count == 0 ? "$"
                : _frames[^1].IsArray ? _frames[^1].Pattern + "[]"
                : _frames[^1].Pattern + "." + _frames[^1].Name;
            _frames.Add(new Frame(token == JsonTokenType.StartArray, schema is null ? "" : pattern));
        }
    }

    /// <summary>The text of a string or property name, refusing invalid UTF-8 and lone surrogates.</summary>
    private string Text(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped && !System.Text.Unicode.Utf8.IsValid(reader.ValueSpan))
            throw Error(ref reader, "a string that is not valid UTF-8");
        try { return reader.GetString()!; }
        catch (InvalidOperationException) { throw Error(ref reader, "a string that is not valid UTF-8 or holds an unpaired surrogate escape"); }
    }

    private InvalidDataException Error(ref Utf8JsonReader reader, string message, string? property = null)
    {
        if (property is not null) _frames[^1].Name = null;
        return new($"{source}: {PathText(property)}: {message} (byte offset {_consumed + reader.TokenStartIndex}).");
    }

    /// <summary>The JSON path of the current position, e.g. $.layers[1].weight.</summary>
    private string PathText(string? property = null)
    {
        var path = new StringBuilder("$");
        foreach (var frame in _frames)
        {
            if (frame.IsArray) path.Append('[').Append(Math.Max(0, frame.Count - 1)).Append(']');
            else if (frame.Name is not null) path.Append('.').Append(Cut(frame.Name));
        }
        if (property is not null) path.Append('.').Append(Cut(property));
        return path.ToString();
    }

    private string Cut(string name) => name.Length <= limits.MaxEchoLength ? name : name[..limits.MaxEchoLength] + "…";
}

/// <summary>A JSON value of an untrusted file and its path, for example "$.layers[1].weight[3]"; every check throws <see cref="InvalidDataException"/> naming both.</summary>
internal readonly record struct JsonField(JsonElement Element, string Path, string Source)
{
    /// <summary>The error for this value.</summary>
    internal InvalidDataException Error(string message) => new($"{Source}: {Path}: {message}");

    /// <summary>True for JSON null.</summary>
    internal bool IsNull => Element.ValueKind == JsonValueKind.Null;

    /// <summary>The properties of an object, which must hold every name of <paramref name="required"/>, may hold those of
    /// <paramref name="optional"/>, and nothing else, each once.</summary>
    internal Dictionary<string, JsonField> Object(string[] required, params string[] optional)
    {
        Expect(JsonValueKind.Object, "an object");
        var result = new Dictionary<string, JsonField>(StringComparer.Ordinal);
        foreach (var property in Element.EnumerateObject())
        {
            string path = $"{Path}.{property.Name}";
            if (!required.Contains(property.Name) && !optional.Contains(property.Name))
                throw new InvalidDataException($"{Source}: {path}: unknown property '{property.Name}'; expected only {string.Join(", ", required.Concat(optional).Select(name => $"'{name}'"))}.");
            if (!result.TryAdd(property.Name, new JsonField(property.Value, path, Source)))
                throw new InvalidDataException($"{Source}: {path}: duplicate property '{property.Name}'.");
        }
        foreach (string name in required)
            if (!result.ContainsKey(name)) throw Error($"missing property '{name}'.");
        return result;
    }

    /// <summary>A required property of an object, without checking the others.</summary>
    internal JsonField Property(string name)
    {
        Expect(JsonValueKind.Object, "an object");
        JsonField? found = null;
        foreach (var property in Element.EnumerateObject())
        {
            if (property.Name != name) continue;
            if (found is not null) throw new InvalidDataException($"{Source}: {Path}.{name}: duplicate property '{name}'.");
            found = new JsonField(property.Value, $"{Path}.{name}", Source);
        }
        return found ?? throw Error($"missing property '{name}'.");
    }

    /// <summary>The items of an array whose length must lie in [<paramref name="minLength"/>, <paramref name="maxLength"/>].</summary>
    internal JsonField[] Array(int minLength, int maxLength)
    {
        int length = ArrayLength(minLength, maxLength);
        var items = new JsonField[length];
        int i = 0;
        foreach (var item in Element.EnumerateArray())
        {
            items[i] = new JsonField(item, $"{Path}[{i}]", Source);
            i++;
        }
        return items;
    }

    /// <summary>The length of an array, which must lie in [<paramref name="minLength"/>, <paramref name="maxLength"/>].</summary>
    internal int ArrayLength(int minLength, int maxLength)
    {
        Expect(JsonValueKind.Array, "an array");
        int length = Element.GetArrayLength();
        if (length < minLength || length > maxLength)
            throw Error(minLength == maxLength
                ? $"expected an array of length {minLength}, got length {length}."
                : $"expected an array of length {minLength} to {maxLength}, got length {length}.");
        return length;
    }

    /// <summary>A string.</summary>
    internal string String()
    {
        Expect(JsonValueKind.String, "a string");
        return Element.GetString()!;
    }

    /// <summary>A boolean.</summary>
    internal bool Boolean() => Element.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw Error($"expected true or false, got {Describe(Element)}."),
    };

    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    internal long Integer(long min, long max)
    {
        Expect(JsonValueKind.Number, "an integer");
        if (!Element.TryGetInt64(out long value)) throw Error($"expected an integer, got {Element.GetRawText()}.");
        if (value < min || value > max) throw Error($"expected an integer in [{min}, {max}], got {value}.");
        return value;
    }

    /// <summary>A finite double.</summary>
    internal double Double() => Number<double>(Element, Path);

    /// <summary>A finite number of type <typeparamref name="T"/> read from its shortest round-trip text, exactly.</summary>
    internal T Number<T>(JsonElement element, string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (element.ValueKind != JsonValueKind.Number)
            throw new InvalidDataException($"{Source}: {path}: expected a number, got {Describe(element)}.");
        T value;
        if (typeof(T) == typeof(float))
        {
            bool parsed = element.TryGetSingle(out float single);
            value = parsed ? T.CreateTruncating(single) : T.NaN;
        }
        else
        {
            bool parsed = element.TryGetDouble(out double number);
            value = parsed ? T.CreateTruncating(number) : T.NaN;
        }
        if (!T.IsFinite(value))
            throw new InvalidDataException($"{Source}: {path}: expected a finite {typeof(T).Name.ToLowerInvariant()}, got {element.GetRawText()}.");
        return value;
    }

    /// <summary>Fills <paramref name="destination"/>[offset + i · stride] with the array's n finite numbers; n was checked by the caller.</summary>
    internal void Numbers<T>(Span<T> destination, int offset, int stride) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        foreach (var item in Element.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Number && typeof(T) == typeof(double) && item.TryGetDouble(out double number) && double.IsFinite(number))
                destination[offset + i * stride] = T.CreateTruncating(number);
            else
                destination[offset + i * stride] = Number<T>(item, $"{Path}[{i}]");
            i++;
        }
    }

    /// <summary>An array of exactly <paramref name="length"/> finite numbers.</summary>
    internal ImmutableVector<T> Vector<T>(int length) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArrayLength(length, length);
        var values = new T[length];
        Numbers<T>(values, 0, 1);
        return new ImmutableVector<T>(values);
    }

    /// <summary>A rows x columns matrix stored as an array of rows (row-major nested arrays).</summary>
    internal ImmutableMatrix<T> Matrix<T>(int rows, int columns) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rowNodes = Array(rows, rows);
        foreach (var row in rowNodes) row.ArrayLength(columns, columns);
        var values = new T[checked(rows * columns)];
        for (int j = 0; j < rows; j++) rowNodes[j].Numbers<T>(values, j, rows);
        return new ImmutableMatrix<T>(rows, columns, values);
    }

    private void Expect(JsonValueKind kind, string expected)
    {
        if (Element.ValueKind != kind) throw Error($"expected {expected}, got {Describe(Element)}.");
    }

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string {Shorten(element.GetRawText())}",
        JsonValueKind.Null => "null",
        _ => Shorten(element.GetRawText()),
    };

    private static string Shorten(string text) => ReadLimits.Default.Cut(text);
}

/// <summary>Writes numbers in the shortest text that parses back to the same bits.</summary>
internal static class JsonNumbers
{
    /// <summary>The shortest round-trip text of <paramref name="value"/>, "-0" for negative zero.</summary>
    internal static string Format<T>(T value) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? float.CreateTruncating(value).ToString("R", CultureInfo.InvariantCulture)
            : double.CreateTruncating(value).ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Writes a vector as one JSON array on one line.</summary>
    internal static void WriteVector<T>(Utf8JsonWriter writer, ImmutableVector<T> vector) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var text = new ArrayBufferWriter<byte>(Estimate<T>(vector.Length));
        AppendArray(text, vector.AsSpan(), 0, vector.Length, 1);
        writer.WriteRawValue(text.WrittenSpan, skipInputValidation: true);
    }

    /// <summary>Writes a matrix as an array of its rows (row-major nested arrays) on one line.</summary>
    internal static void WriteMatrix<T>(Utf8JsonWriter writer, ImmutableMatrix<T> matrix) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // The UTF-8 text is formatted straight into one buffer (no string per number, no UTF-16 copy of the whole).
        var text = new ArrayBufferWriter<byte>(Estimate<T>(matrix.Count) + 4 * matrix.Rows + 2);
        text.Write("["u8);
        for (int j = 0; j < matrix.Rows; j++)
        {
            if (j > 0) text.Write(", "u8);
            AppendArray(text, matrix.AsSpan(), j, matrix.Columns, matrix.Rows);
        }
        text.Write("]"u8);
        writer.WriteRawValue(text.WrittenSpan, skipInputValidation: true);
        // Hands the text on to the writer's stream, if it has one, so that its buffer does not grow to the whole file.
        writer.Flush();
    }

    /// <summary>Writes a layer's "weight" (as <see cref="WriteMatrix"/>) and "bias" (as <see cref="WriteVector"/>) properties.</summary>
    internal static void WriteWeightAndBias<T>(Utf8JsonWriter writer, ImmutableMatrix<T> weight, ImmutableVector<T> bias) where T : unmanaged, IFloatingPointIeee754<T>
    {
        writer.WritePropertyName("weight");
        WriteMatrix(writer, weight);
        writer.WritePropertyName("bias");
        WriteVector(writer, bias);
    }

    /// <summary>Appends "[x, y, ...]" (the shortest round-trip text of each value, as <see cref="Format{T}"/> gives it) as UTF-8.</summary>
    private static void AppendArray<T>(ArrayBufferWriter<byte> text, ReadOnlySpan<T> values, int offset, int count, int stride) where T : unmanaged, IFloatingPointIeee754<T>
    {
        text.Write("["u8);
        for (int i = 0; i < count; i++)
        {
            if (i > 0) text.Write(", "u8);
            T value = values[offset + i * stride];
            var destination = text.GetSpan(MaxNumberLength);
            bool formatted = typeof(T) == typeof(float)
                ? float.CreateTruncating(value).TryFormat(destination, out int written, "R", CultureInfo.InvariantCulture)
                : double.CreateTruncating(value).TryFormat(destination, out written, "R", CultureInfo.InvariantCulture);
            if (!formatted) throw new InvalidOperationException($"Expected the text of {Format(value)} to fit in {MaxNumberLength} bytes.");
            text.Advance(written);
        }
        text.Write("]"u8);
    }

    /// <summary>More bytes than the round-trip text of any float or double takes ("-1.7976931348623157E+308" is 24).</summary>
    private const int MaxNumberLength = 32;

    /// <summary>A first buffer size for <paramref name="count"/> numbers: about what float32 or float64 values of a trained network take, with their separators.</summary>
    private static int Estimate<T>(int count) => (int)Math.Min(Array.MaxLength / 2, (long)count * (typeof(T) == typeof(float) ? 14 : 22) + 2);

    /// <summary>Writes a double hyperparameter.</summary>
    internal static void WriteDouble(Utf8JsonWriter writer, string name, double value)
    {
        writer.WritePropertyName(name);
        writer.WriteRawValue(Format(value), skipInputValidation: true);
    }

    /// <summary>Writes a double as an array element or value.</summary>
    internal static void WriteDoubleValue(Utf8JsonWriter writer, double value) => writer.WriteRawValue(Format(value), skipInputValidation: true);
}
