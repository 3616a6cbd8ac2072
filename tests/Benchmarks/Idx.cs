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
        if (!File.Exists(path)) throw new DataFileException($"missing data file {path}");
        try
        {
            // The header first, then the data straight into an array of its exact size: no growing buffer, no copies.
            using var file = File.OpenRead(path);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            var header = new byte[4 + 4 * dimensions];
            int read = gzip.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            var (sizes, count) = ParseHeader(header.AsSpan(0, read), dimensions, path);
            var data = new byte[count];
            int filled = gzip.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
            if (filled != count || gzip.ReadByte() >= 0)
                throw new DataFileException($"{path}: the header declares {string.Join(" x ", sizes)} = {count} bytes of data, the file holds {(filled != count ? filled.ToString(System.Globalization.CultureInfo.InvariantCulture) : "more")}");
            return new IdxFile(sizes, data);
        }
        catch (InvalidDataException e)
        {
            throw new DataFileException($"{path} is not a gzip file: {e.Message}");
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

/// <summary>Fashion-MNIST (or MNIST) as read from DIR: 28x28 images and labels 0-9.</summary>
public sealed record ImageSet(int Count, int Pixels, byte[] Images, byte[] Labels)
{
    /// <summary>The training set (train-*) or the test set (t10k-*) from <paramref name="directory"/>.</summary>
    public static ImageSet Load(string directory, bool training)
    {
        string prefix = training ? "train" : "t10k";
        string imagesPath = Path.Combine(directory, $"{prefix}-images-idx3-ubyte.gz");
        string labelsPath = Path.Combine(directory, $"{prefix}-labels-idx1-ubyte.gz");
        var images = IdxFile.Read(imagesPath, 3);
        var labels = IdxFile.Read(labelsPath, 1);
        if (images.Dimensions[1] != 28 || images.Dimensions[2] != 28)
            throw new DataFileException($"{imagesPath}: images are {images.Dimensions[1]} x {images.Dimensions[2]}, expected 28 x 28");
        if (images.Dimensions[0] != labels.Dimensions[0])
            throw new DataFileException($"{labelsPath}: {labels.Dimensions[0]} labels for {images.Dimensions[0]} images");
        for (int i = 0; i < labels.Data.Length; i++)
            if (labels.Data[i] > 9) throw new DataFileException($"{labelsPath}: label {labels.Data[i]} at {i}, expected 0-9");
        return new ImageSet(images.Dimensions[0], 28 * 28, images.Data, labels.Data);
    }

    /// <summary>The first <paramref name="count"/> samples from <paramref name="start"/> as a Dataset: pixels / 255 in [0, 1] (784 x count), one-hot targets (10 x count).</summary>
    public Dataset<T> ToDataset<T>(int start, int count) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var inputs = new T[checked(Pixels * count)];
        T scale = T.CreateChecked(255);
        var source = Images.AsSpan(start * Pixels, count * Pixels);
        for (int i = 0; i < source.Length; i++) inputs[i] = T.CreateChecked(source[i]) / scale;
        var labels = new int[count];
        for (int j = 0; j < count; j++) labels[j] = Labels[start + j];
        // The matrix takes the array as its storage (no copy of the largest allocation of the run).
        return new Dataset<T>(new ImmutableMatrix<T>(Pixels, count, inputs), Metrics.OneHot<T>(labels, 10));
    }
}
