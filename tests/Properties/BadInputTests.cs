using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;
using Pure.Testing;
using static Pure.Properties.Support.BehaviourGenerators;

namespace Pure.Properties;

/// <summary>
/// Bad input is rejected with an <see cref="ArgumentException"/> (or subtype) whose ParamName names the argument and
/// whose message gives the expected and the actual value or shape; no input is changed.
/// </summary>
public class BadInputTests
{
    // A 4-3-2 network (tanh, identity) and a batch of m = 5 samples.
    private static readonly Network<double> Net = Network.Create<double>([4, 3, 2], Activation.Tanh, Activation.Identity, seed: 1);
    private static readonly Network<double> SigmoidNet = Network.Create<double>([4, 3, 2], Activation.Tanh, Activation.Sigmoid, seed: 2);
    private static readonly Network<double> SoftmaxNet = Network.Create<double>([4, 3, 2], Activation.Tanh, Activation.Softmax, seed: 3);
    private static readonly ImmutableMatrix<double> X = ImmutableMatrix.Create(4, 5, (i, j) => 0.1 * i - 0.2 * j);
    private static readonly ImmutableMatrix<double> Y = ImmutableMatrix.Create(2, 5, (i, j) => 0.5 * (i + j % 2));
    private static readonly Dataset<double> Data = new(X, Y);

    /// <summary>
    /// Asserts that <paramref name="call"/> throws an ArgumentException naming <paramref name="parameter"/> whose message
    /// contains every text in <paramref name="mentions"/>, and that <paramref name="inputs"/> are bitwise unchanged.
    /// </summary>
    private static ArgumentException Rejects(Action call, string parameter, string[] mentions, params object?[] inputs)
    {
        var before = Bits(inputs);
        var error = Assert.ThrowsAny<ArgumentException>(call);
        Assert.True(parameter == error.ParamName, $"ParamName {error.ParamName}, expected {parameter}: {error.Message}");
        foreach (var text in mentions) Assert.True(error.Message.Contains(text, StringComparison.Ordinal), $"'{text}' missing from: {error.Message}");
        Assert.True(before.AsSpan().SequenceEqual(Bits(inputs)), "an input changed");
        return error;
    }

    private static ImmutableMatrix<double> With(ImmutableMatrix<double> matrix, int row, int column, double value)
    {
        var values = matrix.ToColumnMajorArray();
        values[column * matrix.Rows + row] = value;
        return ImmutableMatrix.FromColumnMajor<double>(matrix.Rows, matrix.Columns, values);
    }

    private static ImmutableMatrix<double> Zeros(int rows, int columns) => ImmutableMatrix.Zeros<double>(rows, columns);

    [Fact]
    public void Input_of_wrong_row_count_is_rejected()
    {
        var input = Zeros(3, 5);
        Rejects(() => Backprop.Forward(Net, input), "input", ["4 x m", "3 x 5"], Net, input);
        Rejects(() => Backprop.Predict(Net, input), "input", ["4 x m", "3 x 5"], Net, input);
        Rejects(() => Backprop.Gradient(Net, input, Y, Loss.Squared), "input", ["4 x m", "3 x 5"], Net, input, Y);
        Rejects(() => Backprop.Cost(Net, input, Y, Loss.Squared), "input", ["4 x m", "3 x 5"], Net, input, Y);
        var data = new Dataset<double>(input, Y);
        Rejects(() => Training.Epochs(Net, Optimizer.Sgd(0.1), Loss.Squared, data, 2, 1, 0), "training", ["4 x m", "3 x 5"], Net, data);
        Rejects(() => Training.Epochs(Net, Optimizer.Sgd(0.1), Loss.Squared, Data, 2, 1, 0, validation: data), "validation", ["4 x m", "3 x 5"], Net, Data, data);
    }

    [Fact]
    public void Target_of_wrong_shape_is_rejected()
    {
        var trace = Backprop.Forward(Net, X);
        foreach (var target in new[] { Zeros(3, 5), Zeros(2, 4), Zeros(1, 6) })
        {
            Rejects(() => Backprop.Backward(Net, trace, target, Loss.Squared), "target", ["2 x 5", target.Shape], Net, trace, target);
            Rejects(() => Backprop.Cost(Net, X, target, Loss.Squared), "target", ["2 x 5", target.Shape], Net, X, target);
        }
        var data = new Dataset<double>(X, Zeros(3, 5));
        Rejects(() => Training.Epochs(Net, Optimizer.Sgd(0.1), Loss.Squared, data, 2, 1, 0), "training", ["2 x m", "3 x 5"], Net, data);
        Rejects(() => new Dataset<double>(X, Zeros(2, 4)), "Targets", ["5 columns", "2 x 4"], X);
    }

