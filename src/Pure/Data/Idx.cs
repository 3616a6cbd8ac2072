using System.Buffers.Binary;
using System.Collections.Immutable;
using System.IO.Compression;
using System.Numerics;

namespace Pure;

/// <summary>The element type of an IDX file, with its type code in the magic number.</summary>
public enum IdxElementType
{
    /// <summary>Unsigned byte, code 0x08 (MNIST and Fashion-MNIST images and labels).</summary>
    UnsignedByte = 0x08,

    /// <summary>Signed byte, code 0x09.</summary>
    SignedByte = 0x09,

    /// <summary>Big-endian 16-bit integer, code 0x0B.</summary>
    Int16 = 0x0B,

    /// <summary>Big-endian 32-bit integer, code 0x0C.</summary>
    Int32 = 0x0C,

    /// <summary>Big-endian IEEE 754 single, code 0x0D.</summary>
    Float32 = 0x0D,

    /// <summary>Big-endian IEEE 754 double, code 0x0E.</summary>
    Float64 = 0x0E,
}

/// <summary>The header of an IDX file: the element type and the size of every dimension (the first counts the items).</summary>
/// <param name="ElementType">The type of every element.</param>
/// <param name="Dimensions">The sizes, outermost first; 1 to <see cref="Idx.MaxDimensions"/> of them, each at least 1.</param>
public sealed record IdxHeader(IdxElementType ElementType, ImmutableArray<int> Dimensions)
{
    /// <summary>The type of every element; one of the defined codes.</summary>
    public IdxElementType ElementType { get; init => field = CheckElementType(value); } = CheckElementType(ElementType);

    private readonly ValueArray<int> _dimensions = CheckDimensions(Dimensions);

    /// <summary>The sizes, outermost first; equality compares them in order.</summary>
    public ImmutableArray<int> Dimensions { get => _dimensions.Items; init => _dimensions = CheckDimensions(value); }

    /// <summary>The number of items: the first dimension.</summary>
    public int ItemCount => Dimensions[0];

    /// <summary>The number of elements per item: the product of the other dimensions (1 for a 1-D file).</summary>
    public long ItemSize => Dimensions.Skip(1).Aggregate(1L, (product, size) => product * size);

    /// <summary>The number of elements: the product of all dimensions.</summary>
    public long ElementCount => ItemSize * ItemCount;

    /// <summary>The bytes per element: 1, 2, 4 or 8.</summary>
    public int ElementSize => Idx.SizeOf(ElementType);

    /// <summary>The bytes of the header: 4 for the magic number and 4 per dimension.</summary>
    public int HeaderLength => 4 + 4 * Dimensions.Length;

    /// <summary>The bytes of the whole (uncompressed) file: header and data.</summary>
    public long FileLength => HeaderLength + ElementCount * ElementSize;

    private static IdxElementType CheckElementType(IdxElementType elementType) => Enum.IsDefined(elementType)
        ? elementType
        : throw new ArgumentOutOfRangeException(nameof(ElementType), $"Expected an IDX element type code, got 0x{(int)elementType:X2}.");

    /// <summary>For example "unsigned byte 60000 x 28 x 28".</summary>
    public override string ToString() => $"{ElementType} {string.Join(" x ", Dimensions)}";

    private static ImmutableArray<int> CheckDimensions(ImmutableArray<int> dimensions)
    {
        if (dimensions.IsDefault || dimensions.Length is < 1 or > Idx.MaxDimensions)
            throw new ArgumentException($"Expected 1 to {Idx.MaxDimensions} dimensions, got {(dimensions.IsDefault ? 0 : dimensions.Length)}.", nameof(Dimensions));
        for (int d = 0; d < dimensions.Length; d++)
            if (dimensions[d] < 1) throw new ArgumentException($"Expected every dimension to be 1 or more, got {dimensions[d]} for dimension {d}.", nameof(Dimensions));
        return dimensions;
    }
}

