using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;

namespace Pure;

/// <summary>Reading untrusted JSON files: size limits, parse errors with line and byte, and typed access that names the JSON path.</summary>
internal static class JsonInput
{
    /// <summary>The largest file read, 1 GiB; larger files are refused before reading.</summary>
    internal const long MaxFileBytes = 1L << 30;

    /// <summary>Reads a whole file after checking its length against <see cref="MaxFileBytes"/>.</summary>
    internal static byte[] ReadFile(string path, long limit = MaxFileBytes)
    {
        using var stream = OpenRead(path, limit);
        return ReadStream(stream, path, limit);
    }

    /// <summary>Opens a file for reading once its length is known to be at most <paramref name="limit"/> bytes.</summary>
    internal static FileStream OpenRead(string path, long limit)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        long length = new FileInfo(path).Length;
        if (length > limit)
            throw new InvalidDataException($"{path}: expected a file of at most {limit} bytes, got {length} bytes; refused before reading.");
        return File.OpenRead(path);
    }

    /// <summary>Reads a stream to its end, refusing more than <paramref name="limit"/> bytes.</summary>
    internal static byte[] ReadStream(Stream stream, string source, long limit = MaxFileBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream.CanSeek && stream.Length - stream.Position > limit)
            throw new InvalidDataException($"{source}: expected at most {limit} bytes, got {stream.Length - stream.Position} bytes; refused before reading.");
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + read > limit)
                throw new InvalidDataException($"{source}: expected at most {limit} bytes, got more; refused after {buffer.Length} bytes.");
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
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

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";
}

/// <summary>Writes numbers in the shortest text that parses back to the same bits.</summary>
internal static class JsonNumbers
{
    /// <summary>The shortest round-trip text of <paramref name="value"/>, "-0" for negative zero.</summary>
    internal static string Format<T>(T value) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? float.CreateTruncating(value).ToString("R", CultureInfo.InvariantCulture)
            : double.CreateTruncating(value).ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Writes a vector as one JSON array on one line.</summary>
    internal static void WriteVector<T>(Utf8JsonWriter writer, ImmutableVector<T> vector) where T : unmanaged, IFloatingPointIeee754<T> =>
        writer.WriteRawValue(AppendArray(new StringBuilder(), vector.AsSpan(), 0, vector.Length, 1).ToString(), skipInputValidation: true);

    /// <summary>Writes a matrix as an array of its rows (row-major nested arrays) on one line.</summary>
    internal static void WriteMatrix<T>(Utf8JsonWriter writer, ImmutableMatrix<T> matrix) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var text = new StringBuilder("[");
        for (int j = 0; j < matrix.Rows; j++) AppendArray(j > 0 ? text.Append(", ") : text, matrix.AsSpan(), j, matrix.Columns, matrix.Rows);
        writer.WriteRawValue(text.Append(']').ToString(), skipInputValidation: true);
    }

    /// <summary>Writes a layer's "weight" (as <see cref="WriteMatrix"/>) and "bias" (as <see cref="WriteVector"/>) properties.</summary>
    internal static void WriteWeightAndBias<T>(Utf8JsonWriter writer, ImmutableMatrix<T> weight, ImmutableVector<T> bias) where T : unmanaged, IFloatingPointIeee754<T>
    {
        writer.WritePropertyName("weight");
        WriteMatrix(writer, weight);
        writer.WritePropertyName("bias");
        WriteVector(writer, bias);
    }

    private static StringBuilder AppendArray<T>(StringBuilder text, ReadOnlySpan<T> values, int offset, int count, int stride) where T : unmanaged, IFloatingPointIeee754<T>
    {
        text.Append('[');
        for (int i = 0; i < count; i++)
        {
            if (i > 0) text.Append(", ");
            text.Append(Format(values[offset + i * stride]));
        }
        return text.Append(']');
    }

    /// <summary>Writes a double hyperparameter.</summary>
    internal static void WriteDouble(Utf8JsonWriter writer, string name, double value)
    {
        writer.WritePropertyName(name);
        writer.WriteRawValue(Format(value), skipInputValidation: true);
    }
}
