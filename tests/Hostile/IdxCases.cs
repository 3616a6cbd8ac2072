using System.Buffers.Binary;
using Pure.Hostile.Tests.Support;

namespace Pure.Hostile.Tests;

/// <summary>IDX files (raw and gzip), read by <c>train</c> from a folder and from an images file, and by <c>evaluate</c>.</summary>
public sealed class IdxCases
{
    /// <summary>The cases by name.</summary>
    public static readonly IReadOnlyDictionary<string, HostileCase> All = Build().ToDictionary(c => c.Name);

    /// <summary>The case names, one test each.</summary>
    public static TheoryData<string> Names => [.. All.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Idx_is_handled_within_bounds(string name) => All[name].Check();

    private const string Images = "train-images-idx3-ubyte", Labels = "train-labels-idx1-ubyte";

    /// <summary>A defect: the images and labels files it writes into a folder (a null labels file is left out).</summary>
    private sealed record Defect(string Name, string Named, Action<string> Make, int Exit = 1, int? OrExit = null, long Accepted = 1 << 20, bool Shared = false);

    private static byte[] Header(byte type, params int[] dimensions) => Data.Idx(type, dimensions, []);

    private static Action<string> Pair(byte[]? images, byte[]? labels, bool gzip = false) => folder =>
    {
        if (images is not null) File.WriteAllBytes(Path.Combine(folder, Images + (gzip ? ".gz" : "")), gzip ? Data.Gzip(images) : images);
        if (labels is not null) File.WriteAllBytes(Path.Combine(folder, Labels + (gzip ? ".gz" : "")), gzip ? Data.Gzip(labels) : labels);
    };

    private static IEnumerable<Defect> Defects()
    {
        var (images, labels) = Data.IdxPair(30, seed: 9);
        byte[] Changed(byte[] bytes, int at, params byte[] with) { var copy = (byte[])bytes.Clone(); with.CopyTo(copy, at); return copy; }
        foreach (var (name, bad) in new (string, byte[])[]
        {
            ("bad-magic", Changed(images, 0, 0x01)), ("magic-ffff", Changed(images, 0, 0xFF, 0xFF)), ("unknown-type", Changed(images, 2, 0x0A)),
            ("zero-dimensions", Changed(images, 3, 0x00)), ("nine-dimensions", Changed(images, 3, 0x09)), ("sizes-cut-short", images[..6]),
            ("size-zero", Changed(images, 4, 0, 0, 0, 0)), ("size-negative", Changed(images, 4, 0xFF, 0xFF, 0xFF, 0xFF)),
            ("huge-declared-count", Changed(images, 4, 0x7F, 0xFF, 0xFF, 0xFF)), ("dimensions-overflow", Data.Idx(0x08, [65536, 65536, 65536], new byte[64])),
            ("truncated", images[..^1]), ("extra-bytes", [.. images, 0x00]), ("two-bytes", images[..2]), ("empty", []),
            ("garbage", Data.Garbage(2048, seed: 23)), ("float32-nan", Data.Idx(0x0D, [30, 2, 2], Enumerable.Range(0, 120).SelectMany(_ => new byte[] { 0x7F, 0xC0, 0, 0 }).ToArray())),
            ("declares-one-more", Data.Idx(0x08, [31, 4, 4], images[16..])),
        })
            yield return new Defect($"images-{name}", Images, Pair(bad, labels));
        yield return new Defect("float64-beyond-float32", Images, folder => Pair(Data.Idx(0x0E, [30, 4, 4],
            Enumerable.Range(0, 480).SelectMany(i => { var b = new byte[8]; BinaryPrimitives.WriteDoubleBigEndian(b, i % 7 == 0 ? 1e300 : i % 5); return b; }).ToArray()), labels)(folder));

        byte[] gz = Data.Gzip(images);
        yield return new Defect("gzip-under-18-bytes", Images, Pair(null, labels) + (f => File.WriteAllBytes(Path.Combine(f, Images + ".gz"), [0x1F, 0x8B, 0x08])));
        yield return new Defect("gzip-trailer-mismatch", Images, Pair(null, labels) + (f => File.WriteAllBytes(Path.Combine(f, Images + ".gz"), Changed(gz, gz.Length - 4, 0x01, 0x02))));
        yield return new Defect("gzip-bad-crc", Images, Pair(null, labels) + (f => File.WriteAllBytes(Path.Combine(f, Images + ".gz"), Changed(gz, gz.Length - 8, (byte)~gz[^8]))));
        yield return new Defect("gzip-corrupt-deflate", Images, Pair(null, labels) + (f => File.WriteAllBytes(Path.Combine(f, Images + ".gz"), Changed(gz, 12, 0xFF, 0xFF, 0xFF))));
        yield return new Defect("gzip-truncated", Images, Pair(null, labels) + (f => File.WriteAllBytes(Path.Combine(f, Images + ".gz"), gz[..(gz.Length / 2)])));
        yield return new Defect("gzip-garbage-after-magic", Images, Pair(null, labels) + (f => File.WriteAllBytes(Path.Combine(f, Images + ".gz"), [0x1F, 0x8B, .. Data.Garbage(100, 3)])));

        // Decompression bombs, made here by compressing zeros as they are written.
        yield return new Defect("bomb-lying-header-1GiB", Images, f =>
        {
            Data.GzipBomb(Path.Combine(f, Images + ".gz"), Header(0x08, 30, 4, 4), 1L << 30);
            Pair(null, labels)(f);
        }, Shared: true);
        yield return new Defect("bomb-consistent-1GiB", Images, f =>
        {
            int count = (int)((1L << 30) / 784);
            Data.GzipBomb(Path.Combine(f, Images + ".gz"), Header(0x08, count, 28, 28), (long)count * 784);
            File.WriteAllBytes(Path.Combine(f, Labels + ".gz"), Data.Gzip(Data.Idx(0x08, [count], Enumerable.Range(0, count).Select(i => (byte)(i % 10)).ToArray())));
        }, Shared: true);
        yield return new Defect("bomb-blank-images-100MB", Images, f =>
        {
            const int count = 127_551;
            Data.GzipBomb(Path.Combine(f, Images + ".gz"), Header(0x08, count, 28, 28), (long)count * 784);
            File.WriteAllBytes(Path.Combine(f, Labels + ".gz"), Data.Gzip(Data.Idx(0x08, [count], new byte[count])));
        }, Shared: true);
        yield return new Defect("bomb-valid-20000-blank-images", Images, f =>
        {
            const int count = 20_000;
            Data.GzipBomb(Path.Combine(f, Images + ".gz"), Header(0x08, count, 28, 28), (long)count * 784);
            File.WriteAllBytes(Path.Combine(f, Labels + ".gz"), Data.Gzip(Data.Idx(0x08, [count], Enumerable.Range(0, count).Select(i => (byte)(i % 3)).ToArray())));
        }, Exit: 0, OrExit: 1, Accepted: 20_000L * 784 * 8 + 784 * 3 * 8, Shared: true);

        foreach (var (name, bad) in new (string, byte[])[]
        {
            ("labels-2d", Data.Idx(0x08, [15, 2], labels[8..])), ("labels-float", Data.Idx(0x0D, [30], new byte[120])),
            ("labels-fewer", Data.Idx(0x08, [25], labels[8..33])), ("labels-more", Data.Idx(0x08, [31], [.. labels[8..], 1])),
            ("labels-truncated", labels[..^3]), ("labels-one-class", Data.Idx(0x08, [30], new byte[30])),
        })
            yield return new Defect(name, Labels, Pair(images, bad));
        yield return new Defect("labels-missing", Images, Pair(images, null));
        yield return new Defect("images-missing", Labels, Pair(null, labels));
    }

    private static IEnumerable<HostileCase> Build()
    {
        int index = 0;
        foreach (var defect in Defects())
        {
            bool fromFile = !defect.Shared && index++ % 2 == 0;
            string Folder(CaseFolder f)
            {
                if (defect.Shared) return Workspace.Shared(defect.Name, path => { Directory.CreateDirectory(path); defect.Make(path); });
                string folder = Directory.CreateDirectory(f["idx"]).FullName;
                defect.Make(folder);
                return folder;
            }
            string ImagesFile(string folder) => Directory.GetFiles(folder, Images + "*").FirstOrDefault() ?? Path.Combine(folder, Images);
            // evaluate reads the data as the model's float64, where 1e300 fits; it takes one class as well.
            int evaluateExit = defect.Name is "labels-one-class" or "float64-beyond-float32" ? 0 : defect.Exit;
            string? Named(int exit) => exit == 0 ? null : defect.Shared ? defect.Name : defect.Named;
            yield return new HostileCase($"idx/train-folder/{defect.Name}", defect.Exit, Named(defect.Exit),
                f => ["train", "--data", Folder(f), "--layers", "3", "--epochs", "1", "--dtype", "float32", "--output", "out"], defect.Accepted) { OrExit = defect.OrExit };
            if (fromFile)
                yield return new HostileCase($"idx/train-file/{defect.Name}", defect.Exit, Named(defect.Exit),
                    f => ["train", "--data", ImagesFile(Folder(f)), "--layers", "3", "--epochs", "1", "--dtype", "float32", "--output", "out"], defect.Accepted) { OrExit = defect.OrExit };
            if (defect.Exit != 0 && evaluateExit != 0 || defect.Name == "float64-beyond-float32")
                yield return new HostileCase($"idx/evaluate/{defect.Name}", evaluateExit, Named(evaluateExit),
                    f => ["evaluate", "--model", Workspace.IdxModelJson, "--data", Folder(f)], defect.Accepted);
        }
    }
}
