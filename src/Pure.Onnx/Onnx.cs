using System.Globalization;
using System.Numerics;
using System.Reflection;
using Google.Protobuf;
using P = Pure.OnnxSchema;

namespace Pure;

/// <summary>
/// Writes a <see cref="Model{T}"/> as an ONNX model (IR version 8, opset 17, default domain) that ONNX Runtime and
/// other ONNX back ends run, and reads ONNX MLPs (from PyTorch or this exporter) back with <see cref="Import{T}(string, ReadLimits?)"/>.
/// The protobuf is written and read with Google.Protobuf from the official onnx.proto.
/// </summary>
/// <remarks>
/// <para>The graph takes "input", [batch, n_0], with a dynamic first dimension named "batch": ONNX's convention of one
/// sample per ROW, where Pure's matrices hold one sample per column. Its output is "probabilities" [batch, n_L] for a
/// model trained with a cross-entropy loss, else "output".</para>
/// <para>Nodes, in order: the model's input scaling x' = (x - offset) / divisor as Sub then Div with two initializers
/// of length n_0 (Standardization: Mean and Scale; MinMaxScaling: Minimum and Range), the same operations as Pure's;
/// then for each layer l, Gemm(A, W^[l], b^[l], transB = 1) = A·W^[l]ᵀ + b^[l], with W^[l] stored n_l x n_{l-1}
/// row-major as in Pure; then its activation: Relu, Tanh, Sigmoid, Identity, Softmax (axis = 1, per sample) or, for
/// the leaky rectifier, LeakyRelu(alpha = slope) in float32 and Max(z, slope·z) in float64 (LeakyRelu's alpha
/// attribute is a float32, which would round a float64 slope); then, for regression, the inverse of the target
/// scaling, y = y'·scale + offset, as Mul then Add.</para>
/// <para>The model's metadata_props hold "architecture" (<see cref="Network{T}.Architecture"/>), "pure_version",
/// "loss", "dtype", "reduction" ("sum", only for <see cref="Reduction.Sum"/>), "huber_delta" (for the Huber loss),
/// "scaling" and "target_scaling" ("standardization" or "min_max", when the model has them), "classes" (the labels
/// as a JSON array of strings, when the model has classes) and "seed" when given; <see cref="Import{T}(string, ReadLimits?)"/>
/// reads them back, so that importing an exported model gives an equal model.</para>
/// </remarks>
public static partial class Onnx
{
    /// <summary>The ONNX operator set version of the default domain that exported graphs import.</summary>
    public const int Opset = 17;

    /// <summary>The ONNX IR version written (8, the IR of ONNX 1.12 and opset 17).</summary>
    public const long IrVersion = 8;

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> as ONNX, atomically (the old file or the whole new one).</summary>
    /// <param name="model">The model; every activation must be built in (a custom one is refused).</param>
    /// <param name="path">The .onnx file to create or replace.</param>
    /// <param name="seed">The training seed to record in the metadata, or null when unknown.</param>
    /// <exception cref="NotSupportedException">A layer has a custom activation, or the scaling is not a built-in one.</exception>
    public static void Export<T>(Model<T> model, string path, long? seed = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var bytes = ToBytes(model, seed);
        AtomicFile.Write(path, stream => stream.Write(bytes, 0, bytes.Length));
    }

    /// <summary>The ONNX model's bytes (a serialized ModelProto), as <see cref="Export{T}"/> writes them.</summary>
    /// <param name="model">The model; every activation must be built in (a custom one is refused).</param>
    /// <param name="seed">The training seed to record in the metadata, or null when unknown.</param>
    /// <exception cref="NotSupportedException">A layer has a custom activation, or the scaling is not a built-in one.</exception>
    public static byte[] ToBytes<T>(Model<T> model, long? seed = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        return new Builder<T>().Build(model, seed).ToByteArray();
    }

    /// <summary>The name of the graph's output: "probabilities" for a cross-entropy loss, else "output".</summary>
    /// <param name="loss">The model's loss.</param>
    public static string OutputName(Loss loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        return loss is CategoricalCrossEntropyLoss or BinaryCrossEntropyLoss ? "probabilities" : "output";
    }

