using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Pure.Properties;

/// <summary>
/// Records are values: a with-expression compiles on each public record and validates through its init accessors,
/// and equality and hash codes compare contents (arrays included) rather than references.
/// </summary>
public class RecordTests
{
    private static Network<double> NewNetwork(int seed = 7) =>
        Network.Create<double>([3, 4, 2], Activation.Tanh, Activation.Softmax, seed);

    private static ImmutableMatrix<double> Inputs() => ImmutableMatrix.Create<double>(3, 5, (i, j) => 0.25 * i - 0.5 * j + 0.125);

    private static ImmutableMatrix<double> OneHot() => ImmutableMatrix.Create<double>(2, 5, (i, j) => i == j % 2 ? 1 : 0);

    /// <summary>A copy of <paramref name="network"/> whose first weight differs in its last bit.</summary>
    private static Network<double> OneBitApart(Network<double> network)
    {
        var weight = network.Layers[0].Weight;
        var values = weight.ToColumnMajorArray();
        values[0] = Math.BitIncrement(values[0]);
        return network.WithLayer(0, network.Layers[0] with { Weight = ImmutableMatrix.FromColumnMajor<double>(weight.Rows, weight.Columns, values) });
    }

    [Fact]
    public void DenseLayer_with_replaces_weight_bias_and_activation_and_validates_each()
    {
        var layer = NewNetwork().Layers[0];
        var wider = ImmutableMatrix.Create<double>(4, 6, (i, j) => i + j);
        var bias = ImmutableVector.Create(1.0, 2.0, 3.0, 4.0);

        Assert.Equal(wider, (layer with { Weight = wider }).Weight);
        Assert.Equal(bias, (layer with { Bias = bias }).Bias);
        Assert.Same(Activation.Relu, (layer with { Activation = Activation.Relu }).Activation);
        Assert.Equal(layer.Bias, (layer with { Weight = wider }).Bias);

        var rows = Assert.Throws<ArgumentException>(() => layer with { Weight = ImmutableMatrix.Zeros<double>(5, 3) });
        Assert.Equal("Weight", rows.ParamName);
        Assert.Contains("Expected Weight to be 4 x n", rows.Message);
        Assert.Contains("5 x 3", rows.Message);
        var length = Assert.Throws<ArgumentException>(() => layer with { Bias = ImmutableVector.Create(1.0) });
        Assert.Equal("Bias", length.ParamName);
        Assert.Contains("length 4", length.Message);
        Assert.Contains("got length 1", length.Message);
        Assert.Equal("Weight", Assert.Throws<ArgumentException>(() => layer with { Weight = ImmutableMatrix.Create<double>(4, 3, (_, _) => double.NaN) }).ParamName);
        Assert.Equal("Bias", Assert.Throws<ArgumentException>(() => layer with { Bias = ImmutableVector.Create(0.0, double.PositiveInfinity, 0.0, 0.0) }).ParamName);
        Assert.Equal("Weight", Assert.Throws<ArgumentNullException>(() => layer with { Weight = null! }).ParamName);
        Assert.Equal("Bias", Assert.Throws<ArgumentNullException>(() => layer with { Bias = null! }).ParamName);
        Assert.Equal("Activation", Assert.Throws<ArgumentNullException>(() => layer with { Activation = null! }).ParamName);
    }

    [Fact]
    public void Changing_both_shapes_of_a_layer_needs_the_constructor()
    {
        var layer = NewNetwork().Layers[0];
        var weight = ImmutableMatrix.Zeros<double>(2, 3);
        var bias = ImmutableVector.Create(1.0, 2.0);

        Assert.Throws<ArgumentException>(() => layer with { Weight = weight, Bias = bias });
        Assert.Throws<ArgumentException>(() => layer with { Bias = bias, Weight = weight });
        var resized = new DenseLayer<double>(weight, bias, layer.Activation);
        Assert.Equal(2, resized.OutputSize);
        Assert.Throws<ArgumentException>(() => new LayerParameters<double>(weight, bias) with { Weight = ImmutableMatrix.Zeros<double>(3, 3) });
    }

