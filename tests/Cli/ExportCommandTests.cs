using Pure.Cli.Tests.Support;

namespace Pure.Cli.Tests;

/// <summary><c>pure export --format onnx</c>: the file is the library's <see cref="Onnx.ToBytes{T}"/> of the model file (ONNX Runtime checks those in tests/Onnx).</summary>
public sealed class ExportCommandTests
{
    [Theory]
    [InlineData("float32")]
    [InlineData("float64")]
    public void ExportWritesTheLibrarysOnnxBytesWithTheRunsSeed(string dtype)
    {
        using var folder = new TempFolder();
        Assert.Equal(0, CliRun.Of("train", "--layers", "8", "--epochs", "1", "--seed", "5", "--dtype", dtype, "--output", folder["run"]).ExitCode);
        var export = CliRun.Of("export", "--model", folder["run/model.json"], "--format", "onnx", "--output", folder["model.onnx"]);

        Assert.Equal(0, export.ExitCode);
        Assert.Contains("seed 5", export.Out, StringComparison.Ordinal);
        byte[] expected = dtype == "float32"
            ? Onnx.ToBytes(ModelFile.Load<float>(folder["run/model.json"]), 5)
            : Onnx.ToBytes(ModelFile.Load<double>(folder["run/model.json"]), 5);
        Assert.Equal(expected, File.ReadAllBytes(folder["model.onnx"]));
    }

    [Fact]
    public void AnotherFormatIsRefusedByName()
    {
        using var folder = new TempFolder();
        Assert.Equal(0, CliRun.Of("train", "--layers", "8", "--epochs", "1", "--output", folder["run"]).ExitCode);
        var export = CliRun.Of("export", "--model", folder["run/model.json"], "--format", "tflite", "--output", folder["model.tflite"]);

        Assert.Equal(2, export.ExitCode);
        Assert.Contains("--format: expected onnx, got tflite", export.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(folder["model.tflite"]));
    }
}
