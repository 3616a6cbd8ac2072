using System.IO.Compression;

namespace Pure.Properties;

/// <summary>
/// Finds the Fashion-MNIST IDX files where a user can get them, in this order: the folder named by the environment
/// variable PURE_FASHION_MNIST (when it is set, the only place looked), ../shared/data/fashion-mnist beside the
/// repository root (as on CI), /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist package). A folder
/// counts when it holds train-images-idx3-ubyte, raw or .gz. Properties.csproj applies the same rule to leave the
/// FashionMnist test category out of dotnet test when no folder is found.
/// </summary>
internal static class FashionMnistData
{
    /// <summary>The name of the environment variable that names the Fashion-MNIST folder.</summary>
    internal const string Variable = "PURE_FASHION_MNIST";

    /// <summary>The xunit trait value of every test that reads Fashion-MNIST.</summary>
    internal const string Category = "FashionMnist";

    /// <summary>The folders looked at, in order.</summary>
    internal static IReadOnlyList<string> Candidates()
    {
        string? named = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrEmpty(named)) return [Path.GetFullPath(named)];
        return [Path.GetFullPath(Path.Combine(CsvTests.RepositoryRoot(), "..", "shared", "data", "fashion-mnist")), "/usr/share/datasets/fashion-mnist"];
    }

    /// <summary>The first candidate folder holding the training images, or a failure naming every folder looked at.</summary>
    internal static string Folder()
    {
        var candidates = Candidates();
        foreach (string folder in candidates)
            if (File.Exists(Path.Combine(folder, "train-images-idx3-ubyte.gz")) || File.Exists(Path.Combine(folder, "train-images-idx3-ubyte"))) return folder;
        throw new InvalidOperationException(
            $"Fashion-MNIST (train-images-idx3-ubyte, raw or .gz) is expected in {string.Join(" or ", candidates)}; set {Variable} to its folder, "
            + $"or run dotnet test with --filter \"Category!={Category}\".");
    }

    /// <summary>The path of the IDX file <paramref name="name"/> in <paramref name="folder"/>: the .gz file when present, else the raw one.</summary>
    internal static string PathOf(string folder, string name)
    {
        string gzip = Path.Combine(folder, name + ".gz");
        return File.Exists(gzip) ? gzip : Path.Combine(folder, name);
    }
}

/// <summary>The IDX reader on the real Fashion-MNIST training set (category FashionMnist: it runs only where the data is found).</summary>
[Trait("Category", FashionMnistData.Category)]
public sealed class FashionMnistTests
{
    [Fact]
    public void FashionMnistTrainingSetReadsAs784By60000With6000ImagesPerClass()
    {
        string folder = FashionMnistData.Folder();
        string images = FashionMnistData.PathOf(folder, "train-images-idx3-ubyte"), labels = FashionMnistData.PathOf(folder, "train-labels-idx1-ubyte");
        Assert.Equal(new IdxHeader(IdxElementType.UnsignedByte, [60000, 28, 28]), Idx.ReadHeader(images));
        var y = Idx.ReadLabels(labels);
        Assert.Equal(60000, y.Length);
        Assert.All(y.GroupBy(label => label).OrderBy(g => g.Key).Select((g, k) => (g.Key, k, g.Count())), c => Assert.Equal((c.k, 6000), (c.Key, c.Item3)));

        var x = Idx.ReadSamples<float>(images);
        Assert.Equal((784, 60000), (x.Rows, x.Columns));
        // Independent of Idx: read the bytes (through GZipStream when gzip) and compare the pixel sum and the first and last images.
        byte[] raw;
        if (images.EndsWith(".gz", StringComparison.Ordinal))
        {
            using var gzip = new GZipStream(File.OpenRead(images), CompressionMode.Decompress);
            using var memory = new MemoryStream();
            gzip.CopyTo(memory);
            raw = memory.ToArray();
        }
        else raw = File.ReadAllBytes(images);
        Assert.Equal(16 + 784L * 60000, raw.Length);
        long expectedSum = 0;
        foreach (byte b in raw.AsSpan(16)) expectedSum += b;
        double sum = 0;
        foreach (float v in x.AsSpan()) sum += v;
        Assert.Equal(expectedSum, (long)sum);
        Assert.Equal(raw.AsSpan(16, 784).ToArray().Select(b => (float)b), x.Column(0).ToArray());
        Assert.Equal(raw.AsSpan(16 + 784 * 59999, 784).ToArray().Select(b => (float)b), x.Column(59999).ToArray());
        Assert.InRange(sum / x.Count, 72.0, 73.5); // the published mean pixel of the training set is 72.94 (0.286 · 255)
    }
}
