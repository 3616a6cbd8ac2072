using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;
using Google.Protobuf;
using P = Pure.OnnxSchema;

namespace Pure;

// ONNX import; the class's documentation is in Onnx.cs, the accepted graphs in the remarks of Import(string).
public static partial class Onnx
{
    /// <summary>The lowest opset of the default domain that <see cref="Import{T}(string, ReadLimits?)"/> accepts.</summary>
    public const int MinImportOpset = 7;

    /// <summary>The highest opset of the default domain that <see cref="Import{T}(string, ReadLimits?)"/> accepts.</summary>
    public const int MaxImportOpset = 23;

    /// <summary>Reads the ONNX MLP in <paramref name="path"/> as a model (see the remarks for what is accepted and the loss chosen).</summary>
    /// <remarks>
    /// <para>Accepted: one graph input [batch, n_0] (any batch dimension) and one output, opset 7 to 23 of the default
    /// domain, and a single chain of nodes from the input to the output:</para>
    /// <list type="bullet">
    /// <item>optionally Sub(x, offset) then Div(·, divisor), vectors of n_0: the input scaling (the model's
    /// <see cref="Model{T}.Scaling"/>);</item>
    /// <item>per layer, Gemm(A, W, b) with alpha = beta = 1, transA = 0 and transB = 1 (W is n_l x n_{l-1}) or 0 (W is
    /// n_{l-1} x n_l), b optional (zero) of n_l values; or MatMul(A, W) with W n_{l-1} x n_l, optionally followed by
    /// Add with n_l values (PyTorch writes MatMul for a Linear without bias);</item>
    /// <item>then at most one activation: Relu, Tanh, Sigmoid, Softmax (axis 1 or -1), LeakyRelu, or Max(z, Mul(z, s))
    /// with a scalar 0 ≤ s &lt; 1 (Pure's float64 form); none means identity;</item>
    /// <item>optionally, after the last layer, Mul(·, scale) then Add(·, offset), vectors of n_L: the target scaling
    /// (<see cref="Model{T}.TargetScaling"/>, inverted by <see cref="Model{T}.Predict"/>);</item>
    /// <item>Identity nodes anywhere; constants as initializers or Constant nodes, in raw_data, float_data or double_data;
    /// a weight may be Transpose(constant matrix) (PyTorch without constant folding).</item>
    /// </list>
    /// <para>The loss: when the producer is "Pure", the one named by the metadata ("loss", "reduction", "huber_delta"),
    /// and the classes and the kinds of the scalings from "classes", "scaling" and "target_scaling"; otherwise
    /// <see cref="Loss.CategoricalCrossEntropy"/> when the last layer is a softmax and <see cref="Loss.Squared"/> else,
    /// no classes, and <see cref="Standardization{T}"/> for both scalings (they compute the same as MinMaxScaling).</para>
    /// <para>Numbers: a float32 graph imports exactly as <c>Import&lt;double&gt;</c> (every float is a double); a float64
    /// graph imported as float is refused (narrowing would round every weight). A LeakyRelu's alpha, a float32 attribute,
    /// becomes the double with the shortest decimal form of that float (0.2f gives 0.2, as PyTorch's LeakyReLU(0.2)).</para>
    /// <para>Anything else is refused: <see cref="NotSupportedException"/> for a valid graph Pure cannot represent (an
    /// unsupported operator, attribute, branch, second input, data type), <see cref="InvalidDataException"/> for a
    /// malformed file (not a protobuf ModelProto, missing or mis-shaped tensors, shapes that do not chain, non-finite
    /// values, sizes above <see cref="ReadLimits"/>); each message names the source and the node (name and op_type).</para>
    /// </remarks>
    /// <param name="path">The .onnx file.</param>
    /// <param name="limits">The resource limits (layer width, parameters); null for <see cref="ReadLimits.Default"/>.</param>
    /// <exception cref="NotSupportedException">The graph is valid ONNX that a Pure model cannot represent; the message names the node.</exception>
    /// <exception cref="InvalidDataException">The file is not a well-formed ONNX MLP; the message names the file and the node or tensor.</exception>
    public static Model<T> Import<T>(string path, ReadLimits? limits = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var stream = File.OpenRead(path);
        return Import<T>(stream, path, limits);
    }

    /// <summary>Reads an ONNX MLP from its bytes (a serialized ModelProto), as <see cref="Import{T}(string, ReadLimits?)"/> does.</summary>
    /// <param name="bytes">The model's bytes; not modified.</param>
    /// <param name="limits">The resource limits; null for <see cref="ReadLimits.Default"/>.</param>
    /// <exception cref="NotSupportedException">The graph is valid ONNX that a Pure model cannot represent.</exception>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed ONNX MLP.</exception>
    public static Model<T> Import<T>(byte[] bytes, ReadLimits? limits = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return new Importer<T>(Parse(bytes, "the ONNX bytes"), "the ONNX bytes", limits ?? ReadLimits.Default).Model();
    }

