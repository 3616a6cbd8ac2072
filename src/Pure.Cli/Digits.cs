using Pure;

namespace Pure.Cli;

/// <summary>The digits data set embedded in this program (UCI optical digits, 1797 samples of 8x8 pixels, CC BY 4.0).</summary>
internal static class Digits
{
    /// <summary>The embedded digits.csv read by the library's CSV reader: 64 pixel features and the label "0".."9" in the last column.</summary>
    public static CsvData Load()
    {
        using var stream = Open();
        using var reader = new StreamReader(stream);
        return Csv.Parse(reader, "digits.csv", CsvTarget.Last);
    }

    /// <summary>The SHA-256 (lowercase hex) of the embedded digits.csv, as recorded for a data file.</summary>
    public static string Sha256()
    {
        using var stream = Open();
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
    }

    private static Stream Open() => typeof(Digits).Assembly.GetManifestResourceStream("Pure.Cli.Data.digits.csv")
        ?? throw new InvalidOperationException("The embedded digits.csv is missing from this build.");
}