    private sealed class Builder<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly P.GraphProto _graph = new() { Name = "pure_mlp" };
        private readonly P.TensorProto.Types.DataType _type = typeof(T) == typeof(float) ? P.TensorProto.Types.DataType.Float
            : typeof(T) == typeof(double) ? P.TensorProto.Types.DataType.Double
            : throw new NotSupportedException($"ONNX export supports float and double, got {typeof(T).Name}.");
        private int _next;

        public P.ModelProto Build(Model<T> model, long? seed)
        {
            var layers = model.Network.Layers;
            for (int l = 0; l < layers.Length; l++)
                if (!IsBuiltIn(layers[l].Activation))
                    throw new NotSupportedException(
                        $"Cannot export layer {l + 1} to ONNX: its activation \"{layers[l].Activation.Name}\" is custom ({layers[l].Activation.GetType().Name}); "
                        + "only identity, sigmoid, tanh, relu, leaky_relu and softmax have ONNX operators.");
            string outputName = OutputName(model.Loss);
            _graph.Input.Add(Value("input", model.Network.InputSize));
            string current = "input";
            if (model.Scaling is not null)
            {
                var (offset, divisor) = OffsetAndDivisor(model.Scaling, nameof(model.Scaling));
                current = Node("Sub", [current, Initializer("scaling_offset", offset)]);
                current = Node("Div", [current, Initializer("scaling_divisor", divisor)]);
            }
            for (int l = 0; l < layers.Length; l++)
            {
                var layer = layers[l];
                var weight = new T[layer.Weight.Count];
                for (int j = 0; j < layer.OutputSize; j++)
                    for (int k = 0; k < layer.InputSize; k++) weight[j * layer.InputSize + k] = layer.Weight[j, k];
                string w = Initializer($"layer{l + 1}_weight", weight, [layer.OutputSize, layer.InputSize]);
                string b = Initializer($"layer{l + 1}_bias", layer.Bias.AsSpan().ToArray());
                current = Node("Gemm", [current, w, b], Attribute("transB", 1));
                current = Activation(layer.Activation, current, l + 1);
            }
            if (model.TargetScaling is not null)
            {
                var (offset, scale) = OffsetAndDivisor(model.TargetScaling, nameof(model.TargetScaling));
                current = Node("Mul", [current, Initializer("target_scale", scale)]);
                current = Node("Add", [current, Initializer("target_offset", offset)]);
            }
            Node("Identity", [current], output: outputName);
            _graph.Output.Add(Value(outputName, model.Network.OutputSize));

            var proto = new P.ModelProto
            {
                IrVersion = IrVersion,
                ProducerName = "Pure",
                ProducerVersion = PureVersion,
                Graph = _graph,
                DocString = $"Pure MLP {model.Network.Architecture}, loss {model.Loss.Name}, {typeof(T).Name}",
            };
            proto.OpsetImport.Add(new P.OperatorSetIdProto { Domain = "", Version = Opset });
            Metadata(proto, "architecture", model.Network.Architecture);
            Metadata(proto, "pure_version", PureVersion);
            Metadata(proto, "loss", model.Loss.Name);
            Metadata(proto, "dtype", typeof(T) == typeof(float) ? "float32" : "float64");
            if (model.Loss.Reduction == Reduction.Sum) Metadata(proto, "reduction", "sum");
            if (model.Loss is HuberLoss huber) Metadata(proto, "huber_delta", huber.Delta.ToString("R", CultureInfo.InvariantCulture));
            if (model.Scaling is not null) Metadata(proto, "scaling", ScalingKind(model.Scaling));
            if (model.TargetScaling is not null) Metadata(proto, "target_scaling", ScalingKind(model.TargetScaling));
            if (model.Classes is not null)
                Metadata(proto, "classes", System.Text.Json.JsonSerializer.Serialize(model.Classes.Classes));
            if (seed is long s) Metadata(proto, "seed", s.ToString(CultureInfo.InvariantCulture));
            return proto;
        }

