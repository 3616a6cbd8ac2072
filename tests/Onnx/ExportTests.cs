using System.Numerics;
using Microsoft.ML.OnnxRuntime;

namespace Pure.OnnxTests;

/// <summary>
/// Every exported model is loaded by ONNX Runtime (CPU) and run on random batches, with samples as rows; its output
/// must equal <see cref="Model{T}.Predict"/> (scaling, then Backprop.Predict, then the inverse target scaling) to a
/// relative difference |onnx - pure| / max(|pure|, 1) of at most 1e-5 in float32 and 1e-12 in float64.
/// </summary>
public sealed class ExportTests
{
    public static TheoryData<string> Activations => ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softmax"];

    private static Activation ActivationNamed(string name) => name switch
    {
        "identity" => Activation.Identity,
        "sigmoid" => Activation.Sigmoid,
        "tanh" => Activation.Tanh,
        "relu" => Activation.Relu,
        "leaky_relu" => Activation.LeakyRelu(0.1),
        "softmax" => Activation.Softmax,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown activation."),
    };

    [Theory]
    [MemberData(nameof(Activations))]
    public void Float32MatchesPredict(string activation) => MatchesPredict<float>(activation, 1e-5);

    [Theory]
    [MemberData(nameof(Activations))]
    public void Float64MatchesPredict(string activation) => MatchesPredict<double>(activation, 1e-12);

    [Fact]
    public void RegressionWithTargetScalingMatchesPredict()
    {
        var random = new Random(7);
        var model = RandomModel<double>(random, 3, Activation.Tanh, scaled: "standardize", Loss.Squared, outputs: 2) with
        {
            TargetScaling = new Standardization<double>(ImmutableVector.Create(10.0, -3.0), ImmutableVector.Create(4.0, 0.5)),
        };
        var bytes = Onnx.ToBytes(model);
        using var session = new InferenceSession(bytes);
        Assert.Equal("output", Assert.Single(session.OutputMetadata).Key);
        Compare(session, model, random, 257, 1e-12, "regression");
    }

