using System.Text;

namespace Pure.ParquetTests;

/// <summary>Files that are not Parquet, truncated, damaged or above a limit: a clear <see cref="InvalidDataException"/> naming the file, never another exception.</summary>
public sealed class RefusalTests
{
    private static byte[] Valid() => File.ReadAllBytes(FixtureTests.Fixture("mixed-snappy.parquet"));

    private static InvalidDataException Refusal(byte[] bytes, string source = "bad.parquet", string target = "label")
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return Assert.Throws<InvalidDataException>(() => ParquetFile.Read(stream, source, CsvTarget.Named(target)));
    }

    [Fact]
    public void ACsvFileIsNotParquet()
    {
        var error = Refusal(Encoding.UTF8.GetBytes("x,label\n1,a\n"), "data.csv");

        Assert.Contains("data.csv: expected a Parquet file, which starts with the bytes PAR1, got the bytes 782C6C61", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyFileIsNotParquet() =>
        Assert.Contains("bad.parquet: expected a Parquet file, which starts with the bytes PAR1, got an empty file", Refusal([]).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(100)]
    [InlineData(2000)]
    public void ATruncatedFileIsRefusedAsTruncated(int cut)
    {
        var bytes = Valid();
        var error = Refusal(bytes[..^cut]);

        Assert.StartsWith("bad.parquet: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFooterLongerThanTheFileIsRefusedBeforeItIsRead()
    {
        var bytes = Valid();
        BitConverter.GetBytes(int.MaxValue).CopyTo(bytes, bytes.Length - 8);

        Assert.Contains("footer declares 2147483647 bytes", Refusal(bytes).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("samples-x-features", 100, "big.parquet: the footer, row group 3: 23 samples x 5 features: 115 is above the limit samples-x-features = 100")]
    [InlineData("decompressed-bytes", 1000, "big.parquet: the column data once decompressed, as the footer declares it: ")]
    public void TheLimitsAreCheckedFromTheFooterBeforeTheValuesAreRead(string limit, long value, string start)
    {
        using var stream = new MemoryStream(Valid(), writable: false);

        var error = Assert.Throws<InvalidDataException>(() => ParquetFile.Read(stream, "big.parquet", CsvTarget.Named("label"), ReadLimits.Default.With(limit, value)));

        Assert.Equal(limit, LimitExceeded.LimitName(error));
        Assert.StartsWith(start, error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A file of one feature (4,000 random doubles) and a label, written by the library, whose first page header (at byte
    /// 4: type, uncompressed size, compressed size, each a field of the Thrift compact protocol) gets a size of the same
    /// encoded length but another value; returns the bytes and where the header starts.
    /// </summary>
    private static byte[] WithFirstPageSize(int field)
    {
        using var stream = new MemoryStream();
        var data = RoundTripTests.RandomData(7, 4000, 1, withTarget: true) with { TargetColumn = 2 };
        ParquetFile.Write(stream, data);
        var bytes = stream.ToArray();
        int at = 5;
        Assert.Equal(0x15, bytes[4]);               // field 1 (type), i32
        while ((bytes[at] & 0x80) != 0) at++;
        at++;
        for (int f = 2; f <= field; f++)
        {
            Assert.Equal(0x15, bytes[at]);           // the next field (2 uncompressed, 3 compressed), i32
            int start = ++at;
            while ((bytes[at] & 0x80) != 0) at++;
            if (f < field) { at++; continue; }
            // The largest even varint of this length: zigzag-decoded, the largest positive size it can say.
            for (int i = start; i < at; i++) bytes[i] = i == start ? (byte)0xFE : (byte)0xFF;
            bytes[at] = 0x7F;
            Assert.True(at - start + 1 >= 2, "the size field is too short for the test");
        }
        return bytes;
    }

    [Fact]
    public void APageHeaderDeclaringMoreDecompressedBytesThanTheLimitIsRefusedBeforeItsBufferIsMade()
    {
        var valid = WithFirstPageSize(1);
        using (var stream = new MemoryStream(valid, writable: false))
            Assert.Equal(4000, ParquetFile.Read(stream, "ok.parquet", CsvTarget.Named("target"), ReadLimits.Default.With("decompressed-bytes", 500_000)).Features.Columns);

        using var hostile = new MemoryStream(WithFirstPageSize(2), writable: false);
        var error = Assert.Throws<InvalidDataException>(() => ParquetFile.Read(hostile, "big-page.parquet", CsvTarget.Named("target"), ReadLimits.Default.With("decompressed-bytes", 500_000)));

        Assert.Equal("decompressed-bytes", LimitExceeded.LimitName(error));
        Assert.StartsWith("big-page.parquet: row group 1, column 'feature 0': the pages once decompressed, as their headers declare them (the page at byte 4)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void APageHeaderDeclaringMoreBytesThanItsChunkHoldsIsRefusedByName()
    {
        var error = Refusal(WithFirstPageSize(3), "long-page.parquet", "target");

        Assert.StartsWith("long-page.parquet: row group 1, column 'feature 0': the page header at byte 4 declares ", error.Message, StringComparison.Ordinal);
        Assert.Contains("bytes of page, but its chunk has", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Every single damaged byte (seeded positions and values) gives the right data or an InvalidDataException naming the file: never a crash.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ADamagedByteGivesTheDataOrAClearRefusal(int seed)
    {
        var valid = Valid();
        var expected = ParquetFile.Read(FixtureTests.Fixture("mixed-snappy.parquet"), CsvTarget.Named("label"));
        var random = new Random(seed);
        for (int trial = 0; trial < 150; trial++)
        {
            var bytes = (byte[])valid.Clone();
            int at = 4 + random.Next(bytes.Length - 12);
            bytes[at] = (byte)(bytes[at] ^ (1 + random.Next(255)));
            using var stream = new MemoryStream(bytes, writable: false);
            try
            {
                var read = ParquetFile.Read(stream, "bad.parquet", CsvTarget.Named("label"));
                Assert.Equal(expected.FeatureNames.Length, read.FeatureNames.Length);
            }
            catch (InvalidDataException error)
            {
                Assert.StartsWith("bad.parquet", error.Message, StringComparison.Ordinal);
            }
            catch (ArgumentException error) when (error.ParamName == "target")
            {
                // A damaged column name: the target is then missing, which is reported as for CSV.
                Assert.Contains("label", error.Message, StringComparison.Ordinal);
            }
        }
    }

    /// <summary>A row with a list column, for <see cref="ARepeatedColumnIsRefusedByName"/>.</summary>
    public sealed class TaggedRow
    {
        /// <summary>A feature.</summary>
        public double X { get; set; }

        /// <summary>A list column.</summary>
        public List<int> Tags { get; set; } = [];

        /// <summary>The label.</summary>
        public string Label { get; set; } = "";
    }

    [Fact]
    public async Task ARepeatedColumnIsRefusedByName()
    {
        using var stream = new MemoryStream();
        await Parquet.Serialization.ParquetSerializer.SerializeAsync(new[] { new TaggedRow { X = 1, Tags = [1, 2], Label = "a" }, new TaggedRow { X = 2, Label = "b" } }, stream);
        stream.Position = 0;

        var error = Assert.Throws<InvalidDataException>(() => ParquetFile.Read(stream, "lists.parquet", CsvTarget.Named("Label")));

        Assert.Contains("lists.parquet, column 'Tags': expected a flat column of single values, got a List column", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFolderIsNotAFile()
    {
        var error = Assert.Throws<InvalidDataException>(() => ParquetFile.Read(Path.GetTempPath(), CsvTarget.Last));
        Assert.Contains("is a directory", error.Message, StringComparison.Ordinal);
    }
}
