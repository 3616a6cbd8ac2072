using System.Buffers.Binary;
using System.IO.Compression;

namespace Pure.Benchmarks;

/// <summary>A malformed or missing data file; the message names the file and what is wrong.</summary>
public sealed class DataFileException(string message) : Exception(message);

/// <summary>
/// A gzip-compressed IDX file (the MNIST format): a big-endian magic number 0x0000TTDD (TT = 0x08 for unsigned
/// bytes, DD = the number of dimensions), DD big-endian int32 sizes, then the elements in row-major order.
/// </summary>
/// <param name="Dimensions">The size of each dimension.</param>
/// <param name="Data">The elements, as many as the product of the dimensions.</param>
public sealed record IdxFile(IReadOnlyList<int> Dimensions, byte[] Data)
{
    private const int UnsignedByte = 0x08;

    /// <summary>Reads and checks a gzip IDX file of unsigned bytes with <paramref name="dimensions"/> dimensions.</summary>
    public static IdxFile Read(string path, int dimensions)
    {
        using var reader = IdxReader.Open(path, dimensions);
        var data = new byte[reader.Count];
        reader.ReadData((start, chunk) => chunk.CopyTo(data.AsSpan((int)start)));
        return new IdxFile(reader.Sizes, data);
    }

    /// <summary>The header of a gzip IDX file of unsigned bytes, then its data chunk by chunk (no array of the whole file).</summary>
    internal sealed class IdxReader : IDisposable
    {
        private readonly string _path;
        private readonly FileStream _file;
        private readonly GZipStream _gzip;

        private IdxReader(string path, FileStream file, GZipStream gzip, int[] sizes, long count)
        {
            (_path, _file, _gzip, Sizes, Count) = (path, file, gzip, sizes, count);
        }

        /// <summary>The size of each dimension.</summary>
        public int[] Sizes { get; }

        /// <summary>The number of data bytes the header declares.</summary>
        public long Count { get; }

        /// <summary>Opens <paramref name="path"/> and reads and checks its header (<paramref name="dimensions"/> dimensions of unsigned bytes).</summary>
        public static IdxReader Open(string path, int dimensions)
        {
            if (!File.Exists(path)) throw new DataFileException($"missing data file {path}");
            var file = File.OpenRead(path);
            var gzip = new GZipStream(file, CompressionMode.Decompress);
            try
            {
                var header = new byte[4 + 4 * dimensions];
                int read = Fill(gzip, header, path);
                var (sizes, count) = ParseHeader(header.AsSpan(0, read), dimensions, path);
                return new IdxReader(path, file, gzip, sizes, count);
            }
            catch
            {
                gzip.Dispose();
                file.Dispose();
                throw;
            }
        }

        /// <summary>Passes the data to <paramref name="chunk"/> in order (its offset, then its bytes), then checks that the file ends there.</summary>
        public void ReadData(Action<long, ReadOnlySpan<byte>> chunk)
        {
            var buffer = new byte[1 << 16];
            long filled = 0;
            while (filled < Count)
            {
                int read = Fill(_gzip, buffer.AsSpan(0, (int)Math.Min(buffer.Length, Count - filled)), _path);
                if (read == 0) break;
                chunk(filled, buffer.AsSpan(0, read));
                filled += read;
            }
            if (filled != Count || Fill(_gzip, buffer.AsSpan(0, 1), _path) != 0)
                throw new DataFileException($"{_path}: the header declares {string.Join(" x ", Sizes)} = {Count} bytes of data, the file holds {(filled != Count ? filled.ToString(System.Globalization.CultureInfo.InvariantCulture) : "more")}");
        }

        public void Dispose()
        {
            _gzip.Dispose();
            _file.Dispose();
        }