    [Fact]
    public void With_methods_for_FSharp_match_the_with_expressions_and_keep_their_messages()
    {
        var network = NewNetwork();
        var layer = network.Layers[1];
        var bias = ImmutableVector.Create(0.5, -0.5);
        Assert.Equal(layer with { Bias = bias }, layer.WithBias(bias));
        Assert.Equal(layer with { Activation = Activation.Sigmoid }, layer.WithActivation(Activation.Sigmoid));
        Assert.Equal(layer with { Weight = layer.Weight.Map(x => 2 * x) }, layer.WithWeight(layer.Weight.Map(x => 2 * x)));
        var scaled = network.Parameters.Scale(0.5);
        Assert.Equal(network with { Layers = [network.Layers[0].WithParameters(scaled.Layers[0]), network.Layers[1].WithParameters(scaled.Layers[1])] },
            network.WithParameters(scaled));
        var wrong = Assert.Throws<ArgumentException>(() => layer.WithBias(ImmutableVector.Create(1.0, 2.0, 3.0)));
        Assert.Contains("length 2", wrong.Message);
        Assert.Contains("got length 3", wrong.Message);
    }

    [Fact]
    public void LayerParameters_and_Parameters_with_validate()
    {
        var parameters = NewNetwork().Parameters;
        var first = parameters.Layers[0];
        var bias = ImmutableVector.Create(9.0, 9.0, 9.0, 9.0);
        Assert.Equal(bias, (first with { Bias = bias }).Bias);
        Assert.Equal("Bias", Assert.Throws<ArgumentException>(() => first with { Bias = ImmutableVector.Create(1.0) }).ParamName);
        Assert.Equal("Weight", Assert.Throws<ArgumentException>(() => first with { Weight = ImmutableMatrix.Zeros<double>(2, 3) }).ParamName);

        var swapped = parameters with { Layers = [parameters.Layers[0] with { Bias = bias }, parameters.Layers[1]] };
        Assert.Equal(bias, swapped.Layers[0].Bias);
        Assert.NotEqual(parameters, swapped);
        Assert.Equal("Layers", Assert.Throws<ArgumentException>(() => parameters with { Layers = default }).ParamName);
        Assert.Equal("Layers", Assert.Throws<ArgumentNullException>(() => parameters with { Layers = [null!] }).ParamName);
    }

    [Fact]
    public void Network_with_layers_checks_that_they_chain()
    {
        var network = NewNetwork();
        var output = new DenseLayer<double>(ImmutableMatrix.Zeros<double>(3, 4), ImmutableVector.Zeros<double>(3), Activation.Softmax);
        Assert.Equal(3, (network with { Layers = [network.Layers[0], output] }).OutputSize);

        var broken = Assert.Throws<ArgumentException>(() => network with { Layers = [network.Layers[1], network.Layers[0]] });
        Assert.Equal("Layers", broken.ParamName);
        Assert.Contains("take 2 inputs", broken.Message);
        Assert.Throws<ArgumentException>(() => network with { Layers = [] });
        Assert.Throws<ArgumentException>(() => network with { Layers = default });
    }

