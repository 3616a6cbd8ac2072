using Pure;

/// <summary>
/// Code outside namespace Pure (most user code) reaches Onnx.Export with <c>using Pure;</c>: no namespace named Onnx
/// from Pure.Onnx's generated protobuf types hides the class (this file, in the global namespace, would not compile).
/// </summary>
public sealed class GlobalNamespaceTests
{
    [Fact]
    public void OnnxResolvesToTheExporterOutsideNamespacePure()
    {
        var model = new Model<double>(Network.Create<double>([2, 3], Activation.Identity, Activation.Identity, 1), Loss.Squared);
        Assert.NotEmpty(Onnx.ToBytes(model));
        Assert.Equal("Pure.Onnx", typeof(Onnx).FullName);
    }
}
