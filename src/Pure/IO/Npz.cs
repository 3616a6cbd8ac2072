using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Globalization;
using System.IO.Compression;
using System.Numerics;
using System.Text;

namespace Pure;

/// <summary>One array of an .npz file: its NumPy dtype ("&lt;f4" or "&lt;f8"), shape and values in row-major (C) order.</summary>
/// <param name="DType">The NumPy type string, "&lt;f4" (float32) or "&lt;f8" (float64).</param>
/// <param name="Shape">The dimensions; empty for a scalar.</param>
/// <param name="Values">The values in row-major order, widened to double exactly.</param>
public sealed record NpyArray(string DType, ImmutableArray<int> Shape, ImmutableArray<double> Values)
{
    /// <summary>True when the dtypes, shapes and values (bit for bit) are equal.</summary>
    public bool Equals(NpyArray? other) =>
        other is not null && DType == other.DType && Shape.SequenceEqual(other.Shape)
        && Values.Select(BitConverter.DoubleToInt64Bits).SequenceEqual(other.Values.Select(BitConverter.DoubleToInt64Bits));

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(DType, Shape.Length, Values.Length);
}

/// <summary>
/// NumPy .npz import and export of a network's weights: a zip of .npy arrays W1, b1, W2, b2, ..., where W&lt;l&gt; is
/// W^[l] shaped (n_l, n_{l-1}) (PyTorch's nn.Linear weight layout) and b&lt;l&gt; is b^[l] shaped (n_l, 1).
/// Reading treats the file as untrusted: sizes are checked against the entry lengths before anything is allocated.
/// </summary>
public static class Npz
{
    /// <summary>The largest .npz file read, 1 GiB.</summary>
    public const long MaxFileBytes = 1L << 30;

    /// <summary>The largest number of arrays in one file.</summary>
    public const int MaxArrays = 10_000;

    /// <summary>The largest .npy header, in bytes.</summary>
    public const int MaxHeaderBytes = 1 << 16;

    /// <summary>The largest number of elements of one array.</summary>
    public const int MaxElements = 1 << 27;

    /// <summary>The largest total size of the arrays' data once inflated, 1 GiB (a deflated entry may declare more than the file holds); <see cref="ReadLimits.MaxDecompressedBytes"/> may lower it.</summary>
    public const long MaxDataBytes = 1L << 30;

