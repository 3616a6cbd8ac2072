using System.Buffers.Binary;
using System.Collections.Immutable;
using System.IO.Compression;
using System.Numerics;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;
using Pure.Testing;
using static Pure.Properties.Support.BehaviourGenerators;

namespace Pure.Properties;

/// <summary>
/// .npz import and export: files written by NumPy (Fixtures/make_npz_fixtures.py) load to the values of its formula,
/// export round-trips exactly and has NumPy's layout, and every malformed file is refused naming the file and entry.
/// </summary>
public class NpzTests
{
    private static readonly int[] Sizes = [2, 3, 2];

    /// <summary>The fixtures' formula, as in make_npz_fixtures.py: W&lt;l&gt;[i, j] = 10 l + (i + 1) + (j + 1) / 8.</summary>
    private static double FixtureWeight(int l, int i, int j) => 10 * l + (i + 1) + (j + 1) / 8.0;

    /// <summary>b&lt;l&gt;[i] = -l - (i + 1) / 4.</summary>
    private static double FixtureBias(int l, int i) => -l - (i + 1) / 4.0;

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    [Theory]
    [InlineData("savez_f8_c.npz", "<f8", false)]
    [InlineData("savez_compressed_f4_fortran.npz", "<f4", true)]
    [InlineData("savez_f4_c.npz", "<f4", true)]
    [InlineData("npy_v2_v3_f8_fortran.npz", "<f8", false)]
    public void NumPy_files_import_to_the_formula(string name, string dtype, bool columnBias)
    {
        var arrays = Npz.ReadArrays(Fixture(name));
        Assert.Equal(["W1", "W2", "b1", "b2"], arrays.Keys.Order(StringComparer.Ordinal));
        for (int l = 1; l <= 2; l++)
        {
            var w = arrays[$"W{l}"];
            Assert.Equal(dtype, w.DType);
            Assert.Equal([Sizes[l], Sizes[l - 1]], w.Shape.ToArray());
            Assert.Equal(
                [.. Enumerable.Range(0, Sizes[l]).SelectMany(i => Enumerable.Range(0, Sizes[l - 1]).Select(j => FixtureWeight(l, i, j)))],
                w.Values.ToArray());
            Assert.Equal(columnBias ? [Sizes[l], 1] : [Sizes[l]], arrays[$"b{l}"].Shape.ToArray());
            Assert.Equal([.. Enumerable.Range(0, Sizes[l]).Select(i => FixtureBias(l, i))], arrays[$"b{l}"].Values.ToArray());
        }
        AssertFormula(Npz.ImportParameters<double>(Fixture(name)));
        AssertFormula(Npz.ImportParameters<float>(Fixture(name)));
    }

