using System.Collections.Immutable;
using System.Numerics;
using System.Text;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;
using Pure.Testing;
using static Pure.Properties.Support.BehaviourGenerators;

namespace Pure.Properties;

/// <summary>Model files: exact round trips in both dtypes, and a refusal, naming the file and the JSON path, for every kind of bad file.</summary>
public class ModelFileTests
{
    /// <summary>Doubles that are easy to get wrong in text: negative zero, subnormals, the extremes, decimals that are not binary.</summary>
    private static readonly double[] HardDoubles =
        [0.1, -0.0, 0.0, 1e308, -1e308, double.MaxValue, double.MinValue, double.Epsilon, -double.Epsilon, 2.2250738585072009E-308,
         2.2250738585072014E-308, 1.0 / 3, Math.PI, 5e-324, 123456789012345678, 1e-7, 0.30000000000000004];

    /// <summary>Floats likewise: negative zero, subnormals, the extremes.</summary>
    private static readonly float[] HardFloats =
        [0.1f, -0.0f, 0.0f, float.MaxValue, float.MinValue, float.Epsilon, -float.Epsilon, 1.1754942E-38f, 1.0f / 3, MathF.PI, 16777217f, 3e38f];

    [PureProperty(MaxTest = 300)]
    public Property Save_then_load_is_bitwise_identical_in_double() => RoundTrip(Hard(HardDoubles, bits => BitConverter.Int64BitsToDouble(bits)));

    [PureProperty(MaxTest = 300)]
    public Property Save_then_load_is_bitwise_identical_in_float() => RoundTrip(Hard(HardFloats, bits => BitConverter.Int32BitsToSingle((int)bits)));

    /// <summary>A finite value: a hard one, or one from random bits (any exponent, subnormals included).</summary>
    private static Gen<T> Hard<T>(T[] hard, Func<long, T> fromBits) where T : unmanaged, IFloatingPointIeee754<T> =>
        Gen.Frequency(
            (1, Gen.Elements(hard)),
            (2, from high in Gen.Choose(int.MinValue, int.MaxValue)
                from low in Gen.Choose(int.MinValue, int.MaxValue)
                let value = fromBits(((long)high << 32) | (uint)low)
                select T.IsFinite(value) ? value : T.Zero));

    private static Gen<Model<T>> Models<T>(Gen<T> value) where T : unmanaged, IFloatingPointIeee754<T> =>
        from sizes in Generators.LayerSizes(1, 3, 5)
        from hidden in Gen.ArrayOf(Gen.Elements([.. Generators.HiddenActivations, Activation.LeakyRelu(0.3), Activation.LeakyRelu(0.1 + 0.2)]), sizes.Length - 2)
        from pairing in Gen.Elements(Generators.OutputPairings.ToArray())
        let activations = hidden.Append(pairing.Output).ToArray()
        from layers in Gen.CollectToArray(Enumerable.Range(0, activations.Length), l =>
            from weight in Gen.ArrayOf(value, sizes[l + 1] * sizes[l])
            from bias in Gen.ArrayOf(value, sizes[l + 1])
            select new DenseLayer<T>(ImmutableMatrix.FromColumnMajor<T>(sizes[l + 1], sizes[l], weight), ImmutableVector.Create(bias), activations[l]))
        from scalingKind in Gen.Choose(0, 2)
        from offsets in Gen.ArrayOf(value, sizes[0])
        from scales in Gen.ArrayOf(value.Select(x => x == T.Zero ? T.One : x), sizes[0])
        from labelled in Gen.Elements(true, false)
        from targetScaled in Gen.Elements(true, false)
        from targetOffsets in Gen.ArrayOf(value, sizes[^1])
        from targetScales in Gen.ArrayOf(value.Select(x => x == T.Zero ? T.One : x), sizes[^1])
        from huberDelta in Gen.Elements(0.0, 1.0, 1.35, 0.1 + 0.2, 5e-324, 1e300)
        let loss = huberDelta > 0 && pairing.Loss is not (BinaryCrossEntropyLoss or CategoricalCrossEntropyLoss) ? Loss.Huber(huberDelta) : pairing.Loss
        select new Model<T>(
            new Network<T>(layers.ToImmutableArray()), loss,
            scalingKind switch
            {
                0 => null,
                1 => new Standardization<T>(ImmutableVector.Create(offsets), ImmutableVector.Create(scales)),
                _ => new MinMaxScaling<T>(ImmutableVector.Create(offsets), ImmutableVector.Create(scales)),
            },
            labelled && sizes[^1] >= 2 ? new ClassEncoding([.. Enumerable.Range(0, sizes[^1]).Select(k => k % 2 == 0 ? $"class \"{k}\" é" : $"{k * 7}")]) : null)
        {
            TargetScaling = targetScaled ? new Standardization<T>(ImmutableVector.Create(targetOffsets), ImmutableVector.Create(targetScales)) : null,
        };