    /// <summary>Writes the weights and biases of <paramref name="network"/> to <paramref name="path"/> as np.savez would (stored entries, '&lt;f4' for float, '&lt;f8' for double).</summary>
    public static void Export<T>(Network<T> network, string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string descr = typeof(T) == typeof(float) ? "<f4" : typeof(T) == typeof(double) ? "<f8"
            : throw new NotSupportedException($"Expected float or double, got {typeof(T).Name}.");
        AtomicFile.Write(path, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            for (int l = 0; l < network.Layers.Length; l++)
            {
                var layer = network.Layers[l];
                WriteEntry(zip, $"W{l + 1}.npy", descr, layer.OutputSize, layer.InputSize, layer.Weight.AsSpan());
                WriteEntry(zip, $"b{l + 1}.npy", descr, layer.OutputSize, 1, layer.Bias.AsSpan());
            }
        });
    }

    /// <summary>
    /// The parameters stored in <paramref name="path"/> as W1, b1, ..., WL, bL (and nothing else), with b as (n_l,) or (n_l, 1);
    /// use <see cref="Network{T}.WithParameters"/> to put them into a network of the same shape. '&lt;f8' values are
    /// rounded to float when <typeparamref name="T"/> is float.
    /// </summary>
    /// <param name="path">The .npz file.</param>
    /// <param name="limits">The resource limits (decompressed bytes); null for <see cref="ReadLimits.Default"/>.</param>
    /// <exception cref="InvalidDataException">The file is not such an .npz file; the message names the file and the entry.</exception>
    public static Parameters<T> ImportParameters<T>(string path, ReadLimits? limits = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // The names and shapes are checked from the headers alone before any array is inflated, so a file laid out
        // wrongly is refused without reading its data.
        int layerCount = CheckLayout(path, ReadEntries(path, limits, (stream, length, source) => ReadNpyHeader(stream, length, source).Shape));
        var arrays = ReadArrays(path, limits);
        var layers = ImmutableArray.CreateBuilder<LayerParameters<T>>(layerCount);
        for (int l = 1; l <= layerCount; l++)
        {
            var w = arrays[$"W{l}"];
            var b = arrays[$"b{l}"];
            int rows = w.Shape[0], columns = w.Shape[1];
            var weight = new T[w.Values.Length];
            for (int j = 0; j < rows; j++)
                for (int k = 0; k < columns; k++)
                    weight[k * rows + j] = Convert<T>(w.Values[j * columns + k], path, $"W{l}", j * columns + k);
            var bias = new T[rows];
            for (int j = 0; j < rows; j++) bias[j] = Convert<T>(b.Values[j], path, $"b{l}", j);
            layers.Add(new LayerParameters<T>(new ImmutableMatrix<T>(rows, columns, weight), new ImmutableVector<T>(bias)));
        }
        return new Parameters<T>(layers.MoveToImmutable());
    }

    /// <summary>The number of layers of the arrays W1, b1, ..., WL, bL named in <paramref name="shapes"/>; throws unless they are exactly those, with matching shapes.</summary>
    private static int CheckLayout(string path, ImmutableDictionary<string, ImmutableArray<int>> shapes)
    {
        int layerCount = shapes.Count / 2;
        var expected = Enumerable.Range(1, layerCount).SelectMany(l => new[] { $"W{l}", $"b{l}" }).ToHashSet(StringComparer.Ordinal);
        if (shapes.Count == 0 || shapes.Count % 2 != 0 || !shapes.Keys.All(expected.Contains))
            throw new InvalidDataException(
                $"{path}: expected the arrays W1, b1, ..., WL, bL and nothing else, got {string.Join(", ", shapes.Keys.OrderBy(key => key, StringComparer.Ordinal))}.");
        for (int l = 1; l <= layerCount; l++)
        {
            var w = shapes[$"W{l}"];
            var b = shapes[$"b{l}"];
            if (w.Length != 2)
                throw new InvalidDataException($"{path}: entry 'W{l}.npy': expected a 2-D array (n_{l}, n_{l - 1}), got shape {ShapeText(w)}.");
            int rows = w[0], columns = w[1];
            if (rows == 0 || columns == 0)
                throw new InvalidDataException($"{path}: entry 'W{l}.npy': expected at least one row and one column, got shape {ShapeText(w)}.");
            if (l > 1 && columns != shapes[$"W{l - 1}"][0])
                throw new InvalidDataException($"{path}: entry 'W{l}.npy': expected {shapes[$"W{l - 1}"][0]} columns (the rows of W{l - 1}), got shape {ShapeText(w)}.");
            if (!(b.Length == 1 && b[0] == rows) && !(b.Length == 2 && b[0] == rows && b[1] == 1))
                throw new InvalidDataException($"{path}: entry 'b{l}.npy': expected shape ({rows},) or ({rows}, 1) to match W{l}, got {ShapeText(b)}.");
        }
        return layerCount;
    }

    /// <summary>Every array in the .npz file <paramref name="path"/>, by name without ".npy"; stored or deflated entries, npy versions 1.0 to 3.0.</summary>
    /// <param name="path">The .npz file.</param>
    /// <param name="limits">The resource limits: the entries may inflate to at most <see cref="ReadLimits.MaxDecompressedBytes"/> in all (and never past <see cref="MaxDataBytes"/>), counted while inflating; null for <see cref="ReadLimits.Default"/>.</param>
    /// <exception cref="InvalidDataException">The file is not a valid .npz file; the message names the file, the entry and the byte offset.</exception>
    public static ImmutableDictionary<string, NpyArray> ReadArrays(string path, ReadLimits? limits = null) => ReadEntries(path, limits, ReadNpy);

    /// <summary>Applies <paramref name="read"/> (a stream of the inflated entry, its declared length, its name for messages) to every entry, after the checks of the archive and the entry names and sizes.</summary>
    private static ImmutableDictionary<string, TEntry> ReadEntries<TEntry>(string path, ReadLimits? limits, Func<Stream, long, string, TEntry> read)
    {
        limits ??= ReadLimits.Default;
        long maxData = Math.Min(MaxDataBytes, limits.MaxDecompressedBytes);
        using var stream = JsonInput.OpenRead(path, MaxFileBytes);
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(stream, ZipArchiveMode.Read);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: expected a zip archive (.npz), got: {e.Message}", e);
        }
        using (zip)
        {
            if (zip.Entries.Count > MaxArrays)
                throw new InvalidDataException($"{path}: expected at most {MaxArrays} arrays, got {zip.Entries.Count} entries.");
            var result = ImmutableDictionary.CreateBuilder<string, TEntry>(StringComparer.Ordinal);
            long totalBytes = 0;
            foreach (var entry in zip.Entries)
            {
                if (entry.Length < 0) throw new InvalidDataException($"{path}: entry '{entry.FullName}': expected a non-negative length, got {entry.Length}.");
                if (totalBytes + entry.Length > MaxDataBytes)
                    throw new InvalidDataException($"{path}: entry '{entry.FullName}': expected at most {MaxDataBytes} bytes in all entries once inflated, got {totalBytes + entry.Length} declared.");
                limits.Check("decompressed-bytes", totalBytes + entry.Length, path, $"entry '{limits.Cut(entry.FullName)}': {totalBytes + entry.Length} bytes declared in all entries up to this one");
                if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal) || entry.FullName.Length == 4)
                    throw new InvalidDataException($"{path}: entry '{entry.FullName}': expected a name ending in .npy.");
                string name = entry.FullName[..^4];
                if (result.ContainsKey(name)) throw new InvalidDataException($"{path}: entry '{entry.FullName}': duplicate entry.");
                try
                {
                    using var entryStream = new InflateLimitStream(entry.Open(), maxData, path, totalBytes);
                    result.Add(name, read(entryStream, entry.Length, $"{path}: entry '{entry.FullName}'"));
                    totalBytes += entry.Length;
                }
                catch (Exception e) when (LimitExceeded.LimitName(e) is null && (e is IOException || (e is InvalidDataException && !e.Message.StartsWith(path, StringComparison.Ordinal))))
                {
                    throw new InvalidDataException($"{path}: entry '{entry.FullName}': could not be read: {e.Message}", e);
                }
            }
            return result.ToImmutable();
        }
    }

    /// <summary>Reads one .npy array of <paramref name="length"/> bytes; <paramref name="source"/> names it in messages.</summary>
    internal static NpyArray ReadNpy(Stream stream, long length, string source)
    {
        var (descr, fortranOrder, shape, count, itemSize, dataOffset) = ReadNpyHeader(stream, length, source);
        // The data are decoded chunk by chunk straight into the values: no full-size byte copy.
        var values = new double[count];
        var chunk = new byte[Math.Min(1 << 16, count * itemSize)];
        long done = 0;
        while (done < count)
        {
            int elements = (int)Math.Min(chunk.Length / itemSize, count - done);
            int read = ReadUpTo(stream, chunk.AsSpan(0, elements * itemSize));
            if (read < elements * itemSize)
                throw new InvalidDataException($"{source}, byte {dataOffset + done * itemSize + read}: truncated data, expected {count * itemSize} bytes.");
            for (int i = 0; i < elements; i++)
                values[done + i] = itemSize == 4
                    ? BinaryPrimitives.ReadSingleLittleEndian(chunk.AsSpan(i * 4, 4))
                    : BinaryPrimitives.ReadDoubleLittleEndian(chunk.AsSpan(i * 8, 8));
            done += elements;
        }
        if (stream.ReadByte() >= 0) throw new InvalidDataException($"{source}, byte {dataOffset + count * itemSize}: expected the end of the entry, got more data.");
        if (fortranOrder && shape.Length > 1) values = ToRowMajor(values, shape);
        // values is ours alone: wrapped without a copy.
        return new NpyArray(descr, shape, System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsImmutableArray(values));
    }

    /// <summary>The header of one .npy array of <paramref name="length"/> bytes, checked against the length; the stream is left at the first data byte.</summary>
    private static (string Descr, bool FortranOrder, ImmutableArray<int> Shape, long Count, int ItemSize, long DataOffset) ReadNpyHeader(Stream stream, long length, string source)
    {
        var preamble = new byte[12];
        int preambleLength = ReadUpTo(stream, preamble, 10);
        if (preambleLength < 10 || !preamble.AsSpan(0, 6).SequenceEqual(Magic))
            throw new InvalidDataException($"{source}, byte 0: expected the .npy magic \\x93NUMPY and a version, got {preambleLength} bytes {System.Convert.ToHexString(preamble, 0, preambleLength)}.");
        byte major = preamble[6], minor = preamble[7];
        if (major is < 1 or > 3 || minor != 0)
            throw new InvalidDataException($"{source}, byte 6: expected .npy version 1.0, 2.0 or 3.0, got {major}.{minor}.");
        long headerLength;
        int prefix;
        if (major == 1)
        {
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(preamble.AsSpan(8, 2));
            prefix = 10;
        }
        else
        {
            if (ReadUpTo(stream, preamble.AsSpan(10, 2)) < 2) throw new InvalidDataException($"{source}, byte 10: truncated header length.");
            headerLength = BinaryPrimitives.ReadUInt32LittleEndian(preamble.AsSpan(8, 4));
            prefix = 12;
        }
        if (headerLength > MaxHeaderBytes || prefix + headerLength > length)
            throw new InvalidDataException($"{source}, byte 8: expected a header of at most {Math.Min(MaxHeaderBytes, length - prefix)} bytes, got {headerLength}.");
        var headerBytes = new byte[headerLength];
        if (ReadUpTo(stream, headerBytes) < headerLength) throw new InvalidDataException($"{source}, byte {prefix}: truncated header.");
        string header;
        try
        {
            header = (major == 3 ? new UTF8Encoding(false, true) : (Encoding)Encoding.GetEncoding("us-ascii", EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback)).GetString(headerBytes);
        }
        catch (DecoderFallbackException)
        {
            throw new InvalidDataException($"{source}, byte {prefix}: expected an {(major == 3 ? "UTF-8" : "ASCII")} header.");
        }
        var (descr, fortranOrder, shape) = new NpyHeaderParser(header, source, prefix).Parse();
        int itemSize = descr switch
        {
            "<f4" => 4,
            "<f8" => 8,
            _ => throw new InvalidDataException($"{source}, byte {prefix}: expected descr '<f4' or '<f8' (little-endian float32 or float64), got '{descr}'."),
        };
        long count = 1;
        foreach (int dimension in shape)
        {
            count *= dimension;
            if (count > MaxElements)
                throw new InvalidDataException($"{source}, byte {prefix}: expected at most {MaxElements} elements, got shape {ShapeText(shape)}.");
        }
        long dataOffset = prefix + headerLength;
        if (dataOffset + count * itemSize != length)
            throw new InvalidDataException(
                $"{source}, byte {dataOffset}: expected {count * itemSize} bytes of data for shape {ShapeText(shape)} of {descr}, got {length - dataOffset} (entry of {length} bytes).");
        return (descr, fortranOrder, shape, count, itemSize, dataOffset);
    }

    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Writes the header of a 2-D array and its values, row by row (C order) from column-major storage.</summary>
    private static void WriteEntry<T>(ZipArchive zip, string name, string descr, int rows, int columns, ReadOnlySpan<T> columnMajor) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var entry = zip.CreateEntry(name, CompressionLevel.NoCompression);
        // A fixed time (the zip format's earliest) rather than now, so the same weights give the same bytes.
        entry.LastWriteTime = new DateTimeOffset(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using var stream = entry.Open();
        string dictionary = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({rows}, {columns}), }}";
        int total = 10 + dictionary.Length + 1;
        int padding = (64 - total % 64) % 64;
        string header = dictionary + new string(' ', padding) + "\n";
        var prefix = new byte[10];
        Magic.CopyTo(prefix, 0);
        prefix[6] = 1;
        prefix[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(prefix.AsSpan(8), checked((ushort)header.Length));
        stream.Write(prefix);
        stream.Write(Encoding.ASCII.GetBytes(header));
        int itemSize = typeof(T) == typeof(float) ? 4 : 8;
        var data = new byte[checked(rows * columns * itemSize)];
        for (int j = 0; j < rows; j++)
            for (int k = 0; k < columns; k++)
            {
                T value = columnMajor[k * rows + j];
                var destination = data.AsSpan((j * columns + k) * itemSize, itemSize);
                if (itemSize == 4) BinaryPrimitives.WriteSingleLittleEndian(destination, float.CreateTruncating(value));
                else BinaryPrimitives.WriteDoubleLittleEndian(destination, double.CreateTruncating(value));
            }
        stream.Write(data);
    }

    private static T Convert<T>(double value, string path, string array, int index) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var result = T.CreateChecked(value);
        if (!T.IsFinite(result))
            throw new InvalidDataException($"{path}: entry '{array}.npy': expected finite values, got {value.ToString("R", CultureInfo.InvariantCulture)} at flat (row-major) index {index}.");
        return result;
    }

    private static double[] ToRowMajor(double[] fortran, ImmutableArray<int> shape)
    {
        var result = new double[fortran.Length];
        var index = new int[shape.Length];
        for (int f = 0; f < fortran.Length; f++)
        {
            // f runs in Fortran order (first index fastest); compute the row-major position of the same index tuple.
            long c = 0;
            for (int d = 0; d < shape.Length; d++) c = c * shape[d] + index[d];
            result[c] = fortran[f];
            for (int d = 0; d < shape.Length && ++index[d] == shape[d]; d++) index[d] = 0;
        }
        return result;
    }

    internal static string ShapeText(IReadOnlyList<int> shape) =>
        shape.Count == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";

    private static int ReadUpTo(Stream stream, Span<byte> buffer, int count = -1)
    {
        if (count >= 0) buffer = buffer[..count];
        int total = 0;
        while (total < buffer.Length)
        {
            int read = stream.Read(buffer[total..]);
            if (read == 0) break;
            total += read;
        }
        return total;
    }
}

