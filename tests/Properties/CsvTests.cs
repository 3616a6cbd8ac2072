using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;
using Pure.Testing;

namespace Pure.Properties;

/// <summary>
/// CSV reading: every finite double written with "R" comes back with the same bits, whatever the quoting, line ends,
/// byte-order mark and trailing blank lines; every malformed file is refused with a message naming the source, the
/// line and the column.
/// </summary>
public class CsvTests
{
    /// <summary>A CSV table: header names, rows of finite doubles, the target column's position and its labels, and how it is written.</summary>
    public sealed record Table(string[] Names, double[][] Rows, int TargetIndex, string[] Labels, bool Crlf, bool Bom, int TrailingNewlines, bool[] Quote)
    {
        /// <summary>The CSV text of the table.</summary>
        public string Text()
        {
            string newline = Crlf ? "\r\n" : "\n";
            var text = new StringBuilder(Bom ? "\uFEFF" : "");
            var header = Names.Select((name, i) => Cell(name, Quote[i])).ToList();
            if (TargetIndex >= 0) header.Insert(TargetIndex, Cell(TargetName, true));
            var lines = new List<string> { string.Join(",", header) };
            for (int r = 0; r < Rows.Length; r++)
            {
                var cells = Rows[r].Select((value, i) => Cell(value.ToString("R", CultureInfo.InvariantCulture), Quote[i])).ToList();
                if (TargetIndex >= 0) cells.Insert(TargetIndex, Cell(Labels[r], Quote[^1]));
                lines.Add(string.Join(",", cells));
            }
            text.Append(string.Join(newline, lines));
            for (int k = 0; k < TrailingNewlines; k++) text.Append(newline);
            return text.ToString();
        }

        /// <summary>The header name of the target column.</summary>
        public string TargetName => $"target \"y\", ok";

        /// <summary>Readable in FsCheck's failure report.</summary>
        public override string ToString() => Text().Replace("\r", "\\r").Replace("\n", "\\n\n");

