using System.Buffers.Binary;
using System.IO.Compression;
using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;

namespace Pure.Properties;

/// <summary>
/// IDX reading and writing: what Idx.Write writes (raw or gzip) reads back element for element, every element type
/// decodes big-endian, and a malformed, truncated, over-long or oversized file is refused with a message naming the
/// file before any data is allocated.
/// </summary>
public sealed class IdxTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("pure-idx-").FullName;

    /// <summary>Deletes the test's files.</summary>
    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    private static readonly Gen<(int[] Dimensions, byte[] Data, bool Compress)> Files =
        from rank in Gen.Choose(1, 4)
        from dimensions in Gen.ArrayOf(Gen.Choose(1, 5), rank)
        from data in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), dimensions.Aggregate(1, (p, d) => p * d))
        from compress in Gen.Elements(true, false)
        select (dimensions, data, compress);

    [PureProperty(MaxTest = 100)]
    public Property WrittenBytesReadBackAsOneItemPerColumnRawOrGzip()
    {
        int file = 0;
        return Prop.ForAll(Arb.From(Files), c =>
        {
            string path = PathOf($"p{file++}.idx");
            Idx.Write(path, c.Dimensions, c.Data, c.Compress);
            bool isGzip = File.ReadAllBytes(path)[0] == 0x1F;
            var header = Idx.ReadHeader(path);
            var samples = Idx.ReadSamples<double>(path);
            var floats = Idx.ReadSamples<float>(path);
            int itemSize = c.Data.Length / c.Dimensions[0];
            bool labelsOk = c.Dimensions.Length != 1 || Idx.ReadLabels(path).SequenceEqual(c.Data.Select(b => (int)b));
            return (isGzip == c.Compress && header.ElementType == IdxElementType.UnsignedByte && header.Dimensions.SequenceEqual(c.Dimensions)
                    && samples.Rows == itemSize && samples.Columns == c.Dimensions[0]
                    && samples.AsSpan().ToArray().SequenceEqual(c.Data.Select(b => (double)b))
                    && floats.AsSpan().ToArray().SequenceEqual(c.Data.Select(b => (float)b)) && labelsOk)
                .Label($"header {header}, samples {samples.Shape}");
        });
    }

    [Fact]
    public void EveryElementTypeDecodesBigEndianWhetherRawOrGzip()
    {
        foreach (bool compress in new[] { false, true })
        {
            Check(IdxElementType.SignedByte, [0x80, 0x7F, 0xFF], [-128, 127, -1], compress);
            Check(IdxElementType.Int16, [0x01, 0x02, 0xFF, 0xFE], [258, -2], compress);
            Check(IdxElementType.Int32, [0x00, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF], [65536, -1], compress);
            Check(IdxElementType.Float32, [0x3F, 0xC0, 0x00, 0x00, 0xC1, 0x20, 0x00, 0x00], [1.5, -10], compress);
            Check(IdxElementType.Float64, [0x3F, 0xB9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9A], [0.1], compress);
        }
        Assert.Equal(new[] { -128, 127, -1 }, ReadLabelsOf(IdxElementType.SignedByte, [0x80, 0x7F, 0xFF]));
        Assert.Equal(new[] { 65536, -1 }, ReadLabelsOf(IdxElementType.Int32, [0x00, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF]));

        void Check(IdxElementType type, byte[] data, double[] expected, bool compress)
        {
            string path = PathOf($"{type}-{compress}.idx");
            WriteBytes(path, Bytes(type, [expected.Length], data), compress);
            var samples = Idx.ReadSamples<double>(path);
            Assert.Equal(expected, samples.AsSpan().ToArray());
            Assert.Equal((1, expected.Length), (samples.Rows, samples.Columns));
            Assert.Equal(new IdxHeader(type, [expected.Length]), Idx.ReadHeader(path));
        }
    }

    public static TheoryData<string, byte[], string> MalformedFiles => new()
    {
        { "empty", [], "{0}: expected a 4-byte IDX magic number, but the file ends first." },
        { "bad magic", [0x1F, 0x00, 0x08, 0x01, 0, 0, 0, 1, 7], "{0}, byte 0: expected an IDX magic number starting 0x00 0x00, got 0x1F 0x00." },
        { "bad type", [0, 0, 0x0A, 0x01, 0, 0, 0, 1, 7], "{0}, byte 2: expected an IDX type code (0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E), got 0x0A." },
        { "no dimensions", [0, 0, 0x08, 0x00], "{0}, byte 3: expected 1 to 8 dimensions, got 0." },
        { "nine dimensions", [0, 0, 0x08, 0x09], "{0}, byte 3: expected 1 to 8 dimensions, got 9." },
        { "short sizes", [0, 0, 0x08, 0x02, 0, 0, 0, 1], "{0}: expected 2 dimension sizes after the magic number, but the file ends first." },
        { "zero size", [0, 0, 0x08, 0x02, 0, 0, 0, 1, 0, 0, 0, 0], "{0}, byte 8: expected the size of dimension 1 to be 1 or more, got 0." },
        { "negative size", [0, 0, 0x08, 0x01, 0xFF, 0xFF, 0xFF, 0xFF], "{0}, byte 4: expected the size of dimension 0 to be 1 or more, got -1." },
        { "truncated", [0, 0, 0x08, 0x01, 0, 0, 0, 3, 1, 2], "{0}: the header declares 11 bytes (UnsignedByte 3), but the file is truncated at 10 bytes." },
        { "too long", [0, 0, 0x08, 0x01, 0, 0, 0, 2, 1, 2, 3], "{0}: the header declares 10 bytes (UnsignedByte 2), but the file has 1 more bytes after the data." },
        { "huge", [0, 0, 0x0E, 0x03, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0], "{0}: the dimensions 65536 x 65536... declare more than 2147483591 elements, more than a matrix can hold." },
        { "huge float32", [0, 0, 0x0D, 0x01, 0x7F, 0xFF, 0xFF, 0x00, 1, 2, 3, 4], "{0}: the header declares 8589933576 bytes (Float32 2147483392), but the file is truncated at 12 bytes." },
    };

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void AMalformedRawFileIsRefusedNamingTheFileAndByte(string name, byte[] bytes, string message)
    {
        string path = PathOf(name);
        File.WriteAllBytes(path, bytes);
        string expected = string.Format(message, path);
        Assert.Equal(expected, Assert.Throws<InvalidDataException>(() => Idx.ReadHeader(path)).Message);
        Assert.Equal(expected, Assert.Throws<InvalidDataException>(() => Idx.ReadSamples<double>(path)).Message);
    }

    [Fact]
    public void AGzipFileWhoseHeaderDisagreesWithTheTrailerOrTheDataIsRefused()
    {
        // The header says 3 bytes of data, the stream holds 2: ISIZE (10) differs from the declared 11.
        string truncated = PathOf("truncated.gz");
        WriteBytes(truncated, [0, 0, 0x08, 0x01, 0, 0, 0, 3, 1, 2], compress: true);
        Assert.Equal($"{truncated}: the header declares 11 uncompressed bytes (UnsignedByte 3), but the gzip trailer records 10 bytes (mod 2^32).",
            Assert.Throws<InvalidDataException>(() => Idx.ReadSamples<double>(truncated)).Message);

        // A trailer forged to match the header: the gzip check of the stream itself refuses it.
        string forged = PathOf("forged.gz");
        var bytes = Gzip([0, 0, 0x08, 0x01, 0, 0, 0, 3, 1, 2]);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), 11);
        File.WriteAllBytes(forged, bytes);
        Assert.StartsWith($"{forged}: corrupt gzip data: ", Assert.Throws<InvalidDataException>(() => Idx.ReadSamples<double>(forged)).Message);

        // Two valid gzip members whose last trailer matches the declared 10 bytes, but 20 bytes in all: the extra data is found.
        string longer = PathOf("longer.gz");
        File.WriteAllBytes(longer, [.. Gzip([0, 0, 0x08, 0x01, 0, 0, 0, 2, 1, 2]), .. Gzip(new byte[10])]);
        Assert.Equal($"{longer}: the header declares 10 bytes (UnsignedByte 2), but more data follows.",
            Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(longer)).Message);

        // A huge declared size whose low 32 bits match the trailer: refused by deflate's ratio bound before allocating.
        string bomb = PathOf("bomb.gz");
        bytes = Gzip([0, 0, 0x0C, 0x01, 0x20, 0, 0, 0, 1, 2, 3, 4]);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), unchecked((uint)(8 + 4L * 0x20000000)));
        File.WriteAllBytes(bomb, bytes);
        Assert.Equal($"{bomb}: the header declares 2147483656 uncompressed bytes (Int32 536870912), more than deflate can encode in a file of {bytes.Length} bytes.",
            Assert.Throws<InvalidDataException>(() => Idx.ReadSamples<double>(bomb)).Message);

        // Only the gzip magic bytes.
        string stub = PathOf("stub.gz");
        File.WriteAllBytes(stub, [0x1F, 0x8B, 0x08]);
        Assert.Equal($"{stub}: expected a gzip file of at least 18 bytes, got 3.", Assert.Throws<InvalidDataException>(() => Idx.ReadHeader(stub)).Message);

        // Corrupt deflate data.
        string corrupt = PathOf("corrupt.gz");
        bytes = Gzip([0, 0, 0x08, 0x01, 0, 0, 0, 2, 1, 2]);
        for (int i = 10; i < bytes.Length - 8; i++) bytes[i] = 0xFF;
        File.WriteAllBytes(corrupt, bytes);
        Assert.StartsWith($"{corrupt}: corrupt gzip data: ", Assert.Throws<InvalidDataException>(() => Idx.ReadSamples<double>(corrupt)).Message);
    }

    [Fact]
    public void LabelsMustBeOneDimensionalIntegersAndSamplesFinite()
    {
        string images = PathOf("images.idx");
        Idx.Write(images, [2, 2], [1, 2, 3, 4]);
        Assert.Equal($"{images}: expected a 1-D IDX file of labels, got 2 dimensions (2 x 2).", Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(images)).Message);
        string floats = PathOf("floats.idx");
        WriteBytes(floats, Bytes(IdxElementType.Float32, [2], [0x3F, 0x80, 0, 0, 0x7F, 0xC0, 0, 0]), compress: false);
        Assert.Equal($"{floats}: expected integer labels, got elements of type Float32.", Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(floats)).Message);
        Assert.Equal($"{floats}, byte 12: expected a finite Double, got NaN.", Assert.Throws<InvalidDataException>(() => Idx.ReadSamples<double>(floats)).Message);
        string big = PathOf("big.idx");
        WriteBytes(big, Bytes(IdxElementType.Float64, [1], [0x7F, 0xEF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]), compress: false);
        Assert.Equal(double.MaxValue, Idx.ReadSamples<double>(big)[0, 0]);
        Assert.StartsWith($"{big}, byte 8: expected a finite Single", Assert.Throws<InvalidDataException>(() => Idx.ReadSamples<float>(big)).Message);
    }

    [PureProperty(MaxTest = 100)]
    public Property ReadSamplesIntoPutsEachItemWhereItsDestinationSaysAndSkipsTheRest()
    {
        int file = 0;
        var cases =
            from c in Files
            from keys in Gen.ArrayOf(Gen.Choose(-1, 2), c.Dimensions[0])
            select (c.Dimensions, c.Data, c.Compress, Parts: keys);
        return Prop.ForAll(Arb.From(cases), c =>
        {
            string path = PathOf($"into{file++}.idx");
            Idx.Write(path, c.Dimensions, c.Data, c.Compress);
            var header = Idx.ReadHeader(path);
            var all = Idx.ReadSamples<float>(path);
            // Part k lists the items whose key is k, in reverse order (so positions differ from item numbers); key -1 is no part.
            var parts = Enumerable.Range(0, 3).Select(k => Enumerable.Range(0, all.Columns).Where(j => c.Parts[j] == k).Reverse().ToArray()).ToArray();
            var arrays = parts.Select(part => new float[part.Length * all.Rows]).ToArray();
            var visited = new List<int>();
            Idx.ReadSamplesInto<float>(path, null, header, item =>
            {
                visited.Add(item);
                int k = c.Parts[item];
                return k < 0 ? [] : arrays[k].AsSpan(Array.IndexOf(parts[k], item) * all.Rows, all.Rows);
            });
            bool ok = visited.Distinct().Order().SequenceEqual(Enumerable.Range(0, all.Columns));
            for (int k = 0; k < parts.Length; k++) ok &= all.SelectColumns(parts[k]).AsSpan().SequenceEqual(arrays[k]);
            return ok.Label($"header {header}, parts {string.Join(" | ", parts.Select(part => string.Join(",", part)))}");
        });
    }

    [Fact]
    public void ReadSamplesIntoChecksSkippedItemsAndRefusesAFileWhoseHeaderChanged()
    {
        string floats = PathOf("skipped.idx");
        // Two items of one float32: 1 and NaN; the NaN item is skipped but still refused, with ReadSamples's message.
        WriteBytes(floats, Bytes(IdxElementType.Float32, [2, 1], [0x3F, 0x80, 0, 0, 0x7F, 0xC0, 0, 0]), compress: true);
        var header = Idx.ReadHeader(floats);
        var kept = new float[1];
        var error = Assert.Throws<InvalidDataException>(() => Idx.ReadSamplesInto<float>(floats, null, header, item => item == 0 ? kept : []));
        Assert.Equal(Assert.Throws<InvalidDataException>(() => Idx.ReadSamples<float>(floats)).Message, error.Message);
        Assert.Equal($"{floats}, byte 16: expected a finite Single, got NaN.", error.Message);
        Assert.Equal(1f, kept[0]);

        string images = PathOf("changed.idx");
        Idx.Write(images, [2, 2], [1, 2, 3, 4]);
        var before = Idx.ReadHeader(images);
        Idx.Write(images, [3, 2], [1, 2, 3, 4, 5, 6]);
        var changed = Assert.Throws<InvalidDataException>(() => Idx.ReadSamplesInto<double>(images, null, before, _ => throw new InvalidOperationException("no item may be stored")));
        Assert.Equal($"{images}: the file changed while it was read: its header now declares UnsignedByte 3 x 2, not UnsignedByte 2 x 2.", changed.Message);
    }

    [Fact]
    public void WriteRefusesDataThatDoesNotMatchTheDimensions()
    {
        Assert.Equal("data", Assert.Throws<ArgumentException>(() => Idx.Write(PathOf("x"), [2, 3], new byte[5])).ParamName);
        Assert.Equal("dimensions", Assert.Throws<ArgumentException>(() => Idx.Write(PathOf("x"), [2, 0], [])).ParamName);
        Assert.Equal("dimensions", Assert.Throws<ArgumentException>(() => Idx.Write(PathOf("x"), [], [])).ParamName);
    }

    private static byte[] Bytes(IdxElementType type, int[] dimensions, byte[] data)
    {
        var bytes = new byte[4 + 4 * dimensions.Length + data.Length];
        bytes[2] = (byte)type;
        bytes[3] = (byte)dimensions.Length;
        for (int d = 0; d < dimensions.Length; d++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), dimensions[d]);
        data.CopyTo(bytes, 4 + 4 * dimensions.Length);
        return bytes;
    }

    private int[] ReadLabelsOf(IdxElementType type, byte[] data)
    {
        string path = PathOf($"labels-{type}.idx");
        WriteBytes(path, Bytes(type, [data.Length / Idx.SizeOf(type)], data), compress: false);
        return [.. Idx.ReadLabels(path)];
    }

    private static void WriteBytes(string path, byte[] bytes, bool compress) => File.WriteAllBytes(path, compress ? Gzip(bytes) : bytes);

    private static byte[] Gzip(byte[] bytes)
    {
        using var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Optimal)) gzip.Write(bytes);
        return memory.ToArray();
    }
}