/// <summary>A strict parser of the .npy header, a Python dict literal such as {'descr': '&lt;f8', 'fortran_order': False, 'shape': (3, 4), }.</summary>
internal sealed class NpyHeaderParser(string text, string source, int baseOffset)
{
    private int _position;

    /// <summary>The three entries; anything else, missing or repeated is refused.</summary>
    internal (string Descr, bool FortranOrder, ImmutableArray<int> Shape) Parse()
    {
        string? descr = null;
        bool? fortranOrder = null;
        ImmutableArray<int>? shape = null;
        Expect('{');
        while (true)
        {
            SkipSpaces();
            if (Peek() == '}') break;
            int keyPosition = _position;
            string key = QuotedString();
            Expect(':');
            switch (key)
            {
                case "descr" when descr is null: descr = QuotedString(); break;
                case "fortran_order" when fortranOrder is null: fortranOrder = Boolean(); break;
                case "shape" when shape is null: shape = Tuple(); break;
                default: throw Error(keyPosition, $"expected one of 'descr', 'fortran_order', 'shape' once each, got '{key}'");
            }
            SkipSpaces();
            if (Peek() == ',') _position++;
            else if (Peek() != '}') throw Error(_position, "expected ',' or '}'");
        }
        _position++;
        if (descr is null || fortranOrder is null || shape is null)
            throw Error(_position, "expected the keys 'descr', 'fortran_order' and 'shape'");
        while (_position < text.Length - 1 && text[_position] == ' ') _position++;
        if (_position != text.Length - 1 || text[^1] != '\n') throw Error(_position, "expected spaces and a final newline after the dictionary");
        return (descr, fortranOrder.Value, shape.Value);
    }

