using Pure.Cli.Tests.Support;

namespace Pure.Cli.Tests;

/// <summary><c>pure import --format onnx</c>: writes the model file of <see cref="Onnx.Import{T}(string, ReadLimits?)"/> (tested in tests/Onnx) in the ONNX file's dtype.</summary>
public sealed class ImportCommandTests
{
    [Theory]
    [InlineData("float32")]
    [InlineData("float64")]
    public void ExportThenImportGivesTheSameModelFile(string dtype)
    {
        using var folder = new TempFolder();
        Assert.Equal(0, CliRun.Of("train", "--layers", "8", "--epochs", "1", "--seed", "5", "--dtype", dtype, "--output", folder["run"]).ExitCode);
        Assert.Equal(0, CliRun.Of("export", "--model", folder["run/model.json"], "--format", "onnx", "--output", folder["model.onnx"]).ExitCode);
        var import = CliRun.Of("import", "--model", folder["model.onnx"], "--format", "onnx", "--output", folder["imported.json"]);

        Assert.Equal(0, import.ExitCode);
        Assert.Contains($"{dtype} model", import.Out, StringComparison.Ordinal);
        if (dtype == "float32") Assert.Equal(ModelFile.Load<float>(folder["run/model.json"]), ModelFile.Load<float>(folder["imported.json"]));
        else Assert.Equal(ModelFile.Load<double>(folder["run/model.json"]), ModelFile.Load<double>(folder["imported.json"]));
    }

    [Fact]
    public void TorchFixtureImportsAsAClassifier()
    {
        using var folder = new TempFolder();
        string onnx = Path.Combine(AppContext.BaseDirectory, "Data", "relu_softmax_4_8_3_f32.onnx");
        var import = CliRun.Of("import", "--model", onnx, "--format", "onnx", "--output", folder["model.json"]);

        Assert.Equal(0, import.ExitCode);
        var model = ModelFile.Load<float>(folder["model.json"]);
        Assert.Equal("4-8(relu)-3(softmax)", model.Network.Architecture);
        Assert.Equal(Loss.CategoricalCrossEntropy, model.Loss);
        Assert.Equal(Onnx.Import<float>(onnx), model);
    }

    [Fact]
    public void BadFileAndFormatAreRefused()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder["broken.onnx"], "not a protobuf at all");
        var broken = CliRun.Of("import", "--model", folder["broken.onnx"], "--format", "onnx", "--output", folder["model.json"]);
        Assert.Equal(1, broken.ExitCode);
        Assert.Contains(folder["broken.onnx"], broken.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(folder["model.json"]));

        var format = CliRun.Of("import", "--model", folder["broken.onnx"], "--format", "tflite", "--output", folder["model.json"]);
        Assert.Equal(2, format.ExitCode);
        Assert.Contains("--format: expected onnx, got tflite", format.Error, StringComparison.Ordinal);
    }
}