    [Fact]
    public void Trace_of_another_network_is_rejected()
    {
        var other = Network.Create<double>([4, 6, 2], Activation.Tanh, Activation.Identity, seed: 1);
        var trace = Backprop.Forward(other, X);
        Rejects(() => Backprop.Backward(Net, trace, Y, Loss.Squared), "trace", ["3 x 5", "6 x 5"], Net, trace, Y);
        var deeper = Backprop.Forward(Network.Create<double>([4, 3, 3, 2], Activation.Tanh, Activation.Identity, seed: 1), X);
        Rejects(() => Backprop.Backward(Net, deeper, Y, Loss.Squared), "trace", ["2 layers", "3 layers"], Net, deeper, Y);
    }

    [Fact]
    public void Gradients_of_another_shape_are_rejected_by_Step()
    {
        var optimizer = Optimizer.Sgd(0.1);
        var state = optimizer.Init(Net);
        var wider = Backprop.Gradient(Network.Create<double>([4, 5, 2], Activation.Tanh, Activation.Identity, seed: 1), X, Y, Loss.Squared);
        Rejects(() => Backprop.Step(optimizer, state, Net, wider), "gradients", ["3 x 4", "5 x 4"], state, Net, wider);
        var shallow = Backprop.Gradient(Network.Create<double>([4, 2], Activation.Identity, Activation.Identity, seed: 1), X, Y, Loss.Squared);
        Rejects(() => Backprop.Step(optimizer, state, Net, shallow), "gradients", ["2 layers", "got 1"], state, Net, shallow);
    }

    [Fact]
    public void Layers_that_do_not_chain_are_rejected()
    {
        var first = Net.Layers[0];
        var second = new DenseLayer<double>(Zeros(2, 2), ImmutableVector.Zeros<double>(2), Activation.Identity);
        Rejects(() => new Network<double>([first, second]), "Layers", ["3 inputs", "2 x 2"], first, second);
        Rejects(() => Network.FromLayers(first, second), "Layers", ["3 inputs", "2 x 2"], first, second);
        Rejects(() => Network.Create<double>([4, 0, 2], Activation.Tanh, Activation.Identity, 1), "layerSizes", ["at least 1", "got 0 for size 1"]);
        Rejects(() => Network.Create<double>([4, 3, 2], [Activation.Tanh], 1), "activations", ["2 activations", "got 1"]);
    }

    [Fact]
    public void Bias_of_wrong_length_is_rejected()
    {
        var weight = Zeros(3, 4);
        var bias = ImmutableVector.Zeros<double>(2);
        Rejects(() => new DenseLayer<double>(weight, bias, Activation.Tanh), "Bias", ["length 3", "length 2"], weight, bias);
        Rejects(() => new LayerParameters<double>(weight, bias), "Bias", ["length 3", "length 2"], weight, bias);
    }

    [Fact]
    public void Optimizer_state_of_the_wrong_kind_is_rejected()
    {
        var gradients = Backprop.Gradient(Net, X, Y, Loss.Squared);
        var momentum = Optimizer.Sgd(0.1, momentum: 0.9);
        var adam = Optimizer.Adam();
        var adamState = adam.Init(Net);
        Rejects(() => Backprop.Step(momentum, adamState, Net, gradients), "state", ["MomentumState", "AdamState"], adamState, Net, gradients);
        var sgdState = Optimizer.Sgd(0.1).Init(Net);
        Rejects(() => Backprop.Step(adam, sgdState, Net, gradients), "state", ["2 states", "got 1"], sgdState, Net, gradients);
        var otherState = momentum.Init(Network.Create<double>([4, 5, 2], Activation.Tanh, Activation.Identity, seed: 1));
        Rejects(() => Backprop.Step(momentum, otherState, Net, gradients), "state", ["3 x 4", "5 x 4"], otherState, Net, gradients);
    }

    public static readonly TheoryData<double> NonFinite = new() { double.NaN, double.PositiveInfinity, double.NegativeInfinity };

