using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Pure.Properties;

/// <summary>
/// ReadLimits: each limit accepts a file exactly at the limit, refuses one just above it (naming the file, the limit
/// and the way to raise it) and accepts it again once raised; hostile small files (gzip bombs, huge lines, deep or
/// duplicate-keyed JSON) are refused early (before inflating, reading or allocating what they declare); reader fixes (folders, UTF-16, invalid
/// UTF-8, long values echoed) give clear messages.
/// </summary>
public sealed class LimitTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("pure-limits-").FullName;

    /// <summary>Deletes the test's files.</summary>
    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    private string WriteText(string name, string text)
    {
        string path = PathOf(name);
        File.WriteAllText(path, text);
        return path;
    }

    private static void AssertRefusal(InvalidDataException error, string path, string limitName)
    {
        Assert.Equal(limitName, LimitExceeded.LimitName(error));
        Assert.StartsWith(path, error.Message, StringComparison.Ordinal);
        Assert.Contains($"--limit {limitName}=N", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Idx_samples_x_features_refuses_above_and_accepts_at_the_limit()
    {
        string path = PathOf("images-idx3-ubyte.gz");
        Idx.Write(path, [10, 2, 2], new byte[40], compress: true);
        Assert.Equal(4 * 10, Idx.ReadSamples<float>(path, ReadLimits.Default with { MaxSamplesTimesFeatures = 40 }).Count);
        var error = Assert.Throws<InvalidDataException>(() => Idx.ReadSamples<float>(path, ReadLimits.Default with { MaxSamplesTimesFeatures = 39 }));
        AssertRefusal(error, path, "samples-x-features");
        Assert.Contains("10 samples x 4 features", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Idx_decompressed_bytes_refuses_above_and_accepts_at_the_limit()
    {
        string path = PathOf("data-idx1-ubyte.gz");
        Idx.Write(path, [100], new byte[100], compress: true);
        long total = 4 + 4 + 100;
        Assert.Equal(100, Idx.ReadLabels(path, ReadLimits.Default with { MaxDecompressedBytes = total }).Length);
        AssertRefusal(Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(path, ReadLimits.Default with { MaxDecompressedBytes = total - 1 })), path, "decompressed-bytes");
    }

    [Fact]
    public void Idx_gzip_bomb_is_refused_before_inflating_and_without_allocating_it()
    {
        // 4096 x 256 x 256 zero bytes (268 MB) deflate to about 260 KB: the header alone is above samples-x-features.
        string path = PathOf("bomb-idx3-ubyte.gz");
        using (var file = File.Create(path))
        using (var gzip = new GZipStream(file, CompressionLevel.SmallestSize))
        {
            var header = new byte[16];
            BinaryPrimitives.WriteUInt32BigEndian(header, 0x0803);
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), 4096);
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), 256);
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), 256);
            gzip.Write(header);
            var zeros = new byte[1 << 20];
            for (int i = 0; i < 256; i++) gzip.Write(zeros);
        }
        Assert.True(new FileInfo(path).Length < 1 << 20, $"{new FileInfo(path).Length} bytes");
        // Garble the deflate data after its first 4 KB (about 4 MB inflated), keeping the gzip trailer: a reader that
        // inflated past the header would fail on the garbage, not on the limit.
        using (var file = new FileStream(path, FileMode.Open))
        {
            file.Position = 4096;
            file.Write(Enumerable.Repeat((byte)0xFF, (int)file.Length - 4096 - 8).ToArray());
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<InvalidDataException>(() => Idx.ReadSamples<double>(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20, $"allocated {GC.GetAllocatedBytesForCurrentThread() - before} bytes");
        AssertRefusal(error, path, "samples-x-features");
    }

    [Fact]
    public void Inflating_is_counted_while_inflating_whatever_was_declared()
    {
        var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(new byte[1 << 20]);
        compressed.Position = 0;
        using var limited = new InflateLimitStream(new GZipStream(compressed, CompressionMode.Decompress), 1000, "memory");
        var buffer = new byte[4096];
        var error = Assert.Throws<InvalidDataException>(() => { while (limited.Read(buffer) > 0) { } });
        AssertRefusal(error, "memory", "decompressed-bytes");
        Assert.Equal(1001, limited.Inflated);
    }

    [Fact]
    public void Npz_entries_are_limited_in_inflated_bytes()
    {
        string path = PathOf("weights.npz");
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (131072,), }";
        header = header.PadRight(64 - 11) + "\n";
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        using (var entry = zip.CreateEntry("W1.npy", CompressionLevel.Optimal).Open())
        {
            entry.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)header.Length, 0]);
            entry.Write(Encoding.ASCII.GetBytes(header));
            entry.Write(new byte[131072 * 8]);
        }
        long total = 10 + header.Length + 131072 * 8;
        Assert.Equal(131072, Npz.ReadArrays(path, ReadLimits.Default with { MaxDecompressedBytes = total })["W1"].Values.Length);
        AssertRefusal(Assert.Throws<InvalidDataException>(() => Npz.ReadArrays(path, ReadLimits.Default with { MaxDecompressedBytes = total - 1 })), path, "decompressed-bytes");
    }

    [Fact]
    public void Csv_line_length_refuses_above_and_accepts_at_the_limit()
    {
        string path = WriteText("short.csv", "a,b\n1,2\n1234,5678\n");
        var limits = ReadLimits.Default with { MaxCsvLineLength = 9 };
        Assert.Equal(2, Csv.Read(path, CsvTarget.None, limits).Count);
        var error = Assert.Throws<InvalidDataException>(() => Csv.Read(path, CsvTarget.None, limits with { MaxCsvLineLength = 8 }));
        AssertRefusal(error, path, "csv-line-length");
        Assert.Contains("line 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_samples_x_features_refuses_above_and_accepts_at_the_limit()
    {
        string path = WriteText("rows.csv", "a,b,label\n1,2,x\n3,4,y\n5,6,x\n");
        Assert.Equal(3, Csv.Read(path, CsvTarget.Last, ReadLimits.Default with { MaxSamplesTimesFeatures = 6 }).Count);
        var error = Assert.Throws<InvalidDataException>(() => Csv.Read(path, CsvTarget.Last, ReadLimits.Default with { MaxSamplesTimesFeatures = 5 }));
        AssertRefusal(error, path, "samples-x-features");
        Assert.Contains("line 4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_with_a_million_columns_is_refused_at_its_first_line_at_a_cost_independent_of_its_length()
    {
        // Refused within the line-length limit: a line three times as long costs no more to refuse.
        var (path, allocated) = RefuseWideHeader("wide.csv", 1_000_000);
        var (_, allocatedForLonger) = RefuseWideHeader("wider.csv", 3_000_000);
        Assert.True(allocatedForLonger < allocated + (1 << 20), $"allocated {allocated} bytes for 1,000,000 columns, {allocatedForLonger} for 3,000,000");
        var error = Assert.Throws<InvalidDataException>(() => Csv.Read(path, CsvTarget.None));
        AssertRefusal(error, path, "csv-line-length");
        Assert.True(error.Message.Length < 400, error.Message);
    }

    private (string Path, long Allocated) RefuseWideHeader(string name, int columns)
    {
        string path = PathOf(name);
        File.WriteAllText(path, string.Join(",", Enumerable.Range(0, columns).Select(i => $"c{i}")) + "\n");
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<InvalidDataException>(() => Csv.Read(path, CsvTarget.None));
        return (path, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Csv_cuts_a_long_value_in_its_error_with_an_ellipsis_and_the_full_length()
    {
        string cell = new('x', 200_000);
        string path = WriteText("long.csv", $"a,b\n1,{cell}\n");
        var error = Assert.Throws<InvalidDataException>(() => Csv.Read(path, CsvTarget.None));
        Assert.Contains($"'{new string('x', 64)}…' (200,000 characters)", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 300, $"{error.Message.Length} characters");
    }

    [Fact]
    public void Csv_in_utf16_is_refused_as_not_utf8()
    {
        string path = PathOf("utf16.csv");
        File.WriteAllText(path, "a,b\n1,2\n", Encoding.Unicode);
        var error = Assert.Throws<InvalidDataException>(() => Csv.Read(path, CsvTarget.None));
        Assert.Equal($"{path}: expected UTF-8 text, got a UTF-16 (little-endian) byte-order mark; save the file as UTF-8.", error.Message);
    }

    [Fact]
    public void A_folder_given_as_a_file_is_named_as_a_directory()
    {
        Assert.Equal($"{_folder} is a directory, expected a file.", Assert.Throws<InvalidDataException>(() => Csv.Read(_folder, CsvTarget.None)).Message);
        Assert.Equal($"{_folder} is a directory, expected a file.", Assert.Throws<InvalidDataException>(() => Idx.ReadHeader(_folder)).Message);
        Assert.Equal($"{_folder} is a directory, expected a file.", Assert.Throws<InvalidDataException>(() => ModelFile.Load<double>(_folder)).Message);
        Assert.Equal($"{_folder} is a directory, expected a file.", Assert.Throws<InvalidDataException>(() => Npz.ReadArrays(_folder)).Message);
    }

    [Fact]
    public void Json_file_size_refuses_above_and_accepts_at_the_limit()
    {
        string path = WriteText("ten.json", "[1,2,3,45]");
        Assert.Equal(10, (ReadLimits.Default with { MaxJsonBytes = 10 }).ReadJsonFile(path).Length);
        AssertRefusal(Assert.Throws<InvalidDataException>(() => (ReadLimits.Default with { MaxJsonBytes = 9 }).ReadJsonFile(path)), path, "json-bytes");
    }

    [Fact]
    public void Json_array_length_and_depth_refuse_above_and_accept_at_the_limit()
    {
        string path = WriteText("nested.json", "{\"a\": [[1, 2, 3]]}");
        var limits = ReadLimits.Default with { MaxJsonArrayLength = 3, MaxJsonDepth = 3 };
        Assert.NotEmpty(limits.ReadJsonFile(path));
        AssertRefusal(Assert.Throws<InvalidDataException>(() => (limits with { MaxJsonArrayLength = 2 }).ReadJsonFile(path)), path, "json-array-length");
        var deep = Assert.Throws<InvalidDataException>(() => (limits with { MaxJsonDepth = 2 }).ReadJsonFile(path));
        AssertRefusal(deep, path, "json-depth");
        Assert.Contains("$.a[0]", deep.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_duplicate_keys_are_refused_at_any_depth_with_their_path()
    {
        string path = WriteText("duplicate.json", "{\"data\": {\"epochs\": 3, \"epochs\": 4}}");
        var error = Assert.Throws<InvalidDataException>(() => ReadLimits.Default.ReadJsonFile(path));
        Assert.StartsWith($"{path}: $.data", error.Message, StringComparison.Ordinal);
        Assert.Contains("duplicate property 'epochs'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_stream_of_zeros_is_refused_at_its_first_byte()
    {
        var zeros = new ZeroStream();
        var error = Assert.Throws<InvalidDataException>(() => JsonInput.ReadStream(zeros, "zeros"));
        Assert.True(zeros.BytesRead <= 1 << 20, $"read {zeros.BytesRead} bytes");
        Assert.StartsWith("zeros: line 1, byte 1: invalid or truncated JSON", error.Message, StringComparison.Ordinal);
    }

    private static Model<double> SmallModel() =>
        new(Network.Create<double>([3, 4, 2], Activation.Relu, Activation.Softmax, seed: 1), Loss.CategoricalCrossEntropy, null, new ClassEncoding(["cat", "dog"]));

    [Fact]
    public void Model_layer_width_parameters_and_classes_refuse_above_and_accept_at_the_limit()
    {
        string path = PathOf("model.json");
        ModelFile.Save(SmallModel(), path);
        // 3-4-2: widest layer 4, 3*4+4 + 4*2+2 = 26 parameters, 2 classes.
        var exact = ReadLimits.Default with { MaxLayerWidth = 4, MaxParameters = 26, MaxClasses = 2 };
        Assert.Equal(2, ModelFile.Load<double>(path, exact).Network.OutputSize);
        AssertRefusal(Assert.Throws<InvalidDataException>(() => ModelFile.Load<double>(path, exact with { MaxLayerWidth = 3 })), path, "layer-width");
        AssertRefusal(Assert.Throws<InvalidDataException>(() => ModelFile.Load<double>(path, exact with { MaxParameters = 25 })), path, "parameters");
        AssertRefusal(Assert.Throws<InvalidDataException>(() => ModelFile.Load<double>(path, exact with { MaxClasses = 1 })), path, "classes");
    }

    [Fact]
    public void Model_with_invalid_utf8_in_a_class_label_names_the_file()
    {
        string path = PathOf("model.json");
        ModelFile.Save(SmallModel(), path);
        var bytes = File.ReadAllBytes(path);
        int at = Encoding.UTF8.GetString(bytes).IndexOf("\"dog\"", StringComparison.Ordinal) + 1;
        bytes[at] = 0xFF;
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<InvalidDataException>(() => ModelFile.Load<double>(path));
        Assert.StartsWith($"{path}: $.classes", error.Message, StringComparison.Ordinal);
        Assert.Contains("not valid UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Model_with_an_unknown_root_property_is_refused_while_reading_before_the_document_is_built()
    {
        string path = PathOf("model.json");
        ModelFile.Save(SmallModel(), path);
        string text = File.ReadAllText(path);
        File.WriteAllText(path, "{\"extra\": [" + string.Join(",", Enumerable.Repeat("0", 500_000)) + "], " + text.TrimStart()[1..]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<InvalidDataException>(() => ModelFile.Load<double>(path));
        Assert.StartsWith($"{path}: $.extra: unknown property 'extra'", error.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 8 << 20, $"allocated {GC.GetAllocatedBytesForCurrentThread() - before} bytes");
    }

    [Fact]
    public void Model_with_an_unknown_property_inside_a_layer_is_refused_while_reading()
    {
        string path = PathOf("model.json");
        ModelFile.Save(SmallModel(), path);
        string text = File.ReadAllText(path);
        int layer = text.IndexOf("\"inputs\"", StringComparison.Ordinal);
        File.WriteAllText(path, text[..layer] + "\"extra\": [" + string.Join(",", Enumerable.Repeat("[0]", 200_000)) + "], " + text[layer..]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<InvalidDataException>(() => ModelFile.Load<double>(path));
        Assert.StartsWith($"{path}: $.layers[0].extra: unknown property 'extra'", error.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 8 << 20, $"allocated {GC.GetAllocatedBytesForCurrentThread() - before} bytes");
    }

    [Fact]
    public void Echo_cuts_long_values_with_an_ellipsis_and_the_full_length()
    {
        var limits = ReadLimits.Default with { MaxEchoLength = 3 };
        Assert.Equal("'abc'", limits.Echo("abc"));
        Assert.Equal("'abc…' (200,000,000 characters)", limits.Echo("abc" + new string('d', 199_999_997)));
    }

    [Fact]
    public void Limits_are_read_and_set_by_name_and_refuse_values_below_one()
    {
        foreach (string name in ReadLimits.Names)
            Assert.Equal(7, ReadLimits.Default.With(name, 7).Get(name));
        Assert.Throws<ArgumentException>(() => ReadLimits.Default.With("no-such-limit", 7));
        Assert.Throws<ArgumentOutOfRangeException>(() => ReadLimits.Default with { MaxClasses = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => ReadLimits.Default.With("classes", 1L << 40));
        AssertRefusal(Assert.Throws<InvalidDataException>(() => ReadLimits.Default.CheckLayerSizes([784, 100_000_000, 10], "--layers")), "--layers", "layer-width");
        AssertRefusal(Assert.Throws<InvalidDataException>(() => ReadLimits.Default.CheckLayerSizes([1 << 20, 1 << 20, 10], "--layers")), "--layers", "parameters");
    }

    [Fact]
    public void Defaults_accept_fashion_mnist_sized_data_easily()
    {
        var limits = ReadLimits.Default;
        Assert.True(60_000L * 784 * 2 <= limits.MaxSamplesTimesFeatures);
        Assert.True(60_000L * 784 + 16 <= limits.MaxDecompressedBytes);
        limits.CheckLayerSizes([784, 4096, 4096, 10], "--layers");
    }

    /// <summary>An endless stream of zero bytes, like /dev/zero.</summary>
    private sealed class ZeroStream : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException("endless");
        public override long Position { get => 0; set => throw new NotSupportedException("endless"); }
        public override void Flush() { }
        public long BytesRead { get; private set; }
        public override int Read(byte[] buffer, int offset, int count)
        {
            Array.Clear(buffer, offset, count);
            BytesRead += count;
            return count;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("endless");
        public override void SetLength(long value) => throw new NotSupportedException("endless");
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("endless");
    }
}
