using System.Globalization;
using System.Text.Json.Nodes;

namespace Pure.ParquetTests;

/// <summary>
/// Files written by another implementation (hyparquet-writer 0.17.0 under Node, tools/parquet/make-fixtures.mjs): every
/// value read equals the value the script wrote, as recorded in Fixtures/expected.json; each refusal names the file,
/// the column and (for values) the row.
/// </summary>
public sealed class FixtureTests
{
    private static readonly JsonNode Expected = JsonNode.Parse(File.ReadAllText(Fixture("expected.json")))!;

    internal static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    /// <summary>The values the script wrote in column <paramref name="column"/> of <paramref name="file"/>, as doubles (INT64 is written as text).</summary>
    private static double[] Numbers(string file, string column) =>
        [.. Column(file, column)["values"]!.AsArray().Select(value => value!.GetValueKind() == System.Text.Json.JsonValueKind.String
            ? double.Parse(value.GetValue<string>(), CultureInfo.InvariantCulture)
            : value.GetValue<double>())];

    private static JsonNode Column(string file, string column) =>
        Expected[file]!["columns"]!.AsArray().Single(node => node!["name"]!.GetValue<string>() == column)!;

    [Theory]
    [InlineData("mixed-uncompressed.parquet")]
    [InlineData("mixed-snappy.parquet")]
    [InlineData("mixed-gzip.parquet")]
    [InlineData("mixed-brotli.parquet")]
    public void EveryCodecReadsTheValuesTheOtherWriterWroteAcrossItsRowGroups(string file)
    {
        var data = ParquetFile.Read(Fixture(file), CsvTarget.Named("label"));

        Assert.Equal<string>(["f64", "f32", "i32", "i64", "weight"], data.FeatureNames);
        Assert.Equal("label", data.TargetName);
        Assert.Equal(6, data.TargetColumn);
        Assert.Equal(23, data.Count);
        for (int k = 0; k < data.FeatureNames.Length; k++)
        {
            var expected = Numbers(file, data.FeatureNames[k]);
            Assert.Equal(expected.Length, data.Count);
            for (int j = 0; j < data.Count; j++) Assert.Equal(expected[j], data.Features[k, j]);
        }
        Assert.Equal(Column(file, "label")["values"]!.AsArray().Select(value => value!.GetValue<string>()), data.Targets);
    }

    [Fact]
    public void TheFixturesHaveSeveralRowGroupsAndNullableColumnsWithoutNulls()
    {
        // The shapes the script asked for, so the test above covers them: 10 + 10 + 3 rows, OPTIONAL and REQUIRED columns.
        Assert.Equal(10, Expected["mixed-snappy.parquet"]!["rowGroupSize"]!.GetValue<int>());
        Assert.Equal(23, Numbers("mixed-snappy.parquet", "f64").Length);
        Assert.False(Column("mixed-snappy.parquet", "f64")["nullable"]!.GetValue<bool>());
        Assert.True(Column("mixed-snappy.parquet", "f32")["nullable"]!.GetValue<bool>());
        Assert.Equal(["UNCOMPRESSED", "SNAPPY", "GZIP", "BROTLI"],
            new[] { "uncompressed", "snappy", "gzip", "brotli" }.Select(codec => Expected[$"mixed-{codec}.parquet"]!["codec"]!.GetValue<string>()));
    }

    [Fact]
    public void IntegerClassesBecomeInvariantTextInNumericClassOrder()
    {
        var data = ParquetFile.Read(Fixture("int-classes.parquet"), CsvTarget.Named("class"));

        Assert.Equal(Column("int-classes.parquet", "class")["values"]!.AsArray().Select(value => value!.GetValue<int>().ToString(CultureInfo.InvariantCulture)), data.Targets);
        Assert.Equal<string>(["3", "7", "10"], ClassEncoding.Fit(data.Targets).Classes);
        Assert.Equal(Numbers("int-classes.parquet", "x2"), Enumerable.Range(0, data.Count).Select(j => data.Features[1, j]));
    }

    [Fact]
    public void WithoutATargetEveryNumericColumnIsAFeatureForRegression()
    {
        var data = ParquetFile.Read(Fixture("regression.parquet"), CsvTarget.None);

        Assert.Null(data.TargetName);
        Assert.Equal<string>(["x1", "x2", "x3", "y1", "y2"], data.FeatureNames);
        Assert.Equal(Numbers("regression.parquet", "y2"), Enumerable.Range(0, data.Count).Select(j => data.Features[4, j]));
        Assert.Equal(Numbers("regression.parquet", "y1"), Enumerable.Range(0, data.Count).Select(j => data.Features[3, j]));
    }

    [Theory]
    [InlineData("null-feature.parquet", "label", new[] { "row 14 ", "row group 2", "'x2'", "null" })]
    [InlineData("null-target.parquet", "label", new[] { "row 5 ", "row group 1", "'label'", "null" })]
    [InlineData("nan-feature.parquet", "label", new[] { "row 6 ", "row group 2", "'x1'", "NaN" })]
    [InlineData("string-feature.parquet", "label", new[] { "'colour'", "BYTE_ARRAY (UTF8)", "numeric feature" })]
    [InlineData("bool-feature.parquet", "label", new[] { "'flag'", "BOOLEAN", "numeric feature" })]
    [InlineData("timestamp-feature.parquet", "label", new[] { "'when'", "INT64 (TIMESTAMP_MILLIS)", "numeric feature" })]
    [InlineData("float-target.parquet", "label", new[] { "'label'", "DOUBLE", "strings or integers", "--task regression" })]
    [InlineData("empty.parquet", "label", new[] { "expected data rows, got none" })]
    [InlineData("null-feature.parquet", null, new[] { "'label'", "BYTE_ARRAY (UTF8)", "numeric feature" })]
    public void EachProblemIsRefusedNamingTheFileTheColumnAndTheRow(string file, string? target, string[] parts)
    {
        var error = Assert.Throws<InvalidDataException>(() => ParquetFile.Read(Fixture(file), target is null ? CsvTarget.None : CsvTarget.Named(target)));

        Assert.Contains(file, error.Message, StringComparison.Ordinal);
        foreach (string part in parts) Assert.Contains(part, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingTargetColumnIsAnArgumentErrorListingTheColumns()
    {
        var error = Assert.Throws<ArgumentException>(() => ParquetFile.Read(Fixture("mixed-snappy.parquet"), CsvTarget.Named("species")));

        Assert.Equal("target", error.ParamName);
        Assert.Contains("'species'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'f64', 'f32', 'i32', 'i64', 'weight', 'label'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheTargetMayBeTheLastColumnOrAColumnIndexAsForCsv()
    {
        var byName = ParquetFile.Read(Fixture("int-classes.parquet"), CsvTarget.Named("class"));

        Assert.Equal(byName, ParquetFile.Read(Fixture("int-classes.parquet"), CsvTarget.Last));
        Assert.Equal(byName, ParquetFile.Read(Fixture("int-classes.parquet"), CsvTarget.At(2)));
    }
}