    /// <summary>Reads an ONNX MLP from <paramref name="stream"/> (read to its end, left open), as <see cref="Import{T}(string, ReadLimits?)"/> does.</summary>
    /// <param name="stream">The stream holding a serialized ModelProto.</param>
    /// <param name="source">The name of the stream in error messages, for example a file name.</param>
    /// <param name="limits">The resource limits; null for <see cref="ReadLimits.Default"/>.</param>
    /// <exception cref="NotSupportedException">The graph is valid ONNX that a Pure model cannot represent.</exception>
    /// <exception cref="InvalidDataException">The stream does not hold a well-formed ONNX MLP, or is 2 GiB or more (protobuf's limit).</exception>
    public static Model<T> Import<T>(Stream stream, string source, ReadLimits? limits = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + read >= int.MaxValue)
                throw new InvalidDataException($"{source}: an ONNX model must be smaller than 2 GiB (protobuf's limit); this one is larger.");
            buffer.Write(chunk, 0, read);
        }
        return new Importer<T>(Parse(buffer.ToArray(), source), source, limits ?? ReadLimits.Default).Model();
    }

    /// <summary>The element type of the graph input of an ONNX model, "float32" or "float64", to choose T for <see cref="Import{T}(string, ReadLimits?)"/>.</summary>
    /// <param name="path">The .onnx file.</param>
    /// <exception cref="InvalidDataException">The file is not a ModelProto, or its input is not a float or double tensor.</exception>
    public static string ReadDType(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var proto = Parse(File.ReadAllBytes(path), path);
        var inputs = proto.Graph?.Input.Where(input => proto.Graph.Initializer.All(tensor => tensor.Name != input.Name)).ToArray() ?? [];
        int type = inputs.Length == 1 ? inputs[0].Type?.TensorType?.ElemType ?? 0 : 0;
        return type switch
        {
            (int)P.TensorProto.Types.DataType.Float => "float32",
            (int)P.TensorProto.Types.DataType.Double => "float64",
            _ => throw new InvalidDataException($"{path}: expected one graph input of element type float or double, got {inputs.Length} input(s){(inputs.Length == 1 ? $" of element type {TypeName(type)}" : "")}."),
        };
    }

    private static P.ModelProto Parse(byte[] bytes, string source)
    {
        try
        {
            var proto = P.ModelProto.Parser.ParseFrom(bytes);
            return proto.Graph is null
                ? throw new InvalidDataException($"{source}: not an ONNX model: the ModelProto has no graph ({bytes.Length} bytes).")
                : proto;
        }
        catch (InvalidProtocolBufferException error)
        {
            throw new InvalidDataException($"{source}: not a valid ONNX model (a truncated or corrupt protobuf ModelProto, {bytes.Length} bytes): {error.Message}", error);
        }
    }

    private static string TypeName(int type) =>
        Enum.IsDefined(typeof(P.TensorProto.Types.DataType), type) ? ((P.TensorProto.Types.DataType)type).ToString().ToUpperInvariant() : $"#{type}";

    /// <summary>One layer being read (private scratch of the importer): its linear node, W (n_l x n_{l-1}, row-major), b, and its activation once seen.</summary>
    private sealed class PendingLayer(P.NodeProto node, int outputs, int inputs, double[] weight)
    {
        public P.NodeProto Node { get; } = node;

        public int Outputs { get; } = outputs;

        public int Inputs { get; } = inputs;

        public double[] Weight { get; } = weight;

        public double[] Bias { get; set; } = new double[outputs];

        public Activation? Activation { get; set; }
    }

    private sealed class Importer<T>(P.ModelProto proto, string source, ReadLimits limits) where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly P.GraphProto _graph = proto.Graph;
        private readonly Dictionary<string, (P.TensorProto Tensor, P.NodeProto? Constant)> _constants = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<P.NodeProto>> _consumers = new(StringComparer.Ordinal);
        private readonly HashSet<P.NodeProto> _used = new(ReferenceEqualityComparer.Instance);
        private readonly List<PendingLayer> _layers = [];
        private P.TensorProto.Types.DataType _type;
        private long _parameters;
        private (double[] Offset, double[] Divisor, P.NodeProto Node)? _scaling;
        private (double[] Scale, double[] Offset, P.NodeProto Node)? _targetScaling;

        public Model<T> Model()
        {
            CheckOpset();
            CollectConstants();
            var input = SingleInput();
            var output = _graph.Output.Count == 1
                ? _graph.Output[0]
                : throw new NotSupportedException($"{source}: a Pure model has one output; this graph has {_graph.Output.Count} ({string.Join(", ", _graph.Output.Select(o => $"'{o.Name}'"))}).");
            _type = ElementType(input, "input");
            if (_type == P.TensorProto.Types.DataType.Double && typeof(T) == typeof(float))
                throw new NotSupportedException($"{source}: the graph is float64; importing it as float32 would round every weight; import it as double (Onnx.Import<double>).");
            foreach (var node in _graph.Node)
            {
                if (node.Domain is not ("" or "ai.onnx"))
                    throw new NotSupportedException($"{source}: {Describe(node)} is in the domain '{node.Domain}'; Pure imports only operators of the default ONNX domain.");
                if (node.Output.Count != 1)
                    throw new NotSupportedException($"{source}: {Describe(node)} has {node.Output.Count} outputs; Pure imports nodes with one output.");
                foreach (string name in node.Input.Where(name => name.Length > 0))
                {
                    if (!_consumers.TryGetValue(name, out var list)) _consumers[name] = list = [];
                    list.Add(node);
                }
            }
            Walk(input.Name, output.Name);
            var unused = _graph.Node.FirstOrDefault(node => !_used.Contains(node));
            if (unused is not null)
                throw new NotSupportedException($"{source}: {Describe(unused)} is not on the single chain from the input '{input.Name}' to the output '{output.Name}'; Pure imports only a chain of layers.");
            if (_layers.Count == 0)
                throw new NotSupportedException($"{source}: the graph has no Gemm or MatMul layer between the input '{input.Name}' and the output '{output.Name}'.");
            CheckDeclaredWidth(input, _layers[0].Inputs, "input");
            CheckDeclaredWidth(output, _layers[^1].Outputs, "output");
            return Build();
        }

        private void CheckOpset()
        {
            var opset = proto.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")
                ?? throw new InvalidDataException($"{source}: the model imports no opset of the default ONNX domain.");
            if (opset.Version is < MinImportOpset or > MaxImportOpset)
                throw new NotSupportedException($"{source}: expected an opset of the default domain from {MinImportOpset} to {MaxImportOpset}, got {opset.Version}.");
            if (_graph.SparseInitializer.Count > 0)
                throw new NotSupportedException($"{source}: the graph has sparse initializers ('{_graph.SparseInitializer[0].Values?.Name}'); Pure imports dense tensors only.");
        }

        private void CollectConstants()
        {
            foreach (var tensor in _graph.Initializer) AddConstant(tensor.Name, tensor, null);
            foreach (var node in _graph.Node.Where(node => node.OpType == "Constant"))
            {
                var value = node.Attribute.FirstOrDefault(a => a.Name == "value" && a.T is not null);
                if (value is null || node.Attribute.Count != 1 || node.Output.Count != 1)
                    throw new NotSupportedException($"{source}: {Describe(node)} is not a Constant with one tensor attribute 'value' and one output; Pure imports only tensor constants.");
                AddConstant(node.Output[0], value.T, node);
                _used.Add(node);
            }
        }

        private void AddConstant(string name, P.TensorProto tensor, P.NodeProto? node)
        {
            if (string.IsNullOrEmpty(name))
                throw new InvalidDataException($"{source}: an initializer or Constant has no name.");
            if (!_constants.TryAdd(name, (tensor, node)))
                throw new InvalidDataException($"{source}: the constant '{name}' is defined twice.");
        }

        private P.ValueInfoProto SingleInput()
        {
            var inputs = _graph.Input.Where(input => !_constants.ContainsKey(input.Name)).ToArray();
            return inputs.Length == 1
                ? inputs[0]
                : throw new NotSupportedException($"{source}: a Pure model has one input; this graph has {inputs.Length} that are not initializers ({string.Join(", ", inputs.Select(i => $"'{i.Name}'"))}).");
        }

        private P.TensorProto.Types.DataType ElementType(P.ValueInfoProto value, string role)
        {
            var tensor = value.Type?.TensorType
                ?? throw new NotSupportedException($"{source}: the graph {role} '{value.Name}' is not a tensor.");
            if (tensor.ElemType is not ((int)P.TensorProto.Types.DataType.Float or (int)P.TensorProto.Types.DataType.Double))
                throw new NotSupportedException($"{source}: the graph {role} '{value.Name}' has element type {TypeName(tensor.ElemType)}; Pure imports FLOAT (float32) or DOUBLE (float64).");
            if (tensor.Shape is not null && tensor.Shape.Dim.Count != 2)
                throw new NotSupportedException($"{source}: the graph {role} '{value.Name}' has rank {tensor.Shape.Dim.Count}; Pure imports [batch, features] tensors (rank 2).");
            return (P.TensorProto.Types.DataType)tensor.ElemType;
        }

        private void CheckDeclaredWidth(P.ValueInfoProto value, int width, string role)
        {
            var tensor = value.Type?.TensorType
                ?? throw new NotSupportedException($"{source}: the graph {role} '{value.Name}' is not a tensor.");
            if (role == "output" && tensor.ElemType != 0 && tensor.ElemType != (int)_type)
                throw new InvalidDataException($"{source}: the graph output '{value.Name}' has element type {TypeName(tensor.ElemType)}, the input {TypeName((int)_type)}.");
            if (role == "output" && tensor.Shape is not null && tensor.Shape.Dim.Count != 2)
                throw new NotSupportedException($"{source}: the graph output '{value.Name}' has rank {tensor.Shape.Dim.Count}; Pure imports [batch, features] tensors (rank 2).");
            if (tensor.Shape is { Dim.Count: 2 } shape && shape.Dim[1].HasDimValue && shape.Dim[1].DimValue != width)
                throw new InvalidDataException($"{source}: the graph {role} '{value.Name}' declares {shape.Dim[1].DimValue} features, but the layers give {width}.");
        }

        private string Describe(P.NodeProto node) =>
            $"node '{(node.Name.Length > 0 ? node.Name : $"#{_graph.Node.IndexOf(node)}")}' ({node.OpType})";

        /// <summary>Follows the chain from <paramref name="current"/> to <paramref name="output"/>, one node (or fused pair) at a time.</summary>
        private void Walk(string current, string output)
        {
            while (current != output)
            {
                var consumers = Consumers(current);
                if (consumers.Count == 0)
                    throw new InvalidDataException($"{source}: the value '{current}' is not the graph output '{output}' and no node uses it; the chain from the input does not reach the output.");
                if (consumers.Count == 2 && TryMaxLeaky(current, consumers, out string next))
                {
                    current = next;
                    continue;
                }
                if (consumers.Count > 1)
                    throw new NotSupportedException($"{source}: the value '{current}' feeds {consumers.Count} nodes ({string.Join(", ", consumers.Select(Describe))}); a branch cannot be a Pure MLP.");
                var node = consumers[0];
                if (!_used.Add(node))
                    throw new InvalidDataException($"{source}: {Describe(node)} is reached twice from the input (a cycle); an ONNX graph is acyclic.");
                current = node.OpType switch
                {
                    "Identity" => Unary(node, current),
                    "Sub" => InputScaling(node, current),
                    "Gemm" => Gemm(node, current),
                    "MatMul" => MatMul(node, current),
                    "Relu" => SetActivation(node, current, Activation.Relu),
                    "Tanh" => SetActivation(node, current, Activation.Tanh),
                    "Sigmoid" => SetActivation(node, current, Activation.Sigmoid),
                    "Softmax" => SetActivation(node, current, Softmax(node)),
                    "LeakyRelu" => SetActivation(node, current, LeakyRelu(node)),
                    "Mul" => TargetScaling(node, current),
                    _ => throw new NotSupportedException(
                        $"{source}: {Describe(node)} is not supported: Pure imports chains of Gemm or MatMul(+Add) layers with Relu, LeakyRelu, Tanh, Sigmoid or Softmax, "
                        + "Sub/Div input scaling, Mul/Add target scaling and Identity."),
                };
                if (_targetScaling is not null && current != output && Consumers(current) is [var after] && after.OpType != "Identity")
                    throw new NotSupportedException($"{source}: {Describe(after)} follows the target scaling Mul/Add ({Describe(_targetScaling.Value.Node)}); a Pure model's target scaling ends the graph.");
            }
            if (_layers.Count > 0) _layers[^1].Activation ??= Activation.Identity;
        }

        private List<P.NodeProto> Consumers(string value) =>
            _consumers.TryGetValue(value, out var list) ? list.Distinct(ReferenceEqualityComparer.Instance).Cast<P.NodeProto>().ToList() : [];

        /// <summary>The one output of a node whose only non-constant input must be <paramref name="current"/>.</summary>
        private string Unary(P.NodeProto node, string current, int inputs = 1)
        {
            if (node.Input.Count != inputs || node.Input[0] != current)
                throw new NotSupportedException($"{source}: {Describe(node)} has inputs ({string.Join(", ", node.Input.Select(i => $"'{i}'"))}); expected '{current}'{(inputs > 1 ? " and constants" : "")}.");
            return node.Output[0];
        }

        /// <summary>The one node that consumes <paramref name="value"/> when it has the op type <paramref name="op"/>, else null.</summary>
        private P.NodeProto? Next(string value, string op) => Consumers(value) is [var node] && node.OpType == op ? node : null;

        private string InputScaling(P.NodeProto sub, string current)
        {
            if (_layers.Count > 0 || _scaling is not null)
                throw new NotSupportedException($"{source}: {Describe(sub)} comes after the first layer or a first Sub; a Pure model scales its input once, before the first layer, as Sub then Div.");
            double[] offset = VectorOperand(sub, current, "offset");
            var div = Next(sub.Output[0], "Div")
                ?? throw new NotSupportedException($"{source}: {Describe(sub)} is not followed by a Div; Pure reads input scaling as Sub(x, offset) then Div(·, divisor).");
            _used.Add(div);
            double[] divisor = VectorOperand(div, sub.Output[0], "divisor");
            _scaling = (offset, divisor, sub);
            return div.Output[0];
        }

        private string TargetScaling(P.NodeProto mul, string current)
        {
            if (_layers.Count == 0 || _targetScaling is not null)
                throw new NotSupportedException($"{source}: {Describe(mul)} is not after the last layer; Pure reads Mul only as the target scaling Mul(y, scale) then Add(·, offset) at the end.");
            _layers[^1].Activation ??= Activation.Identity;
            double[] scale = VectorOperand(mul, current, "scale");
            var add = Next(mul.Output[0], "Add")
                ?? throw new NotSupportedException($"{source}: {Describe(mul)} is not followed by an Add; Pure reads target scaling as Mul(y, scale) then Add(·, offset).");
            _used.Add(add);
            double[] offset = VectorOperand(add, mul.Output[0], "offset");
            _targetScaling = (scale, offset, mul);
            return add.Output[0];
        }

        /// <summary>The constant second input of a binary node whose first input is <paramref name="current"/> (a vector, or a [1, n] matrix).</summary>
        private double[] VectorOperand(P.NodeProto node, string current, string role, bool commutative = false)
        {
            if (node.Input.Count != 2 || (node.Input[0] != current && !(commutative && node.Input[1] == current)))
                throw new NotSupportedException($"{source}: {Describe(node)} has inputs ({string.Join(", ", node.Input.Select(i => $"'{i}'"))}); expected '{current}' then a constant {role}.");
            string name = node.Input[0] == current ? node.Input[1] : node.Input[0];
            var (values, dims) = Constant(node, name, role);
            if (dims.Length > 2 || (dims.Length == 2 && dims[0] != 1))
                throw new NotSupportedException($"{source}: {Describe(node)}: the {role} '{name}' has shape [{string.Join(", ", dims)}]; expected a vector (or [1, n]).");
            return values;
        }

        private string Gemm(P.NodeProto node, string current)
        {
            double alpha = 1, beta = 1;
            long transA = 0, transB = 0;
            foreach (var attribute in node.Attribute)
                switch (attribute.Name)
                {
                    case "alpha": alpha = attribute.F; break;
                    case "beta": beta = attribute.F; break;
                    case "transA": transA = attribute.I; break;
                    case "transB": transB = attribute.I; break;
                    default: throw new NotSupportedException($"{source}: {Describe(node)} has the unknown attribute '{attribute.Name}'.");
                }
            if (alpha != 1 || beta != 1 || transA != 0 || transB is not (0 or 1))
                throw new NotSupportedException(
                    $"{source}: {Describe(node)} has alpha = {alpha.ToString("R", CultureInfo.InvariantCulture)}, beta = {beta.ToString("R", CultureInfo.InvariantCulture)}, transA = {transA}, transB = {transB}; "
                    + "Pure imports Gemm with alpha = 1, beta = 1, transA = 0 and transB = 0 or 1.");
            if (node.Input.Count is < 2 or > 3 || node.Input[0] != current)
                throw new NotSupportedException($"{source}: {Describe(node)} has inputs ({string.Join(", ", node.Input.Select(i => $"'{i}'"))}); expected '{current}', a constant weight and an optional constant bias.");
            var layer = Layer(node, node.Input[1], transposed: transB == 0);
            if (node.Input.Count == 3 && node.Input[2].Length > 0) layer.Bias = Bias(node, node.Input[2], layer.Outputs);
            _layers.Add(layer);
            return node.Output[0];
        }

        private string MatMul(P.NodeProto node, string current)
        {
            if (node.Input.Count != 2 || node.Input[0] != current)
                throw new NotSupportedException($"{source}: {Describe(node)} has inputs ({string.Join(", ", node.Input.Select(i => $"'{i}'"))}); expected '{current}' then a constant weight.");
            var layer = Layer(node, node.Input[1], transposed: true);
            string result = node.Output[0];
            if (Next(result, "Add") is { } add && add.Input.Count == 2 && add.Output.Count == 1 && (add.Input[0] == result ? add.Input[1] : add.Input[0]) is var biasName && _constants.ContainsKey(biasName))
            {
                _used.Add(add);
                layer.Bias = Bias(add, biasName, layer.Outputs);
                result = add.Output[0];
            }
            _layers.Add(layer);
            return result;
        }

        /// <summary>A new layer whose weight is the constant <paramref name="name"/>: n_l x n_{l-1}, or n_{l-1} x n_l when <paramref name="transposed"/>.</summary>
        private PendingLayer Layer(P.NodeProto node, string name, bool transposed)
        {
            if (_layers.Count > 0) _layers[^1].Activation ??= Activation.Identity;
            var (values, dims) = Constant(node, name, "weight");
            if (dims.Length != 2)
                throw new InvalidDataException($"{source}: {Describe(node)}: the weight '{name}' has shape [{string.Join(", ", dims)}]; expected a matrix.");
            foreach (long dim in dims) limits.Check("layer-width", dim, source, $"{Describe(node)}: the weight '{name}' of shape [{string.Join(", ", dims)}]");
            int outputs = (int)(transposed ? dims[1] : dims[0]), inputs = (int)(transposed ? dims[0] : dims[1]);
            int expected = _layers.Count > 0 ? _layers[^1].Outputs : _scaling?.Offset.Length ?? inputs;
            if (inputs != expected)
                throw new InvalidDataException(
                    $"{source}: {Describe(node)}: the weight '{name}' [{string.Join(", ", dims)}]{(transposed ? "" : " (transB = 1)")} takes {inputs} inputs, but "
                    + (_layers.Count > 0 ? $"the previous layer ({Describe(_layers[^1].Node)}) gives {expected}" : $"the input scaling has {expected} features") + "; the shapes do not chain.");
            if (_layers.Count == 0 && _scaling is { } scaling && scaling.Divisor.Length != inputs)
                throw new InvalidDataException($"{source}: {Describe(scaling.Node)}: the scaling has {scaling.Offset.Length} offsets and {scaling.Divisor.Length} divisors; the first layer takes {inputs} inputs.");
            _parameters += (long)outputs * inputs + outputs;
            limits.Check("parameters", _parameters, source, $"{_parameters} parameters up to {Describe(node)} (layer {_layers.Count + 1})");
            var weight = values;
            if (transposed)
            {
                weight = new double[values.Length];
                for (int j = 0; j < outputs; j++)
                    for (int k = 0; k < inputs; k++) weight[j * inputs + k] = values[k * outputs + j];
            }
            return new PendingLayer(node, outputs, inputs, weight);
        }

        private double[] Bias(P.NodeProto node, string name, int outputs)
        {
            var (values, dims) = Constant(node, name, "bias");
            if (values.Length != outputs || dims.Length > 2 || (dims.Length == 2 && dims[0] != 1))
                throw new InvalidDataException($"{source}: {Describe(node)}: the bias '{name}' has shape [{string.Join(", ", dims)}]; expected [{outputs}] (one value per output).");
            return values;
        }

        private string SetActivation(P.NodeProto node, string current, Activation activation)
        {
            Unary(node, current);
            return Attach(node, activation);
        }

        /// <summary>Gives the last layer the activation computed by <paramref name="node"/>; returns the node's output.</summary>
        private string Attach(P.NodeProto node, Activation activation)
        {
            if (_layers.Count == 0 || _layers[^1].Activation is not null || _targetScaling is not null)
                throw new NotSupportedException(
                    $"{source}: {Describe(node)} does not directly follow a Gemm or MatMul layer"
                    + (_layers.Count > 0 && _layers[^1].Activation is { } previous ? $" (layer {_layers.Count} already has the activation {previous.Name})" : "")
                    + "; a Pure layer has one activation after its linear map.");
            _layers[^1].Activation = activation;
            return node.Output[0];
        }

        private Activation Softmax(P.NodeProto node)
        {
            long axis = node.Attribute.FirstOrDefault(a => a.Name == "axis")?.I ?? 1;
            if (axis is not (1 or -1) || node.Attribute.Any(a => a.Name != "axis"))
                throw new NotSupportedException($"{source}: {Describe(node)} has axis = {axis}; Pure's softmax is over the features of each sample (axis 1 or -1 of [batch, features]).");
            return Activation.Softmax;
        }

        private Activation LeakyRelu(P.NodeProto node)
        {
            float alpha = node.Attribute.FirstOrDefault(a => a.Name == "alpha")?.F ?? 0.01f;
            double slope = double.Parse(alpha.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            return slope is >= 0 and < 1
                ? Activation.LeakyRelu(slope)
                : throw new NotSupportedException($"{source}: {Describe(node)} has alpha = {slope.ToString("R", CultureInfo.InvariantCulture)}; Pure's leaky rectifier needs a slope in [0, 1).");
        }

        /// <summary>Pure's float64 leaky rectifier: z feeds Mul(z, s) and Max(z, that), with a scalar s in [0, 1).</summary>
        private bool TryMaxLeaky(string z, List<P.NodeProto> consumers, out string next)
        {
            next = "";
            var mul = consumers.FirstOrDefault(n => n.OpType == "Mul");
            var max = consumers.FirstOrDefault(n => n.OpType == "Max");
            if (mul is null || max is null || mul.Output.Count != 1 || max.Output.Count != 1 || max.Input.Count != 2
                || !max.Input.Contains(z) || !max.Input.Contains(mul.Output[0]) || Consumers(mul.Output[0]).Count != 1)
                return false;
            _used.Add(mul);
            var slopeValues = VectorOperand(mul, z, "slope", commutative: true);
            if (slopeValues.Length != 1 || slopeValues[0] is not (>= 0 and < 1))
                throw new NotSupportedException($"{source}: {Describe(mul)} feeding {Describe(max)} is not a leaky rectifier: expected one scalar slope in [0, 1), got {slopeValues.Length} value(s), first {slopeValues.FirstOrDefault().ToString("R", CultureInfo.InvariantCulture)}.");
            _used.Add(max);
            next = Attach(max, Activation.LeakyRelu(slopeValues[0]));
            return true;
        }

        /// <summary>
        /// The matrix <paramref name="name"/> when a Transpose node (perm absent or [1, 0]) makes it from a constant matrix
        /// and only <paramref name="node"/> uses it (PyTorch without constant folding), else null.
        /// </summary>
        private (double[] Values, long[] Dims)? TransposedConstant(P.NodeProto node, string name, string role)
        {
            var producer = _graph.Node.FirstOrDefault(n => n.Output.Count == 1 && n.Output[0] == name);
            if (producer is not { OpType: "Transpose" } || producer.Input.Count != 1 || !_constants.ContainsKey(producer.Input[0]) || Consumers(name).Count != 1)
                return null;
            var perm = producer.Attribute.FirstOrDefault(a => a.Name == "perm");
            if (producer.Attribute.Any(a => a.Name != "perm") || (perm is not null && !perm.Ints.SequenceEqual([1L, 0L])))
                throw new NotSupportedException($"{source}: {Describe(producer)}, which makes the {role} of {Describe(node)}, is not a plain matrix transpose (perm [1, 0]).");
            var (values, dims) = Constant(producer, producer.Input[0], role);
            if (dims.Length != 2)
                throw new InvalidDataException($"{source}: {Describe(producer)}: the {role} '{producer.Input[0]}' has shape [{string.Join(", ", dims)}]; expected a matrix.");
            long rows = dims[0], columns = dims[1];
            var result = new double[values.Length];
            for (long r = 0; r < rows; r++)
                for (long c = 0; c < columns; c++) result[c * rows + r] = values[r * columns + c];
            _used.Add(producer);
            return (result, [columns, rows]);
        }

        /// <summary>The values and dims of the constant <paramref name="name"/> that <paramref name="node"/> uses as its <paramref name="role"/>.</summary>
        private (double[] Values, long[] Dims) Constant(P.NodeProto node, string name, string role)
        {
            if (!_constants.TryGetValue(name, out var constant) && TransposedConstant(node, name, role) is { } transposed)
                return transposed;
            if (constant.Tensor is null)
                throw _graph.Node.Any(n => n.Output.Contains(name))
                    ? new NotSupportedException($"{source}: {Describe(node)}: its {role} '{name}' is computed by a node, not an initializer or Constant; Pure imports constant weights only.")
                    : new InvalidDataException($"{source}: {Describe(node)}: its {role} '{name}' is not defined (no initializer, Constant or node output of that name).");
            var tensor = constant.Tensor;
            string what = $"{Describe(node)}: the {role} '{name}'";
            long[] dims = [.. tensor.Dims];
            long count = 1;
            foreach (long dim in dims)
            {
                if (dim < 0) throw new InvalidDataException($"{source}: {what} has a negative dimension in [{string.Join(", ", dims)}].");
                if (dim > limits.MaxParameters || (count = count * dim) > limits.MaxParameters)
                    throw LimitExceeded.Create(source, "parameters", limits.MaxParameters, Math.Max(dim, count), $"{what} declares [{string.Join(", ", dims)}] values");
            }
            if (tensor.DataLocation == P.TensorProto.Types.DataLocation.External)
                throw new NotSupportedException($"{source}: {what} is stored in an external file; Pure imports tensors stored in the model.");
            if (tensor.Segment is not null)
                throw new NotSupportedException($"{source}: {what} is a segment of a tensor; Pure imports whole tensors.");
            if (tensor.DataType != (int)_type)
                throw new NotSupportedException($"{source}: {what} has data type {TypeName(tensor.DataType)}; the graph input is {TypeName((int)_type)}, and Pure imports tensors of the input's type.");
            int size = _type == P.TensorProto.Types.DataType.Float ? sizeof(float) : sizeof(double);
            int typed = _type == P.TensorProto.Types.DataType.Float ? tensor.FloatData.Count : tensor.DoubleData.Count;
            var values = new double[count];
            if (tensor.RawData.Length > 0)
            {
                if (typed > 0) throw new InvalidDataException($"{source}: {what} has both raw_data and typed data.");
                if (tensor.RawData.Length != count * size)
                    throw new InvalidDataException($"{source}: {what} declares [{string.Join(", ", dims)}] = {count} values, {count * size} bytes, but raw_data holds {tensor.RawData.Length} bytes.");
                var raw = tensor.RawData.Span;
                for (int i = 0; i < count; i++)
                    values[i] = size == 4 ? System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(raw[(i * 4)..]) : System.Buffers.Binary.BinaryPrimitives.ReadDoubleLittleEndian(raw[(i * 8)..]);
            }
            else
            {
                if (typed != count)
                    throw new InvalidDataException($"{source}: {what} declares [{string.Join(", ", dims)}] = {count} values, but holds {typed}.");
                for (int i = 0; i < count; i++) values[i] = size == 4 ? tensor.FloatData[i] : tensor.DoubleData[i];
            }
            int bad = Array.FindIndex(values, v => !double.IsFinite(v));
            if (bad >= 0)
                throw new InvalidDataException($"{source}: {what} holds the non-finite value {values[bad].ToString("R", CultureInfo.InvariantCulture)} at flat index {bad}; Pure refuses non-finite parameters.");
            if (constant.Constant is { } constantNode) _used.Add(constantNode);
            return (values, dims);
        }

        private Model<T> Build()
        {
            try
            {
                var layers = _layers.Select(l => new DenseLayer<T>(
                    new ImmutableMatrix<T>(l.Outputs, l.Inputs, ColumnMajor(l)), ImmutableVector.Create(Convert(l.Bias)), l.Activation ?? Activation.Identity)).ToArray();
                var network = Network.FromLayers(layers);
                var metadata = proto.ProducerName == "Pure"
                    ? proto.MetadataProps.GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal)
                    : [];
                var scaling = _scaling is { } s ? Scaling(metadata, "scaling", s.Offset, s.Divisor) : null;
                var targetScaling = _targetScaling is { } t ? Scaling(metadata, "target_scaling", t.Offset, t.Scale) : null;
                var loss = ReadLoss(metadata, network);
                var classes = metadata.TryGetValue("classes", out string? json)
                    ? new ClassEncoding([.. System.Text.Json.JsonSerializer.Deserialize<string[]>(json) ?? throw new InvalidDataException($"{source}: the metadata 'classes' is null.")])
                    : null;
                return new Model<T>(network, loss, scaling, classes) { TargetScaling = targetScaling };
            }
            catch (Exception error) when (error is ArgumentException or System.Text.Json.JsonException)
            {
                throw new InvalidDataException($"{source}: the graph does not make a valid Pure model: {error.Message}", error);
            }
        }

        private static T[] ColumnMajor(PendingLayer layer)
        {
            var result = new T[layer.Weight.Length];
            for (int j = 0; j < layer.Outputs; j++)
                for (int k = 0; k < layer.Inputs; k++) result[k * layer.Outputs + j] = T.CreateChecked(layer.Weight[j * layer.Inputs + k]);
            return result;
        }

        private static T[] Convert(double[] values) => Array.ConvertAll(values, T.CreateChecked);

        private FeatureScaling<T> Scaling(Dictionary<string, string> metadata, string key, double[] offset, double[] divisor)
        {
            string kind = metadata.GetValueOrDefault(key, "standardization");
            var o = ImmutableVector.Create(Convert(offset));
            var d = ImmutableVector.Create(Convert(divisor));
            return kind switch
            {
                "standardization" => new Standardization<T>(o, d),
                "min_max" => new MinMaxScaling<T>(o, d),
                _ => throw new InvalidDataException($"{source}: the metadata '{key}' is \"{limits.Echo(kind)}\"; expected \"standardization\" or \"min_max\"."),
            };
        }

        private Loss ReadLoss(Dictionary<string, string> metadata, Network<T> network)
        {
            if (!metadata.TryGetValue("loss", out string? name))
                return network.Layers[^1].Activation is SoftmaxActivation ? Loss.CategoricalCrossEntropy : Loss.Squared;
            Loss loss = name switch
            {
                "absolute" => Loss.Absolute,
                "squared" => Loss.Squared,
                "half_squared" => Loss.HalfSquared,
                "binary_cross_entropy" => Loss.BinaryCrossEntropy,
                "categorical_cross_entropy" => Loss.CategoricalCrossEntropy,
                "huber" => Loss.Huber(metadata.TryGetValue("huber_delta", out string? delta) && double.TryParse(delta, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)
                    ? d : throw new InvalidDataException($"{source}: the metadata loss is \"huber\" without a numeric 'huber_delta'.")),
                _ => throw new InvalidDataException($"{source}: the metadata 'loss' is \"{limits.Echo(name)}\", not a built-in loss of Pure."),
            };
            return metadata.GetValueOrDefault("reduction") switch
            {
                null or "mean" => loss,
                "sum" => loss.WithReduction(Reduction.Sum),
                string other => throw new InvalidDataException($"{source}: the metadata 'reduction' is \"{limits.Echo(other)}\"; expected \"mean\" or \"sum\"."),
            };
        }
    }
}
