using System.Collections.Immutable;
using System.Numerics;
using System.Text.Json;

namespace Pure;

/// <summary>
/// Saves and loads a <see cref="Model{T}"/> as a versioned JSON file (format "pure-model", version 1 or 2) whose numbers
/// round-trip exactly. Loading validates the whole file before building anything and refuses an untrusted file
/// (too large, too deep, wrong types, unknown or duplicate properties, bad shapes, non-finite values) with an
/// <see cref="InvalidDataException"/> naming the file and the JSON path. See docs/file-formats.md.
/// </summary>
public static class ModelFile
{
    /// <summary>The value of the "format" property.</summary>
    public const string Format = "pure-model";

    /// <summary>
    /// The newest schema version this library writes and reads. Version 2 adds "target_scaling" and the Huber loss's
    /// "huber_delta"; a model that uses neither is written as version 1, byte for byte as before, and version 1 files load.
    /// </summary>
    public const int Version = 2;

    /// <summary>The largest number of layers a file may declare.</summary>
    public const int MaxLayers = 1000;

    /// <summary>The largest layer size (inputs or outputs) a file may declare.</summary>
    public const int MaxLayerSize = 1 << 24;

    /// <summary>The largest number of weights one layer may declare.</summary>
    public const int MaxLayerWeights = 1 << 28;

    // root > layers > layer > weight > row.
    internal const int MaxDepth = 5;

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> (replacing it) through a temporary file in the same folder.</summary>
    /// <exception cref="ArgumentException">The model uses a custom activation or loss, which a file cannot store.</exception>
    public static void Save<T>(Model<T> model, string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ModelJson.CheckSavable(model, nameof(model));
        AtomicFile.Write(path, stream => WriteChecked(model, stream));
    }

    /// <summary>Reads the model in <paramref name="path"/>, whose dtype must match <typeparamref name="T"/> (see <see cref="ReadDType"/>).</summary>
    /// <exception cref="InvalidDataException">The file is not a valid model file; the message names the file and the JSON path.</exception>
    /// <param name="path">The model file.</param>
    /// <param name="limits">The resource limits; null for <see cref="ReadLimits.Default"/>.</param>
    public static Model<T> Load<T>(string path, ReadLimits? limits = null) where T : unmanaged, IFloatingPointIeee754<T> =>
        Parse<T>(JsonInput.ReadFile(path, limits, MaxDepth, Schema), path, limits);

