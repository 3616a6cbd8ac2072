using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Parquet;

namespace Pure.ParquetTests;

/// <summary>The library's writer and reader: what is written is read back bit for bit, whatever the shape, row groups and codec.</summary>
public sealed class RoundTripTests
{
    private static readonly CompressionMethod[] Codecs =
        [CompressionMethod.None, CompressionMethod.Snappy, CompressionMethod.Gzip, CompressionMethod.Brotli, CompressionMethod.Zstd, CompressionMethod.Lz4Raw];

    /// <summary>A random data set from <paramref name="seed"/>: finite doubles of every magnitude (random bits), labels from a small set, the target at a random column.</summary>
    internal static CsvData RandomData(int seed, int rows, int features, bool withTarget)
    {
        var random = new Random(seed);
        var values = new double[features, rows];
        for (int i = 0; i < features; i++)
            for (int j = 0; j < rows; j++)
            {
                double value;
                do value = random.Next(3) == 0 ? BitConverter.Int64BitsToDouble(random.NextInt64()) : random.NextDouble() * 200 - 100;
                while (!double.IsFinite(value));
                values[i, j] = value;
            }
        var names = Enumerable.Range(0, features).Select(i => $"feature {i}").ToImmutableArray();
        string[] labels = ["a", "é", "Longer label", "3", ""];
        var targets = withTarget ? Enumerable.Range(0, rows).Select(_ => labels[random.Next(labels.Length)]).ToImmutableArray() : [];
        return new CsvData("random", names, withTarget ? "target" : null, ImmutableMatrix.FromArray(values), targets)
        {
            TargetColumn = withTarget ? 1 + random.Next(features + 1) : 0,
        };
    }

    [Property(MaxTest = 60)]
    public Property WhatTheWriterWritesTheReaderReadsBackExactly(PositiveInt rows, PositiveInt features, int seed, bool withTarget, PositiveInt groupSize, NonNegativeInt codec)
    {
        var data = RandomData(seed, 1 + rows.Get % 50, 1 + features.Get % 7, withTarget);
        using var stream = new MemoryStream();
        ParquetFile.Write(stream, data, 1 + groupSize.Get % (data.Count + 1), Codecs[codec.Get % Codecs.Length]);
        stream.Position = 0;

        var read = ParquetFile.Read(stream, "memory", withTarget ? CsvTarget.Named("target") : CsvTarget.None);

        return (read.FeatureNames.SequenceEqual(data.FeatureNames)
                && read.Features.Equals(data.Features)
                && read.Targets.SequenceEqual(data.Targets)
                && read.TargetName == data.TargetName
                && read.TargetColumn == data.TargetColumn).ToProperty();
    }

    [Fact]
    public async Task AWrittenFileIsReadByPathAndTheFileHoldsTheRequestedRowGroups()
    {
        string path = Path.Combine(Path.GetTempPath(), $"pure-parquet-{Guid.NewGuid():N}.parquet");
        try
        {
            var data = RandomData(4, 25, 3, withTarget: true);
            ParquetFile.Write(path, data, rowGroupSize: 10);

            Assert.Equal(data with { Source = path }, ParquetFile.Read(path, CsvTarget.Named("target")));
            await using (var reader = await ParquetReader.CreateAsync(path))
                Assert.Equal([10L, 10L, 5L], reader.RowGroups.Select(group => group.RowCount));
            Assert.True(ParquetFile.IsParquet(path));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void ARowGroupSizeBelowOneIsRefusedAndNothingIsWritten()
    {
        using var stream = new MemoryStream();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ParquetFile.Write(stream, RandomData(1, 3, 2, true), rowGroupSize: 0));

        Assert.Equal("rowGroupSize", error.ParamName);
        Assert.Equal(0, stream.Length);
    }
}
