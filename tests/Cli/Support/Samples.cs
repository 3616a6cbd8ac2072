using System.Globalization;

namespace Pure.Cli.Tests.Support;

/// <summary>Small data files for the tests.</summary>
public static class Samples
{
    /// <summary>Three well separated 2-D blobs labelled east, north and west, 40 rows each.</summary>
    public static string WriteBlobs(string path)
    {
        var random = new Random(7);
        var lines = new List<string> { "x,y,kind" };
        (string Name, double X, double Y)[] centres = [("east", 4, 0), ("north", 0, 4), ("west", -4, 0)];
        for (int i = 0; i < 40; i++)
            foreach (var (name, x, y) in centres)
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{x + random.NextDouble() - 0.5:R},{y + random.NextDouble() - 0.5:R},{name}"));
        File.WriteAllLines(path, lines);
        return path;
    }

    /// <summary>gzip IDX files of <paramref name="count"/> 4x4 images whose label 0..2 sets which row is bright.</summary>
    public static void WriteIdx(string folder, string prefix, int count, Random random)
    {
        var labels = new byte[count];
        var pixels = new byte[count * 16];
        for (int i = 0; i < count; i++)
        {
            labels[i] = (byte)(i % 3);
            for (int p = 0; p < 16; p++) pixels[i * 16 + p] = (byte)(p / 4 == labels[i] ? 200 + random.Next(50) : random.Next(50));
        }
        Idx.Write(Path.Combine(folder, $"{prefix}-images-idx3-ubyte.gz"), [count, 4, 4], pixels, compress: true);
        Idx.Write(Path.Combine(folder, $"{prefix}-labels-idx1-ubyte.gz"), [count], labels, compress: true);
    }

}