    [Theory]
    [MemberData(nameof(NonFinite))]
    public void Non_finite_values_are_rejected(double value)
    {
        string got = $"got {value}";
        var input = With(X, 2, 3, value);
        Rejects(() => Backprop.Forward(Net, input), "input", ["finite", got, "row 2, column 3"], Net, input);
        Rejects(() => Backprop.Predict(Net, input), "input", ["finite", got, "row 2, column 3"], Net, input);
        Rejects(() => new Dataset<double>(input, Y), "Inputs", ["finite", got, "row 2, column 3"], input, Y);

        var trace = Backprop.Forward(Net, X);
        var target = With(Y, 1, 4, value);
        Rejects(() => Backprop.Backward(Net, trace, target, Loss.Squared), "target", ["finite", got, "row 1, column 4"], Net, trace, target);
        Rejects(() => Backprop.Cost(Net, X, target, Loss.Squared), "target", ["finite", got, "row 1, column 4"], Net, X, target);
        Rejects(() => new Dataset<double>(X, target), "Targets", ["finite", got, "row 1, column 4"], X, target);

        // A hand-made trace holding a non-finite value.
        var broken = trace with { PreActivations = trace.PreActivations.SetItem(0, With(trace.PreActivations[0], 0, 1, value)) };
        Rejects(() => Backprop.Backward(Net, broken, Y, Loss.Squared), "trace", ["finite", got, "row 0, column 1"], Net, broken, Y);

        var weight = With(Zeros(3, 4), 1, 2, value);
        Rejects(() => new DenseLayer<double>(weight, ImmutableVector.Zeros<double>(3), Activation.Tanh), "Weight", ["finite", got, "row 1, column 2"], weight);
        var bias = ImmutableVector.Create(0.0, value, 0.0);
        Rejects(() => new DenseLayer<double>(Zeros(3, 4), bias, Activation.Tanh), "Bias", ["finite", got, "element 1"], bias);

        var gradients = Backprop.Gradient(Net, X, Y, Loss.Squared);
        var layers = gradients.Gradient.Layers;
        var bad = gradients with { Gradient = new Parameters<double>(layers.SetItem(1, new LayerParameters<double>(With(layers[1].Weight, 0, 2, value), layers[1].Bias))) };
        var state = Optimizer.Sgd(0.1).Init(Net);
        Rejects(() => Backprop.Step(Optimizer.Sgd(0.1), state, Net, bad), "gradients", ["finite", got, "row 0, column 2"], state, Net, bad);
        var badBias = gradients with { Gradient = new Parameters<double>(layers.SetItem(0, new LayerParameters<double>(layers[0].Weight, ImmutableVector.Create(0.0, 0.0, value)))) };
        Rejects(() => Backprop.Step(Optimizer.Sgd(0.1), state, Net, badBias), "gradients", ["finite", got, "element 2"], state, Net, badBias);
    }

    [Fact]
    public void Empty_batch_is_rejected()
    {
        var empty = Zeros(4, 0);
        Rejects(() => Backprop.Forward(Net, empty), "input", ["at least one sample", "4 x 0"], Net, empty);
        Rejects(() => Backprop.Predict(Net, empty), "input", ["at least one sample", "4 x 0"], Net, empty);
        Rejects(() => Backprop.Gradient(Net, empty, Zeros(2, 0), Loss.Squared), "input", ["at least one sample", "4 x 0"], Net, empty);
        Rejects(() => new Dataset<double>(empty, Zeros(2, 0)), "Inputs", ["at least one sample", "4 x 0"], empty);
        // Backward on a hand-made trace of 0 samples must not divide by m = 0.
        var trace = new ForwardTrace<double>(empty, [Zeros(3, 0), Zeros(2, 0)], [Zeros(3, 0), Zeros(2, 0)]);
        Rejects(() => Backprop.Backward(Net, trace, Zeros(2, 0), Loss.Squared), "trace", ["at least one sample", "4 x 0"], Net, trace);
        Rejects(() => Loss.Squared.Value(Zeros(2, 0), Zeros(2, 0)), "output", ["at least one sample", "2 x 0"]);
        Rejects(() => Metrics.Accuracy(Zeros(2, 0), Zeros(2, 0)), "output", ["at least one sample", "2 x 0"]);
    }