    private InvalidDataException Error(int position, string message)
    {
        string found = position < text.Length ? $"'{text[position..Math.Min(text.Length, position + 20)].Replace("\n", "\\n", StringComparison.Ordinal)}'" : "the end of the header";
        return new InvalidDataException($"{source}, byte {baseOffset + position}: invalid .npy header: {message}, got {found}.");
    }

    private char Peek() => _position < text.Length ? text[_position] : '\0';

    private void SkipSpaces()
    {
        while (_position < text.Length && text[_position] == ' ') _position++;
    }

    private void Expect(char expected)
    {
        SkipSpaces();
        if (Peek() != expected) throw Error(_position, $"expected '{expected}'");
        _position++;
    }

    private string QuotedString()
    {
        SkipSpaces();
        if (Peek() is not ('\'' or '"')) throw Error(_position, "expected a quoted string");
        char quote = text[_position];
        int start = ++_position;
        while (_position < text.Length && text[_position] != quote)
        {
            if (text[_position] == '\\' || text[_position] == '\n') throw Error(_position, "expected a plain string");
            _position++;
        }
        if (_position >= text.Length) throw Error(start, "expected a closing quote");
        return text[start.._position++];
    }

    private bool Boolean()
    {
        SkipSpaces();
        if (string.CompareOrdinal(text, _position, "True", 0, 4) == 0) { _position += 4; return true; }
        if (string.CompareOrdinal(text, _position, "False", 0, 5) == 0) { _position += 5; return false; }
        throw Error(_position, "expected True or False");
    }

    private ImmutableArray<int> Tuple()
    {
        Expect('(');
        var dimensions = ImmutableArray.CreateBuilder<int>();
        while (true)
        {
            SkipSpaces();
            if (Peek() == ')') break;
            int start = _position;
            while (_position < text.Length && char.IsAsciiDigit(text[_position])) _position++;
            if (_position == start || _position - start > 9) throw Error(start, "expected a dimension, a whole number below 10^9");
            dimensions.Add(int.Parse(text.AsSpan(start, _position - start), NumberStyles.None, CultureInfo.InvariantCulture));
            if (dimensions.Count > 32) throw Error(start, "expected at most 32 dimensions");
            SkipSpaces();
            if (Peek() == ',') _position++;
            else if (Peek() != ')') throw Error(_position, "expected ',' or ')'");
            else if (dimensions.Count == 1) throw Error(_position, "expected a one-element tuple written (n,)");
        }
        _position++;
        return dimensions.ToImmutable();
    }
}
