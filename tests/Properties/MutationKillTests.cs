using System.Collections.Immutable;
using static Pure.Properties.SmallNetwork;

namespace Pure.Properties;

/// <summary>
/// Tests written to kill mutants that Stryker.NET left alive in src/Pure (docs/verification.md, "Mutation testing"):
/// each pins one condition of a guard or of a check that the property suite reached only with inputs for which the
/// mutated condition gave the same answer.
/// </summary>
public class MutationKillTests
{
    private static void RejectsNaming(string parameter, Action call)
    {
        var error = Assert.ThrowsAny<ArgumentException>(call);
        Assert.Equal(parameter, error.ParamName);
    }

    private static Gradients<double> GradientsOf(Network<double> network, Func<int, bool, double> value) =>
        new(new Parameters<double>(network.Layers.Select((layer, l) => new LayerParameters<double>(
            ImmutableMatrix.Create(layer.OutputSize, layer.InputSize, (_, _) => value(l, true)),
            new ImmutableVector<double>([.. Enumerable.Repeat(value(l, false), layer.OutputSize)]))).ToImmutableArray()), 0);

    [Fact]
    public void A_step_that_overflows_only_the_first_weight_of_the_first_layer_is_rejected()
    {
        // Only W^[1] gets a huge gradient, and in a 1-1 network W^[1] has one element (index 0): the overflow is at
        // index 0 of the weights while every bias stays finite.
        var tiny = Network.Create<double>([1, 1], Activation.Identity, Activation.Identity, seed: 5);
        var optimizer = Optimizer.Sgd(1e300);
        var gradients = GradientsOf(tiny, (_, isWeight) => isWeight ? 1e300 : 0);
        var error = Assert.ThrowsAny<ArgumentException>(() => Backprop.Step(optimizer, optimizer.Init(tiny), tiny, gradients));
        Assert.Equal("optimizer", error.ParamName);
        Assert.Contains("layer 0 overflowed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_step_that_overflows_only_a_bias_is_rejected()
    {
        var optimizer = Optimizer.Sgd(1e300);
        var gradients = GradientsOf(Net, (l, isWeight) => !isWeight && l == 1 ? 1e300 : 0);
        var error = Assert.ThrowsAny<ArgumentException>(() => Backprop.Step(optimizer, optimizer.Init(Net), Net, gradients));
        Assert.Equal("optimizer", error.ParamName);
        Assert.Contains("layer 1 overflowed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_step_that_stays_finite_returns_the_parameters_plus_the_update()
    {
        var gradients = GradientsOf(Net, (l, isWeight) => isWeight ? 1 + l : -2);
        var next = Backprop.Step(Optimizer.Sgd(0.5), Optimizer.Sgd(0.5).Init(Net), Net, gradients).Network;
        var expected = Net.Parameters.Add(gradients.Gradient.Scale(-0.5));
        Assert.Equal(expected, next.Parameters);
    }

    [Fact]
    public void A_trace_whose_pre_activations_or_activations_alone_have_the_wrong_layer_count_is_rejected()
    {
        var trace = Backprop.Forward(Net, X);
        RejectsNaming("trace", () => Backprop.Backward(Net, trace with { PreActivations = trace.PreActivations.RemoveAt(1) }, Y, Loss.Squared));
        RejectsNaming("trace", () => Backprop.Backward(Net, trace with { Activations = trace.Activations.RemoveAt(1) }, Y, Loss.Squared));
        RejectsNaming("trace", () => Backprop.Backward(Net, trace with { Input = ImmutableMatrix.Zeros<double>(3, 3) }, Y, Loss.Squared));
    }

    [Fact]
    public void A_trace_with_one_matrix_of_the_wrong_shape_is_rejected()
    {
        var trace = Backprop.Forward(Net, X);
        var wrongRows = ImmutableMatrix.Zeros<double>(3, 3);
        var wrongColumns = ImmutableMatrix.Zeros<double>(2, 2);
        RejectsNaming("trace", () => Backprop.Backward(Net, trace with { PreActivations = trace.PreActivations.SetItem(0, wrongRows) }, Y, Loss.Squared));
        RejectsNaming("trace", () => Backprop.Backward(Net, trace with { Activations = trace.Activations.SetItem(0, wrongRows) }, Y, Loss.Squared));
        RejectsNaming("trace", () => Backprop.Backward(Net, trace with { PreActivations = trace.PreActivations.SetItem(0, wrongColumns) }, Y, Loss.Squared));
        RejectsNaming("trace", () => Backprop.Backward(Net, trace with { Activations = trace.Activations.SetItem(0, wrongColumns) }, Y, Loss.Squared));
        RejectsNaming("trace", () => Backprop.Cost(Net, trace with { Activations = trace.Activations.SetItem(0, wrongColumns) }, Y, Loss.Squared));
        RejectsNaming("trace", () => Backprop.Vjp(Net, trace with { Activations = trace.Activations.SetItem(0, wrongColumns) }, Y));
    }

    [Fact]
    public void A_trace_with_a_non_finite_activation_is_rejected()
    {
        var trace = Backprop.Forward(Net, X);
        var infinite = ImmutableMatrix.Create(2, 3, (i, j) => i == 1 && j == 2 ? double.PositiveInfinity : 0);
        RejectsNaming("trace", () => Backprop.Backward(Net, trace with { Activations = trace.Activations.SetItem(0, infinite) }, Y, Loss.Squared));
        RejectsNaming("trace", () => Backprop.Backward(Net, trace with { PreActivations = trace.PreActivations.SetItem(0, infinite) }, Y, Loss.Squared));
    }

    [Fact]
    public void Jvp_and_Vjp_reject_a_tangent_or_cotangent_of_the_wrong_shape_or_not_finite()
    {
        var trace = Backprop.Forward(Net, X);
        RejectsNaming("tangent", () => Backprop.Jvp(Net, X, ImmutableMatrix.Zeros<double>(2, 2)));
        RejectsNaming("tangent", () => Backprop.Jvp(Net, X, ImmutableMatrix.Create(2, 3, (i, j) => i + j == 3 ? double.NaN : 0)));
        Assert.Throws<ArgumentNullException>(() => Backprop.Jvp(Net, X, null!));
        RejectsNaming("cotangent", () => Backprop.Vjp(Net, trace, ImmutableMatrix.Zeros<double>(1, 2)));
        RejectsNaming("cotangent", () => Backprop.Vjp(Net, trace, ImmutableMatrix.Create(1, 3, (_, j) => j == 1 ? double.NaN : 0)));
        Assert.Throws<ArgumentNullException>(() => Backprop.Vjp(Net, trace, null!));
    }

    [Fact]
    public void PropagateError_rejects_a_delta_whose_rows_are_not_the_layer_outputs_and_computes_W_transpose_delta()
    {
        var layer = Net.Layers[0];
        var error = Assert.ThrowsAny<ArgumentException>(() => Backprop.PropagateError(layer, ImmutableMatrix.Zeros<double>(3, 4)));
        Assert.Equal("delta", error.ParamName);
        Assert.Contains("got 3 x 4", error.Message, StringComparison.Ordinal);
        var delta = ImmutableMatrix.Create(2, 1, (i, _) => 1.0 + i);
        var result = Backprop.PropagateError(layer, delta);
        for (int k = 0; k < 2; k++)
            Assert.Equal(layer.Weight[0, k] * 1.0 + layer.Weight[1, k] * 2.0, result[k, 0], 12);
    }

    [Fact]
    public void OutputError_rejects_a_target_of_another_shape_and_non_finite_values()
    {
        var z = ImmutableMatrix.Create(1, 3, (_, j) => 0.5 * j);
        RejectsNaming("target", () => Backprop.OutputError(Activation.Identity, z, ImmutableMatrix.Zeros<double>(1, 2), Loss.Squared));
        RejectsNaming("target", () => Backprop.OutputError(Activation.Identity, z, ImmutableMatrix.Create(1, 3, (_, j) => j == 2 ? double.NaN : 0), Loss.Squared));
        RejectsNaming("preActivation", () => Backprop.OutputError(Activation.Identity, ImmutableMatrix.Create(1, 3, (_, j) => j == 0 ? double.NegativeInfinity : 0), Y, Loss.Squared));
        Assert.Equal(ImmutableMatrix.Create(1, 3, (_, j) => 0.5 * j - 0.1 * j), Backprop.OutputError(Activation.Identity, z, Y, Loss.HalfSquared));
    }

    private static void RejectsNull(string parameter, Action call)
    {
        var error = Assert.Throws<ArgumentNullException>(call);
        Assert.Equal(parameter, error.ParamName);
    }

    [Fact]
    public void Every_null_argument_of_OutputError_PropagateError_Forward_Backward_and_Cost_is_named()
    {
        var z = ImmutableMatrix.Create(1, 3, (_, j) => 0.5 * j);
        var trace = Backprop.Forward(Net, X);
        RejectsNull("outputActivation", () => Backprop.OutputError(null!, z, Y, Loss.Squared));
        // The loss checks the activation for null too; only OutputError's own check names it before a null pre-activation.
        RejectsNull("outputActivation", () => Backprop.OutputError(null!, null!, Y, Loss.Squared));
        RejectsNull("preActivation", () => Backprop.OutputError(Activation.Identity, null!, Y, Loss.Squared));
        RejectsNull("target", () => Backprop.OutputError(Activation.Identity, z, null!, Loss.Squared));
        RejectsNull("loss", () => Backprop.OutputError(Activation.Identity, z, Y, null!));
        RejectsNull("layer", () => Backprop.PropagateError(null!, ImmutableMatrix.Zeros<double>(2, 1)));
        RejectsNull("delta", () => Backprop.PropagateError(Net.Layers[0], null!));
        RejectsNull("network", () => Backprop.Forward((Network<double>)null!, X));
        RejectsNull("input", () => Backprop.Forward(Net, null!));
        RejectsNull("network", () => Backprop.Backward((Network<double>)null!, trace, Y, Loss.Squared));
        RejectsNull("trace", () => Backprop.Backward(Net, null!, Y, Loss.Squared));
        RejectsNull("target", () => Backprop.Backward(Net, trace, null!, Loss.Squared));
        RejectsNull("loss", () => Backprop.Backward(Net, trace, Y, null!));
    }

    [Fact]
    public void OutputError_checks_the_targets_against_the_loss_and_Cost_of_a_trace_checks_the_target()
    {
        var z = ImmutableMatrix.Create(1, 3, (_, j) => 0.5 * j);
        var outOfRange = ImmutableMatrix.Create(1, 3, (_, j) => j == 1 ? 2.0 : 0.5);
        RejectsNaming("target", () => Backprop.OutputError(Activation.Sigmoid, z, outOfRange, Loss.BinaryCrossEntropy));
        var trace = Backprop.Forward(Net, X);
        RejectsNaming("target", () => Backprop.Cost(Net, trace, ImmutableMatrix.Zeros<double>(1, 2), Loss.Squared));
        RejectsNaming("target", () => Backprop.Cost(Net, trace, ImmutableMatrix.Create(1, 3, (_, j) => j == 0 ? double.NaN : 0), Loss.Squared));
    }

    [Fact]
    public void A_trace_with_a_non_finite_input_is_rejected()
    {
        var trace = Backprop.Forward(Net, X);
        var input = ImmutableMatrix.Create(2, 3, (i, j) => i == 0 && j == 1 ? double.NaN : 0);
        RejectsNaming("trace", () => Backprop.Backward(Net, trace with { Input = input }, Y, Loss.Squared));
        RejectsNaming("trace", () => Backprop.Vjp(Net, trace with { Input = input }, Y));
    }
}
