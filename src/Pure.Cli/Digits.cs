using System.Globalization;
using Pure;

namespace Pure.Cli;

/// <summary>The digits data set embedded in this program (UCI optical digits, 1797 samples of 8x8 pixels, CC BY 4.0).</summary>
internal static class Digits
{
    /// <summary>The 64 x 1797 pixel matrix (one sample per column) and the 1797 labels 0..9.</summary>
    public static (ImmutableMatrix<double> Features, int[] Labels) Load()
    {
        using var stream = typeof(Digits).Assembly.GetManifestResourceStream("Pure.Cli.Data.digits.csv")
            ?? throw new InvalidOperationException("The embedded digits.csv is missing from this build.");
        using var reader = new StreamReader(stream);
        string header = reader.ReadLine() ?? throw new InvalidDataException("digits.csv is empty.");
        int columns = header.Split(',').Length;
        var pixels = new List<double>();
        var labels = new List<int>();
        string? line;
        int number = 1;
        while ((line = reader.ReadLine()) is not null)
        {
            number++;
            var cells = line.Split(',');
            if (cells.Length != columns) throw new InvalidDataException($"digits.csv line {number}: expected {columns} cells, got {cells.Length}.");
            for (int c = 0; c < columns - 1; c++) pixels.Add(double.Parse(cells[c], CultureInfo.InvariantCulture));
            labels.Add(int.Parse(cells[^1], CultureInfo.InvariantCulture));
        }
        return (ImmutableMatrix.FromColumnMajor<double>(columns - 1, labels.Count, pixels.ToArray()), labels.ToArray());
    }
}
