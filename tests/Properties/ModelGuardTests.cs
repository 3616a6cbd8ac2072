using System.Collections.Immutable;
using System.Numerics;
using static Pure.Properties.SmallNetwork;

namespace Pure.Properties;

/// <summary>
/// Tests written to kill the mutants that Stryker.NET left alive in src/Pure/Model/*.cs and in Backprop.Step
/// (docs/verification.md): each removed guard, each emptied message and each flipped condition below changes the
/// exception type, its ParamName or its message, or the result.
/// </summary>
public class ModelGuardTests
{
    private static LayerParameters<double> LayerOf(int rows, int columns, double weight = 0.5, double bias = 0.25) =>
        new(ImmutableMatrix.Create(rows, columns, (_, _) => weight), new ImmutableVector<double>([.. Enumerable.Repeat(bias, rows)]));

    private static DenseLayer<double> DenseOf(int rows, int columns, Activation activation) =>
        new(ImmutableMatrix.Create(rows, columns, (i, j) => 0.1 * (i + j)), new ImmutableVector<double>(new double[rows]), activation);

    /// <summary>A loss that accepts only an identity output layer, through the public virtual check.</summary>
    private sealed record IdentityOnlyLoss() : Loss("identity_only")
    {
        public override T Sum<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> target, int rows) => T.Zero;

