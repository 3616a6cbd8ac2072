using System.Numerics;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using P = Pure.OnnxSchema;

namespace Pure.OnnxTests;

/// <summary>
/// <see cref="Onnx.Import{T}(string, ReadLimits?)"/>: the PyTorch fixtures in Fixtures/ (made by
/// tools/onnx/make_torch_fixtures.py) predict what torch and ONNX Runtime predict, Pure's own exports round-trip to
/// equal models, and graphs Pure cannot represent or malformed files are refused by name.
/// </summary>
public sealed class ImportTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public static TheoryData<string, string, string> Fixtures => new()
    {
        { "relu_softmax_4_8_3_f32", "4-8(relu)-3(softmax)", "categorical_cross_entropy" },
        { "tanh_sigmoid_5_16_16_2_f32", "5-16(tanh)-16(sigmoid)-2(sigmoid)", "squared" },
        { "leaky_softmax_3_10_6_4_f64", "3-10(leaky_relu)-6(tanh)-4(softmax)", "categorical_cross_entropy" },
        { "regression_6_12_1_f32", "6-12(relu)-1(identity)", "squared" },
        { "matmul_add_nobias_5_7_3_f32", "5-7(sigmoid)-3(identity)", "squared" },
        { "regression_4_9_2_f64", "4-9(tanh)-2(identity)", "squared" },
        { "nofold_opset11_4_6_5_3_f32", "4-6(leaky_relu)-5(tanh)-3(softmax)", "categorical_cross_entropy" },
    };

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void TorchFixturePredictsWhatTorchAndOnnxRuntimePredict(string name, string architecture, string loss)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Fixture(name + ".json")));
        bool f64 = json.RootElement.GetProperty("dtype").GetString() == "float64";
        if (f64) CheckFixture<double>(name, json.RootElement, architecture, loss, 1e-12);
        else CheckFixture<float>(name, json.RootElement, architecture, loss, 1e-5);
    }

    [Fact]
    public void Float32FixtureImportsExactlyAsDouble()
    {
        var single = Onnx.Import<float>(Fixture("tanh_sigmoid_5_16_16_2_f32.onnx"));
        var widened = Onnx.Import<double>(Fixture("tanh_sigmoid_5_16_16_2_f32.onnx"));
        Assert.Equal(single.Network.Architecture, widened.Network.Architecture);
        for (int l = 0; l < single.Network.Layers.Length; l++)
        {
            Assert.Equal(single.Network.Layers[l].Weight.AsSpan().ToArray().Select(v => (double)v), widened.Network.Layers[l].Weight.AsSpan().ToArray());
            Assert.Equal(single.Network.Layers[l].Bias.AsSpan().ToArray().Select(v => (double)v), widened.Network.Layers[l].Bias.AsSpan().ToArray());
        }
        using var json = JsonDocument.Parse(File.ReadAllText(Fixture("tanh_sigmoid_5_16_16_2_f32.json")));
        CheckFixture<double>("tanh_sigmoid_5_16_16_2_f32", json.RootElement, "5-16(tanh)-16(sigmoid)-2(sigmoid)", "squared", 1e-5, runtime: false);
    }

    [Fact]
    public void Float64FixtureIsRefusedAsFloat32()
    {
        var error = Assert.Throws<NotSupportedException>(() => Onnx.Import<float>(Fixture("leaky_softmax_3_10_6_4_f64.onnx")));
        Assert.Contains("float64", error.Message, StringComparison.Ordinal);
        Assert.Contains("Onnx.Import<double>", error.Message, StringComparison.Ordinal);
        Assert.Equal("float64", Onnx.ReadDType(Fixture("leaky_softmax_3_10_6_4_f64.onnx")));
        Assert.Equal("float32", Onnx.ReadDType(Fixture("relu_softmax_4_8_3_f32.onnx")));
    }

    [Fact]
    public void PathBytesAndStreamGiveTheSameModel()
    {
        string path = Fixture("relu_softmax_4_8_3_f32.onnx");
        var fromPath = Onnx.Import<float>(path);
        var bytes = File.ReadAllBytes(path);
        var copy = (byte[])bytes.Clone();
        Assert.Equal(fromPath, Onnx.Import<float>(bytes));
        Assert.Equal(copy, bytes);
        using var stream = new MemoryStream(bytes);
        Assert.Equal(fromPath, Onnx.Import<float>(stream, "a stream"));
    }

    [Fact]
    public void TypedDataConstantNodesAndTransposedGemmGiveTheSameModel()
    {
        foreach (string name in new[] { "relu_softmax_4_8_3_f32", "leaky_softmax_3_10_6_4_f64" })
        {
            var bytes = File.ReadAllBytes(Fixture(name + ".onnx"));
            bool f64 = name.EndsWith("f64", StringComparison.Ordinal);
            var proto = P.ModelProto.Parser.ParseFrom(bytes);
            // float_data / double_data instead of raw_data
            var typed = proto.Clone();
            foreach (var tensor in typed.Graph.Initializer)
            {
                if (f64) tensor.DoubleData.AddRange(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(tensor.RawData.Span).ToArray());
                else tensor.FloatData.AddRange(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray());
                tensor.RawData = ByteString.Empty;
            }
            // Constant nodes instead of initializers, and Gemm with transB = 0 and a transposed weight
            var constants = proto.Clone();
            foreach (var tensor in constants.Graph.Initializer.Reverse())
            {
                var node = new P.NodeProto { OpType = "Constant", Name = "const_" + tensor.Name, Output = { tensor.Name } };
                node.Attribute.Add(new P.AttributeProto { Name = "value", Type = P.AttributeProto.Types.AttributeType.Tensor, T = tensor.Clone() });
                constants.Graph.Node.Insert(0, node);
            }
            constants.Graph.Initializer.Clear();
            var transposed = proto.Clone();
            foreach (var gemm in transposed.Graph.Node.Where(n => n.OpType == "Gemm"))
            {
                gemm.Attribute.Single(a => a.Name == "transB").I = 0;
                var weight = transposed.Graph.Initializer.Single(t => t.Name == gemm.Input[1]);
                int rows = (int)weight.Dims[0], columns = (int)weight.Dims[1], size = f64 ? 8 : 4;
                var raw = weight.RawData.ToByteArray();
                var result = new byte[raw.Length];
                for (int r = 0; r < rows; r++)
                    for (int c = 0; c < columns; c++) Array.Copy(raw, (r * columns + c) * size, result, (c * rows + r) * size, size);
                weight.RawData = ByteString.CopyFrom(result);
                weight.Dims.Clear();
                weight.Dims.AddRange([columns, rows]);
            }
            // initializers also listed as graph inputs (torch.onnx.export's keep_initializers_as_inputs=True)
            var asInputs = proto.Clone();
            foreach (var tensor in asInputs.Graph.Initializer)
                asInputs.Graph.Input.Add(new P.ValueInfoProto
                {
                    Name = tensor.Name,
                    Type = new P.TypeProto { TensorType = new P.TypeProto.Types.Tensor { ElemType = tensor.DataType, Shape = new P.TensorShapeProto { Dim = { tensor.Dims.Select(d => new P.TensorShapeProto.Types.Dimension { DimValue = d }) } } } },
                });
            foreach (var variant in new[] { typed, constants, transposed, asInputs })
                if (f64) Assert.Equal(Onnx.Import<double>(bytes), Onnx.Import<double>(variant.ToByteArray()));
                else Assert.Equal(Onnx.Import<float>(bytes), Onnx.Import<float>(variant.ToByteArray()));
        }
    }

    [Fact]
    public void GemmWithoutBiasHasAZeroBias()
    {
        var bytes = File.ReadAllBytes(Fixture("relu_softmax_4_8_3_f32.onnx"));
        var proto = P.ModelProto.Parser.ParseFrom(bytes);
        var gemm = proto.Graph.Node.First(n => n.OpType == "Gemm");
        string bias = gemm.Input[2];
        gemm.Input.RemoveAt(2);
        proto.Graph.Initializer.Remove(proto.Graph.Initializer.Single(t => t.Name == bias));
        var withBias = Onnx.Import<float>(bytes);
        var expected = withBias.Network.WithLayer(0, withBias.Network.Layers[0].WithBias(ImmutableVector.Create(new float[8])));
        Assert.Equal(expected, Onnx.Import<float>(proto.ToByteArray()).Network);
        Assert.NotEqual(withBias.Network, expected);
    }

    [Fact]
    public void ExportThenImportGivesAnEqualModelFloat32() => RoundTrips<float>(11);

    [Fact]
    public void ExportThenImportGivesAnEqualModelFloat64() => RoundTrips<double>(12);

    /// <summary>Random models over every activation, 1 to 4 layers, each scaling, losses, classes and target scalings.</summary>
    private static void RoundTrips<T>(int seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        Activation[] activations = [Activation.Identity, Activation.Sigmoid, Activation.Tanh, Activation.Relu, Activation.LeakyRelu(0.01), Activation.LeakyRelu(0.3), Activation.Softmax];
        string[] scalings = ["none", "standardize", "min-max"];
        int count = 0;
        foreach (var activation in activations)
            for (int layers = 1; layers <= 4; layers++)
            {
                string scaled = scalings[random.Next(scalings.Length)];
                bool classify = random.Next(2) == 0;
                Model<T> model;
                if (classify)
                {
                    model = ExportTests.RandomModel<T>(random, layers, activation, scaled, Loss.CategoricalCrossEntropy, softmaxOutput: true);
                    if (random.Next(2) == 0)
                        model = model with { Classes = new ClassEncoding([.. Enumerable.Range(0, model.Network.OutputSize).Select(k => $"class \"{k}\"")]) };
                }
                else
                {
                    Loss[] losses = [Loss.Squared, Loss.Absolute, Loss.Huber(0.75), Loss.HalfSquared.WithReduction(Reduction.Sum)];
                    model = ExportTests.RandomModel<T>(random, layers, activation, scaled, losses[random.Next(losses.Length)]);
                    if (random.Next(2) == 0)
                    {
                        int n = model.Network.OutputSize;
                        var offset = ImmutableVector.Create(Enumerable.Range(0, n).Select(_ => T.CreateChecked(random.NextDouble() * 10 - 5)).ToArray());
                        var scale = ImmutableVector.Create(Enumerable.Range(0, n).Select(_ => T.CreateChecked(0.5 + random.NextDouble() * 3)).ToArray());
                        model = model with { TargetScaling = random.Next(2) == 0 ? new Standardization<T>(offset, scale) : new MinMaxScaling<T>(offset, scale) };
                    }
                }
                var imported = Onnx.Import<T>(Onnx.ToBytes(model, seed: 5));
                Assert.True(model == imported, $"{typeof(T).Name} {model.Network.Architecture} scaled={scaled} loss={model.Loss.Name}: the imported model differs");
                count++;
            }
        Assert.Equal(activations.Length * 4, count);
    }

    [Fact]
    public void ExportedFloat32ModelImportsAsDoubleWithTheSameWeights()
    {
        var model = ExportTests.RandomModel<float>(new Random(4), 3, Activation.LeakyRelu(0.2), "standardize", Loss.Squared);
        var widened = Onnx.Import<double>(Onnx.ToBytes(model));
        Assert.Equal(model.Network.Architecture, widened.Network.Architecture);
        Assert.Equal(model.Network.Layers[1].Weight[1, 0], (float)widened.Network.Layers[1].Weight[1, 0]);
        Assert.Equal(0.2, Assert.IsType<LeakyReluActivation>(widened.Network.Layers[0].Activation).Slope);
    }

    // Refusals: each starts from a valid graph, Pure's export of a 3-4(relu)-2(softmax) float32 model without scaling,
    // whose nodes are Gemm_0, Relu_1, Gemm_2, Softmax_3, Identity_4 and initializers layer1_weight, layer1_bias, ...

    private static P.ModelProto BaseGraph()
    {
        var model = ExportTests.RandomModel<float>(new Random(9), 1, Activation.Relu, "none", Loss.CategoricalCrossEntropy, softmaxOutput: true, outputs: 2);
        var layer = new DenseLayer<float>(ImmutableMatrix.FromRowMajor<float>(4, 3, Enumerable.Range(0, 12).Select(i => (float)(i * 0.1 - 0.5)).ToArray()),
            ImmutableVector.Create(0.1f, 0.2f, 0.3f, 0.4f), Activation.Relu);
        var output = new DenseLayer<float>(ImmutableMatrix.FromRowMajor<float>(2, 4, Enumerable.Range(0, 8).Select(i => (float)(0.5 - i * 0.1)).ToArray()),
            ImmutableVector.Create(0.0f, 0.1f), Activation.Softmax);
        model = new Model<float>(Network.FromLayers(layer, output), model.Loss);
        var proto = P.ModelProto.Parser.ParseFrom(Onnx.ToBytes(model));
        Assert.Equal(["Gemm_0", "Relu_1", "Gemm_2", "Softmax_3", "Identity_4"], proto.Graph.Node.Select(n => n.Name));
        Assert.Equal(model, Onnx.Import<float>(proto.ToByteArray()));
        return proto;
    }

    private static P.NodeProto NodeNamed(P.ModelProto proto, string name) => proto.Graph.Node.Single(n => n.Name == name);

    private static TException Refused<TException>(P.ModelProto proto, params string[] expected) where TException : Exception
    {
        var bytes = proto.ToByteArray();
        var error = Assert.Throws<TException>(() => Onnx.Import<float>(bytes));
        foreach (string part in expected) Assert.Contains(part, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("the ONNX bytes: ", error.Message, StringComparison.Ordinal);
        return error;
    }

    [Fact]
    public void ConvIsRefusedByName()
    {
        var proto = BaseGraph();
        var relu = NodeNamed(proto, "Relu_1");
        relu.OpType = "Conv";
        relu.Name = "conv1";
        Refused<NotSupportedException>(proto, "node 'conv1' (Conv)", "not supported");
    }

    [Fact]
    public void GemmWithAlphaOtherThanOneIsRefused()
    {
        var proto = BaseGraph();
        NodeNamed(proto, "Gemm_2").Attribute.Add(new P.AttributeProto { Name = "alpha", Type = P.AttributeProto.Types.AttributeType.Float, F = 2 });
        Refused<NotSupportedException>(proto, "node 'Gemm_2' (Gemm)", "alpha = 2");
    }

    [Fact]
    public void BranchIsRefused()
    {
        var proto = BaseGraph();
        proto.Graph.Node.Add(new P.NodeProto { Name = "side", OpType = "Tanh", Input = { "relu_1" }, Output = { "side_out" } });
        Refused<NotSupportedException>(proto, "'relu_1' feeds 2 nodes", "node 'side' (Tanh)", "branch");
    }

    [Fact]
    public void NodeOffTheChainIsRefused()
    {
        var proto = BaseGraph();
        proto.Graph.Node.Add(new P.NodeProto { Name = "stray", OpType = "Neg", Input = { "layer1_bias" }, Output = { "stray_out" } });
        Refused<NotSupportedException>(proto, "node 'stray' (Neg)", "not on the single chain");
    }

    [Fact]
    public void SecondInputIsRefused()
    {
        var proto = BaseGraph();
        proto.Graph.Input.Add(proto.Graph.Input[0].Clone());
        proto.Graph.Input[1].Name = "mask";
        Refused<NotSupportedException>(proto, "one input", "'mask'");
    }

    [Fact]
    public void WeightsThatDoNotChainAreRefused()
    {
        var proto = BaseGraph();
        var weight = proto.Graph.Initializer.Single(t => t.Name == "layer2_weight");
        weight.Dims.Clear();
        weight.Dims.AddRange([2, 5]);
        weight.RawData = ByteString.CopyFrom(new byte[40]);
        Refused<InvalidDataException>(proto, "node 'Gemm_2' (Gemm)", "takes 5 inputs", "gives 4", "do not chain");
    }

    [Fact]
    public void NonFiniteWeightIsRefused()
    {
        var proto = BaseGraph();
        var weight = proto.Graph.Initializer.Single(t => t.Name == "layer1_weight");
        var raw = weight.RawData.ToByteArray();
        BitConverter.GetBytes(float.NaN).CopyTo(raw, 4 * 5);
        weight.RawData = ByteString.CopyFrom(raw);
        Refused<InvalidDataException>(proto, "node 'Gemm_0' (Gemm)", "'layer1_weight'", "NaN", "flat index 5");
    }

    [Fact]
    public void HugeDeclaredSizeIsRefusedBeforeAllocating()
    {
        var proto = BaseGraph();
        var weight = proto.Graph.Initializer.Single(t => t.Name == "layer1_weight");
        weight.Dims.Clear();
        weight.Dims.AddRange([1L << 40, 3]);
        var error = Refused<InvalidDataException>(proto, "'layer1_weight'", "limit parameters");
        Assert.Equal("parameters", LimitExceeded.LimitName(error));
    }

    [Fact]
    public void ReadLimitsApply()
    {
        string path = Fixture("relu_softmax_4_8_3_f32.onnx");
        Assert.Equal(67, Onnx.Import<float>(path, ReadLimits.Default with { MaxParameters = 67, MaxLayerWidth = 8 }).Network.ParameterCount);
        var parameters = Assert.Throws<InvalidDataException>(() => Onnx.Import<float>(path, ReadLimits.Default with { MaxParameters = 66 }));
        Assert.Equal("parameters", LimitExceeded.LimitName(parameters));
        Assert.Contains(path, parameters.Message, StringComparison.Ordinal);
        Assert.Contains("node '/2/Gemm' (Gemm)", parameters.Message, StringComparison.Ordinal);
        var width = Assert.Throws<InvalidDataException>(() => Onnx.Import<float>(path, ReadLimits.Default with { MaxLayerWidth = 7 }));
        Assert.Equal("layer-width", LimitExceeded.LimitName(width));
        Assert.Contains("'0.weight'", width.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RawDataOfTheWrongLengthIsRefused()
    {
        var proto = BaseGraph();
        var bias = proto.Graph.Initializer.Single(t => t.Name == "layer2_bias");
        bias.RawData = ByteString.CopyFrom(new byte[7]);
        Refused<InvalidDataException>(proto, "'layer2_bias'", "8 bytes", "7 bytes");
    }

    [Fact]
    public void OtherRefusalsNameTheNode()
    {
        var axis = BaseGraph();
        NodeNamed(axis, "Softmax_3").Attribute.Single(a => a.Name == "axis").I = 0;
        Refused<NotSupportedException>(axis, "node 'Softmax_3' (Softmax)", "axis = 0");

        var twoActivations = BaseGraph();
        NodeNamed(twoActivations, "Identity_4").OpType = "Tanh";
        Refused<NotSupportedException>(twoActivations, "node 'Identity_4' (Tanh)", "already has the activation softmax");

        var mixed = BaseGraph();
        mixed.Graph.Initializer.Single(t => t.Name == "layer2_bias").DataType = (int)P.TensorProto.Types.DataType.Double;
        Refused<NotSupportedException>(mixed, "'layer2_bias'", "DOUBLE", "FLOAT");

        var opset = BaseGraph();
        opset.OpsetImport[0].Version = 5;
        Refused<NotSupportedException>(opset, "opset", "got 5");

        var computedWeight = BaseGraph();
        computedWeight.Graph.Node.Insert(0, new P.NodeProto { Name = "neg", OpType = "Neg", Input = { "layer1_weight" }, Output = { "negated" } });
        NodeNamed(computedWeight, "Gemm_0").Input[1] = "negated";
        Refused<NotSupportedException>(computedWeight, "node 'Gemm_0' (Gemm)", "'negated' is computed by a node");

        var missing = BaseGraph();
        missing.Graph.Initializer.Remove(missing.Graph.Initializer.Single(t => t.Name == "layer2_weight"));
        Refused<InvalidDataException>(missing, "node 'Gemm_2' (Gemm)", "'layer2_weight' is not defined");

        var declared = BaseGraph();
        declared.Graph.Output[0].Type.TensorType.Shape.Dim[1].DimValue = 3;
        Refused<InvalidDataException>(declared, "'probabilities'", "declares 3 features", "give 2");

        var domain = BaseGraph();
        NodeNamed(domain, "Relu_1").Domain = "com.microsoft";
        Refused<NotSupportedException>(domain, "node 'Relu_1' (Relu)", "'com.microsoft'");
    }

    [Fact]
    public void TruncatedOrCorruptedFilesAreRefusedCleanly()
    {
        var bytes = File.ReadAllBytes(Fixture("relu_softmax_4_8_3_f32.onnx"));
        int refusals = 0;
        for (int length = 0; length < bytes.Length; length++)
            refusals += RefusedCleanly(bytes[..length]);
        Assert.Equal(bytes.Length, refusals);
        var random = new Random(13);
        for (int trial = 0; trial < 300; trial++)
        {
            var corrupt = (byte[])bytes.Clone();
            for (int flips = random.Next(1, 4); flips > 0; flips--) corrupt[random.Next(corrupt.Length)] = (byte)random.Next(256);
            try
            {
                var model = Onnx.Import<float>(corrupt);
                Assert.Equal(4, model.Network.InputSize);
            }
            catch (Exception error) when (error is InvalidDataException or NotSupportedException)
            {
                Assert.StartsWith("the ONNX bytes: ", error.Message, StringComparison.Ordinal);
            }
        }
        var empty = Assert.Throws<InvalidDataException>(() => Onnx.Import<float>(Array.Empty<byte>()));
        Assert.Contains("no graph", empty.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Seeded mutations of the fixtures and of Pure exports (bytes changed, bits flipped, and protobuf-level edits: inputs
    /// removed or rewired, outputs cleared, op types swapped, dims changed, types removed, initializers dropped, nodes
    /// reordered, attributes added): each either imports or is refused with InvalidDataException or NotSupportedException
    /// naming the source; any other exception fails. (A 60,000-trial run of the same found no other exception.)
    /// </summary>
    [Fact]
    public void MutatedGraphsImportOrAreRefusedCleanly()
    {
        var sources = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures"), "*.onnx").Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList();
        var models = new Random(1);
        foreach (var activation in new[] { Activation.LeakyRelu(0.1), Activation.Tanh, Activation.Softmax })
            sources.Add(Onnx.ToBytes(ExportTests.RandomModel<double>(models, 3, activation, "standardize", Loss.Squared)));
        var random = new Random(3);
        var kinds = new Dictionary<string, int>();
        for (int trial = 0; trial < 4000; trial++)
        {
            var bytes = (byte[])sources[trial % sources.Count].Clone();
            int mode = random.Next(5);
            if (mode >= 3)
            {
                var proto = Pure.OnnxSchema.ModelProto.Parser.ParseFrom(bytes);
                var g = proto.Graph;
                for (int m = random.Next(1, 4); m > 0; m--)
                {
                    var node = g.Node[random.Next(g.Node.Count)];
                    switch (random.Next(12))
                    {
                        case 0: if (node.Input.Count > 0) node.Input.RemoveAt(random.Next(node.Input.Count)); break;
                        case 1: node.Output.Clear(); break;
                        case 2: node.OpType = new[] { "Gemm", "MatMul", "Add", "Mul", "Max", "Sub", "Div", "Relu", "Identity", "Softmax", "Constant", "LeakyRelu" }[random.Next(12)]; break;
                        case 3: if (g.Initializer.Count > 0) { var t = g.Initializer[random.Next(g.Initializer.Count)]; if (t.Dims.Count > 0) t.Dims[random.Next(t.Dims.Count)] = random.Next(-2, 20); } break;
                        case 4: g.Input[0].Type = null; break;
                        case 5: if (g.Initializer.Count > 0) g.Initializer.RemoveAt(random.Next(g.Initializer.Count)); break;
                        case 6: { int i = random.Next(g.Node.Count), j = random.Next(g.Node.Count); (g.Node[i], g.Node[j]) = (g.Node[j], g.Node[i]); } break;
                        case 7: node.Input.Add(g.Node[random.Next(g.Node.Count)].Output.FirstOrDefault() ?? "x"); break;
                        case 8: if (node.Input.Count > 0) node.Input[random.Next(node.Input.Count)] = g.Node[random.Next(g.Node.Count)].Output.FirstOrDefault() ?? g.Input[0].Name; break;
                        case 9: node.Attribute.Add(new Pure.OnnxSchema.AttributeProto { Name = new[] { "alpha", "axis", "transB", "value" }[random.Next(4)], I = random.Next(-2, 3), F = (float)random.NextDouble() }); break;
                        case 10: g.Output[0].Type.TensorType.Shape = null; break;
                        case 11: if (g.Initializer.Count > 0) g.Initializer[random.Next(g.Initializer.Count)].DataType = random.Next(0, 17); break;
                    }
                }
                bytes = Google.Protobuf.MessageExtensions.ToByteArray(proto);
            }
            if (mode == 0) for (int f = random.Next(1, 6); f > 0; f--) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            else if (mode == 1) { int i = random.Next(bytes.Length); bytes[i] ^= (byte)(1 << random.Next(8)); }
            else { int i = random.Next(bytes.Length); bytes[i] = (byte)(bytes[i] + (random.Next(2) == 0 ? 1 : -1)); }
            try
            {
                if (random.Next(2) == 0) Onnx.Import<double>(bytes); else Onnx.Import<float>(bytes);
                kinds["ok"] = kinds.GetValueOrDefault("ok") + 1;
            }
            catch (Exception e) when (e is InvalidDataException or NotSupportedException)
            {
                Assert.StartsWith("the ONNX bytes: ", e.Message, StringComparison.Ordinal);
                kinds[e.GetType().Name] = kinds.GetValueOrDefault(e.GetType().Name) + 1;
            }
        }
        Assert.Equal(4000, kinds.Values.Sum());
        Assert.True(kinds.GetValueOrDefault("InvalidDataException") > 0 && kinds.GetValueOrDefault("NotSupportedException") > 0, string.Join(", ", kinds));
    }

    /// <summary>1 when importing <paramref name="bytes"/> throws InvalidDataException or NotSupportedException naming the source (any other exception fails the test).</summary>
    private static int RefusedCleanly(byte[] bytes)
    {
        try
        {
            Onnx.Import<float>(bytes);
            return 0;
        }
        catch (Exception error) when (error is InvalidDataException or NotSupportedException)
        {
            return error.Message.StartsWith("the ONNX bytes: ", StringComparison.Ordinal) ? 1 : 0;
        }
    }

    private static void CheckFixture<T>(string name, JsonElement root, string architecture, string lossName, double tolerance, bool runtime = true)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string path = Fixture(name + ".onnx");
        var model = Onnx.Import<T>(path);
        Assert.Equal(architecture, model.Network.Architecture);
        Assert.Equal(lossName, model.Loss.Name);
        Assert.Null(model.Scaling);
        Assert.Null(model.TargetScaling);
        var input = Rows(root.GetProperty("input"));
        var torch = Rows(root.GetProperty("output"));
        int batch = input.Length, n0 = input[0].Length, nL = torch[0].Length;
        Assert.Equal(model.Network.InputSize, n0);
        Assert.Equal(model.Network.OutputSize, nL);

        // Pure holds one sample per column: the n_0 x batch matrix whose column s is sample s (row s in ONNX and torch).
        var columns = ImmutableMatrix.FromRowMajor<T>(n0, batch, Enumerable.Range(0, n0 * batch).Select(i => T.CreateChecked(input[i % batch][i / batch])).ToArray());
        var pure = Backprop.Predict(model.Network, columns);
        Assert.Equal((nL, batch), (pure.Rows, pure.Columns));
        Assert.True(Worst(torch, (s, j) => double.CreateChecked(pure[j, s])) is var worst && worst <= tolerance, $"{name}: Pure vs torch: relative difference {worst:E3} > {tolerance:E0}");
        if (!runtime) return;

        // ONNX Runtime computes LeakyRelu with its float32 alpha (0.2f = 0.20000000298...), where torch and the import use
        // 0.2; in float64 that differs by ~1e-9, so ONNX Runtime is compared with the imported model given that float slope.
        var asRuntime = model.Network with
        {
            Layers = [.. model.Network.Layers.Select(l => l.Activation is LeakyReluActivation leaky ? l with { Activation = Activation.LeakyRelu((float)leaky.Slope) } : l)],
        };
        var pureAsRuntime = Backprop.Predict(asRuntime, columns);
        using var session = new InferenceSession(path);
        var rowMajor = input.SelectMany(row => row.Select(T.CreateChecked)).ToArray();
        using var value = OrtValue.CreateTensorValueFromMemory(rowMajor, [batch, n0]);
        using var options = new RunOptions();
        using var outputs = session.Run(options, ["input"], [value], ["output"]);
        var ort = outputs[0].GetTensorDataAsSpan<T>().ToArray();
        var ortRows = Enumerable.Range(0, batch).Select(s => Enumerable.Range(0, nL).Select(j => double.CreateChecked(ort[s * nL + j])).ToArray()).ToArray();
        Assert.True(Worst(ortRows, (s, j) => double.CreateChecked(pureAsRuntime[j, s])) is var worstOrt && worstOrt <= tolerance, $"{name}: Pure vs ONNX Runtime: relative difference {worstOrt:E3} > {tolerance:E0}");
    }

    private static double[][] Rows(JsonElement array) =>
        array.EnumerateArray().Select(row => row.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();

    /// <summary>max over samples s and outputs j of |expected - actual| / max(|expected|, 1).</summary>
    private static double Worst(double[][] expected, Func<int, int, double> actual)
    {
        double worst = 0;
        for (int s = 0; s < expected.Length; s++)
            for (int j = 0; j < expected[s].Length; j++)
                worst = Math.Max(worst, Math.Abs(expected[s][j] - actual(s, j)) / Math.Max(Math.Abs(expected[s][j]), 1));
        return worst;
    }
}