/// <summary>
/// Reads and writes IDX files, the format of MNIST and Fashion-MNIST: a big-endian magic number 0x0000TTDD (TT the
/// element type code, DD the number of dimensions), DD big-endian int32 sizes, then the elements, big-endian, in
/// row-major order. Files may be gzip-compressed (recognised by their first two bytes 0x1F 0x8B, not by their name).
/// Everything declared in the header is checked against the file's length and the <see cref="ReadLimits"/> before any
/// data is allocated, and a gzip file's inflated bytes are counted while inflating.
/// </summary>
public static class Idx
{
    /// <summary>The most dimensions a file may declare.</summary>
    public const int MaxDimensions = 8;

    /// <summary>The largest uncompressed/compressed ratio deflate can reach (zlib's documented bound is 1032:1).</summary>
    private const long DeflateMaxRatio = 1032;

    private const int BufferLength = 1 << 16;

    /// <summary>Reads and checks the header of the IDX file at <paramref name="path"/> (raw or gzip).</summary>
    /// <exception cref="InvalidDataException">The header is malformed or does not match the file's length.</exception>
    /// <param name="path">The IDX file.</param>
    /// <param name="limits">The resource limits; null for <see cref="ReadLimits.Default"/>.</param>
    public static IdxHeader ReadHeader(string path, ReadLimits? limits = null)
    {
        using var reader = Open(path, limits ?? ReadLimits.Default);
        return reader.Header;
    }

    /// <summary>
    /// The items of an IDX file of any element type and shape as a (product of the other dimensions) x N matrix, one
    /// item per column, values as stored (for example 0..255 for images); non-finite floating-point elements are refused.
    /// </summary>
    /// <param name="path">The IDX file.</param>
    /// <param name="limits">The resource limits (samples x features, decompressed bytes); null for <see cref="ReadLimits.Default"/>.</param>
    /// <exception cref="InvalidDataException">The file is malformed, truncated, too long, or too large for a matrix.</exception>
    /// <exception cref="InvalidDataException">The file declares more values or inflates to more bytes than <paramref name="limits"/> allow.</exception>
    public static ImmutableMatrix<T> ReadSamples<T>(string path, ReadLimits? limits = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        limits ??= ReadLimits.Default;
        using var reader = Open(path, limits);
        var header = reader.Header;
        CheckSamples(header, path, limits);
        // The elements are decoded chunk by chunk straight into the matrix's own storage: no full-size copy.
        var values = new T[header.ElementCount];
        int itemSize = (int)header.ItemSize;
        ReadItems<T>(reader, path, item => values.AsSpan(item * itemSize, itemSize));
        return new ImmutableMatrix<T>(itemSize, header.ItemCount, values);
    }

    /// <summary>
    /// Reads the items of an IDX file with the checks and messages of <see cref="ReadSamples{T}"/>, but stores each one
    /// where <paramref name="destination"/> says: item j's values (ItemSize of them, converted to T) go into
    /// destination(j), or nowhere when that span is empty. Every element is still read and checked. For gathering
    /// parts of the samples straight into their final storage, with no matrix of all of them.
    /// </summary>
    /// <param name="path">The IDX file.</param>
    /// <param name="limits">The resource limits; null for <see cref="ReadLimits.Default"/>.</param>
    /// <param name="expected">The header read before (the destinations were sized by it); a file whose header now differs is refused.</param>
    /// <param name="destination">The span for item j: ItemSize long, or empty to skip the item.</param>
    internal static void ReadSamplesInto<T>(string path, ReadLimits? limits, IdxHeader expected, Func<int, Span<T>> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        limits ??= ReadLimits.Default;
        using var reader = Open(path, limits);
        var header = reader.Header;
        CheckSamples(header, path, limits);
        if (header != expected) throw new InvalidDataException($"{path}: the file changed while it was read: its header now declares {header}, not {expected}.");
        ReadItems(reader, path, destination);
    }

