using System.Text;
using Pure.Hostile.Tests.Support;

namespace Pure.Hostile.Tests;

/// <summary>CSV files, each read by <c>train</c>, <c>evaluate</c> and <c>predict</c>.</summary>
public sealed class CsvCases
{
    /// <summary>The cases by name.</summary>
    public static readonly IReadOnlyDictionary<string, HostileCase> All = Build().ToDictionary(c => c.Name);

    /// <summary>The case names, one test each.</summary>
    public static TheoryData<string> Names => [.. All.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Csv_is_handled_within_bounds(string name) => All[name].Check();

    /// <summary>A CSV defect and the exit code each reader must give (train, evaluate, predict).</summary>
    private sealed record Defect(string Name, Func<string, byte[]> Make, int Train = 1, int Evaluate = 1, int Predict = 1, long Accepted = 1 << 20, bool Shared = false, int? OrTrain = null);

    private static byte[] Utf8(string text) => new UTF8Encoding(false).GetBytes(text);

    private static Defect Cell(string name, string cell, int exit = 1) => new($"cell-{name}", _ => Utf8(Data.CsvWithCell(cell)), exit, exit, exit);

    private static IEnumerable<Defect> Defects()
    {
        foreach (var (name, cell) in new[]
        {
            ("word", "abc"), ("two-points", "1.2.3"), ("bare-exponent", "1e"), ("double-minus", "--1"), ("hex", "0x10"), ("inner-space", "1 2"),
            ("infinity-sign", "∞"), ("NaN", "NaN"), ("nan", "nan"), ("Infinity", "Infinity"), ("minus-Infinity", "-Infinity"), ("1e400", "1e400"),
            ("minus-1e400", "-1e400"), ("plus", "+"), ("point", "."), ("empty", ""), ("arabic-digit", "١"), ("fullwidth-digit", "１"),
            ("underscore", "1_000"), ("dollar", "$1"), ("quoted-decimal-comma", "\"1,5\""), ("hex-float", "0x1p3"), ("suffix-d", "1d"),
            ("TRUE", "TRUE"), ("null", "null"), ("nbsp", "\u00A0"), ("NUL", "\0"), ("long-digits-overflow", new string('9', 400)),
        })
            yield return Cell(name, cell);
        foreach (var (name, cell) in new[] { ("underflow-1e-400", "1e-400"), ("spaces-around", " 1.5 "), ("leading-point", ".5"), ("minus-zero", "-0"), ("subnormal", "5e-324") })
            yield return Cell(name, cell, exit: 0);
        yield return new Defect("nan-first-cell", _ => Utf8(Data.CsvWithCell("NaN", row: 1, column: 0)));
        yield return new Defect("nan-last-row", _ => Utf8(Data.CsvWithCell("NaN", row: 30, column: 1)));

        string valid = Data.BlobsCsv(10, 3, 2, seed: 3);
        yield return new Defect("empty-file", _ => []);
        yield return new Defect("only-bom", _ => [0xEF, 0xBB, 0xBF]);
        yield return new Defect("only-blank-lines", _ => Utf8("\n\n  \n"));
        yield return new Defect("header-only", _ => Utf8("f0,f1,label\n"));
        yield return new Defect("header-only-no-newline", _ => Utf8("f0,f1,label"));
        yield return new Defect("short-row", _ => Utf8(valid + "1,a\n"));
        yield return new Defect("long-row", _ => Utf8(valid + "1,2,3,a\n"));
        yield return new Defect("only-commas-row", _ => Utf8(valid + ",,\n"));
        yield return new Defect("blank-line-inside", _ => Utf8(valid.Insert(valid.IndexOf('\n', 40) + 1, "\n")));
        yield return new Defect("unclosed-quote", _ => Utf8(valid + "\"1,2,a\n"));
        yield return new Defect("text-after-quote", _ => Utf8(valid + "\"1\"x,2,a\n"));
        yield return new Defect("quote-inside-cell", _ => Utf8(valid + "1\"2,2,a\n"));
        yield return new Defect("duplicate-header", _ => Utf8(valid.Replace("f0,f1,label", "f0,f0,label")));
        yield return new Defect("empty-header-name", _ => Utf8(valid.Replace("f0,f1,label", "f0,,label")));
        yield return new Defect("only-target-column", _ => Utf8("label\na\nb\na\nb\n"));
        yield return new Defect("one-class", _ => Utf8(valid.Replace(",b\n", ",a\n").Replace(",c\n", ",a\n")), Train: 1, Evaluate: 0, Predict: 0);
        yield return new Defect("unknown-label", _ => Utf8(valid + "0.1,0.2,z\n"), Train: 0, Evaluate: 1, Predict: 0);
        yield return new Defect("100-classes", _ => Utf8(Data.BlobsCsv(3, 100, 2, seed: 4)), Train: 0, Evaluate: 1, Predict: 0);
        yield return new Defect("5000-classes", _ => Utf8(Data.BlobsCsv(2, 5000, 2, seed: 5)), Train: 1, Evaluate: 1, Predict: 0, OrTrain: 0);
        yield return new Defect("utf8-bom", _ => [0xEF, 0xBB, 0xBF, .. Utf8(valid)], 0, 0, 0);
        yield return new Defect("crlf", _ => Utf8(valid.Replace("\n", "\r\n")), 0, 0, 0);
        yield return new Defect("utf16-le-bom", _ => [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(valid)]);
        yield return new Defect("utf16-be-bom", _ => [.. Encoding.BigEndianUnicode.GetPreamble(), .. Encoding.BigEndianUnicode.GetBytes(valid)]);
        yield return new Defect("utf16-le-no-bom", _ => Encoding.Unicode.GetBytes(valid));
        yield return new Defect("utf32-le-bom", _ => [.. Encoding.UTF32.GetPreamble(), .. Encoding.UTF32.GetBytes(valid)]);
        yield return new Defect("invalid-utf8-label", _ => [.. Utf8(valid), .. Utf8("0.1,0.2,"), 0xC3, 0x28, 0x0A]);
        yield return new Defect("invalid-utf8-feature", _ => [.. Utf8(valid), 0xFF, 0xFE, .. Utf8(",0.2,a\n")]);
        yield return new Defect("invalid-utf8-header", _ => [0x66, 0xC0, 0xAF, .. Utf8(valid[2..])]);
        yield return new Defect("binary-garbage", _ => Data.Garbage(4096, seed: 17));
        yield return new Defect("nul-bytes", _ => new byte[1024]);
        yield return new Defect("long-cell-64MB", _ => [.. Utf8("f0,f1,label\n1,"), .. Enumerable.Repeat((byte)'x', 64 << 20), .. Utf8(",a\n")], Shared: true);
        yield return new Defect("long-header-64MB", _ => [.. Enumerable.Repeat((byte)'h', 64 << 20), .. Utf8(",f1,label\n"), .. Utf8(valid[(valid.IndexOf('\n') + 1)..])], Shared: true);
        yield return new Defect("million-columns", _ => Utf8(MillionColumns()), Train: 1, Evaluate: 1, Predict: 1, Accepted: 9L * 1_000_000 * 8 + 1_000_000 * 8, Shared: true, OrTrain: 0);
    }

    /// <summary>9 rows of 1,000,000 feature columns and a label (3 classes): about 18 MB.</summary>
    private static string MillionColumns()
    {
        var text = new StringBuilder(string.Join(",", Enumerable.Range(0, 1_000_000).Select(i => $"c{i}")) + ",label\n");
        for (int row = 0; row < 9; row++) text.Append(string.Concat(Enumerable.Repeat(row % 3 + ",", 1_000_000))).Append(Data.ClassName(row % 3)).Append('\n');
        return text.ToString();
    }

    private static IEnumerable<HostileCase> Build()
    {
        // Valid data of extreme size: finite features that fit the dtype are scaled, never refused.
        foreach (var (name, cell, dtype) in new[] { ("huge-1e160-float64", "1e160", "float64"), ("huge-1e20-float32", "1e20", "float32"), ("huge-1e300-float64", "-1e300", "float64") })
            yield return new HostileCase($"csv/train/{name}", 0, null,
                f => ["train", "--data", f.Write(name + ".csv", Data.CsvWithCell(cell)), "--dtype", dtype, "--layers", "3", "--epochs", "1", "--batch", "8", "--output", "out"], 1 << 20);
        int index = 0;
        foreach (var defect in Defects())
        {
            // Every defect goes through train; evaluate and predict take turns, except for the defects whose outcome differs by reader.
            bool allReaders = defect.Shared || defect.Train != defect.Evaluate || defect.Evaluate != defect.Predict;
            bool evaluate = allReaders || index % 2 == 0, predict = allReaders || index % 2 == 1;
            index++;
            string File(CaseFolder folder)
            {
                string name = defect.Name + ".csv";
                if (defect.Shared) return Workspace.Shared(name, path => System.IO.File.WriteAllBytes(path, defect.Make(path)));
                return folder.Write(name, defect.Make(name));
            }
            string named = defect.Name + ".csv";
            string? Named(int exit) => exit == 0 ? null : named;
            yield return new HostileCase($"csv/train/{defect.Name}", defect.Train, Named(defect.Train),
                f => ["train", "--data", File(f), "--layers", defect.Name == "million-columns" ? "1" : "3", "--epochs", "1", "--batch", "8", "--output", "out"], defect.Accepted)
            { OrExit = defect.OrTrain };
            if (evaluate)
                yield return new HostileCase($"csv/evaluate/{defect.Name}", defect.Evaluate, Named(defect.Evaluate),
                f => ["evaluate", "--model", Workspace.ModelJson, "--data", File(f), "--target", "label"], defect.Accepted);
            if (predict)
                yield return new HostileCase($"csv/predict/{defect.Name}", defect.Predict, Named(defect.Predict),
                f => ["predict", "--model", Workspace.ModelJson, "--data", File(f), "--target", "label", "--output", "predictions.csv"], defect.Accepted);
        }
    }
}
