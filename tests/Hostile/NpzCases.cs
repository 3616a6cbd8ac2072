using System.Text;
using Pure.Hostile.Tests.Support;

namespace Pure.Hostile.Tests;

/// <summary>
/// .npz files: <c>pure</c> reads none (it writes weights.npz), so each is given to every option that takes a file and
/// must be refused as that file; the library's reader (<see cref="Npz"/>) is checked on the same files in process.
/// </summary>
public sealed class NpzCases
{
    /// <summary>The cases by name.</summary>
    public static readonly IReadOnlyDictionary<string, HostileCase> All = Build().ToDictionary(c => c.Name);

    /// <summary>The case names, one test each.</summary>
    public static TheoryData<string> Names => [.. All.Keys];

    /// <summary>The hostile files, by name.</summary>
    public static TheoryData<string> FileNames => [.. Files().Select(f => f.Name)];

    [Theory]
    [MemberData(nameof(Names))]
    public void Npz_is_handled_within_bounds(string name) => All[name].Check();

    [Theory]
    [MemberData(nameof(FileNames))]
    public void Npz_library_reader_refuses_naming_the_file_without_following_names(string name)
    {
        var file = Files().Single(f => f.Name == name);
        var folder = new CaseFolder(Path.Combine(Workspace.Root, "npz-library", Workspace.Safe(name), "inner"));
        string path = folder.Write(name + ".npz", file.Make());
        long before = GC.GetAllocatedBytesForCurrentThread();
        var refused = Assert.Throws<InvalidDataException>(() => Npz.ImportParameters<double>(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains(name + ".npz", refused.Message, StringComparison.Ordinal);
        Assert.True(allocated < HostileCase.BaseMemory, $"{name}: the reader allocated {HostileCase.Mb(allocated)} before refusing");
        Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(folder.Path)!, "*", SearchOption.AllDirectories));
        Assert.False(File.Exists("/tmp/pure-hostile-absolute.npy"), "an absolute entry name was followed");
        Assert.False(File.Exists("/tmp/pure-hostile-pwned"), "a pickle or a header was executed");
    }

    private sealed record HostileFile(string Name, Func<byte[]> Make);

    private static IEnumerable<HostileFile> Files()
    {
        byte[] w = Data.NpyF8(3, 2, 0.5), b = Data.NpyF8(3, 1, 0.0);
        yield return new("bomb-256MB", () => Data.Zip([("W1.npy", Data.Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4096, 8192), }", new byte[256 << 20])), ("b1.npy", b)], deflate: true));
        yield return new("path-traversal", () => Data.Zip([("../../escaped.npy", w), ("b1.npy", b)]));
        yield return new("absolute-name", () => Data.Zip([("/tmp/pure-hostile-absolute.npy", w), ("b1.npy", b)]));
        yield return new("pickle", () => Data.Zip([("W1.npy", Data.Npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }",
            [0x80, 0x04, .. Encoding.ASCII.GetBytes("cos\nsystem\n(S'touch /tmp/pure-hostile-pwned'\ntR."), 0x2E])), ("b1.npy", b)]));
        yield return new("header-eval", () => Data.Zip([("W1.npy", Data.Npy("__import__('os').system('touch /tmp/pure-hostile-pwned')", new byte[48])), ("b1.npy", b)]));
        yield return new("dtype-int32", () => Data.Zip([("W1.npy", Data.Npy("{'descr': '<i4', 'fortran_order': False, 'shape': (3, 2), }", new byte[24])), ("b1.npy", b)]));
        yield return new("dtype-big-endian", () => Data.Zip([("W1.npy", Data.Npy("{'descr': '>f8', 'fortran_order': False, 'shape': (3, 2), }", new byte[48])), ("b1.npy", b)]));
        yield return new("huge-shape", () => Data.Zip([("W1.npy", Data.Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2147483647, 2147483647), }", new byte[48])), ("b1.npy", b)]));
        yield return new("short-data", () => Data.Zip([("W1.npy", Data.Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", new byte[40])), ("b1.npy", b)]));
        yield return new("nan-weights", () => Data.Zip([("W1.npy", Data.NpyF8(3, 2, double.NaN)), ("b1.npy", b)]));
        yield return new("not-a-zip", () => Data.Garbage(2048, seed: 31));
        yield return new("empty-zip", () => Data.Zip([]));
        yield return new("missing-bias", () => Data.Zip([("W1.npy", w)]));
        yield return new("duplicate-entry", () => Data.Zip([("W1.npy", w), ("W1.npy", w), ("b1.npy", b)]));
    }

    private static IEnumerable<HostileCase> Build()
    {
        var takers = new (string Name, Func<CaseFolder, string, string[]> Args)[]
        {
            ("info--model", (_, p) => ["info", "--model", p]),
            ("train--resume", (f, p) => ["train", "--resume", p, "--data", Workspace.BlobsCsv, "--layers", "3", "--output", f["out"]]),
            ("train--data", (f, p) => ["train", "--data", p, "--layers", "3", "--epochs", "1", "--output", f["out"]]),
        };
        foreach (var file in Files())
            foreach (var (taker, args) in takers)
                yield return new HostileCase($"npz/{taker}/{file.Name}", 1, file.Name + ".npz", f => args(f, f.Write(file.Name + ".npz", file.Make())));
        foreach (var (taker, args) in takers)
            yield return new HostileCase($"npz/{taker}/valid-weights", 1, "weights.npz", f =>
            {
                File.Copy(Workspace.WeightsNpz, f["weights.npz"]);
                return args(f, f["weights.npz"]);
            });
    }
}