    [Fact]
    public void Gradients_model_dataset_and_checkpoint_support_with()
    {
        var network = NewNetwork();
        var gradients = Backprop.Backward(network, Backprop.Forward(network, Inputs()), OneHot(), Loss.CategoricalCrossEntropy);
        var halved = gradients with { Gradient = gradients.Gradient.Scale(0.5) };
        Assert.Equal(gradients.Loss, halved.Loss);
        Assert.Equal(gradients.Gradient.Scale(0.5), halved.Gradient);

        var model = new Model<double>(network, Loss.CategoricalCrossEntropy);
        Assert.Equal(OneBitApart(network), (model with { Network = OneBitApart(network) }).Network);
        Assert.Throws<ArgumentException>(() => model with { Loss = Loss.BinaryCrossEntropy });
        Assert.Equal("Classes", Assert.Throws<ArgumentException>(() => model with { Classes = new ClassEncoding(["a", "b", "c"]) }).ParamName);
        Assert.Equal(2, (model with { Classes = new ClassEncoding(["a", "b"]) }).Classes!.ClassCount);

        var data = new Dataset<double>(Inputs(), OneHot());
        Assert.Equal(Inputs().Map(x => -x), (data with { Inputs = Inputs().Map(x => -x) }).Inputs);
        Assert.Equal("Targets", Assert.Throws<ArgumentException>(() => data with { Targets = ImmutableMatrix.Zeros<double>(2, 4) }).ParamName);
        Assert.Equal("Inputs", Assert.Throws<ArgumentException>(() => data with { Inputs = ImmutableMatrix.Zeros<double>(3, 4) }).ParamName);

        var checkpoint = new Checkpoint<double>(model, Optimizer.Adam(), Optimizer.Adam().Init(network), 3, 1, 16);
        Assert.Equal(4, (checkpoint with { Epoch = 4 }).Epoch);
        Assert.Equal("Epoch", Assert.Throws<ArgumentOutOfRangeException>(() => checkpoint with { Epoch = -1 }).ParamName);
        Assert.Equal("BatchSize", Assert.Throws<ArgumentOutOfRangeException>(() => checkpoint with { BatchSize = 0 }).ParamName);
    }

    [Fact]
    public void Scalings_headers_encodings_and_activations_support_with()
    {
        var scaling = Standardization<double>.Fit(Inputs());
        Assert.Equal(ImmutableVector.Zeros<double>(3), (scaling with { Mean = ImmutableVector.Zeros<double>(3) }).Mean);
        Assert.Equal("Mean", Assert.Throws<ArgumentException>(() => scaling with { Mean = ImmutableVector.Zeros<double>(2) }).ParamName);
        Assert.Equal("Scale", Assert.Throws<ArgumentException>(() => scaling with { Scale = ImmutableVector.Zeros<double>(3) }).ParamName);
        var minMax = MinMaxScaling<double>.Fit(Inputs());
        Assert.Equal("Range", Assert.Throws<ArgumentException>(() => minMax with { Range = ImmutableVector.Create(1.0) }).ParamName);

        var header = new IdxHeader(IdxElementType.UnsignedByte, [2, 28, 28]);
        Assert.Equal(5, (header with { Dimensions = [5, 28, 28] }).ItemCount);
        Assert.Throws<ArgumentException>(() => header with { Dimensions = [0] });
        Assert.Throws<ArgumentOutOfRangeException>(() => header with { ElementType = (IdxElementType)0x01 });

        var classes = new ClassEncoding(["cat", "dog"]);
        Assert.Equal(3, (classes with { Classes = ["cat", "dog", "eel"] }).ClassCount);
        Assert.Equal("Classes", Assert.Throws<ArgumentException>(() => classes with { Classes = ["cat", "cat"] }).ParamName);

        var leaky = new LeakyReluActivation(0.1);
        Assert.Equal(0.2, (leaky with { Slope = 0.2 }).Slope);
        Assert.Equal("Slope", Assert.Throws<ArgumentOutOfRangeException>(() => leaky with { Slope = 1.5 }).ParamName);
    }

    [Fact]
    public void CsvData_with_keeps_names_features_and_targets_consistent()
    {
        var data = Csv.Parse(new StringReader("a,b,label\n1,2,x\n3,4,y\n"), "inline", CsvTarget.Last);
        Assert.Equal(new[] { "p", "q" }, (data with { FeatureNames = ["p", "q"] }).FeatureNames);
        Assert.Equal("FeatureNames", Assert.Throws<ArgumentException>(() => data with { FeatureNames = ["p"] }).ParamName);
        Assert.Equal("Targets", Assert.Throws<ArgumentException>(() => data with { Targets = ["x"] }).ParamName);
        Assert.Equal("Features", Assert.Throws<ArgumentException>(() => data with { Features = ImmutableMatrix.Zeros<double>(2, 3) }).ParamName);
        Assert.Equal("Source", Assert.Throws<ArgumentNullException>(() => data with { Source = null! }).ParamName);
    }