    private static Property RoundTrip<T>(Gen<T> value) where T : unmanaged, IFloatingPointIeee754<T> =>
        Prop.ForAll(Arb.From(Models(value)), model =>
        {
            using var stream = new MemoryStream();
            ModelFile.Write(model, stream);
            stream.Position = 0;
            var loaded = ModelFile.Read<T>(stream, "memory");
            Assert.Equal(model, loaded);
            Assert.Equal(ModelBits(model), ModelBits(loaded));
        });

    /// <summary>The raw bits of everything in a model (== would equate 0 and -0).</summary>
    internal static byte[] ModelBits<T>(Model<T> model) where T : unmanaged, IFloatingPointIeee754<T> =>
        Bits(model.Network, model.Loss, ScalingParts(model.Scaling),
            model.Classes?.Classes.ToArray(),
            model.Network.Layers.Select(layer => layer.Activation is LeakyReluActivation leaky ? leaky.Slope : 0.0).ToArray(),
            ScalingParts(model.TargetScaling), new[] { (model.Loss as HuberLoss)?.Delta ?? 0.0 });

    private static object[]? ScalingParts<T>(FeatureScaling<T>? scaling) where T : unmanaged, IFloatingPointIeee754<T> => scaling switch
    {
        Standardization<T> s => ["standardization", s.Mean, s.Scale],
        MinMaxScaling<T> s => ["min_max", s.Minimum, s.Range],
        _ => null,
    };