    /// <summary>Writes <paramref name="model"/> as UTF-8 JSON to <paramref name="stream"/>, which stays open.</summary>
    /// <exception cref="ArgumentException">The model uses a custom activation or loss, which a file cannot store.</exception>
    public static void Write<T>(Model<T> model, Stream stream) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        ModelJson.CheckSavable(model, nameof(model));
        WriteChecked(model, stream);
    }

    /// <summary>Writes a model that <see cref="ModelJson.CheckSavable{T}"/> has accepted.</summary>
    private static void WriteChecked<T>(Model<T> model, Stream stream) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        ModelJson.Write(writer, model);
        writer.Flush();
        stream.Write("\n"u8);
    }

    /// <summary>Reads a model from <paramref name="stream"/> (at most <see cref="ReadLimits.MaxJsonBytes"/>); <paramref name="source"/> names it in messages.</summary>
    /// <param name="stream">The UTF-8 JSON text; read to its end, left open.</param>
    /// <param name="source">The name in error messages.</param>
    /// <param name="limits">The resource limits; null for <see cref="ReadLimits.Default"/>.</param>
    /// <exception cref="InvalidDataException">The stream is not a valid model file; the message names the source and the JSON path.</exception>
    public static Model<T> Read<T>(Stream stream, string source, ReadLimits? limits = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(source);
        return Parse<T>(JsonInput.ReadStream(stream, source, limits, MaxDepth, Schema), source, limits);
    }

    /// <summary>The dtype of the model in <paramref name="path"/>: "float32" (load it as float) or "float64" (as double).</summary>
    /// <param name="path">The model file.</param>
    /// <param name="limits">The resource limits; null for <see cref="ReadLimits.Default"/>.</param>
    /// <exception cref="InvalidDataException">The file is not a model file of a known version.</exception>
    public static string ReadDType(string path, ReadLimits? limits = null)
    {
        using var document = JsonInput.Parse(JsonInput.ReadFile(path, limits, MaxDepth, Schema), path, MaxDepth);
        return ModelJson.Header(new JsonField(document.RootElement, "$", path), Format, Version);
    }

    /// <summary>The names a model file's root object may hold.</summary>
    internal static readonly string[] RootProperties = ["format", "version", "dtype", "loss", "layers", "scaling", "classes"];

    /// <summary>The names a model file's root object may omit: "reduction" (written only for <see cref="Reduction.Sum"/>; a file without it loads as <see cref="Reduction.Mean"/>), and the version 2 names <see cref="Version2RootProperties"/>.</summary>
    internal static readonly string[] OptionalRootProperties = ["reduction", "huber_delta", "target_scaling"];

    /// <summary>The names a version 2 model file's root object may add.</summary>
    internal static readonly string[] Version2RootProperties = ["huber_delta", "target_scaling"];

    /// <summary>The names each object of a model file may hold, checked while reading (before a document is built).</summary>
    internal static readonly IReadOnlyDictionary<string, string[]> Schema = SchemaAt("$");

    /// <summary>The model object's schema with its root at <paramref name="root"/> (a checkpoint's model is at "$.model").</summary>
    internal static Dictionary<string, string[]> SchemaAt(string root) => new(StringComparer.Ordinal)
    {
        [root] = [.. RootProperties, .. OptionalRootProperties],
        [root + ".layers[]"] = ["inputs", "outputs", "activation", "weight", "bias"],
        [root + ".layers[].activation"] = ["name", "slope"],
        [root + ".scaling"] = ["kind", "mean", "scale", "minimum", "range"],
        [root + ".target_scaling"] = ["kind", "mean", "scale", "minimum", "range"],
    };

    private static Model<T> Parse<T>(byte[] bytes, string source, ReadLimits? limits) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var document = JsonInput.Parse(bytes, source, MaxDepth);
        return ModelJson.Read<T>(new JsonField(document.RootElement, "$", source), limits);
    }
}

/// <summary>The model object shared by model files and checkpoints.</summary>
internal static class ModelJson
{
    private static readonly string[] ActivationNames = ["identity", "sigmoid", "tanh", "relu", "softmax", "leaky_relu"];

    private static readonly Loss[] Losses = [Loss.Absolute, Loss.Squared, Loss.HalfSquared, Loss.BinaryCrossEntropy, Loss.CategoricalCrossEntropy, Loss.Huber()];

    /// <summary>"float32" or "float64".</summary>
    internal static string DType<T>() => typeof(T) == typeof(float) ? "float32"
        : typeof(T) == typeof(double) ? "float64"
        : throw new NotSupportedException($"Expected float or double, got {typeof(T).Name}: files store float32 or float64.");

    /// <summary>Throws naming a custom activation or loss, which a file cannot store.</summary>
    internal static void CheckSavable<T>(Model<T> model, string parameterName) where T : unmanaged, IFloatingPointIeee754<T>
    {
        DType<T>();
        for (int l = 0; l < model.Network.Layers.Length; l++)
        {
            var activation = model.Network.Layers[l].Activation;
            if (activation is not (IdentityActivation or SigmoidActivation or TanhActivation or ReluActivation or SoftmaxActivation or LeakyReluActivation))
                throw new ArgumentException(
                    $"Cannot save the custom activation '{activation.Name}' of layer {l + 1}: a file stores an activation by name, and only the built-in ones ({string.Join(", ", ActivationNames)}) can be rebuilt from a name.",
                    parameterName);
        }
        if (!Losses.Any(loss => loss.GetType() == model.Loss.GetType()))
            throw new ArgumentException(
                $"Cannot save the custom loss '{model.Loss.Name}': a file stores the loss by name, and only the built-in ones ({string.Join(", ", Losses.Select(loss => loss.Name))}) can be rebuilt from a name.",
                parameterName);
        if (model.Scaling is not (null or Standardization<T> or MinMaxScaling<T>))
            throw new ArgumentException($"Cannot save the custom scaling {model.Scaling.GetType().Name}: only Standardization and MinMaxScaling can be stored.", parameterName);
        if (model.TargetScaling is not (null or Standardization<T> or MinMaxScaling<T>))
            throw new ArgumentException($"Cannot save the custom target scaling {model.TargetScaling.GetType().Name}: only Standardization and MinMaxScaling can be stored.", parameterName);
    }