    [Fact]
    public void Separately_built_networks_parameters_traces_and_gradients_are_equal_until_one_bit_differs()
    {
        Network<double> a = NewNetwork(), b = NewNetwork();
        Assert.NotSame(a, b);
        AssertValueEqual(a, b);
        AssertValueEqual(a.Parameters, b.Parameters);
        AssertValueEqual(a.Layers[0], b.Layers[0]);
        AssertValueEqual(Backprop.Forward(a, Inputs()), Backprop.Forward(b, Inputs()));
        var loss = Loss.CategoricalCrossEntropy;
        AssertValueEqual(Backprop.Backward(a, Backprop.Forward(a, Inputs()), OneHot(), loss), Backprop.Backward(b, Backprop.Forward(b, Inputs()), OneHot(), loss));

        var c = OneBitApart(b);
        Assert.NotEqual(a, c);
        Assert.NotEqual(a.Parameters, c.Parameters);
        Assert.NotEqual(Backprop.Forward(a, Inputs()), Backprop.Forward(c, Inputs()));
        Assert.NotEqual(a, NewNetwork(seed: 8));
    }

    [Fact]
    public void Optimizer_states_and_chains_are_equal_by_value()
    {
        Network<double> a = NewNetwork(), b = NewNetwork();
        var state = Optimizer.Adam().Init(a);
        Assert.IsType<ChainState<double>>(state);
        AssertValueEqual(state, Optimizer.Adam().Init(b));
        AssertValueEqual(Optimizer.Adam(0.01), Optimizer.Adam(0.01));
        Assert.NotEqual(Optimizer.Adam(0.01), Optimizer.Adam(0.02));
        Assert.NotEqual(state, Optimizer.Adam().Init(Network.Create<double>([3, 5, 2], Activation.Tanh, Activation.Softmax, 7)));
        var velocity = new ChainState<double>([new MomentumState<double>(a.Parameters), new EmptyState<double>()]);
        AssertValueEqual(velocity, new ChainState<double>([new MomentumState<double>(b.Parameters), new EmptyState<double>()]));
        Assert.NotEqual(velocity, new ChainState<double>([new MomentumState<double>(OneBitApart(b).Parameters), new EmptyState<double>()]));
        Assert.NotEqual(state, Optimizer.Sgd(0.1, momentum: 0.9).Init(a));
    }

    [Fact]
    public void Splits_headers_encodings_and_csv_data_are_equal_by_value()
    {
        int[] labels = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1];
        AssertValueEqual(Split.Stratified(labels, 0.3, 5), Split.Stratified(labels.ToArray(), 0.3, 5));
        AssertValueEqual(Split.Shuffled(20, 0.2, 0.2, 5), Split.Shuffled(20, 0.2, 0.2, 5));
        Assert.NotEqual(Split.Shuffled(20, 0.2, 0.2, 5), Split.Shuffled(20, 0.2, 0.2, 6));
        AssertValueEqual(new SplitIndices([1, 2], [3]), new SplitIndices(ImmutableArray.Create(1, 2), ImmutableArray.Create(3)));
        Assert.NotEqual(new SplitIndices([1, 2], [3]), new SplitIndices([1, 3], [2]));

        AssertValueEqual(new IdxHeader(IdxElementType.UnsignedByte, [2, 3]), new IdxHeader(IdxElementType.UnsignedByte, ImmutableArray.Create(2, 3)));
        Assert.NotEqual(new IdxHeader(IdxElementType.UnsignedByte, [2, 3]), new IdxHeader(IdxElementType.UnsignedByte, [3, 2]));
        AssertValueEqual(ClassEncoding.Fit(["b", "a"]), new ClassEncoding(["a", "b"]));
        Assert.NotEqual(new ClassEncoding(["a", "b"]), new ClassEncoding(["b", "a"]));