    /// <summary>Throws unless the samples x features of the images file <paramref name="path"/> are within <paramref name="limits"/>: checked before any sample is allocated.</summary>
    internal static void CheckSamples(IdxHeader header, string path, ReadLimits limits) =>
        limits.Check("samples-x-features", header.ElementCount, path, $"{header.ItemCount} samples x {header.ItemSize} features ({header})");

    /// <summary>Decodes every element, refusing a non-finite one, and stores each item's run of elements into <paramref name="destination"/>(item) unless that span is empty.</summary>
    private static void ReadItems<T>(IdxReader reader, string path, Func<int, Span<T>> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var header = reader.Header;
        int itemSize = (int)header.ItemSize;
        reader.ReadElements((int)header.ElementCount, (start, chunk) =>
        {
            int i = 0;
            while (i < chunk.Length)
            {
                int element = start + i;
                int offset = element % itemSize;
                int length = Math.Min(chunk.Length - i, itemSize - offset);
                var target = destination(element / itemSize);
                for (int k = 0; k < length; k++)
                {
                    var value = T.CreateChecked(chunk[i + k]);
                    if (!T.IsFinite(value))
                        throw new InvalidDataException(
                            $"{path}, byte {header.HeaderLength + (long)(element + k) * header.ElementSize}: expected a finite {typeof(T).Name}, got {chunk[i + k]}.");
                    if (!target.IsEmpty) target[offset + k] = value;
                }
                i += length;
            }
        });
    }

    /// <summary>The elements of a 1-D IDX file of integers (unsigned or signed byte, int16, int32), such as class labels.</summary>
    /// <param name="path">The IDX file.</param>
    /// <param name="limits">The resource limits; null for <see cref="ReadLimits.Default"/>.</param>
    /// <exception cref="InvalidDataException">The file is malformed, not 1-D, or not of an integer type.</exception>
    public static ImmutableArray<int> ReadLabels(string path, ReadLimits? limits = null)
    {
        limits ??= ReadLimits.Default;
        using var reader = Open(path, limits);
        var header = reader.Header;
        limits.Check("samples-x-features", header.ElementCount, path, $"{header.ElementCount} labels ({header})");
        if (header.Dimensions.Length != 1)
            throw new InvalidDataException($"{path}: expected a 1-D IDX file of labels, got {header.Dimensions.Length} dimensions ({string.Join(" x ", header.Dimensions)}).");
        if (header.ElementType is IdxElementType.Float32 or IdxElementType.Float64)
            throw new InvalidDataException($"{path}: expected integer labels, got elements of type {header.ElementType}.");
        var labels = new int[header.ItemCount];
        reader.ReadElements(labels.Length, (start, chunk) =>
        {
            for (int i = 0; i < chunk.Length; i++) labels[start + i] = (int)chunk[i];
        });
        return System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsImmutableArray(labels);
    }

