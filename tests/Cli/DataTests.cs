using System.Globalization;
using System.Text.Json.Nodes;
using Pure.Cli.Tests.Support;

namespace Pure.Cli.Tests;

/// <summary><c>pure train</c> on CSV and IDX files.</summary>
public sealed class DataTests
{
    [Fact]
    public void WithoutTargetTheLastColumnHoldsTheLabelsAndTheResolvedExperimentNamesIt()
    {
        using var folder = new TempFolder();
        string data = Samples.WriteBlobs(folder["blobs.csv"]);
        Assert.Equal(0, CliRun.Of("train", "--data", data, "--layers", "4", "--epochs", "1", "--output", folder["first"]).ExitCode);
        Assert.Equal("kind", JsonNode.Parse(File.ReadAllText(folder["first/experiment.json"]))!["target"]!.GetValue<string>());

        var byIndex = CliRun.Of("train", "--data", data, "--target", "2", "--layers", "4", "--epochs", "1", "--output", folder["second"]);
        Assert.Equal(0, byIndex.ExitCode);
        Assert.Equal(File.ReadAllText(folder["first/history.csv"]).Split('\n').Select(WithoutSeconds),
                     File.ReadAllText(folder["second/history.csv"]).Split('\n').Select(WithoutSeconds));
    }

    [Fact]
    public void AFolderOfIdxFilesTrainsOnTheTrainFilesAndTestsOnTheT10kFiles()
    {
        using var folder = new TempFolder();
        var random = new Random(1);
        Samples.WriteIdx(folder.Path, "train", 120, random);
        Samples.WriteIdx(folder.Path, "t10k", 30, random);
        var run = CliRun.Of("train", "--data", folder.Path, "--layers", "8", "--epochs", "2", "--scaling", "min-max", "--output", folder["run"]);

        Assert.True(run.ExitCode == 0, run.Error);
        var metrics = JsonNode.Parse(File.ReadAllText(folder["run/metrics.json"]))!;
        Assert.Equal(30, metrics["samples"]!["test"]!.GetValue<int>());
        Assert.Equal(120, metrics["samples"]!["train"]!.GetValue<int>() + metrics["samples"]!["validation"]!.GetValue<int>());
        Assert.Null(JsonNode.Parse(File.ReadAllText(folder["run/experiment.json"]))!["test-fraction"]);
    }

    [Fact]
    public void AnIdxImagesFileFindsItsLabelsAndHoldsOutATestPart()
    {
        using var folder = new TempFolder();
        Samples.WriteIdx(folder.Path, "train", 120, new Random(2));
        var run = CliRun.Of("train", "--data", folder["train-images-idx3-ubyte.gz"], "--layers", "8", "--epochs", "1", "--output", folder["run"]);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal(30, JsonNode.Parse(File.ReadAllText(folder["run/metrics.json"]))!["samples"]!["test"]!.GetValue<int>());
    }

    [Fact]
    public void AnIdxFileGatheredByPartsTrainsTheSameModelAsTheSameSamplesReadWholeFromACsvFile()
    {
        using var folder = new TempFolder();
        Samples.WriteIdx(folder.Path, "train", 150, new Random(5));
        var all = Idx.ReadSamples<double>(folder["train-images-idx3-ubyte.gz"]);
        var labels = Idx.ReadLabels(folder["train-labels-idx1-ubyte.gz"]);
        File.WriteAllLines(folder["same.csv"], [string.Join(",", Enumerable.Range(0, all.Rows).Select(i => $"p{i}")) + ",label",
            .. Enumerable.Range(0, all.Columns).Select(j => string.Join(",", Enumerable.Range(0, all.Rows).Select(i => all[i, j].ToString(CultureInfo.InvariantCulture))) + "," + labels[j])]);
        foreach (string dtype in new[] { "float32", "float64" })
        {
            string[] settings = ["--layers", "6", "--epochs", "2", "--dtype", dtype, "--validation-fraction", "0.2"];
            var idx = CliRun.Of(["train", "--data", folder["train-images-idx3-ubyte.gz"], .. settings, "--output", folder[$"idx-{dtype}"]]);
            var csv = CliRun.Of(["train", "--data", folder["same.csv"], .. settings, "--output", folder[$"csv-{dtype}"]]);

            Assert.True(idx.ExitCode == 0 && csv.ExitCode == 0, idx.Error + csv.Error);
            Assert.Equal(File.ReadAllText(folder[$"csv-{dtype}/model.json"]), File.ReadAllText(folder[$"idx-{dtype}/model.json"]));
            Assert.Equal(csv.OutLines[^1], idx.OutLines[^1]);
        }
    }

    [Fact]
    public void GatheringFromAnIdxFileGivesTheColumnsOfTheWholeMatrixAndRefusesASampleInTwoParts()
    {
        using var folder = new TempFolder();
        Samples.WriteIdx(folder.Path, "t10k", 40, new Random(3));
        string images = folder["t10k-images-idx3-ubyte.gz"];
        var whole = Idx.ReadSamples<float>(images);
        var fromFile = new IdxSamples<float>(images, Idx.ReadHeader(images), ReadLimits.Default);
        var fromMatrix = new MatrixSamples<float>(whole);
        System.Collections.Immutable.ImmutableArray<int>[] parts = [[7, 3, 39, 0], [], [.. Enumerable.Range(10, 20).Reverse()]];

        var gathered = fromFile.Gather(parts);
        Assert.Equal(fromMatrix.Gather(parts).Select(part => part.ToArray()), gathered.Select(part => part.ToArray()));
        for (int k = 0; k < parts.Length; k++) Assert.Equal(whole.SelectColumns(parts[k].AsSpan()).AsSpan().ToArray(), gathered[k]);
        Assert.Equal((16, 40), (fromFile.Rows, fromFile.Columns));
        Assert.Equal(whole, fromFile.ReadAll());
        Assert.Contains("sample 3 is in parts 0 and 1", Assert.Throws<ArgumentException>(() => fromFile.Gather([[1, 3], [3]])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => fromFile.Gather([[40]]));
        Assert.Throws<ArgumentOutOfRangeException>(() => fromMatrix.Gather([[-1]]));
    }

    [Fact]
    public void ABadCsvCellIsOneLineNamingTheLineAndExitCodeOneAndWritesNothing()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder["bad.csv"], "a,b,label\n1,2,x\n3,oops,y\n");
        var run = CliRun.Of("train", "--data", folder["bad.csv"], "--output", folder["run"]);

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.ErrorLines);
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains("line 3", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder["run"]));
    }

    [Fact]
    public void ACsvWithOneClassIsBadDataAndTargetWithoutCsvIsAUsageError()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder["one.csv"], "a,label\n1,x\n2,x\n3,x\n4,x\n");
        var oneClass = CliRun.Of("train", "--data", folder["one.csv"], "--output", folder["run"]);
        Assert.Equal(1, oneClass.ExitCode);
        Assert.Contains("class", Assert.Single(oneClass.ErrorLines), StringComparison.Ordinal);

        var targetForDigits = CliRun.Of("train", "--target", "digit", "--output", folder["run"]);
        Assert.Equal(2, targetForDigits.ExitCode);
        Assert.Contains("--target", Assert.Single(targetForDigits.ErrorLines), StringComparison.Ordinal);
    }

    private static string WithoutSeconds(string line) => line.Contains(',') ? string.Join(',', line.Split(',')[..^1]) : line;
}