    [Fact]
    public void Labels_out_of_range_are_rejected()
    {
        int[] labels = [0, 3, 1];
        Rejects(() => Metrics.OneHot<double>(labels, 3), "labels", ["[0, 3)", "got 3", "position 1"], labels);
        Rejects(() => Metrics.OneHot<double>([2, -1], 3), "labels", ["[0, 3)", "got -1", "position 1"]);
        Rejects(() => Metrics.OneHot<double>([0], 0), "classCount", ["at least 1", "got 0"]);
        int[] actual = [0, 1, 5], predicted = [0, 1, 2];
        Rejects(() => Metrics.Confusion(actual, predicted, 3), "actual", ["[0, 3)", "got 5", "position 2"], actual, predicted);
        Rejects(() => Metrics.Confusion(predicted, [-2, 0, 0], 3), "predicted", ["[0, 3)", "got -2", "position 0"], predicted);
        Rejects(() => Metrics.Confusion(actual, [0, 1], 6), "predicted", ["(3)", "got 2"], actual);
    }

    [Fact]
    public void Cross_entropy_targets_out_of_range_are_rejected()
    {
        var trace = Backprop.Forward(SigmoidNet, X);
        foreach (double value in new[] { 1.5, -0.25 })
        {
            var target = With(Y, 0, 2, value);
            Rejects(() => Backprop.Backward(SigmoidNet, trace, target, Loss.BinaryCrossEntropy), "target", ["[0, 1]", $"got {value}", "row 0, column 2"], SigmoidNet, trace, target);
            Rejects(() => Backprop.Cost(SigmoidNet, X, target, Loss.BinaryCrossEntropy), "target", ["[0, 1]", $"got {value}"], SigmoidNet, X, target);
            var data = new Dataset<double>(X, target);
            Rejects(() => Training.Epochs(SigmoidNet, Optimizer.Sgd(0.1), Loss.BinaryCrossEntropy, data, 2, 1, 0), "training", ["[0, 1]", $"got {value}"], SigmoidNet, data);
        }
        // Categorical targets: each column a distribution. Column 1 sums to 0.5; column 3 has an entry above 1.
        var softmaxTrace = Backprop.Forward(SoftmaxNet, X);
        var oneHot = Metrics.OneHot<double>([0, 1, 1, 0, 1], 2);
        var half = With(oneHot, 1, 1, 0.5);
        Rejects(() => Backprop.Backward(SoftmaxNet, softmaxTrace, half, Loss.CategoricalCrossEntropy), "target", ["sum to 1", "column 1 sums to 0.5"], SoftmaxNet, softmaxTrace, half);
        var above = With(With(oneHot, 0, 3, 1.25), 1, 3, -0.25);
        Rejects(() => Backprop.Backward(SoftmaxNet, softmaxTrace, above, Loss.CategoricalCrossEntropy), "target", ["[0, 1]", "got 1.25"], SoftmaxNet, softmaxTrace, above);
    }

    [Fact]
    public void Cross_entropy_with_wrong_output_activation_is_rejected()
    {
        var trace = Backprop.Forward(Net, X);
        Rejects(() => Backprop.Backward(Net, trace, Y, Loss.BinaryCrossEntropy), "loss", ["sigmoid", "got identity"], Net, trace, Y);
        Rejects(() => Backprop.Cost(Net, X, Y, Loss.BinaryCrossEntropy), "loss", ["sigmoid", "got identity"], Net, X, Y);
        var oneHot = Metrics.OneHot<double>([0, 1, 1, 0, 1], 2);
        Rejects(() => Backprop.Gradient(SigmoidNet, X, oneHot, Loss.CategoricalCrossEntropy), "loss", ["softmax", "got sigmoid"], SigmoidNet, X, oneHot);
        var data = new Dataset<double>(X, oneHot);
        Rejects(() => Training.Epochs(SigmoidNet, Optimizer.Sgd(0.1), Loss.CategoricalCrossEntropy, data, 2, 1, 0), "loss", ["softmax", "got sigmoid"], SigmoidNet, data);
        Rejects(() => Backprop.OutputError(Activation.Tanh, trace.PreActivations[^1], Y, Loss.BinaryCrossEntropy), "outputActivation", ["sigmoid", "got tanh"], trace, Y);
    }

