using Pure;

namespace Pure.Cli;

/// <summary>The digits data set embedded in this program (UCI optical digits, 1797 samples of 8x8 pixels, CC BY 4.0).</summary>
internal static class Digits
{
    /// <summary>The embedded digits.csv read by the library's CSV reader: 64 pixel features and the label "0".."9" in the last column.</summary>
    public static CsvData Load()
    {
        using var stream = typeof(Digits).Assembly.GetManifestResourceStream("Pure.Cli.Data.digits.csv")
            ?? throw new InvalidOperationException("The embedded digits.csv is missing from this build.");
        using var reader = new StreamReader(stream);
        return Csv.Parse(reader, "digits.csv", CsvTarget.Last);
    }
}