        const string text = "a,b,label\n1,2,x\n3,4,y\n";
        var first = Csv.Parse(new StringReader(text), "inline", CsvTarget.Last);
        AssertValueEqual(first, Csv.Parse(new StringReader(text), "inline", CsvTarget.Last));
        Assert.NotEqual(first, Csv.Parse(new StringReader(text.Replace("y\n", "z\n")), "inline", CsvTarget.Last));
        Assert.NotEqual(first, first with { LineNumbers = default });
    }

    [Fact]
    public void No_record_compares_a_collection_by_reference()
    {
        // A record's synthesised Equals compares each field with EqualityComparer<TField>.Default, which for an array,
        // an ImmutableArray, a List or a collection interface compares references: two equal values would then be unequal.
        // Such a field belongs in a ValueArray or ValueMap, or the record writes its own Equals and GetHashCode.
        const BindingFlags fields = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        var offenders =
            from assembly in new[] { typeof(Network<>).Assembly, typeof(Pure.Testing.OptimizerCase).Assembly }
            from type in assembly.GetTypes()
            where type.IsVisible && type.GetMethod("<Clone>$") is not null
            let typedEquals = type.GetMethod("Equals", [type])
            where typedEquals is not null && typedEquals.IsDefined(typeof(CompilerGeneratedAttribute))
            from field in type.GetFields(fields)
            where ComparesByReference(field.FieldType)
            select $"{type.FullName}.{field.Name}: {field.FieldType}";
        var found = offenders.ToList();
        Assert.True(found.Count == 0, "Records whose Equals compares a collection by reference:\n" + string.Join("\n", found));
        Assert.True(ComparesByReference(typeof(ImmutableArray<int>)) && ComparesByReference(typeof(double[])) && ComparesByReference(typeof(IReadOnlyList<int>)));
        Assert.False(ComparesByReference(typeof(ImmutableMatrix<double>)) || ComparesByReference(typeof(ImmutableVector<double>)) || ComparesByReference(typeof(string)));
    }

    [Fact]
    public void Gradient_check_reports_evaluations_state_fields_and_optimizer_cases_are_equal_by_value()
    {
        // A failing check has a non-empty Failures list: two runs on the same inputs must give equal reports.
        var wrong = Activation.Custom("tanh", Math.Tanh, z => 1 - Math.Tanh(z));
        var network = Network.Create<double>([3, 4, 2], wrong, Activation.Identity, seed: 3);
        var target = ImmutableMatrix.Create<double>(2, 5, (i, j) => Math.Cos(i + j));
        var first = GradientCheck.Run(network, Inputs(), target, Loss.Squared);
        var second = GradientCheck.Run(network, Inputs(), target, Loss.Squared);
        Assert.False(first.Passed);
        Assert.NotEmpty(first.Failures);
        AssertValueEqual(first, second);
        Assert.NotEqual(first, second with { Failures = second.Failures.RemoveAt(0) });

        double[] gradient = [1.0, -2.0, 0.5];
        AssertValueEqual(new LbfgsEvaluation(1.5, [.. gradient]), new LbfgsEvaluation(1.5, [.. gradient]));
        Assert.NotEqual(new LbfgsEvaluation(1.5, [1.0, -2.0, 0.5]), new LbfgsEvaluation(1.5, [1.0, -2.0, 0.25]));

        // State fields copy their dictionaries: equal whatever the order of the entries, unchanged when the source changes.
        var numbers = new Dictionary<string, double> { ["t"] = 3, ["beta"] = 0.9 };
        var moments = new Dictionary<string, Parameters<double>> { ["m"] = NewNetwork().Parameters };
        var fields = new StateFields<double>(numbers, moments);
        var reordered = new StateFields<double>(new Dictionary<string, double> { ["beta"] = 0.9, ["t"] = 3 },
            new Dictionary<string, Parameters<double>> { ["m"] = NewNetwork().Parameters });
        AssertValueEqual(fields, reordered);
        Assert.Equal(["t", "beta"], fields.Numbers.Keys);
        numbers["t"] = 4;
        moments.Clear();
        Assert.Equal(3, fields.Numbers["t"]);
        Assert.Equal(NewNetwork().Parameters, fields.Parameters["m"]);
        Assert.NotEqual(fields, new StateFields<double>(numbers, new Dictionary<string, Parameters<double>> { ["m"] = NewNetwork().Parameters }));
        Assert.NotEqual(fields, reordered with { Parameters = new Dictionary<string, Parameters<double>> { ["m"] = OneBitApart(NewNetwork()).Parameters } });
        var nullValue = Assert.Throws<ArgumentNullException>(() => new StateFields<double>(numbers, new Dictionary<string, Parameters<double>> { ["m"] = null! }));
        Assert.Equal("Parameters", nullValue.ParamName);
        Assert.Contains("\"m\"", nullValue.Message);

        var theta = NewNetwork().Parameters;
        var optimizerCase = new Pure.Testing.OptimizerCase(theta, [theta, NewNetwork(8).Parameters], 0.1, 0.9, 0);
        AssertValueEqual(optimizerCase, new Pure.Testing.OptimizerCase(NewNetwork().Parameters, [NewNetwork().Parameters, NewNetwork(8).Parameters], 0.1, 0.9, 0));
        Assert.NotEqual(optimizerCase, optimizerCase with { Gradients = [theta] });
        Assert.NotEqual(optimizerCase, optimizerCase with { Gradients = [theta, NewNetwork(9).Parameters] });
    }

    private static bool ComparesByReference(Type type)
    {
        if (type == typeof(string)) return false;
        if (type.IsArray) return true;
        if (type.IsGenericType)
        {
            var definition = type.GetGenericTypeDefinition();
            if (definition == typeof(ImmutableArray<>) || definition == typeof(Memory<>) || definition == typeof(ReadOnlyMemory<>)) return true;
        }
        if (!typeof(System.Collections.IEnumerable).IsAssignableFrom(type)) return false;
        return !typeof(IEquatable<>).MakeGenericType(type).IsAssignableFrom(type);
    }

    [Fact]
    public void Equality_of_elements_follows_double_Equals_for_NaN_and_negative_zero()
    {
        var nan = new ForwardTrace<double>(ImmutableMatrix.Column(double.NaN), [ImmutableMatrix.Column(-0.0)], [ImmutableMatrix.Column(0.0)]);
        var same = new ForwardTrace<double>(ImmutableMatrix.Column(double.NaN), [ImmutableMatrix.Column(0.0)], [ImmutableMatrix.Column(-0.0)]);
        AssertValueEqual(nan, same);
    }

    [Fact]
    public void Column_and_Row_return_vectors_that_can_be_kept_and_enumerated()
    {
        var matrix = ImmutableMatrix.FromRows<double>([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]);
        var column = matrix.Column(1);
        Assert.Equal(new[] { 2.0, 5.0 }, column.ToArray());
        Assert.Equal(new[] { 2.0, 5.0 }, column.AsEnumerable());
        IReadOnlyList<double> list = matrix.Row(1);
        Assert.Equal(3, list.Count);
        Assert.Equal(new[] { 4.0, 5.0, 6.0 }, list);
        Assert.Equal(new[] { ImmutableVector.Create(1.0, 4.0), ImmutableVector.Create(2.0, 5.0), ImmutableVector.Create(3.0, 6.0) }, matrix.EnumerateColumns());
        Assert.Equal("row", Assert.Throws<ArgumentOutOfRangeException>(() => matrix.Row(2)).ParamName);
        Assert.Equal("column", Assert.Throws<ArgumentOutOfRangeException>(() => matrix.Column(3)).ParamName);
        Assert.Equal(ImmutableVector.Create(1.0, 4.0), matrix.Column(0));
    }

    private static void AssertValueEqual<TValue>(TValue left, TValue right) where TValue : class
    {
        Assert.NotSame(left, right);
        Assert.Equal(left, right);
        Assert.True(left.Equals(right));
        Assert.Equal(left.GetHashCode(), right.GetHashCode());
    }
}