    [Fact]
    public void Save_and_Load_through_a_file_and_ReadDType()
    {
        using var folder = new TemporaryFolder();
        var model = SmallModel();
        string path = folder.File("model.json");
        ModelFile.Save(model, path);
        Assert.Equal("float64", ModelFile.ReadDType(path));
        Assert.Equal(ModelBits(model), ModelBits(ModelFile.Load<double>(path)));
        var single = SmallModel(hard: false).ToFloat();
        ModelFile.Save(single, path);
        Assert.Equal("float32", ModelFile.ReadDType(path));
        Assert.Equal(ModelBits(single), ModelBits(ModelFile.Load<float>(path)));
        Assert.Single(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void Saved_file_follows_the_documented_schema()
    {
        var json = JsonNode.Parse(Text(SmallModel()))!.AsObject();
        Assert.Equal(["format", "version", "dtype", "loss", "layers", "scaling", "classes"], json.Select(property => property.Key));
        Assert.Equal("pure-model", (string)json["format"]!);
        Assert.Equal(1, (int)json["version"]!);
        Assert.Equal("float64", (string)json["dtype"]!);
        Assert.Equal("categorical_cross_entropy", (string)json["loss"]!);
        var first = json["layers"]![0]!;
        Assert.Equal(2, (int)first["inputs"]!);
        Assert.Equal(3, (int)first["outputs"]!);
        Assert.Equal("leaky_relu", (string)first["activation"]!["name"]!);
        Assert.Equal(0.1, (double)first["activation"]!["slope"]!);
        // Rows of W: weight[j][k] = W[j, k].
        Assert.Equal("[[0.1,-0],[1E+308,5E-324],[-2.5,3]]", first["weight"]!.ToJsonString());
        Assert.Equal("standardization", (string)json["scaling"]!["kind"]!);
        Assert.Equal("[\"cat\",\"dog\"]", json["classes"]!.ToJsonString());
    }

    [Fact]
    public void Predict_applies_the_scaling_then_the_network()
    {
        var model = SmallModel(hard: false);
        var features = ImmutableMatrix.FromColumnMajor<double>(2, 2, [1, 2, 3, 4]);
        Assert.Equal(Backprop.Predict(model.Network, model.Scaling!.Apply(features)), model.Predict(features));
        Assert.Equal(Backprop.Predict(model.Network, features), new Model<double>(model.Network, model.Loss).Predict(features));
    }

    [Fact]
    public void Model_refuses_scaling_classes_and_loss_that_do_not_fit()
    {
        var model = SmallModel();
        var scaling = new Standardization<double>(ImmutableVector.Create(1.0, 2, 3), ImmutableVector.Create(1.0, 1, 1));
        Assert.Equal("Scaling", Assert.Throws<ArgumentException>(() => new Model<double>(model.Network, model.Loss, scaling)).ParamName);
        Assert.Equal("Classes", Assert.Throws<ArgumentException>(() => new Model<double>(model.Network, model.Loss, null, new ClassEncoding(["a", "b", "c"]))).ParamName);
        Assert.Equal("Loss", Assert.Throws<ArgumentException>(() => new Model<double>(model.Network, Loss.BinaryCrossEntropy)).ParamName);
    }

    [Fact]
    public void Save_refuses_a_custom_activation_or_loss_naming_it()
    {
        using var folder = new TemporaryFolder();
        var model = SmallModel();
        var custom = new Model<double>(model.Network.WithLayer(0, model.Network.Layers[0].WithActivation(Activation.Custom("softsign", z => z / (1 + Math.Abs(z)), z => 1 / Math.Pow(1 + Math.Abs(z), 2)))), model.Loss);
        var error = Assert.Throws<ArgumentException>(() => ModelFile.Save(custom, folder.File("custom.json")));
        Assert.Equal("model", error.ParamName);
        Assert.Contains("'softsign'", error.Message);
        Assert.Contains("by name", error.Message);
        var customLoss = new Model<double>(Network.Create<double>([2, 2], [Activation.Identity], 1), Loss.Custom("huber", (a, y) => a - y, (a, y) => 1));
        error = Assert.Throws<ArgumentException>(() => ModelFile.Save(customLoss, folder.File("custom.json")));
        Assert.Contains("'huber'", error.Message);
        Assert.Empty(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void Load_refuses_a_file_over_the_size_limit_before_reading()
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("huge.json");
        using (var stream = File.Create(path)) stream.SetLength((1L << 30) + 1); // sparse: no disk space used
        var error = Assert.Throws<InvalidDataException>(() => ModelFile.Load<double>(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("refused before reading", error.Message);
    }

    [Fact]
    public void Read_refuses_a_stream_over_the_size_limit() =>
        Assert.Contains("at most 100 bytes", Assert.Throws<InvalidDataException>(() => JsonInput.ReadStream(new NonSeekable(new byte[101]), "pipe", 100)).Message);

    [Theory]
    [InlineData("truncated", "line ")]
    [InlineData("deep", "deeper than 5")]
    [InlineData("trailing comma", "line ")]
    public void Load_refuses_invalid_json_naming_the_line(string kind, string expected)
    {
        string text = Text(SmallModel());
        text = kind switch
        {
            "truncated" => text[..(text.Length / 2)],
            "deep" => text.Replace("\"scaling\": {", "\"scaling\": {\"kind\": [[[[1]]]], \"x\": {", StringComparison.Ordinal),
            _ => text.Replace("\"cat\",", "\"cat\",,", StringComparison.Ordinal),
        };
        var error = LoadError(text);
        Assert.Contains(expected, error.Message);
    }

    public static TheoryData<string, string, string> Mutations => new()
    {
        { "format", "$.format", "expected \"pure-model\"" },
        { "newer version", "$.version", "newer version of Pure" },
        { "version zero", "$.version", "expected an integer in [1," },
        { "dtype", "$.dtype", "expected \"float32\" or \"float64\"" },
        { "dtype mismatch", "$.dtype", "expected \"float64\" to load as Double, got \"float32\"" },
        { "unknown root property", "$.comment", "unknown property 'comment'" },
        { "unknown layer property", "$.layers[1].dropout", "unknown property 'dropout'" },
        { "missing bias", "$.layers[1]", "missing property 'bias'" },
        { "string size", "$.layers[0].inputs", "expected an integer, got the string \"2\"" },
        { "fractional size", "$.layers[0].inputs", "expected an integer, got 2.5" },
        { "declared size over limit", "$.layers[1].outputs", "expected an integer in [1, 16777216], got 100000000" },
        { "declared weights over limit", "$.layers[0]", "expected at most 268435456 weights per layer" },
        { "inputs do not chain", "$.layers[1].inputs", "expected 3 inputs (the outputs of layers[0]), got 4" },
        { "too many layers", "$.layers", "expected an array of length 1 to 1000, got length 1001" },
        { "no layers", "$.layers", "expected an array of length 1 to 1000, got length 0" },
        { "weight rows", "$.layers[1].weight", "expected an array of length 2, got length 1" },
        { "weight row length", "$.layers[1].weight[1]", "expected an array of length 3, got length 2" },
        { "bias length", "$.layers[0].bias", "expected an array of length 3, got length 4" },
        { "weight not a number", "$.layers[1].weight[1][2]", "expected a number, got the string \"1\"" },
        { "weight null", "$.layers[0].bias[2]", "expected a number, got null" },
        { "weight is an object", "$.layers[0].weight", "expected an array, got an object" },
        { "unknown activation", "$.layers[0].activation.name", "unknown activation \"swish\"" },
        { "missing slope", "$.layers[0].activation", "missing property 'slope' for leaky_relu" },
        { "slope out of range", "$.layers[0].activation.slope", "expected a slope in [0, 1), got 1.5" },
        { "slope on relu", "$.layers[1].activation.slope", "only leaky_relu has one" },
        { "unknown loss", "$.loss", "unknown loss \"hinge\"" },
        { "loss does not fit", "$.loss", "Expected a sigmoid output layer for binary cross-entropy, got softmax" },
        { "scaling length", "$.scaling.mean", "expected an array of length 2, got length 3" },
        { "scaling kind", "$.scaling.kind", "unknown scaling \"robust\"" },
        { "scaling zero divisor", "$.scaling.scale[1]", "expected a non-zero divisor, got 0" },
        { "scaling unknown property", "$.scaling.range", "unknown property 'range'" },
        { "classes count", "$.classes", "expected an array of length 2, got length 3" },
        { "duplicate class", "$.classes[1]", "expected distinct class labels, got \"cat\" twice" },
        { "class not a string", "$.classes[0]", "expected a string, got 1" },
        { "root not an object", "$", "expected an object, got an array" },
    };

    [Theory]
    [MemberData(nameof(Mutations))]
    public void Load_refuses_a_bad_model_naming_the_file_and_path(string mutation, string path, string expected)
    {
        var json = JsonNode.Parse(Text(SmallModel()))!;
        var layers = json["layers"]!.AsArray();
        switch (mutation)
        {
            case "format": json["format"] = "pure-network"; break;
            case "newer version": json["version"] = ModelFile.Version + 1; break;
            case "version zero": json["version"] = 0; break;
            case "dtype": json["dtype"] = "float16"; break;
            case "dtype mismatch": json["dtype"] = "float32"; break;
            case "unknown root property": json["comment"] = "hello"; break;
            case "unknown layer property": layers[1]!["dropout"] = 0.5; break;
            case "missing bias": layers[1]!.AsObject().Remove("bias"); break;
            case "string size": layers[0]!["inputs"] = "2"; break;
            case "fractional size": layers[0]!["inputs"] = 2.5; break;
            case "declared size over limit": layers[1]!["outputs"] = 100_000_000; break;
            case "declared weights over limit": layers[0]!["inputs"] = 16_000_000; layers[0]!["outputs"] = 16_000_000; break;
            case "inputs do not chain": layers[1]!["inputs"] = 4; break;
            case "too many layers": json["layers"] = new JsonArray([.. Enumerable.Range(0, 1001).Select(_ => (JsonNode?)new JsonObject())]); break;
            case "no layers": json["layers"] = new JsonArray(); break;
            case "weight rows": layers[1]!["weight"]!.AsArray().RemoveAt(1); break;
            case "weight row length": layers[1]!["weight"]![1]!.AsArray().RemoveAt(2); break;
            case "bias length": layers[0]!["bias"]!.AsArray().Add(1.0); break;
            case "weight not a number": layers[1]!["weight"]![1]![2] = "1"; break;
            case "weight null": layers[0]!["bias"]![2] = null; break;
            case "weight is an object": layers[0]!["weight"] = new JsonObject(); break;
            case "unknown activation": layers[0]!["activation"] = new JsonObject { ["name"] = "swish" }; break;
            case "missing slope": layers[0]!["activation"]!.AsObject().Remove("slope"); break;
            case "slope out of range": layers[0]!["activation"]!["slope"] = 1.5; break;
            case "slope on relu": layers[1]!["activation"]!["slope"] = 0.5; break;
            case "unknown loss": json["loss"] = "hinge"; break;
            case "loss does not fit": json["loss"] = "binary_cross_entropy"; break;
            case "scaling length": json["scaling"]!["mean"]!.AsArray().Add(1.0); break;
            case "scaling kind": json["scaling"]!["kind"] = "robust"; break;
            case "scaling zero divisor": json["scaling"]!["scale"]![1] = 0.0; break;
            case "scaling unknown property": json["scaling"]!["range"] = new JsonArray(1.0, 2.0); break;
            case "classes count": json["classes"]!.AsArray().Add("bird"); break;
            case "duplicate class": json["classes"]![1] = "cat"; break;
            case "class not a string": json["classes"]![0] = 1; break;
            case "root not an object": json = new JsonArray(1); break;
            default: throw new ArgumentException(mutation, nameof(mutation));
        }
        AssertRefused(json.ToJsonString(), path, expected);
    }

    [Fact]
    public void Load_refuses_a_non_finite_or_duplicate_value_written_as_text()
    {
        string text = Text(SmallModel());
        AssertRefused(text.Replace("[21, 22, 23]", "[1e400, 22, 23]", StringComparison.Ordinal), "$.layers[1].weight[1][0]", "expected a finite double, got 1e400");
        AssertRefused(text.Replace("\"loss\": ", "\"loss\": \"squared\", \"loss\": ", StringComparison.Ordinal), "$.loss", "duplicate property 'loss'");
        AssertRefused(text.Replace("\"inputs\": 3,", "\"inputs\": 3, \"inputs\": 3,", StringComparison.Ordinal), "$.layers[1].inputs", "duplicate property 'inputs'");
        // In a float32 file, a value beyond float's range is refused too.
        string single = Text(SmallModel(hard: false).ToFloat());
        AssertRefused<float>(single.Replace("[21, 22, 23]", "[1E+39, 22, 23]", StringComparison.Ordinal), "$.layers[1].weight[1][0]", "expected a finite single, got 1E+39");
    }

    /// <summary>A 2-3(leaky 0.1)-2(softmax) model with standardisation and two classes; hard values in W1 unless <paramref name="hard"/> is false.</summary>
    internal static Model<double> SmallModel(bool hard = true) => new(
        Network.FromLayers(
            new DenseLayer<double>(ImmutableMatrix.FromRowMajor<double>(3, 2, (ReadOnlySpan<double>)(hard ? [0.1, -0.0, 1e308, double.Epsilon, -2.5, 3] : [0.1, -0.0, 1.5, 0.25, -2.5, 3])), ImmutableVector.Create(0.5, -1, 2), Activation.LeakyRelu(0.1)),
            new DenseLayer<double>(ImmutableMatrix.FromRowMajor<double>(2, 3, [11, 12, 13, 21, 22, 23]), ImmutableVector.Create(-1.0, 1), Activation.Softmax)),
        Loss.CategoricalCrossEntropy,
        new Standardization<double>(ImmutableVector.Create(1.0, -2), ImmutableVector.Create(0.5, 4)),
        new ClassEncoding(["cat", "dog"]));

    private static string Text<T>(Model<T> model) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var stream = new MemoryStream();
        ModelFile.Write(model, stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static InvalidDataException LoadError(string text) => LoadError<double>(text);

    private static InvalidDataException LoadError<T>(string text) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var folder = new TemporaryFolder();
        string path = folder.File("bad model.json");
        File.WriteAllText(path, text);
        var error = Assert.Throws<InvalidDataException>(() => ModelFile.Load<T>(path));
        Assert.StartsWith(path + ": ", error.Message);
        return error;
    }

    private static void AssertRefused(string text, string path, string expected) => AssertRefused<double>(text, path, expected);

    private static void AssertRefused<T>(string text, string path, string expected) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var error = LoadError<T>(text);
        Assert.Contains($": {path}: ", error.Message);
        Assert.Contains(expected, error.Message);
    }
}

/// <summary>A folder under the temporary path, deleted with its files on dispose.</summary>
internal sealed class TemporaryFolder : IDisposable
{
    /// <summary>The folder.</summary>
    public string Path { get; } = Directory.CreateTempSubdirectory("pure-tests-").FullName;

    /// <summary>A file name in the folder.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <inheritdoc />
    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>A stream that cannot seek, like a pipe.</summary>
internal sealed class NonSeekable(byte[] bytes) : MemoryStream(bytes)
{
    /// <inheritdoc />
    public override bool CanSeek => false;
}

/// <summary>Model conversions for the file tests.</summary>
internal static class ModelConversions
{
    /// <summary>The model with every number rounded to float.</summary>
    public static Model<float> ToFloat(this Model<double> model) => new(
        model.Network.As<float>(), model.Loss,
        model.Scaling switch
        {
            Standardization<double> s => new Standardization<float>(ImmutableVector.Create([.. s.Mean.ToArray().Select(x => (float)x)]), ImmutableVector.Create([.. s.Scale.ToArray().Select(x => (float)x)])),
            MinMaxScaling<double> s => new MinMaxScaling<float>(ImmutableVector.Create([.. s.Minimum.ToArray().Select(x => (float)x)]), ImmutableVector.Create([.. s.Range.ToArray().Select(x => (float)x)])),
            _ => null,
        },
        model.Classes);
}