        public override void Gradient<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> target, Span<T> gradient, int rows) => gradient.Clear();

        public override void CheckOutputActivation(Activation outputActivation)
        {
            base.CheckOutputActivation(outputActivation);
            if (outputActivation != Activation.Identity)
                throw new ArgumentException($"Expected an identity output layer, got {outputActivation.Name}.", nameof(outputActivation));
        }
    }

    // ---- Backprop.Step ----

    [Fact]
    public void Step_names_each_null_argument_and_a_non_finite_bias_gradient()
    {
        var optimizer = Optimizer.Sgd(0.1);
        var state = optimizer.Init(Net);
        var gradients = Backprop.Gradient(Net, X, Y, Loss.HalfSquared);
        Rejects.Null("optimizer", () => Backprop.Step(null!, state, Net, gradients));
        Rejects.Null("state", () => Backprop.Step(optimizer, null!, Net, gradients));
        Rejects.Null("network", () => Backprop.Step(optimizer, state, null!, gradients));
        Rejects.Null("gradients", () => Backprop.Step<double>(optimizer, state, Net, null!));

        var layers = gradients.Gradient.Layers;
        var badBias = gradients with
        {
            Gradient = new Parameters<double>(layers.SetItem(1, new LayerParameters<double>(layers[1].Weight, ImmutableVector.Create(double.NaN)))),
        };
        Rejects.With<ArgumentException>("gradients", "got NaN at element 0 of a bias gradient.", () => Backprop.Step(optimizer, state, Net, badBias));
    }

    // ---- Activation.cs ----

    [Fact]
    public void Apply_and_Backward_of_a_matrix_name_their_null_and_misshapen_arguments()
    {
        var z = ImmutableMatrix.Create(2, 3, (i, j) => 0.1 * i - 0.2 * j);
        Rejects.Null("z", () => Activation.Tanh.Apply<double>(null!));
        Rejects.Null("z", () => Activation.Tanh.Backward(null!, z));
        Rejects.Null("upstream", () => Activation.Tanh.Backward(z, null!));
        // 3 x 2 has as many elements as 2 x 3: only the shape check can reject it.
        var transposed = ImmutableMatrix.Create(3, 2, (i, j) => 0.1 * i + 0.2 * j);
        Rejects.With<ArgumentException>("upstream", "Expected upstream to be 2 x 3, got 3 x 2.", () => Activation.Tanh.Backward(z, transposed));
    }

    [Fact]
    public void A_leaky_rectifier_takes_a_slope_in_0_to_1_in_the_constructor_and_in_a_with_expression()
    {
        var flat = new LeakyReluActivation(0);
        Assert.Equal(0, flat.Slope);
        var leaky = new LeakyReluActivation(0.2);
        Assert.Equal(0, (leaky with { Slope = 0 }).Slope);
        Assert.Equal(0.5, (leaky with { Slope = 0.5 }).Slope);
        foreach (var bad in new[] { 1, -0.5, double.NaN, double.PositiveInfinity, double.NegativeInfinity })
            Rejects.With<ArgumentOutOfRangeException>("Slope", $"Expected a finite slope in [0, 1), got {bad}.", () => _ = leaky with { Slope = bad });
    }

    [Fact]
    public void Softmax_alone_of_the_library_activations_is_not_elementwise()
    {
        Assert.False(Activation.Softmax.IsElementwise);
        foreach (var activation in new[] { Activation.Identity, Activation.Sigmoid, Activation.Tanh, Activation.Relu, Activation.LeakyRelu() })
            Assert.True(activation.IsElementwise, activation.Name);
    }

    [Fact]
    public void A_custom_activation_and_a_custom_loss_name_their_missing_arguments()
    {
        Func<double, double> f = x => x;
        Func<double, double, double> g = (a, y) => a - y;
        Rejects.With<ArgumentException>("name", "name", () => _ = new CustomActivation(" ", f, f));
        Rejects.Null("value", () => _ = new CustomActivation("mine", null!, f));
        Rejects.Null("derivative", () => _ = new CustomActivation("mine", f, null!));
        Rejects.With<ArgumentException>("name", "name", () => _ = new CustomLoss(" ", g, g));
        Rejects.Null("value", () => _ = new CustomLoss("mine", null!, g));
        Rejects.Null("derivative", () => _ = new CustomLoss("mine", g, null!));
    }

    // ---- Loss.cs ----

    [Fact]
    public void The_output_activation_checks_name_a_null_activation_and_run_a_derived_loss_own_check()
    {
        Rejects.Null("outputActivation", () => Loss.Squared.CheckOutputActivation(null!));
        Rejects.Null("outputActivation", () => Loss.BinaryCrossEntropy.CheckOutputActivation(null!));
        Rejects.Null("outputActivation", () => Loss.BinaryCrossEntropy.CheckOutputActivation(null!, "loss"));
        Rejects.Null("outputActivation", () => Loss.CategoricalCrossEntropy.CheckOutputActivation(null!, "loss"));
        // The internal overload must end with the public virtual one, which a derived loss overrides.
        var loss = new IdentityOnlyLoss();
        loss.CheckOutputActivation(Activation.Identity, "loss");
        var error = Assert.Throws<ArgumentException>(() => loss.CheckOutputActivation(Activation.Tanh, "loss"));
        Assert.Equal("Expected an identity output layer, got tanh.", error.Message.Split(" (Parameter")[0]);
        Assert.Throws<ArgumentException>(() => new Model<double>(Network.Create<double>([2, 1], [Activation.Tanh], seed: 1), loss));
    }

    [Fact]
    public void Value_and_Gradient_name_a_null_or_misshapen_output_or_target_and_a_non_finite_target()
    {
        var output = ImmutableMatrix.Create(2, 3, (i, j) => 0.1 * (i + j) + 0.05);
        var transposed = ImmutableMatrix.Create(3, 2, (i, j) => 0.1 * (i + j) + 0.05);
        var nanTarget = ImmutableMatrix.Create(2, 3, (i, j) => i == 1 && j == 2 ? double.NaN : 0.5);
        foreach (var loss in new[] { Loss.Squared, Loss.Absolute, Loss.BinaryCrossEntropy })
        {
            Rejects.Null("output", () => loss.Value(null!, output));
            Rejects.Null("target", () => loss.Value(output, null!));
            Rejects.Null("output", () => loss.Gradient(null!, output));
            Rejects.Null("target", () => loss.Gradient(output, null!));
            Rejects.With<ArgumentException>("target", "Expected target to be 2 x 3, got 3 x 2.", () => loss.Value(output, transposed));
            Rejects.With<ArgumentException>("target", "Expected target to be 2 x 3, got 3 x 2.", () => loss.Gradient(output, transposed));
            Rejects.With<ArgumentException>("target", "Expected finite values in target, got NaN at row 1, column 2.", () => loss.Value(output, nanTarget));
            Rejects.With<ArgumentException>("target", "Expected finite values in target, got NaN at row 1, column 2.", () => loss.Gradient(output, nanTarget));
        }
    }

    [Fact]
    public void Cross_entropy_targets_outside_0_to_1_are_rejected_naming_the_loss()
    {
        var output = ImmutableMatrix.Create(2, 1, (_, _) => 0.5);
        Rejects.With<ArgumentOutOfRangeException>("target", "Expected binary cross-entropy targets in [0, 1], got 2 at row 1, column 0.",
            () => Loss.BinaryCrossEntropy.Value(output, ImmutableMatrix.Column(0.0, 2.0)));
        Rejects.With<ArgumentOutOfRangeException>("target", "Expected categorical cross-entropy targets in [0, 1], got -0.5 at row 0, column 0.",
            () => Loss.CategoricalCrossEntropy.Value(output, ImmutableMatrix.Column(-0.5, 1.5)));
    }

    [Fact]
    public void A_categorical_target_column_may_miss_1_by_at_most_1e_minus_6_per_row()
    {
        // Ten rows: the tolerance is 1e-5. A column summing to 1 + 5e-6 passes, one summing to 1 + 2e-5 does not.
        var output = ImmutableMatrix.Create(10, 1, (_, _) => 0.1);
        var within = ImmutableMatrix.Create(10, 1, (i, _) => i == 0 ? 0.1 + 5e-6 : 0.1);
        var beyond = ImmutableMatrix.Create(10, 1, (i, _) => i == 0 ? 0.1 + 2e-5 : 0.1);
        Assert.True(double.IsFinite(Loss.CategoricalCrossEntropy.Value(output, within)));
        Rejects.With<ArgumentException>("target", "but column 0 sums to", () => Loss.CategoricalCrossEntropy.Value(output, beyond));
    }

    private static void AColumnMissing1ByExactlyTheToleranceIsAccepted<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        // 15,625 rows: the tolerance 1e-6 · 15,625 is 2^-6 exactly, in double and in float, and a column holding
        // 1 - 2^-6 and zeros sums to exactly 1 - 2^-6, so it misses 1 by exactly the tolerance; 2^-20 less misses by more.
        const int Rows = 15_625;
        var output = ImmutableMatrix.Create(Rows, 1, (_, _) => T.CreateChecked(1.0 / Rows));
        var atTolerance = ImmutableMatrix.Create(Rows, 1, (i, _) => i == 0 ? T.CreateChecked(1 - Math.Pow(2, -6)) : T.Zero);
        var beyond = ImmutableMatrix.Create(Rows, 1, (i, _) => i == 0 ? T.CreateChecked(1 - Math.Pow(2, -6) - Math.Pow(2, -20)) : T.Zero);
        Assert.True(T.IsFinite(Loss.CategoricalCrossEntropy.Value(output, atTolerance)));
        Rejects.With<ArgumentException>("target", "but column 0 sums to", () => Loss.CategoricalCrossEntropy.Value(output, beyond));
    }

    [Fact]
    public void A_categorical_target_column_that_misses_1_by_exactly_the_tolerance_is_accepted()
    {
        AColumnMissing1ByExactlyTheToleranceIsAccepted<double>();
        AColumnMissing1ByExactlyTheToleranceIsAccepted<float>();
    }

    [Fact]
    public void A_cross_entropy_has_no_fused_path_after_another_output_activation()
    {
        double[] z = [0.5, -0.5], a = [0.6, 0.4], y = [1, 0], delta = new double[2];
        Assert.False(Loss.BinaryCrossEntropy.TryFused<double>(Activation.Tanh, z, a, y, delta, 2, out _));
        Assert.False(Loss.CategoricalCrossEntropy.TryFused<double>(Activation.Sigmoid, z, a, y, delta, 2, out _));
        Assert.True(Loss.BinaryCrossEntropy.TryFused<double>(Activation.Sigmoid, z, a, y, delta, 2, out _));
        Assert.True(Loss.CategoricalCrossEntropy.TryFused<double>(Activation.Softmax, z, a, y, delta, 2, out _));
    }

    // ---- DenseLayer.cs ----

    [Fact]
    public void WithParameters_of_a_layer_checks_both_weight_dimensions_and_names_parameters()
    {
        var layer = DenseOf(2, 2, Activation.Tanh);
        Rejects.Null("parameters", () => layer.WithParameters(null!));
        Rejects.With<ArgumentException>("parameters", "Expected a 2 x 2 weight, got 2 x 3.", () => layer.WithParameters(LayerOf(2, 3)));
        Rejects.With<ArgumentException>("parameters", "Expected a 2 x 2 weight, got 3 x 2.", () => layer.WithParameters(LayerOf(3, 2)));
        Rejects.With<ArgumentException>("parameters", "Expected finite values in parameters, got NaN at row 0, column 0.",
            () => layer.WithParameters(LayerOf(2, 2, weight: double.NaN)));
        Rejects.With<ArgumentException>("parameters", "got NaN at element 0 of the bias.", () => layer.WithParameters(LayerOf(2, 2, bias: double.NaN)));
        Assert.Equal(LayerOf(2, 2), layer.WithParameters(LayerOf(2, 2)).Parameters);
    }

    [Fact]
    public void A_layer_needs_a_weight_of_at_least_1_x_1_and_a_finite_bias()
    {
        Rejects.With<ArgumentException>("Weight", "Expected a Weight with at least one row and one column, got 0 x 2.",
            () => _ = new DenseLayer<double>(new ImmutableMatrix<double>(0, 2, []), new ImmutableVector<double>([]), Activation.Tanh));
        Rejects.With<ArgumentException>("Weight", "Expected a Weight with at least one row and one column, got 2 x 0.",
            () => _ = new DenseLayer<double>(new ImmutableMatrix<double>(2, 0, []), new ImmutableVector<double>([0.0, 0.0]), Activation.Tanh));
        var weight = ImmutableMatrix.Create(2, 2, (_, _) => 1.0);
        Rejects.Null("Bias", () => _ = new DenseLayer<double>(weight, null!, Activation.Tanh));
        Rejects.With<ArgumentException>("Bias", "got NaN at element 1 of the bias.", () => _ = new DenseLayer<double>(weight, ImmutableVector.Create(0.0, double.NaN), Activation.Tanh));
    }

    // ---- Network.cs ----

    [Fact]
    public void WithParameters_of_a_network_names_null_and_other_layer_counts()
    {
        Rejects.Null("parameters", () => Net.WithParameters(null!));
        var deeper = Network.Create<double>([2, 2, 1, 3], Activation.Tanh, Activation.Identity, seed: 4).Parameters;
        Rejects.With<ArgumentException>("parameters", "Expected parameters to have 2 layers, got 3.", () => Net.WithParameters(deeper));
    }

    [Fact]
    public void WithLayer_checks_the_index_the_layer_and_both_of_its_sizes()
    {
        Rejects.With<ArgumentOutOfRangeException>("index", "Expected a layer index in [0, 2), got 2.", () => Net.WithLayer(2, DenseOf(1, 2, Activation.Identity)));
        Rejects.With<ArgumentOutOfRangeException>("index", "Expected a layer index in [0, 2), got -1.", () => Net.WithLayer(-1, DenseOf(2, 2, Activation.Tanh)));
        Rejects.Null("layer", () => Net.WithLayer(0, null!));
        Rejects.With<ArgumentException>("layer", "Expected layer to be 2 x 2 like the layer it replaces, got 3 x 2.", () => Net.WithLayer(0, DenseOf(3, 2, Activation.Tanh)));
        Rejects.With<ArgumentException>("layer", "Expected layer to be 2 x 2 like the layer it replaces, got 2 x 3.", () => Net.WithLayer(0, DenseOf(2, 3, Activation.Tanh)));
        var replaced = Net.WithLayer(1, DenseOf(1, 2, Activation.Sigmoid));
        Assert.Equal(Activation.Sigmoid, replaced.Layers[1].Activation);
    }

    [Fact]
    public void FromLayers_rejects_null_no_layers_a_null_layer_and_a_size_mismatch_with_messages()
    {
        Rejects.Null("layers", () => Network.FromLayers<double>(null!));
        Rejects.With<ArgumentException>("Layers", "Expected at least one layer, got none.", () => Network.FromLayers<double>());
        var error = Assert.Throws<ArgumentNullException>(() => Network.FromLayers(DenseOf(2, 2, Activation.Tanh), null!));
        Assert.Equal("Layers", error.ParamName);
        Assert.Contains("Layer 1 is null.", error.Message, StringComparison.Ordinal);
        Rejects.With<ArgumentException>("Layers", "Expected layer 1 to take 2 inputs (the outputs of layer 0), but its Weight is 1 x 3.",
            () => Network.FromLayers(DenseOf(2, 2, Activation.Tanh), DenseOf(1, 3, Activation.Identity)));
    }

    [Fact]
    public void Create_rejects_too_few_sizes_an_undefined_initialization_a_null_activation_and_an_overflowing_size()
    {
        Rejects.With<ArgumentException>("layerSizes", "Expected at least two layer sizes (inputs and outputs), got 1.", () => Network.Create<double>([3], [], seed: 1));
        Rejects.With<ArgumentOutOfRangeException>("initialization", "Expected a defined Initialization value, got 7.",
            () => Network.Create<double>([2, 1], [Activation.Tanh], seed: 1, (Initialization)7));
        var error = Assert.Throws<ArgumentNullException>(() => Network.Create<double>([2, 2, 1], [Activation.Tanh, null!], seed: 1));
        Assert.Equal("activations", error.ParamName);
        Assert.Contains("Activation 1 is null.", error.Message, StringComparison.Ordinal);
        Rejects.Null("outputActivation", () => Network.Create<double>([2, 1], Activation.Tanh, null!, seed: 1));
        // 65536 · 65537 = 2^32 + 65536 wraps to 65536 in unchecked int arithmetic.
        Assert.Throws<OverflowException>(() => Network.Create<float>([65536, 65537], [Activation.Tanh], seed: 1));
    }

    [Fact]
    public void Create_names_a_null_size_list_and_null_activations_in_both_overloads()
    {
        Rejects.Null("layerSizes", () => Network.Create<double>(null!, [Activation.Tanh], seed: 1));
        Rejects.Null("activations", () => Network.Create<double>([2, 1], (IReadOnlyList<Activation>)null!, seed: 1));
        Rejects.Null("layerSizes", () => Network.Create<double>(null!, Activation.Tanh, Activation.Identity, seed: 1));
        // Two layers, so that the hidden activation is used: without its guard the list of activations holds a null.
        Rejects.Null("hiddenActivation", () => Network.Create<double>([2, 2, 1], (Activation)null!, Activation.Identity, seed: 1));
    }

    /// <summary>Every weight of the layer lies in (-r, r), and the largest is within 5% of r (10,000 uniform draws).</summary>
    private static void AssertDrawnFrom(Network<double> network, double range)
    {
        var weights = network.Layers[0].Weight.AsSpan().ToArray();
        double largest = weights.Max(Math.Abs);
        Assert.True(largest < range && largest > 0.95 * range, $"Expected weights in (-{range}, {range}) reaching near ±{range}, got a largest |w| of {largest}.");
        Assert.Contains(weights, w => w < -0.5 * range);
        Assert.Contains(weights, w => w > 0.5 * range);
    }

    [Fact]
    public void Create_draws_He_for_rectifiers_and_Glorot_otherwise_unless_told()
    {
        double he = Math.Sqrt(6.0 / 100), glorot = Math.Sqrt(6.0 / 200);
        AssertDrawnFrom(Network.Create<double>([100, 100], [Activation.Relu], seed: 1), he);
        AssertDrawnFrom(Network.Create<double>([100, 100], [Activation.LeakyRelu()], seed: 1), he);
        AssertDrawnFrom(Network.Create<double>([100, 100], [Activation.Tanh], seed: 1), glorot);
        AssertDrawnFrom(Network.Create<double>([100, 100], [Activation.Relu], seed: 1, Initialization.GlorotUniform), glorot);
        AssertDrawnFrom(Network.Create<double>([100, 100], [Activation.Tanh], seed: 1, Initialization.HeUniform), he);
    }

    // ---- Parameters.cs ----

    [Fact]
    public void Layer_parameters_check_a_new_weight_and_a_null_bias()
    {
        var layer = LayerOf(2, 3);
        Rejects.Null("Weight", () => _ = layer with { Weight = null! });
        Rejects.With<ArgumentException>("Weight", "Expected a Weight of 2 rows to match the Bias of length 2, got 3 x 3;",
            () => _ = layer with { Weight = ImmutableMatrix.Create(3, 3, (_, _) => 1.0) });
        var wider = ImmutableMatrix.Create(2, 4, (i, j) => i + 0.5 * j);
        Assert.Equal(wider, (layer with { Weight = wider }).Weight);
        Rejects.Null("Bias", () => _ = new LayerParameters<double>(layer.Weight, null!));
    }

    [Fact]
    public void Map_Zip_and_Dot_name_their_null_arguments_even_with_no_layers()
    {
        var none = new Parameters<double>([]);
        Rejects.Null("function", () => none.Map(null!));
        Rejects.Null("function", () => none.Zip(none, null!));
        Rejects.Null("other", () => none.Zip(null!, (x, y) => x + y));
        Rejects.Null("other", () => none.Dot(null!));
        var theta = Net.Parameters;
        Rejects.Null("other", () => theta.Dot(null!));
        Rejects.Null("other", () => theta.Add(null!));
    }

    [Fact]
    public void Zip_and_Dot_reject_a_layer_that_differs_only_in_its_columns()
    {
        var theta = new Parameters<double>([LayerOf(2, 3)]);
        var wider = new Parameters<double>([LayerOf(2, 4)]);
        const string Message = "Expected layer 0 of other to have a 2 x 3 weight and a bias of length 2, got 2 x 4 and 2.";
        Rejects.With<ArgumentException>("other", Message, () => theta.Zip(wider, (x, y) => x + y));
        Rejects.With<ArgumentException>("other", Message, () => theta.Dot(wider));
        Rejects.With<ArgumentException>("other", "Expected other to have 1 layers, got 2.", () => theta.Dot(new Parameters<double>([LayerOf(2, 3), LayerOf(1, 2)])));
    }

    [Fact]
    public void Parameters_reject_a_default_array_a_null_layer_and_the_wrong_number_of_values()
    {
        Rejects.With<ArgumentException>("Layers", "Expected an initialised array of layers, got a default ImmutableArray.", () => _ = new Parameters<double>(default));
        var error = Assert.Throws<ArgumentNullException>(() => new Parameters<double>([LayerOf(2, 2), null!]));
        Assert.Equal("Layers", error.ParamName);
        Assert.Contains("Layer 1 is null.", error.Message, StringComparison.Ordinal);
        var theta = new Parameters<double>([LayerOf(2, 2)]);
        Rejects.With<ArgumentException>("values", "Expected 6 values to fill these parameters, got 5.", () => theta.Unflatten(new double[5].AsSpan()));
    }

    // ---- Model.cs ----

    [Fact]
    public void A_with_expression_on_the_network_of_a_model_checks_it_against_the_loss_scaling_and_classes()
    {
        var net = Network.Create<double>([2, 3, 2], Activation.Tanh, Activation.Softmax, seed: 1);
        var model = new Model<double>(net, Loss.CategoricalCrossEntropy, Standardization<double>.Fit(X), new ClassEncoding(["a", "b"]));
        Rejects.Null("Network", () => _ = model with { Network = null! });
        Rejects.With<ArgumentException>("Loss", "Expected a softmax output layer for categorical cross-entropy, got identity.",
            () => _ = model with { Network = Network.Create<double>([2, 3, 2], Activation.Tanh, Activation.Identity, seed: 1) });
        Rejects.With<ArgumentException>("Scaling", "Expected a scaling of 3 features (the network's inputs), got 2.",
            () => _ = model with { Network = Network.Create<double>([3, 3, 2], Activation.Tanh, Activation.Softmax, seed: 1) });
        Rejects.With<ArgumentException>("Classes", "Expected 3 classes (the network's outputs), got 2.",
            () => _ = model with { Network = Network.Create<double>([2, 3, 3], Activation.Tanh, Activation.Softmax, seed: 1) });
        var other = Network.Create<double>([2, 3, 2], Activation.Tanh, Activation.Softmax, seed: 2);
        Assert.Same(other, (model with { Network = other }).Network);
    }

    [Fact]
    public void A_model_names_a_null_loss_and_null_features()
    {
        Rejects.Null("Loss", () => _ = new Model<double>(Net, null!));
        var model = new Model<double>(Net, Loss.HalfSquared, Standardization<double>.Fit(X));
        Rejects.Null("features", () => model.Predict(null!));
        Rejects.Null("features", () => new Model<double>(Net, Loss.HalfSquared).Predict(null!));
    }
}
