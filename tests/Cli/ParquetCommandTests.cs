using System.Globalization;
using System.Text.Json.Nodes;
using Parquet;
using Parquet.Schema;
using Pure.Cli.Tests.Support;

namespace Pure.Cli.Tests;

/// <summary><c>pure train/evaluate/predict</c> on Parquet files: the same results as the same data in CSV.</summary>
public sealed class ParquetCommandTests
{
    private static readonly string Diabetes = Path.Combine(AppContext.BaseDirectory, "Data", "diabetes.csv");

    /// <summary>The CSV file <paramref name="csv"/> written as Parquet by the library (several row groups).</summary>
    private static string AsParquet(string csv, string parquet, CsvTarget target, int rowGroupSize = 25)
    {
        ParquetFile.Write(parquet, Csv.Read(csv, target), rowGroupSize);
        return parquet;
    }

    [Theory]
    [InlineData("float32")]
    [InlineData("float64")]
    public void TrainOnParquetWritesTheModelBytesOfTheSameDataInCsv(string dtype)
    {
        using var folder = new TempFolder();
        string csv = Samples.WriteBlobs(folder["blobs.csv"]);
        string parquet = AsParquet(csv, folder["blobs.parquet"], CsvTarget.Named("kind"));
        string[] common = ["--target", "kind", "--layers", "5", "--epochs", "3", "--dtype", dtype, "--seed", "11"];

        var fromCsv = CliRun.Of(["train", "--data", csv, .. common, "--output", folder["csv"]]);
        var fromParquet = CliRun.Of(["train", "--data", parquet, .. common, "--output", folder["parquet"]]);

        Assert.True(fromCsv.ExitCode == 0, fromCsv.Error);
        Assert.True(fromParquet.ExitCode == 0, fromParquet.Error);
        Assert.Equal(File.ReadAllBytes(folder["csv/model.json"]), File.ReadAllBytes(folder["parquet/model.json"]));
        Assert.Equal(File.ReadAllBytes(folder["csv/weights.npz"]), File.ReadAllBytes(folder["parquet/weights.npz"]));
        Assert.Contains(parquet, JsonNode.Parse(File.ReadAllText(folder["parquet/metrics.json"]))!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void EvaluateAndPredictReadParquetAsTheyReadCsvAndPredictWritesParquet()
    {
        using var folder = new TempFolder();
        string csv = Samples.WriteBlobs(folder["blobs.csv"]);
        string parquet = AsParquet(csv, folder["blobs.parquet"], CsvTarget.Named("kind"), rowGroupSize: 7);
        Assert.Equal(0, CliRun.Of("train", "--data", csv, "--layers", "4", "--epochs", "2", "--output", folder["run"]).ExitCode);
        string model = folder["run/model.json"];

        var evaluateCsv = CliRun.Of("evaluate", "--model", model, "--data", csv);
        var evaluateParquet = CliRun.Of("evaluate", "--model", model, "--data", parquet);
        Assert.True(evaluateParquet.ExitCode == 0, evaluateParquet.Error);
        Assert.Equal(evaluateCsv.OutLines.Single(line => line.StartsWith("accuracy", StringComparison.Ordinal)),
                     evaluateParquet.OutLines.Single(line => line.StartsWith("accuracy", StringComparison.Ordinal)));

        var predictCsv = CliRun.Of("predict", "--model", model, "--data", csv, "--target", "kind");
        var predictParquet = CliRun.Of("predict", "--model", model, "--data", parquet, "--target", "kind");
        Assert.True(predictParquet.ExitCode == 0, predictParquet.Error);
        Assert.Equal(predictCsv.Out, predictParquet.Out);

        var written = CliRun.Of("predict", "--model", model, "--data", parquet, "--target", "kind", "--output", folder["predictions.parquet"]);
        Assert.True(written.ExitCode == 0, written.Error);
        var read = ParquetFile.Read(folder["predictions.parquet"], CsvTarget.Named("predicted"));
        var text = Csv.Parse(new StringReader(predictCsv.Out), "stdout", CsvTarget.Named("predicted"));
        Assert.Equal<string>(text.Targets, read.Targets);
        Assert.Equal<string>(text.FeatureNames, read.FeatureNames);
        Assert.Equal(text.Features, read.Features);
        Assert.Equal(1, read.TargetColumn);
    }

    [Fact]
    public void TestDataAndSampleWeightsComeFromParquetFilesAsFromCsv()
    {
        using var folder = new TempFolder();
        var random = new Random(3);
        var lines = new List<string> { "a,b,w,label" };
        for (int i = 0; i < 90; i++)
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{random.NextDouble() + i % 3:R},{random.NextDouble():R},{random.Next(1, 4)},c{i % 3}"));
        File.WriteAllLines(folder["train.csv"], lines[..61]);
        File.WriteAllLines(folder["test.csv"], [lines[0], .. lines[61..]]);
        string train = AsParquet(folder["train.csv"], folder["train.parquet"], CsvTarget.Named("label"), rowGroupSize: 16);
        string test = AsParquet(folder["test.csv"], folder["test.parquet"], CsvTarget.Named("label"), rowGroupSize: 16);
        string[] common = ["--target", "label", "--sample-weight", "w", "--layers", "4", "--epochs", "2"];

        var fromCsv = CliRun.Of(["train", "--data", folder["train.csv"], "--test-data", folder["test.csv"], .. common, "--output", folder["csv"]]);
        var fromParquet = CliRun.Of(["train", "--data", train, "--test-data", test, .. common, "--output", folder["parquet"]]);

        Assert.True(fromParquet.ExitCode == 0, fromParquet.Error);
        Assert.Equal(0, fromCsv.ExitCode);
        Assert.Equal(File.ReadAllBytes(folder["csv/model.json"]), File.ReadAllBytes(folder["parquet/model.json"]));
        Assert.Equal(30, JsonNode.Parse(File.ReadAllText(folder["parquet/metrics.json"]))!["samples"]!["test"]!.GetValue<int>());
    }

    [Fact]
    public void RegressionOnParquetTrainsTheModelOfTheSameCsv()
    {
        using var folder = new TempFolder();
        string parquet = AsParquet(Diabetes, folder["diabetes.parquet"], CsvTarget.None, rowGroupSize: 100);
        string[] common = ["--task", "regression", "--target", "progression", "--layers", "6", "--epochs", "2"];

        var fromCsv = CliRun.Of(["train", "--data", Diabetes, .. common, "--output", folder["csv"]]);
        var fromParquet = CliRun.Of(["train", "--data", parquet, .. common, "--output", folder["parquet"]]);

        Assert.True(fromParquet.ExitCode == 0, fromParquet.Error);
        Assert.Equal(0, fromCsv.ExitCode);
        Assert.Equal(File.ReadAllBytes(folder["csv/model.json"]), File.ReadAllBytes(folder["parquet/model.json"]));
        var predict = CliRun.Of("predict", "--model", folder["parquet/model.json"], "--data", parquet, "--target", "progression");
        Assert.True(predict.ExitCode == 0, predict.Error);
        Assert.Equal(CliRun.Of("predict", "--model", folder["csv/model.json"], "--data", Diabetes, "--target", "progression").Out, predict.Out);
    }

    [Fact]
    public async Task ANullInAFeatureIsRefusedNamingTheFileTheRowAndTheColumn()
    {
        using var folder = new TempFolder();
        string path = folder["nulls.parquet"];
        var schema = new ParquetSchema(new DataField<double?>("x"), new DataField<double>("y"), new DataField<string>("kind"));
        await using (var stream = File.Create(path))
        await using (var writer = await ParquetWriter.CreateAsync(schema, stream))
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync<double>(schema.DataFields[0], new double?[] { 1, 2, null, 4, 5, 6 }.AsMemory());
            await group.WriteAsync<double>(schema.DataFields[1], new double[] { 1, 2, 3, 4, 5, 6 }.AsMemory());
            await group.WriteAsync(schema.DataFields[2], ["a", "b", "a", "b", "a", "b"]);
        }

        var run = CliRun.Of("train", "--data", path, "--target", "kind", "--layers", "2", "--epochs", "1", "--output", folder["run"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"{path}, row 3 (row 3 of row group 1), column 'x' (DOUBLE): expected a number, got null", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder["run"]));
    }

    [Fact]
    public void ANegativeSampleWeightIsRefusedNamingTheRowAndTheColumn()
    {
        using var folder = new TempFolder();
        File.WriteAllLines(folder["w.csv"], ["a,w,label", "1,1,x", "2,1,y", "3,-1,x", "4,1,y"]);
        string parquet = AsParquet(folder["w.csv"], folder["w.parquet"], CsvTarget.Named("label"));

        var run = CliRun.Of("train", "--data", parquet, "--target", "label", "--sample-weight", "w", "--epochs", "1", "--output", folder["run"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"{parquet}: row 3, column 'w': expected a finite sample weight of 0 or more, got -1", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingTargetColumnInAParquetFileIsAWrongCommandLine()
    {
        using var folder = new TempFolder();
        string parquet = AsParquet(Samples.WriteBlobs(folder["blobs.csv"]), folder["blobs.parquet"], CsvTarget.Named("kind"));

        var run = CliRun.Of("train", "--data", parquet, "--target", "species", "--epochs", "1", "--output", folder["run"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--target: Expected a target column named 'species'", run.Error, StringComparison.Ordinal);
    }
}