        private static bool IsBuiltIn(Activation activation) =>
            activation is IdentityActivation or SigmoidActivation or TanhActivation or ReluActivation or LeakyReluActivation or SoftmaxActivation;

        private string Activation(Activation activation, string z, int layer) => activation switch
        {
            IdentityActivation => z,
            SigmoidActivation => Node("Sigmoid", [z]),
            TanhActivation => Node("Tanh", [z]),
            ReluActivation => Node("Relu", [z]),
            SoftmaxActivation => Node("Softmax", [z], Attribute("axis", 1)),
            LeakyReluActivation leaky when _type == P.TensorProto.Types.DataType.Float =>
                Node("LeakyRelu", [z], new P.AttributeProto { Name = "alpha", Type = P.AttributeProto.Types.AttributeType.Float, F = (float)leaky.Slope }),
            LeakyReluActivation leaky => Node("Max", [z, Node("Mul", [z, Initializer($"layer{layer}_leaky_slope", [T.CreateChecked(leaky.Slope)], [])])]),
            _ => throw new NotSupportedException($"Cannot export the activation \"{activation.Name}\" to ONNX."),
        };

        private string Node(string op, string[] inputs, P.AttributeProto? attribute = null, string? output = null)
        {
            output ??= $"{op.ToLowerInvariant()}_{_next}";
            var node = new P.NodeProto { OpType = op, Name = $"{op}_{_next++}" };
            node.Input.AddRange(inputs);
            node.Output.Add(output);
            if (attribute is not null) node.Attribute.Add(attribute);
            _graph.Node.Add(node);
            return output;
        }

        private static P.AttributeProto Attribute(string name, long value) =>
            new() { Name = name, Type = P.AttributeProto.Types.AttributeType.Int, I = value };

        /// <summary>Adds a tensor initializer of shape <paramref name="dims"/> (null: a vector of the values' length; empty: a scalar).</summary>
        private string Initializer(string name, T[] values, long[]? dims = null)
        {
            var tensor = new P.TensorProto { Name = name, DataType = (int)_type };
            tensor.Dims.AddRange(dims ?? [values.Length]);
            byte[] raw = new byte[values.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>()];
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(raw);
            if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw_data is little-endian; this machine is not.");
            tensor.RawData = ByteString.CopyFrom(raw);
            _graph.Initializer.Add(tensor);
            return name;
        }

        private P.ValueInfoProto Value(string name, int features)
        {
            var shape = new P.TensorShapeProto();
            shape.Dim.Add(new P.TensorShapeProto.Types.Dimension { DimParam = "batch" });
            shape.Dim.Add(new P.TensorShapeProto.Types.Dimension { DimValue = features });
            return new P.ValueInfoProto
            {
                Name = name,
                Type = new P.TypeProto { TensorType = new P.TypeProto.Types.Tensor { ElemType = (int)_type, Shape = shape } },
            };
        }

        private static (T[] Offset, T[] Divisor) OffsetAndDivisor(FeatureScaling<T> scaling, string name) => scaling switch
        {
            Standardization<T> s => (s.Mean.AsSpan().ToArray(), s.Scale.AsSpan().ToArray()),
            MinMaxScaling<T> m => (m.Minimum.AsSpan().ToArray(), m.Range.AsSpan().ToArray()),
            _ => throw new NotSupportedException($"Cannot export the {name} {scaling.GetType().Name} to ONNX: only Standardization and MinMaxScaling are supported."),
        };

        private static string ScalingKind(FeatureScaling<T> scaling) => scaling is MinMaxScaling<T> ? "min_max" : "standardization";

        private static void Metadata(P.ModelProto proto, string key, string value) =>
            proto.MetadataProps.Add(new P.StringStringEntryProto { Key = key, Value = value });
    }

    private static string PureVersion =>
        typeof(Model<>).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(Model<>).Assembly.GetName().Version?.ToString() ?? "unknown";
}