    /// <summary>Writes the model object, with its own format, version and dtype.</summary>
    internal static void Write<T>(Utf8JsonWriter writer, Model<T> model) where T : unmanaged, IFloatingPointIeee754<T>
    {
        writer.WriteStartObject();
        writer.WriteString("format", ModelFile.Format);
        writer.WriteNumber("version", model.TargetScaling is null && model.Loss is not HuberLoss ? 1 : ModelFile.Version);
        writer.WriteString("dtype", DType<T>());
        writer.WriteString("loss", model.Loss.Name);
        if (model.Loss.Reduction == Reduction.Sum) writer.WriteString("reduction", "sum");
        if (model.Loss is HuberLoss huber) JsonNumbers.WriteDouble(writer, "huber_delta", huber.Delta);
        writer.WriteStartArray("layers");
        foreach (var layer in model.Network.Layers)
        {
            writer.WriteStartObject();
            writer.WriteNumber("inputs", layer.InputSize);
            writer.WriteNumber("outputs", layer.OutputSize);
            writer.WriteStartObject("activation");
            writer.WriteString("name", layer.Activation.Name);
            if (layer.Activation is LeakyReluActivation leaky) JsonNumbers.WriteDouble(writer, "slope", leaky.Slope);
            writer.WriteEndObject();
            JsonNumbers.WriteWeightAndBias(writer, layer.Weight, layer.Bias);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WritePropertyName("scaling");
        WriteScaling(writer, model.Scaling);
        writer.WritePropertyName("classes");
        if (model.Classes is null) writer.WriteNullValue();
        else
        {
            writer.WriteStartArray();
            foreach (string label in model.Classes.Classes) writer.WriteStringValue(label);
            writer.WriteEndArray();
        }
        if (model.TargetScaling is not null)
        {
            writer.WritePropertyName("target_scaling");
            WriteScaling(writer, model.TargetScaling);
        }
        writer.WriteEndObject();
    }

    private static void WriteScaling<T>(Utf8JsonWriter writer, FeatureScaling<T>? scaling) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (scaling)
        {
            case null:
                writer.WriteNullValue();
                break;
            case Standardization<T> standardization:
                WriteScaling(writer, "standardization", ("mean", standardization.Mean), ("scale", standardization.Scale));
                break;
            case MinMaxScaling<T> minMax:
                WriteScaling(writer, "min_max", ("minimum", minMax.Minimum), ("range", minMax.Range));
                break;
        }
    }

    /// <summary>Checks "format" and "version" (first, so that a newer file gets a clear message) and returns "dtype".</summary>
    internal static string Header(JsonField root, string format, int version)
    {
        var formatNode = root.Property("format");
        if (formatNode.String() != format) throw formatNode.Error($"expected \"{format}\", got \"{formatNode.String()}\".");
        var versionNode = root.Property("version");
        long found = versionNode.Integer(1, long.MaxValue);
        if (found > version)
            throw versionNode.Error($"this file has format version {found}, written by a newer version of Pure; this version reads version {version} only.");
        var dtypeNode = root.Property("dtype");
        string dtype = dtypeNode.String();
        if (dtype is not ("float32" or "float64")) throw dtypeNode.Error($"expected \"float32\" or \"float64\", got \"{dtype}\".");
        return dtype;
    }