    [Fact]
    public void Invalid_hyperparameters_are_rejected()
    {
        var cases = new List<(string Call, Action Action, string Parameter, string Expected, double Actual)>();
        foreach (double rate in new[] { 0, -1, double.NaN, double.PositiveInfinity })
        {
            cases.Add(("Sgd", () => Optimizer.Sgd(rate), "learningRate", "greater than 0", rate));
            cases.Add(("Adam", () => Optimizer.Adam(rate), "learningRate", "greater than 0", rate));
            cases.Add(("ScaleByLearningRate", () => Optimizer.ScaleByLearningRate(rate), "learningRate", "greater than 0", rate));
        }
        foreach (double momentum in new[] { -0.1, 1, 1.5, double.NaN })
        {
            cases.Add(("Sgd", () => Optimizer.Sgd(0.1, momentum), "momentum", "[0, 1)", momentum));
            cases.Add(("ScaleByMomentum", () => Optimizer.ScaleByMomentum(momentum), "momentum", "[0, 1)", momentum));
            cases.Add(("LeakyRelu", () => Activation.LeakyRelu(momentum), "slope", "[0, 1)", momentum));
        }
        cases.Add(("Sgd nesterov", () => Optimizer.Sgd(0.1, nesterov: true), "momentum", "greater than 0", 0));
        foreach (double decay in new[] { -0.01, double.NaN, double.PositiveInfinity })
        {
            cases.Add(("Sgd", () => Optimizer.Sgd(0.1, weightDecay: decay), "weightDecay", "0 or more", decay));
            cases.Add(("Adam", () => Optimizer.Adam(weightDecay: decay), "weightDecay", "0 or more", decay));
            cases.Add(("AddDecayedWeights", () => Optimizer.AddDecayedWeights(decay), "weightDecay", "0 or more", decay));
        }
        foreach (double norm in new[] { 0, -1, double.NaN, double.PositiveInfinity })
        {
            cases.Add(("Sgd", () => Optimizer.Sgd(0.1, maxGradientNorm: norm), "maxGradientNorm", "greater than 0", norm));
            cases.Add(("Adam", () => Optimizer.Adam(maxGradientNorm: norm), "maxGradientNorm", "greater than 0", norm));
            cases.Add(("ClipByGlobalNorm", () => Optimizer.ClipByGlobalNorm(norm), "maxNorm", "greater than 0", norm));
        }
        foreach (double beta in new[] { -0.1, 1, double.NaN })
        {
            cases.Add(("Adam", () => Optimizer.Adam(beta1: beta), "beta1", "[0, 1)", beta));
            cases.Add(("Adam", () => Optimizer.Adam(beta2: beta), "beta2", "[0, 1)", beta));
        }
        foreach (double epsilon in new[] { 0, -1e-8, double.NaN })
            cases.Add(("Adam", () => Optimizer.Adam(epsilon: epsilon), "epsilon", "greater than 0", epsilon));
        foreach (int count in new[] { 0, -3 })
        {
            cases.Add(("Epochs", () => Training.Epochs(Net, Optimizer.Sgd(0.1), Loss.Squared, Data, count, 1, 0), "batchSize", "at least 1", count));
            cases.Add(("Epochs", () => Training.Epochs(Net, Optimizer.Sgd(0.1), Loss.Squared, Data, 2, count, 0), "epochs", "at least 1", count));
            cases.Add(("Epochs", () => Training.Epochs(Net, Optimizer.Sgd(0.1), Loss.Squared, Data, 2, 1, 0, firstEpoch: count), "firstEpoch", "at least 1", count));
            var state = Optimizer.Sgd(0.1).Init(Net);
            cases.Add(("Epoch", () => Training.Epoch(Net, state, Optimizer.Sgd(0.1), Loss.Squared, Data, count, 0, 1), "batchSize", "at least 1", count));
            cases.Add(("Epoch", () => Training.Epoch(Net, state, Optimizer.Sgd(0.1), Loss.Squared, Data, 2, 0, count), "epoch", "at least 1", count));
        }

        var before = Bits(Net, Data);
        foreach (var (call, action, parameter, expected, actual) in cases)
        {
            var error = Assert.ThrowsAny<ArgumentException>(action);
            string context = $"{call} with {parameter} = {actual}: {error.Message}";
            Assert.True(parameter == error.ParamName, $"ParamName {error.ParamName}; {context}");
            Assert.True(error.Message.Contains(expected, StringComparison.Ordinal), $"expected '{expected}' in {context}");
            Assert.True(error.Message.Contains($"got {actual}", StringComparison.Ordinal), $"expected 'got {actual}' in {context}");
        }
        Assert.Equal(before, Bits(Net, Data));
    }

