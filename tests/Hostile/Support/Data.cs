using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Pure.Hostile.Tests.Support;

/// <summary>Seeded makers of valid and hostile file contents.</summary>
public static class Data
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>A CSV of <paramref name="classes"/> separated blobs: features f0.., then the column "label" (a, b, c, ...).</summary>
    public static string BlobsCsv(int rowsPerClass, int classes, int features, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder(string.Join(",", Enumerable.Range(0, features).Select(f => $"f{f}")) + ",label\n");
        for (int i = 0; i < rowsPerClass; i++)
            for (int k = 0; k < classes; k++)
            {
                for (int f = 0; f < features; f++) text.Append(Inv, $"{(f % classes == k ? 4.0 : 0.0) + random.NextDouble() - 0.5:R},");
                text.Append(ClassName(k)).Append('\n');
            }
        return text.ToString();
    }

    /// <summary>"a".."z", then "k26", "k27", ...</summary>
    public static string ClassName(int k) => k < 26 ? ((char)('a' + k)).ToString() : $"k{k}";

    /// <summary>The small valid CSV (2 features, 3 classes, 10 rows each) with the data cell at <paramref name="row"/>, <paramref name="column"/> replaced.</summary>
    public static string CsvWithCell(string cell, int row = 4, int column = 1)
    {
        var lines = BlobsCsv(10, 3, 2, seed: 3).TrimEnd('\n').Split('\n');
        var cells = lines[row].Split(',');
        cells[column] = cell;
        lines[row] = string.Join(",", cells);
        return string.Join("\n", lines) + "\n";
    }

    /// <summary>An IDX file: magic 0 0 <paramref name="type"/> (dims), the big-endian sizes, then <paramref name="data"/>.</summary>
    public static byte[] Idx(byte type, int[] dimensions, byte[] data)
    {
        var bytes = new byte[4 + 4 * dimensions.Length + data.Length];
        bytes[2] = type;
        bytes[3] = (byte)dimensions.Length;
        for (int d = 0; d < dimensions.Length; d++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), dimensions[d]);
        data.CopyTo(bytes, 4 + 4 * dimensions.Length);
        return bytes;
    }

    /// <summary>Valid unsigned-byte images (count x 4 x 4) whose label k = i mod 3 brightens row k.</summary>
    public static (byte[] Images, byte[] Labels) IdxPair(int count, int seed)
    {
        var random = new Random(seed);
        var labels = new byte[count];
        var pixels = new byte[count * 16];
        for (int i = 0; i < count; i++)
        {
            labels[i] = (byte)(i % 3);
            for (int p = 0; p < 16; p++) pixels[i * 16 + p] = (byte)(p / 4 == labels[i] ? 200 + random.Next(50) : random.Next(50));
        }
        return (Idx(0x08, [count, 4, 4], pixels), Idx(0x08, [count], labels));
    }

    /// <summary><paramref name="bytes"/> gzip-compressed.</summary>
    public static byte[] Gzip(byte[] bytes)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal)) gzip.Write(bytes);
        return buffer.ToArray();
    }

    /// <summary>
    /// Writes a gzip file of <paramref name="header"/> followed by <paramref name="zeros"/> zero bytes, compressed as
    /// it is written (a decompression bomb: about 1 KB of file per MB of data).
    /// </summary>
    public static void GzipBomb(string path, byte[] header, long zeros)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.SmallestSize);
        gzip.Write(header);
        var block = new byte[1 << 20];
        for (long left = zeros; left > 0; left -= block.Length) gzip.Write(block, 0, (int)Math.Min(block.Length, left));
    }

    /// <summary>A zip archive of the named entries (stored, or deflated when <paramref name="deflate"/>).</summary>
    public static byte[] Zip(IEnumerable<(string Name, byte[] Bytes)> entries, bool deflate = false)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, bytes) in entries)
            {
                var entry = zip.CreateEntry(name, deflate ? CompressionLevel.SmallestSize : CompressionLevel.NoCompression);
                using var stream = entry.Open();
                stream.Write(bytes);
            }
        return buffer.ToArray();
    }

    /// <summary>A .npy v1.0 entry with the literal <paramref name="header"/> dict (padded to 64 bytes) and <paramref name="data"/>.</summary>
    public static byte[] Npy(string header, byte[] data)
    {
        string padded = header;
        while ((10 + padded.Length + 1) % 64 != 0) padded += " ";
        padded += "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange("NUMPY"u8.ToArray());
        bytes.Add(1);
        bytes.Add(0);
        bytes.Add((byte)(padded.Length & 0xFF));
        bytes.Add((byte)(padded.Length >> 8));
        bytes.AddRange(Encoding.ASCII.GetBytes(padded));
        bytes.AddRange(data);
        return [.. bytes];
    }

    /// <summary>A float64 .npy entry of the given shape, all values <paramref name="value"/>.</summary>
    public static byte[] NpyF8(int rows, int columns, double value)
    {
        var data = new byte[rows * columns * 8];
        for (int i = 0; i < rows * columns; i++) BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(8 * i), value);
        return Npy($"{{'descr': '<f8', 'fortran_order': False, 'shape': ({rows}, {columns}), }}", data);
    }

    /// <summary><paramref name="count"/> seeded random bytes.</summary>
    public static byte[] Garbage(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A sparse file of <paramref name="length"/> zero bytes (no disk blocks).</summary>
    public static string Sparse(string path, long length)
    {
        using var file = File.Create(path);
        file.SetLength(length);
        return path;
    }
}