        private static int Fill(GZipStream gzip, Span<byte> buffer, string path)
        {
            try { return gzip.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false); }
            catch (InvalidDataException e) { throw new DataFileException($"{path} is not a gzip file: {e.Message}"); }
        }
    }

    private static (int[] Sizes, long Count) ParseHeader(ReadOnlySpan<byte> bytes, int dimensions, string name)
    {
        int header = 4 + 4 * dimensions;
        if (bytes.Length < header) throw new DataFileException($"{name}: {bytes.Length} bytes, shorter than an IDX header of {dimensions} dimensions ({header} bytes)");
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        uint expected = (UnsignedByte << 8) | (uint)dimensions;
        if (magic != expected) throw new DataFileException($"{name}: magic number 0x{magic:X8}, expected 0x{expected:X8} (unsigned bytes, {dimensions} dimensions)");
        var sizes = new int[dimensions];
        long count = 1;
        for (int d = 0; d < dimensions; d++)
        {
            int size = BinaryPrimitives.ReadInt32BigEndian(bytes[(4 + 4 * d)..]);
            if (size <= 0) throw new DataFileException($"{name}: dimension {d} has size {size}");
            sizes[d] = size;
            count *= size;
            if (count > Array.MaxLength) throw new DataFileException($"{name}: the header declares more than {Array.MaxLength} bytes of data");
        }
        return (sizes, count);
    }

    /// <summary>Checks the header of decompressed IDX bytes against the expected dimension count and the length.</summary>
    public static IdxFile Parse(byte[] bytes, int dimensions, string name)
    {
        int header = 4 + 4 * dimensions;
        if (bytes.Length < header) throw new DataFileException($"{name}: {bytes.Length} bytes, shorter than an IDX header of {dimensions} dimensions ({header} bytes)");
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        uint expected = (UnsignedByte << 8) | (uint)dimensions;
        if (magic != expected) throw new DataFileException($"{name}: magic number 0x{magic:X8}, expected 0x{expected:X8} (unsigned bytes, {dimensions} dimensions)");
        var sizes = new int[dimensions];
        long count = 1;
        for (int d = 0; d < dimensions; d++)
        {
            int size = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * d));
            if (size <= 0) throw new DataFileException($"{name}: dimension {d} has size {size}");
            sizes[d] = size;
            count *= size;
        }
        if (header + count != bytes.Length)
            throw new DataFileException($"{name}: the header declares {string.Join(" x ", sizes)} = {count} bytes of data, the file holds {bytes.Length - header}");
        return new IdxFile(sizes, bytes[header..]);
    }
}

/// <summary>
/// Fashion-MNIST (or MNIST) in DIR: 28x28 images and labels 0-9. The labels are read; the images stay in their file
/// (header checked) until <see cref="ToDataset{T}"/> decodes them straight into a dataset's storage, so that no array
/// of all the image bytes is held beside the dataset.
/// </summary>
public sealed record ImageSet(string ImagesPath, int Count, int Pixels, byte[] Labels)
{
    /// <summary>The training set (train-*) or the test set (t10k-*) from <paramref name="directory"/>.</summary>
    public static ImageSet Load(string directory, bool training)
    {
        string prefix = training ? "train" : "t10k";
        string imagesPath = Path.Combine(directory, $"{prefix}-images-idx3-ubyte.gz");
        string labelsPath = Path.Combine(directory, $"{prefix}-labels-idx1-ubyte.gz");
        int[] dimensions;
        using (var images = IdxFile.IdxReader.Open(imagesPath, 3)) dimensions = images.Sizes;
        var labels = IdxFile.Read(labelsPath, 1);
        if (dimensions[1] != 28 || dimensions[2] != 28)
            throw new DataFileException($"{imagesPath}: images are {dimensions[1]} x {dimensions[2]}, expected 28 x 28");
        if (dimensions[0] != labels.Dimensions[0])
            throw new DataFileException($"{labelsPath}: {labels.Dimensions[0]} labels for {dimensions[0]} images");
        for (int i = 0; i < labels.Data.Length; i++)
            if (labels.Data[i] > 9) throw new DataFileException($"{labelsPath}: label {labels.Data[i]} at {i}, expected 0-9");
        return new ImageSet(imagesPath, dimensions[0], 28 * 28, labels.Data);
    }

    /// <summary>
    /// The <paramref name="count"/> samples from <paramref name="start"/> as a Dataset: pixels / 255 in [0, 1]
    /// (784 x count), one-hot targets (10 x count). Reads the whole images file (checking its length), decoding only
    /// those samples, chunk by chunk, into the matrix's storage.
    /// </summary>
    public Dataset<T> ToDataset<T>(int start, int count) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var inputs = new T[checked(Pixels * count)];
        T scale = T.CreateChecked(255);
        long first = (long)start * Pixels, end = first + inputs.Length;
        using (var images = IdxFile.IdxReader.Open(ImagesPath, 3))
        {
            if (images.Sizes[0] != Count || images.Sizes[1] * images.Sizes[2] != Pixels)
                throw new DataFileException($"{ImagesPath}: the file changed: it now holds {string.Join(" x ", images.Sizes)} images, not {Count} x 28 x 28");
            images.ReadData((offset, chunk) =>
            {
                long from = Math.Max(offset, first), to = Math.Min(offset + chunk.Length, end);
                for (long i = from; i < to; i++) inputs[i - first] = T.CreateChecked(chunk[(int)(i - offset)]) / scale;
            });
        }
        var labels = new int[count];
        for (int j = 0; j < count; j++) labels[j] = Labels[start + j];
        // The matrix takes the array as its storage (no copy of the largest allocation of the run).
        return new Dataset<T>(new ImmutableMatrix<T>(Pixels, count, inputs), Metrics.OneHot<T>(labels, 10));
    }
}