    [PureProperty]
    public Property Random_wrong_shapes_and_non_finite_values_are_rejected() => Prop.ForAll(
        (from c in Generators.Case()
         from rows in Gen.Choose(1, 9).Where(r => r != c.Network.InputSize)
         from row in Gen.Choose(0, c.Input.Rows - 1)
         from column in Gen.Choose(0, c.SampleCount - 1)
         from targetRow in Gen.Choose(0, c.Target.Rows - 1)
         from value in Gen.Elements(double.NaN, double.PositiveInfinity, double.NegativeInfinity)
         select (c, rows, row, column, targetRow, value)).ToArbitrary(),
        s =>
        {
            var (c, rows, row, column, targetRow, value) = s;
            int m = c.SampleCount;
            var wrong = ImmutableMatrix.Create(rows, m, (i, j) => 0.5);
            Rejects(() => Backprop.Forward(c.Network, wrong), "input", [$"{c.Network.InputSize} x m", $"{rows} x {m}"], c.Network, wrong);
            var input = With(c.Input, row, column, value);
            Rejects(() => Backprop.Forward(c.Network, input), "input", [$"got {value}", $"row {row}, column {column}"], c.Network, input);
            var trace = Backprop.Forward(c.Network, c.Input);
            var target = With(c.Target, targetRow, column, value);
            Rejects(() => Backprop.Backward(c.Network, trace, target, c.Loss), "target", [$"got {value}", $"row {targetRow}, column {column}"], c.Network, trace, target);
            var wrongTarget = ImmutableMatrix.Create(c.Network.OutputSize + 1, m, (i, j) => 0.0);
            Rejects(() => Backprop.Backward(c.Network, trace, wrongTarget, c.Loss), "target", [$"{c.Network.OutputSize} x {m}", wrongTarget.Shape], c.Network, trace, wrongTarget);
        });

    [Fact]
    public void With_methods_name_their_own_argument()
    {
        var layer = Net.Layers[0];
        Rejects(() => layer.WithWeight(Zeros(2, 4)), "weight", ["Expected weight to be 3 x n", "got 2 x 4"], layer);
        Rejects(() => layer.WithWeight(With(layer.Weight, 0, 0, double.NaN)), "weight", ["Expected finite values in weight", "NaN"], layer);
        Rejects(() => layer.WithBias(ImmutableVector.Zeros<double>(2)), "bias", ["Expected bias of length 3", "got length 2"], layer);
        Rejects(() => Net.WithLayer(1, Net.Layers[0]), "layer", ["Expected layer to be 2 x 3", "got 3 x 4"], Net);
        var nanWeights = Net.Parameters.Map(w => double.NaN);
        Rejects(() => Net.WithParameters(nanWeights), "parameters", ["Expected finite values in parameters", "NaN"], Net, nanWeights);
    }

    [Fact]
    public void Step_that_overflows_names_the_optimizer()
    {
        var gradients = Backprop.Gradient(Net, X, Y, Loss.Squared);
        var huge = Optimizer.Chain(Optimizer.ScaleByLearningRate(1e300), Optimizer.ScaleByLearningRate(1e300));
        var state = huge.Init(Net);
        Rejects(() => Backprop.Step(huge, state, Net, gradients), "optimizer", ["Expected the step to keep the parameters finite", "overflowed"], Net, gradients);
    }

    [Fact]
    public void Loss_value_and_gradient_check_their_targets()
    {
        var output = ImmutableMatrix.FromRows<double>([[0.2, 0.7]]);
        var outside = ImmutableMatrix.FromRows<double>([[1.5, 0.0]]);
        Rejects(() => Loss.BinaryCrossEntropy.Value(output, outside), "target", ["[0, 1]", "got 1.5"], output, outside);
        Rejects(() => Loss.BinaryCrossEntropy.Gradient(output, outside), "target", ["[0, 1]", "got 1.5"], output, outside);
        var nan = ImmutableMatrix.FromRows<double>([[double.NaN, 0.0]]);
        Rejects(() => Loss.Squared.Value(nan, output), "output", ["Expected finite values in output", "NaN"], nan, output);
    }
}