    /// <summary>
    /// Writes an IDX file of unsigned bytes with the given <paramref name="dimensions"/> (outermost first) and
    /// <paramref name="data"/> in row-major order; gzip-compressed when <paramref name="compress"/> is true.
    /// </summary>
    public static void Write(string path, IReadOnlyList<int> dimensions, IReadOnlyList<byte> data, bool compress = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(dimensions);
        ArgumentNullException.ThrowIfNull(data);
        IdxHeader header;
        try { header = new IdxHeader(IdxElementType.UnsignedByte, [.. dimensions]); }
        catch (ArgumentException e) { throw new ArgumentException(e.Message, nameof(dimensions), e); }
        if (header.ElementCount != data.Count)
            throw new ArgumentException($"Expected {header.ElementCount} bytes for dimensions {string.Join(" x ", dimensions)}, got {data.Count}.", nameof(data));
        using var file = File.Create(path);
        using var output = compress ? new GZipStream(file, CompressionLevel.Optimal) : (Stream)file;
        var buffer = new byte[header.HeaderLength];
        buffer[2] = (byte)IdxElementType.UnsignedByte;
        buffer[3] = (byte)dimensions.Count;
        for (int d = 0; d < dimensions.Count; d++) BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(4 + 4 * d), dimensions[d]);
        output.Write(buffer);
        output.Write(data as byte[] ?? [.. data]);
    }

    /// <summary>The bytes per element of <paramref name="type"/>.</summary>
    internal static int SizeOf(IdxElementType type) => type switch
    {
        IdxElementType.UnsignedByte or IdxElementType.SignedByte => 1,
        IdxElementType.Int16 => 2,
        IdxElementType.Int32 or IdxElementType.Float32 => 4,
        _ => 8,
    };

    private static IdxReader Open(string path, ReadLimits limits)
    {
        ArgumentNullException.ThrowIfNull(path);
        JsonInput.CheckFile(path);
        var file = File.OpenRead(path);
        try { return new IdxReader(file, path, limits); }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>A checked IDX header over a raw or gzip stream, then the elements one by one.</summary>
    private sealed class IdxReader : IDisposable
    {
        private readonly Stream _file;
        private readonly Stream _data;
        private readonly string _path;

        public IdxReader(FileStream file, string path, ReadLimits limits)
        {
            _file = file;
            _path = path;
            long length = file.Length;
            Span<byte> start = stackalloc byte[2];
            bool gzip = file.ReadAtLeast(start, 2, throwOnEndOfStream: false) == 2 && start[0] == 0x1F && start[1] == 0x8B;
            file.Position = 0;
            long? storedLength = gzip ? GzipStoredLength(file, length, path) : null;
            _data = gzip
                ? new InflateLimitStream(new GZipStream(file, CompressionMode.Decompress, leaveOpen: true), limits.MaxDecompressedBytes, path)
                : file;
            Header = ReadHeaderBytes();
            long expected = Header.FileLength;
            if (gzip)
            {
                if ((ulong)expected % (1UL << 32) != (ulong)storedLength!.Value)
                    throw new InvalidDataException(
                        $"{path}: the header declares {expected} uncompressed bytes ({Header}), but the gzip trailer records {storedLength} bytes (mod 2^32).");
                if (expected > DeflateMaxRatio * length + 1024)
                    throw new InvalidDataException(
                        $"{path}: the header declares {expected} uncompressed bytes ({Header}), more than deflate can encode in a file of {length} bytes.");
                limits.Check("decompressed-bytes", expected, path, $"the header declares that many uncompressed bytes ({Header})");
            }
            else if (expected != length)
                throw new InvalidDataException(expected > length
                    ? $"{path}: the header declares {expected} bytes ({Header}), but the file is truncated at {length} bytes."
                    : $"{path}: the header declares {expected} bytes ({Header}), but the file has {length - expected} more bytes after the data.");
        }

        public IdxHeader Header { get; }

        /// <summary>
        /// Reads <paramref name="count"/> elements in chunks, passing each chunk's first index and values to
        /// <paramref name="store"/>, then checks that the stream ends there.
        /// </summary>
        public void ReadElements(int count, Action<int, ReadOnlySpan<double>> store)
        {
            int size = Header.ElementSize;
            var buffer = new byte[BufferLength];
            var values = new double[BufferLength / size];
            int index = 0;
            while (index < count)
            {
                int elements = Math.Min(values.Length, count - index);
                int read = Fill(buffer.AsSpan(0, elements * size));
                if (read < elements * size)
                    throw new InvalidDataException(
                        $"{_path}: truncated: the header declares {Header.FileLength} bytes ({Header}), but the data ends after {Header.HeaderLength + (long)index * size + read} bytes.");
                Decode(buffer.AsSpan(0, elements * size), values.AsSpan(0, elements));
                store(index, values.AsSpan(0, elements));
                index += elements;
            }
            if (Fill(buffer.AsSpan(0, 1)) != 0)
                throw new InvalidDataException($"{_path}: the header declares {Header.FileLength} bytes ({Header}), but more data follows.");
        }

        public void Dispose()
        {
            _data.Dispose();
            _file.Dispose();
        }

        private void Decode(ReadOnlySpan<byte> bytes, Span<double> values)
        {
            switch (Header.ElementType)
            {
                case IdxElementType.UnsignedByte:
                    for (int i = 0; i < values.Length; i++) values[i] = bytes[i];
                    break;
                case IdxElementType.SignedByte:
                    for (int i = 0; i < values.Length; i++) values[i] = (sbyte)bytes[i];
                    break;
                case IdxElementType.Int16:
                    for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadInt16BigEndian(bytes[(2 * i)..]);
                    break;
                case IdxElementType.Int32:
                    for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadInt32BigEndian(bytes[(4 * i)..]);
                    break;
                case IdxElementType.Float32:
                    for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleBigEndian(bytes[(4 * i)..]);
                    break;
                default:
                    for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadDoubleBigEndian(bytes[(8 * i)..]);
                    break;
            }
        }

        private IdxHeader ReadHeaderBytes()
        {
            Span<byte> magic = stackalloc byte[4];
            if (Fill(magic) < 4) throw new InvalidDataException($"{_path}: expected a 4-byte IDX magic number, but the file ends first.");
            if (magic[0] != 0 || magic[1] != 0)
                throw new InvalidDataException($"{_path}, byte 0: expected an IDX magic number starting 0x00 0x00, got 0x{magic[0]:X2} 0x{magic[1]:X2}.");
            var type = (IdxElementType)magic[2];
            if (!Enum.IsDefined(type))
                throw new InvalidDataException($"{_path}, byte 2: expected an IDX type code (0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E), got 0x{magic[2]:X2}.");
            int rank = magic[3];
            if (rank is < 1 or > MaxDimensions)
                throw new InvalidDataException($"{_path}, byte 3: expected 1 to {MaxDimensions} dimensions, got {rank}.");
            Span<byte> sizes = stackalloc byte[4 * rank];
            if (Fill(sizes) < sizes.Length)
                throw new InvalidDataException($"{_path}: expected {rank} dimension sizes after the magic number, but the file ends first.");
            var dimensions = new int[rank];
            long total = 1;
            for (int d = 0; d < rank; d++)
            {
                dimensions[d] = BinaryPrimitives.ReadInt32BigEndian(sizes[(4 * d)..]);
                if (dimensions[d] < 1)
                    throw new InvalidDataException($"{_path}, byte {4 + 4 * d}: expected the size of dimension {d} to be 1 or more, got {dimensions[d]}.");
                total *= dimensions[d];
                if (total > Array.MaxLength)
                    throw new InvalidDataException(
                        $"{_path}: the dimensions {string.Join(" x ", dimensions.Take(d + 1))}... declare more than {Array.MaxLength} elements, more than a matrix can hold.");
            }
            return new IdxHeader(type, [.. dimensions]);
        }

        private int Fill(Span<byte> buffer)
        {
            try { return _data.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false); }
            catch (InvalidDataException e) when (LimitExceeded.LimitName(e) is null) { throw new InvalidDataException($"{_path}: corrupt gzip data: {e.Message}", e); }
        }

        /// <summary>ISIZE, the last 4 bytes of a gzip file: the uncompressed length mod 2^32.</summary>
        private static long GzipStoredLength(FileStream file, long length, string path)
        {
            if (length < 18) throw new InvalidDataException($"{path}: expected a gzip file of at least 18 bytes, got {length}.");
            Span<byte> trailer = stackalloc byte[4];
            file.Position = length - 4;
            file.ReadExactly(trailer);
            file.Position = 0;
            return BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        }
    }
}