    [Fact]
    public void CustomActivationIsRefusedByName()
    {
        var custom = Activation.Custom("softsign", z => z / (1 + Math.Abs(z)), z => 1 / ((1 + Math.Abs(z)) * (1 + Math.Abs(z))));
        var model = RandomModel<double>(new Random(1), 2, custom, scaled: "none", Loss.Squared);
        var error = Assert.Throws<NotSupportedException>(() => Onnx.ToBytes(model));
        Assert.Contains("\"softsign\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("layer 1", error.Message, StringComparison.Ordinal);
        string path = Path.Combine(Path.GetTempPath(), $"pure-onnx-{Guid.NewGuid():N}.onnx");
        Assert.Throws<NotSupportedException>(() => Onnx.Export(model, path));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void ExportWritesTheFileWithInputsOutputsAndMetadata()
    {
        var model = RandomModel<float>(new Random(3), 2, Activation.Relu, scaled: "standardize", Loss.CategoricalCrossEntropy, softmaxOutput: true, outputs: 3)
            with { Classes = new ClassEncoding(["a", "b", "c"]) };
        string path = Path.Combine(Path.GetTempPath(), $"pure-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            Onnx.Export(model, path, seed: 42);
            Assert.Equal(Onnx.ToBytes(model, 42), File.ReadAllBytes(path));
            using var session = new InferenceSession(path);
            var input = Assert.Single(session.InputMetadata);
            Assert.Equal("input", input.Key);
            Assert.Equal([-1, model.Network.InputSize], input.Value.Dimensions);
            Assert.Equal("batch", input.Value.SymbolicDimensions[0]);
            Assert.Equal(typeof(float), input.Value.ElementType);
            Assert.Equal("probabilities", Assert.Single(session.OutputMetadata).Key);
            var metadata = session.ModelMetadata;
            Assert.Equal("Pure", metadata.ProducerName);
            Assert.Equal(model.Network.Architecture, metadata.CustomMetadataMap["architecture"]);
            Assert.Equal("42", metadata.CustomMetadataMap["seed"]);
            Assert.Equal("[\"a\",\"b\",\"c\"]", metadata.CustomMetadataMap["classes"]);
            Assert.Equal("categorical_cross_entropy", metadata.CustomMetadataMap["loss"]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static void MatchesPredict<T>(string activationName, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var activation = ActivationNamed(activationName);
        var random = new Random(activationName.Length * 1000 + (typeof(T) == typeof(float) ? 1 : 2));
        for (int layers = 1; layers <= 5; layers++)
            foreach (string scaled in new[] { "none", "standardize", "min-max" })
            {
                var loss = activation switch
                {
                    SoftmaxActivation => Loss.CategoricalCrossEntropy,
                    SigmoidActivation => Loss.BinaryCrossEntropy,
                    _ => Loss.Squared,
                };
                var model = RandomModel<T>(random, layers, activation, scaled, loss);
                using var session = new InferenceSession(Onnx.ToBytes(model));
                string expectedOutput = activation is SoftmaxActivation or SigmoidActivation ? "probabilities" : "output";
                Assert.Equal(expectedOutput, Assert.Single(session.OutputMetadata).Key);
                foreach (int batch in new[] { 1, 257 })
                    Compare(session, model, random, batch, tolerance, $"{typeof(T).Name} {model.Network.Architecture} scaled={scaled} batch={batch}");
            }
    }

    private static void Compare<T>(InferenceSession session, Model<T> model, Random random, int batch, double tolerance, string label)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n0 = model.Network.InputSize, nL = model.Network.OutputSize;
        var rowMajor = new T[batch * n0];
        for (int i = 0; i < rowMajor.Length; i++) rowMajor[i] = T.CreateChecked(5 + 4 * (random.NextDouble() - 0.5) * (1 + i % n0));
        var expected = model.Predict(ImmutableMatrix.FromRowMajor<T>(n0, batch, Transpose(rowMajor, batch, n0)));

        using var input = OrtValue.CreateTensorValueFromMemory(rowMajor, [batch, n0]);
        using var runOptions = new RunOptions();
        string outputName = session.OutputMetadata.Keys.Single();
        using var outputs = session.Run(runOptions, ["input"], [input], [outputName]);
        var actual = outputs[0].GetTensorDataAsSpan<T>().ToArray();
        Assert.Equal([batch, nL], outputs[0].GetTensorTypeAndShape().Shape);

        double worst = 0;
        for (int s = 0; s < batch; s++)
            for (int j = 0; j < nL; j++)
            {
                double pure = double.CreateChecked(expected[j, s]), onnx = double.CreateChecked(actual[s * nL + j]);
                worst = Math.Max(worst, Math.Abs(onnx - pure) / Math.Max(Math.Abs(pure), 1));
            }
        Assert.True(worst <= tolerance, $"{label}: relative difference {worst:E3} > {tolerance:E0}");
    }

    /// <summary>The batch x n row-major samples as an n x batch row-major matrix (one sample per column).</summary>
    internal static T[] Transpose<T>(T[] rowMajor, int rows, int columns)
    {
        var result = new T[rowMajor.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++) result[c * rows + r] = rowMajor[r * columns + c];
        return result;
    }

    /// <summary>
    /// A model of <paramref name="layers"/> layers with random sizes (2 to 9), weights and biases, every layer using
    /// <paramref name="activation"/> (the output layer softmax when <paramref name="softmaxOutput"/>; <paramref name="outputs"/> neurons when given), and
    /// the input scaling <paramref name="scaled"/> ("none", "standardize" or "min-max"; offsets near 5, divisors 0.5 to 4.5).
    /// </summary>
    internal static Model<T> RandomModel<T>(Random random, int layers, Activation activation, string scaled, Loss loss, bool softmaxOutput = false, int? outputs = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int previous = random.Next(2, 10);
        int n0 = previous;
        var built = new DenseLayer<T>[layers];
        for (int l = 0; l < layers; l++)
        {
            int size = l == layers - 1 && outputs is int n ? n : random.Next(2, 10);
            var weight = Enumerable.Range(0, size * previous).Select(_ => T.CreateChecked((random.NextDouble() * 2 - 1) * 1.5 / Math.Sqrt(previous))).ToArray();
            var bias = Enumerable.Range(0, size).Select(_ => T.CreateChecked(random.NextDouble() - 0.5)).ToArray();
            var layerActivation = softmaxOutput && l == layers - 1 ? Activation.Softmax : activation;
            built[l] = new DenseLayer<T>(ImmutableMatrix.FromRowMajor<T>(size, previous, weight), ImmutableVector.Create(bias), layerActivation);
            previous = size;
        }
        var offset = ImmutableVector.Create(Enumerable.Range(0, n0).Select(_ => T.CreateChecked(5 + random.NextDouble() - 0.5)).ToArray());
        var divisor = ImmutableVector.Create(Enumerable.Range(0, n0).Select(_ => T.CreateChecked(0.5 + 4 * random.NextDouble())).ToArray());
        FeatureScaling<T>? scaling = scaled switch
        {
            "none" => null,
            "standardize" => new Standardization<T>(offset, divisor),
            "min-max" => new MinMaxScaling<T>(offset, divisor),
            _ => throw new ArgumentOutOfRangeException(nameof(scaled), scaled, "Expected none, standardize or min-max."),
        };
        return new Model<T>(Network.FromLayers(built), loss, scaling);
    }
}