        private static string Cell(string text, bool quote) => quote || text.Contains(',') || text.Contains('"') ? $"\"{text.Replace("\"", "\"\"")}\"" : text;
    }

    private static readonly Gen<double> AnyFiniteDouble =
        Gen.Zip(Gen.Choose(int.MinValue, int.MaxValue), Gen.Choose(int.MinValue, int.MaxValue))
            .Select(pair => BitConverter.Int64BitsToDouble(((long)pair.Item1 << 32) | (uint)pair.Item2))
            .Where(double.IsFinite);

    private static readonly Gen<double> Value = Gen.OneOf(AnyFiniteDouble, Gen.Elements(0.0, -0.0, 1.0, 0.1, double.Epsilon, double.MaxValue, -double.MaxValue, 1e-300));

    private static readonly Gen<Table> Tables =
        from features in Gen.Choose(1, 4)
        from rows in Gen.Choose(1, 6)
        from values in Gen.ArrayOf(Gen.ArrayOf(Value, features), rows)
        from targetIndex in Gen.Choose(-1, features)
        from labels in Gen.ArrayOf(Gen.Elements("setosa", "3", "a,b", "say \"hi\"", "10", " x "), rows)
        from crlf in Gen.Elements(true, false)
        from bom in Gen.Elements(true, false)
        from trailing in Gen.Choose(0, 3)
        from quote in Gen.ArrayOf(Gen.Elements(true, false), features + 1)
        select new Table([.. Enumerable.Range(0, features).Select(i => i == 1 ? "width, cm" : $"x{i}")], values, targetIndex, labels, crlf, bom, trailing, quote);

    private static CsvData Parse(string text, CsvTarget target, string source = "test.csv") => Csv.Parse(new StringReader(text), source, target);

    [PureProperty(MaxTest = 300)]
    public Property EveryFiniteDoubleAndLabelRoundTripsWhateverTheQuotingLineEndsAndBom() =>
        Prop.ForAll(Arb.From(Tables), table =>
        {
            var data = Parse(table.Text(), table.TargetIndex >= 0 ? CsvTarget.Named(table.TargetName) : CsvTarget.None);
            var expected = table.Rows.SelectMany(row => row).ToArray();
            bool sameValues = Precision.BitwiseEqual<double>(data.Features.AsSpan(), expected);
            bool sameTargets = table.TargetIndex < 0 ? data.Targets.IsEmpty && data.TargetName is null
                : data.Targets.SequenceEqual(table.Labels.Select(label => label.Trim())) && data.TargetName == table.TargetName;
            return (sameValues && sameTargets && data.FeatureNames.SequenceEqual(table.Names) && data.Count == table.Rows.Length
                    && data.LineNumbers.SequenceEqual(Enumerable.Range(2, table.Rows.Length)))
                .Label($"features {data.Features}, targets [{string.Join("|", data.Targets)}], names [{string.Join("|", data.FeatureNames)}]");
        });

    [Fact]
    public void AHeaderWithAControlCharacterIsRefusedNamingItsColumnAndATabIsNot()
    {
        var refused = Assert.Throws<InvalidDataException>(() => Parse("a,b\0c,label\n1,2,5\n", CsvTarget.Last));
        Assert.Contains("line 1, column 2", refused.Message, StringComparison.Ordinal);
        Assert.Contains("U+0000 at character 2", refused.Message, StringComparison.Ordinal);
        Assert.Equal(new[] { "a", "b\tc" }, Parse("a,b\tc,label\n1,2,5\n3,4,6\n", CsvTarget.Last).FeatureNames);
    }

    [Fact]
    public void TargetByIndexEqualsTargetByName()
    {
        const string text = "a,b,label\n1,2,5\n3,4,6\n";
        var byName = Parse(text, CsvTarget.Named("label"));
        Assert.Equal(byName, Parse(text, CsvTarget.At(2)));
        Assert.Equal(new[] { "5", "6" }, byName.Targets);
        var middle = Parse(text, CsvTarget.At(1));
        Assert.Equal(new[] { "a", "label" }, middle.FeatureNames);
        Assert.Equal("b", middle.TargetName);
        Assert.Equal(new[] { 2.0, 4.0 }, middle.NumericTargets());
        Assert.Equal(new[] { 1.0, 5.0, 3.0, 6.0 }, middle.Features.AsSpan().ToArray());
        Assert.Equal(2, middle.Features.Columns);
    }

    [Fact]
    public void TheLastTargetIsTheLastHeaderColumnEvenWhenAQuotedNameHasCommas()
    {
        const string text = "\"width, cm\",\"a,b\",label\n1,2,x\n3,4,y\n";
        var last = Parse(text, CsvTarget.Last);
        Assert.Equal(Parse(text, CsvTarget.At(2)), last);
        Assert.Equal("label", last.TargetName);
        Assert.Equal(new[] { "width, cm", "a,b" }, last.FeatureNames);
        Assert.Equal(new[] { "x", "y" }, last.Targets);
        // A file of one column has no feature left once its last column is the target, as with At(0).
        Assert.Equal(
            Assert.Throws<InvalidDataException>(() => Parse("only\n5\n", CsvTarget.At(0))).Message,
            Assert.Throws<InvalidDataException>(() => Parse("only\n5\n", CsvTarget.Last)).Message);
    }

    [Fact]
    public void TheIrisFileInTheRepositoryReadsAs4FeaturesOf150SamplesWith50PerClass()
    {
        var data = Csv.Read(Path.Combine(RepositoryRoot(), "data", "iris.csv"), CsvTarget.Named("species"));
        Assert.Equal(4, data.Features.Rows);
        Assert.Equal(150, data.Count);
        Assert.Equal(new[] { "sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm" }, data.FeatureNames);
        Assert.Equal(new[] { 5.1, 3.5, 1.4, 0.2 }, data.Features.Column(0).ToArray());
        var classes = ClassEncoding.Fit(data.Targets);
        Assert.Equal(new[] { "0", "1", "2" }, classes.Classes);
        Assert.All(classes.Encode(data.Targets).GroupBy(k => k), group => Assert.Equal(50, group.Count()));
        Assert.Equal(data.Targets.Select(label => double.Parse(label, CultureInfo.InvariantCulture)), data.NumericTargets());
    }

    [Fact]
    public void ReadSkipsAUtf8ByteOrderMarkAndNamesThePathInErrors()
    {
        string path = Path.Combine(Path.GetTempPath(), $"pure-csv-{Guid.NewGuid():N}.csv");
        try
        {
            File.WriteAllText(path, "a,b\r\n1,2\r\n3,oops\r\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
            Assert.Equal(0xEF, File.ReadAllBytes(path)[0]);
            var error = Assert.Throws<InvalidDataException>(() => Csv.Read(path, CsvTarget.None));
            Assert.Equal($"{path}, line 3, column 2 ('b'): expected a number, got 'oops'.", error.Message);
            File.WriteAllText(path, "a,b\r\n1,2\r\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
            Assert.Equal(new[] { "a", "b" }, Csv.Read(path, CsvTarget.None).FeatureNames);
            File.WriteAllBytes(path, [(byte)'a', (byte)',', 0xFF, (byte)'\n', (byte)'1', (byte)',', (byte)'2']);
            Assert.StartsWith($"{path}: expected UTF-8 text, got bytes that are not UTF-8", Assert.Throws<InvalidDataException>(() => Csv.Read(path, CsvTarget.None)).Message);
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("a,b\n1,2\n3,x\n", "test.csv, line 3, column 2 ('b'): expected a number, got 'x'.")]
    [InlineData("a,b\n1,\n", "test.csv, line 2, column 2 ('b'): expected a number, got ''.")]
    [InlineData("a,b\n1,2\n3,1;5\n", "test.csv, line 3, column 2 ('b'): expected a number, got '1;5'.")]
    [InlineData("a,b\n1,\"1,5\"\n", "test.csv, line 2, column 2 ('b'): expected a number, got '1,5'.")]
    [InlineData("a,b\nNaN,2\n", "test.csv, line 2, column 1 ('a'): expected a finite number, got 'NaN'.")]
    [InlineData("a,b\n1,-Infinity\n", "test.csv, line 2, column 2 ('b'): expected a finite number, got '-Infinity'.")]
    [InlineData("a,b\n1,1e400\n", "test.csv, line 2, column 2 ('b'): expected a finite number, got '1e400'.")]
    [InlineData("a,b\n1,2\n3,4,5\n", "test.csv, line 3: expected 2 cells like the header, got 3.")]
    [InlineData("a,b,c\r\n1,2,3\r\n4,5\r\n", "test.csv, line 3: expected 3 cells like the header, got 2.")]
    [InlineData("", "test.csv is empty: expected a header row of column names.")]
    [InlineData("\uFEFF\n\n", "test.csv is empty: expected a header row of column names.")]
    [InlineData("a,b\n", "test.csv: expected data rows after the header, got none.")]
    [InlineData("a,b\r\n\r\n\r\n", "test.csv: expected data rows after the header, got none.")]
    [InlineData("a,b,a\n1,2,3\n", "test.csv, line 1, column 3: expected distinct column names, got 'a' again (first in column 1).")]
    [InlineData("a,,c\n1,2,3\n", "test.csv, line 1, column 2: expected a column name in the header, got an empty cell.")]
    [InlineData("a,b\n1,2\n\n3,4\n", "test.csv, line 3: expected a data row, got a blank line (blank lines are allowed only at the end).")]
    [InlineData("a,b\n1,\"2\n", "test.csv, line 2, column 2: the quoted cell opened here is never closed.")]
    [InlineData("a,b\n1,\"2\"x\n", "test.csv, line 2, column 2: expected a comma or the end of the line after the closing quote, got 'x'.")]
    [InlineData("a,b\n1,2\"\n", "test.csv, line 2, column 2: a quote inside an unquoted cell; quote the whole cell and double the quote (\"\").")]
    [InlineData("a,\"b\nc\",d\n1,2,3\n4,x,6\n", "test.csv, line 4, column 2 ('b\nc'): expected a number, got 'x'.")]
    public void AMalformedFileIsRefusedNamingTheSourceLineAndColumn(string text, string message)
    {
        var error = Assert.Throws<InvalidDataException>(() => Parse(text, CsvTarget.None));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void ATargetOnlyFileHasNoFeaturesAndIsRefused()
    {
        var error = Assert.Throws<InvalidDataException>(() => Parse("y\n1\n", CsvTarget.Named("y")));
        Assert.Equal("test.csv, line 1: expected at least one feature column besides the target 'y', got none.", error.Message);
    }

    [Fact]
    public void AMissingTargetColumnIsRefusedNamingTargetAndListingTheColumns()
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => Parse("a,b,species\n1,2,x\n", CsvTarget.Named("label")));
        Assert.Equal("target", error.ParamName);
        Assert.StartsWith("Expected a target column named 'label' in test.csv; its columns are 'a', 'b', 'species'.", error.Message);
        var outOfRange = Assert.ThrowsAny<ArgumentException>(() => Parse("a,b,species\n1,2,x\n", CsvTarget.At(3)));
        Assert.Equal("target", outOfRange.ParamName);
        Assert.StartsWith("Expected a target column index in [0, 2] for the 3 columns of test.csv, got 3.", outOfRange.Message);
        Assert.Equal("index", Assert.ThrowsAny<ArgumentException>(() => CsvTarget.At(-1)).ParamName);
        Assert.Equal("column", Assert.ThrowsAny<ArgumentException>(() => CsvTarget.Named(" ")).ParamName);
    }

    [Fact]
    public void NumericTargetsNameTheLineAndColumnOfALabelThatIsNotANumber()
    {
        var data = Parse("a,species,b\r\n1,3,2\r\n4,setosa,5\r\n", CsvTarget.Named("species"));
        Assert.Equal(new[] { "3", "setosa" }, data.Targets);
        var error = Assert.Throws<InvalidDataException>(() => data.NumericTargets());
        Assert.Equal("test.csv, line 3, column 2 ('species'): expected a number, got 'setosa'.", error.Message);
        var infinite = Parse("a,y\n1,Infinity\n", CsvTarget.At(1));
        Assert.Equal("test.csv, line 2, column 2 ('y'): expected a finite number, got 'Infinity'.",
            Assert.Throws<InvalidDataException>(() => infinite.NumericTargets()).Message);
        Assert.Throws<InvalidOperationException>(() => Parse("a\n1\n", CsvTarget.None).NumericTargets());
    }

    [Fact]
    public void FeaturesAsFloatRoundsAndRefusesValuesBeyondItsRange()
    {
        var data = Parse("a,y,b\n0.1,k,2\n3,k,-4.5\n", CsvTarget.At(1));
        Assert.Equal(new[] { 0.1f, 2f, 3f, -4.5f }, data.FeaturesAs<float>().AsSpan().ToArray());
        Assert.Equal(data.Features, data.FeaturesAs<double>());
        var huge = Parse("a,y,b\n1,k,2\n3,k,1e300\n", CsvTarget.At(1));
        Assert.Equal("test.csv, line 3, column 3 ('b'): the value 1E+300 does not fit in Single.",
            Assert.Throws<InvalidDataException>(() => huge.FeaturesAs<float>()).Message);
    }

    [Fact]
    public void QuotedCellsKeepCommasQuotesAndLineBreaks()
    {
        var data = Parse("\"x, cm\",label\n\"1.5\",\"a \"\"b\"\", c\"\n2,\"two\nlines\"", CsvTarget.Named("label"));
        Assert.Equal(new[] { "x, cm" }, data.FeatureNames);
        Assert.Equal(new[] { "a \"b\", c", "two\nlines" }, data.Targets);
        Assert.Equal(new[] { 1.5, 2.0 }, data.Features.AsSpan().ToArray());
        Assert.Equal(new[] { 2, 3 }, data.LineNumbers);
    }

    /// <summary>The repository's root: the first parent folder holding Pure.sln.</summary>
    internal static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "Pure.sln"))) return folder.FullName;
        throw new InvalidOperationException($"No Pure.sln above {AppContext.BaseDirectory}.");
    }
}