    private static void AssertFormula<T>(Parameters<T> parameters) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(2, parameters.Layers.Length);
        for (int l = 1; l <= 2; l++)
        {
            var layer = parameters.Layers[l - 1];
            Assert.Equal(ImmutableMatrix.Create<T>(Sizes[l], Sizes[l - 1], (i, j) => T.CreateChecked(FixtureWeight(l, i, j))), layer.Weight);
            Assert.Equal(ImmutableVector.Create([.. Enumerable.Range(0, Sizes[l]).Select(i => T.CreateChecked(FixtureBias(l, i)))]), layer.Bias);
        }
    }

    [PureProperty(MaxTest = 50)]
    public Property Export_then_import_is_bitwise_identical_in_double() => ExportRoundTrip<double>();

    [PureProperty(MaxTest = 50)]
    public Property Export_then_import_is_bitwise_identical_in_float() => ExportRoundTrip<float>();

    private static Property ExportRoundTrip<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
        Prop.ForAll(TrainingCases(), c =>
        {
            using var folder = new TemporaryFolder();
            string path = folder.File("weights.npz");
            // Trained a little so that the values are not the initial ones, and include a -0.0 bias.
            var network = c.CreateNetwork<T>();
            network = network.WithLayer(0, network.Layers[0].WithBias(ImmutableVector.Create([-T.Zero, .. network.Layers[0].Bias.AsSpan()[1..]])));
            Npz.Export(network, path);
            var imported = Npz.ImportParameters<T>(path);
            Assert.Equal(Bits(network.Parameters), Bits(imported));
            Assert.Equal(Bits(network), Bits(network.WithParameters(imported)));
        });

    [Fact]
    public void Exporting_the_same_network_twice_gives_the_same_bytes()
    {
        using var folder = new TemporaryFolder();
        var network = Network.Create<float>(Sizes, Activation.Tanh, Activation.Identity, 3);
        Npz.Export(network, folder.File("first.npz"));
        Thread.Sleep(2100); // zip times have a resolution of 2 s: a time stamp of "now" would differ
        Npz.Export(network, folder.File("second.npz"));

        Assert.Equal(File.ReadAllBytes(folder.File("first.npz")), File.ReadAllBytes(folder.File("second.npz")));
    }

    [Fact]
    public void Export_writes_what_np_savez_writes()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("weights.npz");
        var parameters = Npz.ImportParameters<double>(Fixture("savez_f8_c.npz"));
        var network = Network.Create<double>(Sizes, Activation.Tanh, Activation.Identity, 1).WithParameters(parameters);
        Npz.Export(network, path);
        using (var zip = ZipFile.OpenRead(path))
        {
            Assert.Equal(["W1.npy", "b1.npy", "W2.npy", "b2.npy"], zip.Entries.Select(entry => entry.FullName));
            foreach (var entry in zip.Entries)
            {
                Assert.Equal(entry.Length, entry.CompressedLength); // stored, as np.savez
                using var stream = entry.Open();
                var prefix = new byte[10];
                stream.ReadExactly(prefix);
                Assert.Equal("NUMPY"u8.ToArray(), prefix[1..6]);
                Assert.Equal(0x93, prefix[0]);
                Assert.Equal([1, 0], prefix[6..8]);
                int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(prefix.AsSpan(8));
                Assert.Equal(0, (10 + headerLength) % 64);
                var header = new byte[headerLength];
                stream.ReadExactly(header);
                Assert.StartsWith("{'descr': '<f8', 'fortran_order': False, 'shape': (", Encoding.ASCII.GetString(header));
                Assert.EndsWith("\n", Encoding.ASCII.GetString(header));
            }
        }
        var arrays = Npz.ReadArrays(path);
        var original = Npz.ReadArrays(Fixture("savez_f8_c.npz"));
        Assert.Equal(original["W1"], arrays["W1"]);
        Assert.Equal(original["W2"], arrays["W2"]);
        Assert.Equal([3, 1], arrays["b1"].Shape.ToArray());
        Assert.Equal(original["b1"].Values.ToArray(), arrays["b1"].Values.ToArray());
        Npz.Export(network.As<float>(), path);
        Assert.All(Npz.ReadArrays(path).Values, array => Assert.Equal("<f4", array.DType));
    }

    private const string GoodHeader = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 1), }";

    public static TheoryData<string, string> BadNpy => new()
    {
        { "bad magic", "byte 0: expected the .npy magic" },
        { "short", "byte 0: expected the .npy magic" },
        { "version 4", "byte 6: expected .npy version 1.0, 2.0 or 3.0, got 4.0" },
        { "header too long", "byte 8: expected a header of at most" },
        { "big endian", "expected descr '<f4' or '<f8'" },
        { "integer", "expected descr '<f4' or '<f8' (little-endian float32 or float64), got '<i8'" },
        { "unknown key", "got 'order'" },
        { "repeated key", "got 'descr'" },
        { "missing shape", "expected the keys 'descr', 'fortran_order' and 'shape'" },
        { "negative dimension", "expected a dimension" },
        { "one-element tuple without comma", "expected a one-element tuple written (n,)" },
        { "python expression", "expected True or False" },
        { "no newline", "expected spaces and a final newline" },
        { "non-ascii", "expected an ASCII header" },
        { "huge shape", "expected at most 134217728 elements, got shape (100000, 100000)" },
        { "shape larger than data", "expected 24 bytes of data for shape (3,) of <f8, got 16" },
        { "data larger than shape", "expected 8 bytes of data for shape (1,) of <f8, got 16" },
    };

    [Theory]
    [MemberData(nameof(BadNpy))]
    public void ReadArrays_refuses_a_bad_npy_entry_naming_file_entry_and_offset(string problem, string expected)
    {
        byte[] data = Doubles(1.5, -2);
        byte[] npy = problem switch
        {
            "bad magic" => [.. Npy(GoodHeader, data).Select((b, i) => i == 1 ? (byte)'X' : b)],
            "short" => [0x93, (byte)'N'],
            "version 4" => Npy(GoodHeader, data, major: 4),
            "header too long" => Npy(GoodHeader, data, major: 2, declaredHeaderLength: 1u << 30),
            "big endian" => Npy(GoodHeader.Replace("<f8", ">f8", StringComparison.Ordinal), data),
            "integer" => Npy(GoodHeader.Replace("<f8", "<i8", StringComparison.Ordinal), data),
            "unknown key" => Npy("{'descr': '<f8', 'order': False, 'shape': (2, 1), }", data),
            "repeated key" => Npy("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2, 1), }", data),
            "missing shape" => Npy("{'descr': '<f8', 'fortran_order': False, }", data),
            "negative dimension" => Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (-2, 1), }", data),
            "one-element tuple without comma" => Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2), }", data),
            "python expression" => Npy("{'descr': '<f8', 'fortran_order': __import__('os'), 'shape': (2, 1), }", data),
            "no newline" => Npy(GoodHeader, data, newline: false),
            "non-ascii" => Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 1), 'é': 1}", data),
            "huge shape" => Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000), }", data),
            "shape larger than data" => Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", data),
            "data larger than shape" => Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", data),
            _ => throw new ArgumentException(problem, nameof(problem)),
        };
        var error = ReadError(("W1.npy", npy, CompressionLevel.NoCompression));
        Assert.Contains("entry 'W1.npy', byte ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_deflated_entry_is_read_and_checked_like_a_stored_one()
    {
        using var folder = new TemporaryFolder();
        string path = WriteNpz(folder, ("b1.npy", Npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", Floats(1.5f, -2)), CompressionLevel.Optimal));
        Assert.Equal([1.5, -2], Npz.ReadArrays(path)["b1"].Values.ToArray());
        var error = ReadError(("b1.npy", Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", Floats(1.5f, -2)), CompressionLevel.Optimal));
        Assert.Contains("expected 12 bytes of data for shape (3,) of <f4, got 8", error.Message);
    }

    [Fact]
    public void Fortran_order_is_converted_to_row_major()
    {
        using var folder = new TemporaryFolder();
        // A 2 x 3 array [[1, 2, 3], [4, 5, 6]] stored column by column.
        string path = WriteNpz(folder, ("A.npy", Npy("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", Doubles(1, 4, 2, 5, 3, 6)), CompressionLevel.NoCompression));
        Assert.Equal([1, 2, 3, 4, 5, 6], Npz.ReadArrays(path)["A"].Values.ToArray());
    }

    [Fact]
    public void ReadArrays_refuses_files_that_are_not_npz()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("not a zip.npz");
        File.WriteAllText(path, "hello");
        var error = Assert.Throws<InvalidDataException>(() => Npz.ReadArrays(path));
        Assert.StartsWith($"{path}: expected a zip archive", error.Message);

        error = ReadError(("notes.txt", Npy(GoodHeader, Doubles(1, 2)), CompressionLevel.NoCompression));
        Assert.Contains("entry 'notes.txt': expected a name ending in .npy", error.Message);

        string huge = folder.File("huge.npz");
        using (var stream = File.Create(huge)) stream.SetLength((1L << 30) + 1);
        error = Assert.Throws<InvalidDataException>(() => Npz.ReadArrays(huge));
        Assert.StartsWith($"{huge}: expected a file of at most 1073741824 bytes", error.Message);
    }

    [Fact]
    public void ReadArrays_refuses_entries_declaring_more_than_1_GiB_before_inflating()
    {
        using var folder = new TemporaryFolder();
        string path = WriteNpz(folder, ("W1.npy", Npy(GoodHeader, Doubles(1, 2)), CompressionLevel.Optimal));
        // Patch the central directory's uncompressed size (offset 24 of its header) to 3 GiB, as a zip bomb would declare.
        var bytes = File.ReadAllBytes(path);
        int central = bytes.AsSpan().IndexOf("PK\u0001\u0002"u8);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(central + 24), 3u << 30);
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<InvalidDataException>(() => Npz.ReadArrays(path));
        Assert.StartsWith($"{path}: entry 'W1.npy': expected at most 1073741824 bytes in all entries once inflated, got 3221225472 declared.", error.Message);
    }

    [Fact]
    public void ReadArrays_refuses_a_deflated_entry_shorter_than_declared()
    {
        using var folder = new TemporaryFolder();
        // Shape (3,) needs 24 bytes; the entry holds 16 but its central directory declares 24 + header.
        string path = WriteNpz(folder, ("W1.npy", Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", Doubles(1, 2)), CompressionLevel.Optimal));
        var bytes = File.ReadAllBytes(path);
        int central = bytes.AsSpan().IndexOf("PK\u0001\u0002"u8);
        uint declared = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(central + 24));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(central + 24), declared + 8);
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<InvalidDataException>(() => Npz.ReadArrays(path));
        Assert.StartsWith($"{path}: entry 'W1.npy'", error.Message);
        Assert.Contains("truncated data, expected 24 bytes", error.Message);
    }

    [Fact]
    public void ReadArrays_refuses_duplicate_entries_and_too_many_entries()
    {
        var entry = ("W1.npy", Npy(GoodHeader, Doubles(1, 2)), CompressionLevel.NoCompression);
        Assert.Contains("entry 'W1.npy': duplicate entry", ReadError(entry, entry).Message);
        var many = Enumerable.Range(0, 10_001).Select(i => ($"A{i}.npy", Array.Empty<byte>(), CompressionLevel.NoCompression)).ToArray();
        Assert.Contains("expected at most 10000 arrays, got 10001 entries", ReadError(many).Message);
    }

    [Fact]
    public void ImportParameters_refuses_arrays_that_are_not_a_network()
    {
        var w1 = ("W1.npy", Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 1), }", Doubles(1, 2)), CompressionLevel.NoCompression);
        var b1 = ("b1.npy", Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", Doubles(1, 2)), CompressionLevel.NoCompression);
        var w2 = ("W2.npy", Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }", Doubles(1, 2)), CompressionLevel.NoCompression);
        var b2 = ("b2.npy", Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1), }", Doubles(3)), CompressionLevel.NoCompression);
        Assert.Equal(2, Import(w1, b1, w2, b2).Layers.Length);

        Assert.Contains("expected the arrays W1, b1, ..., WL, bL and nothing else, got W1, W2, b1", ImportError(w1, b1, w2).Message);
        Assert.Contains("got W1, W3, b1, b3", ImportError(w1, b1, ("W3.npy", w2.Item2, w2.Item3), ("b3.npy", b2.Item2, b2.Item3)).Message);
        Assert.Contains("entry 'W2.npy': expected 2 columns (the rows of W1), got shape (1, 3)",
            ImportError(w1, b1, ("W2.npy", Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 3), }", Doubles(1, 2, 3)), CompressionLevel.NoCompression), b2).Message);
        Assert.Contains("entry 'b1.npy': expected shape (2,) or (2, 1) to match W1, got (1, 2)",
            ImportError(w1, ("b1.npy", Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }", Doubles(1, 2)), CompressionLevel.NoCompression), w2, b2).Message);
        Assert.Contains("entry 'W1.npy': expected a 2-D array (n_1, n_0), got shape (2,)",
            ImportError(("W1.npy", b1.Item2, b1.Item3), b1, w2, b2).Message);
        Assert.Contains("entry 'b2.npy': expected finite values, got NaN at flat (row-major) index 0",
            ImportError(w1, b1, w2, ("b2.npy", Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", Doubles(double.NaN)), CompressionLevel.NoCompression)).Message);
        Assert.Contains("entry 'W2.npy': expected finite values, got 1E+300 at flat (row-major) index 1",
            ImportError<float>(w1, b1, ("W2.npy", Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }", Doubles(1, 1e300)), CompressionLevel.NoCompression), b2).Message);
    }

    private static Parameters<double> Import(params (string, byte[], CompressionLevel)[] entries)
    {
        using var folder = new TemporaryFolder();
        return Npz.ImportParameters<double>(WriteNpz(folder, entries));
    }

    private static InvalidDataException ImportError(params (string, byte[], CompressionLevel)[] entries) => ImportError<double>(entries);

    private static InvalidDataException ImportError<T>(params (string, byte[], CompressionLevel)[] entries) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var folder = new TemporaryFolder();
        string path = WriteNpz(folder, entries);
        var error = Assert.Throws<InvalidDataException>(() => Npz.ImportParameters<T>(path));
        Assert.StartsWith(path + ": ", error.Message);
        return error;
    }

    private static InvalidDataException ReadError(params (string, byte[], CompressionLevel)[] entries)
    {
        using var folder = new TemporaryFolder();
        string path = WriteNpz(folder, entries);
        var error = Assert.Throws<InvalidDataException>(() => Npz.ReadArrays(path));
        Assert.StartsWith(path + ": ", error.Message);
        return error;
    }

    private static string WriteNpz(TemporaryFolder folder, params (string Name, byte[] Bytes, CompressionLevel Level)[] entries)
    {
        string path = folder.File("arrays.npz");
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, bytes, level) in entries)
        {
            using var stream = zip.CreateEntry(name, level).Open();
            stream.Write(bytes);
        }
        return path;
    }

    /// <summary>An .npy file: magic, version, header length (2 bytes for 1.0, 4 otherwise), the header padded to 64 bytes, then the data.</summary>
    private static byte[] Npy(string dictionary, byte[] data, byte major = 1, uint? declaredHeaderLength = null, bool newline = true)
    {
        int prefixLength = major == 1 ? 10 : 12;
        string header = dictionary + new string(' ', (64 - (prefixLength + dictionary.Length + 1) % 64) % 64) + (newline ? "\n" : " ");
        var headerBytes = Encoding.UTF8.GetBytes(header);
        var bytes = new List<byte>([0x93, .. "NUMPY"u8.ToArray(), major, 0]);
        uint length = declaredHeaderLength ?? (uint)headerBytes.Length;
        if (major == 1) bytes.AddRange(BitConverter.GetBytes((ushort)length));
        else bytes.AddRange(BitConverter.GetBytes(length));
        bytes.AddRange(headerBytes);
        bytes.AddRange(data);
        return [.. bytes];
    }

    private static byte[] Doubles(params double[] values) => [.. values.SelectMany(BitConverter.GetBytes)];

    private static byte[] Floats(params float[] values) => [.. values.SelectMany(BitConverter.GetBytes)];
}