    /// <summary>Checks the header and that the dtype is <typeparamref name="T"/>'s.</summary>
    internal static void CheckHeader<T>(JsonField root, string format, int version)
    {
        string dtype = Header(root, format, version);
        if (dtype != DType<T>())
            throw root.Property("dtype").Error($"expected \"{DType<T>()}\" to load as {typeof(T).Name}, got \"{dtype}\"; read the dtype first to pick the element type.");
    }

    /// <summary>Validates the whole model object, then builds the model.</summary>
    internal static Model<T> Read<T>(JsonField root, ReadLimits? limits = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        limits ??= ReadLimits.Default;
        CheckHeader<T>(root, ModelFile.Format, ModelFile.Version);
        var properties = root.Object(ModelFile.RootProperties, ModelFile.OptionalRootProperties);
        if (root.Property("version").Integer(1, long.MaxValue) < 2)
            foreach (string name in ModelFile.Version2RootProperties)
                if (properties.TryGetValue(name, out var newer)) throw newer.Error($"'{name}' needs format version 2, but the file declares version 1.");
        var lossNode = properties["loss"];
        string lossName = lossNode.String();
        var loss = Losses.FirstOrDefault(candidate => candidate.Name == lossName)
            ?? throw lossNode.Error($"unknown loss \"{lossName}\"; expected one of {string.Join(", ", Losses.Select(candidate => $"\"{candidate.Name}\""))}.");
        if (loss is HuberLoss != properties.ContainsKey("huber_delta"))
            throw (properties.TryGetValue("huber_delta", out var stray) ? stray : lossNode).Error(loss is HuberLoss
                ? "missing property 'huber_delta' for the loss \"huber\"."
                : $"unexpected property 'huber_delta' for the loss \"{lossName}\"; only \"huber\" has one.");
        if (loss is HuberLoss)
        {
            double delta = properties["huber_delta"].Double();
            if (!(delta > 0)) throw properties["huber_delta"].Error($"expected a Huber δ > 0, got {JsonNumbers.Format(delta)}.");
            loss = Loss.Huber(delta);
        }
        if (properties.TryGetValue("reduction", out var reductionNode))
            loss = reductionNode.String() switch
            {
                "mean" => loss,
                "sum" => loss.WithReduction(Reduction.Sum),
                var other => throw reductionNode.Error($"unknown reduction \"{other}\"; expected \"mean\" or \"sum\"."),
            };

        var layerNodes = properties["layers"].Array(1, ModelFile.MaxLayers);
        var layers = ImmutableArray.CreateBuilder<DenseLayer<T>>(layerNodes.Length);
        int previousOutputs = 0;
        long parameters = 0;
        for (int l = 0; l < layerNodes.Length; l++)
        {
            var layer = layerNodes[l].Object(["inputs", "outputs", "activation", "weight", "bias"]);
            int inputs = (int)layer["inputs"].Integer(1, ModelFile.MaxLayerSize);
            int outputs = (int)layer["outputs"].Integer(1, ModelFile.MaxLayerSize);
            if (l > 0 && inputs != previousOutputs)
                throw layer["inputs"].Error($"expected {previousOutputs} inputs (the outputs of layers[{l - 1}]), got {inputs}.");
            if ((long)inputs * outputs > ModelFile.MaxLayerWeights)
                throw layerNodes[l].Error($"expected at most {ModelFile.MaxLayerWeights} weights per layer, got {outputs} x {inputs}.");
            limits.Check("layer-width", Math.Max(inputs, outputs), root.Source, $"{layerNodes[l].Path}: a layer of {outputs} x {inputs}");
            parameters += (long)inputs * outputs + outputs;
            limits.Check("parameters", parameters, root.Source, $"{layerNodes[l].Path}: {parameters} parameters up to this layer");
            var activation = ReadActivation(layer["activation"]);
            var weight = layer["weight"].Matrix<T>(outputs, inputs);
            var bias = layer["bias"].Vector<T>(outputs);
            layers.Add(new DenseLayer<T>(weight, bias, activation));
            previousOutputs = outputs;
        }
        var network = new Network<T>(layers.MoveToImmutable());
        if (loss.OutputActivationMismatch(network.Layers[^1].Activation) is string mismatch) throw lossNode.Error(mismatch);

        var scaling = ReadScaling<T>(properties["scaling"], network.InputSize);
        if (!properties["classes"].IsNull) limits.Check("classes", network.OutputSize, root.Source, $"{properties["classes"].Path}: {network.OutputSize} classes");
        var classes = ReadClasses(properties["classes"], network.OutputSize);
        var targetScaling = properties.TryGetValue("target_scaling", out var targetNode) ? ReadScaling<T>(targetNode, network.OutputSize) : null;
        return new Model<T>(network, loss, scaling, classes) { TargetScaling = targetScaling };
    }

    private static Activation ReadActivation(JsonField node)
    {
        var properties = node.Object(["name"], "slope");
        var nameNode = properties["name"];
        string name = nameNode.String();
        if (name == "leaky_relu")
        {
            if (!properties.TryGetValue("slope", out var slopeNode)) throw node.Error("missing property 'slope' for leaky_relu.");
            double slope = slopeNode.Double();
            if (slope < 0 || slope >= 1) throw slopeNode.Error($"expected a slope in [0, 1), got {JsonNumbers.Format(slope)}.");
            return Activation.LeakyRelu(slope);
        }
        if (properties.TryGetValue("slope", out var extra)) throw extra.Error($"unexpected property 'slope' for the activation \"{name}\"; only leaky_relu has one.");
        return name switch
        {
            "identity" => Activation.Identity,
            "sigmoid" => Activation.Sigmoid,
            "tanh" => Activation.Tanh,
            "relu" => Activation.Relu,
            "softmax" => Activation.Softmax,
            _ => throw nameNode.Error($"unknown activation \"{name}\"; expected one of {string.Join(", ", ActivationNames.Select(known => $"\"{known}\""))}."),
        };
    }

    private static FeatureScaling<T>? ReadScaling<T>(JsonField node, int inputSize) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (node.IsNull) return null;
        string kind = node.Property("kind").String();
        (string offset, string scale) = kind switch
        {
            "standardization" => ("mean", "scale"),
            "min_max" => ("minimum", "range"),
            _ => throw node.Property("kind").Error($"unknown scaling \"{kind}\"; expected \"standardization\" or \"min_max\"."),
        };
        var properties = node.Object(["kind", offset, scale]);
        var offsets = properties[offset].Vector<T>(inputSize);
        var scales = properties[scale].Vector<T>(inputSize);
        for (int i = 0; i < inputSize; i++)
            if (scales[i] == T.Zero) throw new InvalidDataException($"{node.Source}: {properties[scale].Path}[{i}]: expected a non-zero divisor, got 0.");
        return kind == "standardization" ? new Standardization<T>(offsets, scales) : new MinMaxScaling<T>(offsets, scales);
    }

    private static ClassEncoding? ReadClasses(JsonField node, int outputSize)
    {
        if (node.IsNull) return null;
        var items = node.Array(outputSize, outputSize);
        if (outputSize < 2) throw node.Error($"expected null or at least 2 classes, got {outputSize}.");
        var labels = new string[items.Length];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int k = 0; k < items.Length; k++)
        {
            labels[k] = items[k].String();
            if (!seen.Add(labels[k])) throw items[k].Error($"expected distinct class labels, got \"{labels[k]}\" twice.");
        }
        return new ClassEncoding(ImmutableArray.Create(labels));
    }

    private static void WriteScaling<T>(Utf8JsonWriter writer, string kind, params (string Name, ImmutableVector<T> Values)[] vectors) where T : unmanaged, IFloatingPointIeee754<T>
    {
        writer.WriteStartObject();
        writer.WriteString("kind", kind);
        foreach (var (name, values) in vectors)
        {
            writer.WritePropertyName(name);
            JsonNumbers.WriteVector(writer, values);
        }
        writer.WriteEndObject();
    }
}
