using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using MathNet.Numerics.LinearAlgebra;
using Pure.Properties.Support;
using Pure.Testing;
using static Pure.Properties.Support.BehaviourGenerators;

namespace Pure.Properties;

/// <summary>
/// Forward, Backward and Step change none of their arguments, and equal arguments give bitwise-equal results; in double
/// and in float (the values generated in double and rounded once), since each element type runs its own GEMM kernels.
/// </summary>
public class PurityProperties
{
    [PureProperty]
    public Property Cost_of_a_trace_equals_cost_of_its_input_bit_for_bit() => Prop.ForAll(TrainingCases(), t =>
    {
        var network = t.CreateNetwork();
        var (x, y) = (t.Training.Inputs, t.Training.Targets);
        var trace = Backprop.Forward(network, x);
        var before = Bits(network, trace, y);
        bool same = Bits(Backprop.Cost(network, x, y, t.Loss)).AsSpan().SequenceEqual(Bits(Backprop.Cost(network, trace, y, t.Loss)));
        // A trace of another network (one more output) is refused, naming the trace.
        var wider = Network.Create<double>([.. t.Sizes[..^1], t.Sizes[^1] + 1], t.Activations, t.Seed);
        var error = Assert.Throws<ArgumentException>(() => Backprop.Cost(network, Backprop.Forward(wider, x), y, t.Loss));
        return (same && error.ParamName == "trace" && before.AsSpan().SequenceEqual(Bits(network, trace, y))).Label(t.ToString());
    });

    [PureProperty]
    public Property Forward_leaves_inputs_unchanged() => ForwardLeavesInputsUnchanged<double>();

    [PureProperty]
    public Property Forward_leaves_inputs_unchanged_in_float() => ForwardLeavesInputsUnchanged<float>();

    private static Property ForwardLeavesInputsUnchanged<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> => Prop.ForAll(Generators.Cases(), generated =>
    {
        var c = generated.As<T>();
        var before = Bits(c.Network, c.Input);
        var trace = Backprop.Forward(c.Network, c.Input);
        Backprop.Predict(c.Network, c.Input);
        Assert.Equal(before, Bits(c.Network, c.Input));
        Assert.Equal(Bits(c.Input), Bits(trace.Input));
    });

    [PureProperty]
    public Property Backward_leaves_inputs_unchanged() => BackwardLeavesInputsUnchanged<double>();

    [PureProperty]
    public Property Backward_leaves_inputs_unchanged_in_float() => BackwardLeavesInputsUnchanged<float>();

    private static Property BackwardLeavesInputsUnchanged<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> => Prop.ForAll(Generators.Cases(), generated =>
    {
        var c = generated.As<T>();
        var trace = Backprop.Forward(c.Network, c.Input);
        var before = Bits(c.Network, trace, c.Target, c.Loss);
        Backprop.Backward(c.Network, trace, c.Target, c.Loss);
        Assert.Equal(before, Bits(c.Network, trace, c.Target, c.Loss));
    });

    [PureProperty]
    public Property Step_leaves_inputs_unchanged() => StepLeavesInputsUnchanged<double>();

    [PureProperty]
    public Property Step_leaves_inputs_unchanged_in_float() => StepLeavesInputsUnchanged<float>();

    private static Property StepLeavesInputsUnchanged<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> => Prop.ForAll(Generators.Cases(), generated =>
    {
        var c = generated.As<T>();
        var gradients = Backprop.Gradient(c.Network, c.Input, c.Target, c.Loss);
        foreach (var (name, optimizer) in StepOptimizers)
        {
            // Start from the state after one step, so that the moments are not all zero.
            var first = Backprop.Step(optimizer, optimizer.Init(c.Network), c.Network, gradients);
            var before = Bits(optimizer, first.State, first.Network, gradients);
            Backprop.Step(optimizer, first.State, first.Network, gradients);
            Assert.True(before.AsSpan().SequenceEqual(Bits(optimizer, first.State, first.Network, gradients)), $"{name} changed an argument");
        }
    });

    [PureProperty]
    public Property Equal_inputs_give_bitwise_equal_outputs() => EqualInputsGiveBitwiseEqualOutputs<double>();

    [PureProperty]
    public Property Equal_inputs_give_bitwise_equal_outputs_in_float() => EqualInputsGiveBitwiseEqualOutputs<float>();

    private static Property EqualInputsGiveBitwiseEqualOutputs<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> => Prop.ForAll(Generators.Cases(), generated =>
    {
        var c = generated.As<T>();
        // A second, separately built copy of every input: new arrays, matrices, layers and activation instances.
        var network = Copy(c.Network);
        var input = Copy(c.Input);
        var target = Copy(c.Target);
        var loss = c.Loss with { };

        var trace = Backprop.Forward(c.Network, c.Input);
        var otherTrace = Backprop.Forward(network, input);
        Assert.Equal(Bits(trace), Bits(otherTrace));
        Assert.Equal(Bits(Backprop.Predict(c.Network, c.Input)), Bits(Backprop.Predict(network, input)));

        var gradients = Backprop.Backward(c.Network, trace, c.Target, c.Loss);
        var otherGradients = Backprop.Backward(network, otherTrace, target, loss);
        Assert.Equal(Bits(gradients), Bits(otherGradients));

        foreach (var (name, optimizer) in StepOptimizers)
        {
            var step = Backprop.Step(optimizer, optimizer.Init(c.Network), c.Network, gradients);
            var otherStep = Backprop.Step(optimizer, optimizer.Init(network), network, Copy(gradients));
            Assert.True(Bits(step).AsSpan().SequenceEqual(Bits(otherStep)), $"{name}: first steps differ");
            step = Backprop.Step(optimizer, step.State, step.Network, gradients);
            otherStep = Backprop.Step(optimizer, otherStep.State, otherStep.Network, Copy(gradients));
            Assert.True(Bits(step).AsSpan().SequenceEqual(Bits(otherStep)), $"{name}: second steps differ");
        }
    });

    [PureProperty]
    public Property Equal_values_are_Equal_with_equal_hash_codes() => EqualValuesAreEqualWithEqualHashCodes<double>();

    [PureProperty]
    public Property Equal_values_are_Equal_with_equal_hash_codes_in_float() => EqualValuesAreEqualWithEqualHashCodes<float>();

    private static Property EqualValuesAreEqualWithEqualHashCodes<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> => Prop.ForAll(Generators.Cases(), generated =>
    {
        var c = generated.As<T>();
        var trace = Backprop.Forward(c.Network, c.Input);
        var gradients = Backprop.Backward(c.Network, trace, c.Target, c.Loss);
        var optimizer = StepOptimizers[^1].Optimizer;
        var step = Backprop.Step(optimizer, optimizer.Init(c.Network), c.Network, gradients);

        var network = Copy(c.Network);
        var otherTrace = Backprop.Forward(network, Copy(c.Input));
        var otherGradients = Backprop.Backward(network, otherTrace, Copy(c.Target), c.Loss);
        var otherStep = Backprop.Step(optimizer, optimizer.Init(network), network, otherGradients);

        AssertValueEqual(c.Input, Copy(c.Input));
        AssertValueEqual(c.Network.Layers[0].Bias, ImmutableVector.Create(c.Network.Layers[0].Bias.ToArray()));
        AssertValueEqual(c.Network, network);
        AssertValueEqual(c.Network.Parameters, network.Parameters);
        AssertValueEqual(trace, otherTrace);
        AssertValueEqual(gradients, otherGradients);
        AssertValueEqual(step.State, otherStep.State);
        AssertValueEqual(step, otherStep);

        // One changed weight makes the networks unequal.
        var weight = c.Network.Layers[0].Weight.ToColumnMajorArray();
        weight[0] += T.One;
        var changed = c.Network.WithLayer(0, c.Network.Layers[0].WithWeight(ImmutableMatrix.FromColumnMajor<T>(
            c.Network.Layers[0].Weight.Rows, c.Network.Layers[0].Weight.Columns, weight)));
        Assert.NotEqual(c.Network, changed);
    });

    [Fact]
    public void Zero_and_negative_zero_give_equal_values_with_equal_hash_codes()
    {
        // Matrices compare element by element with double's equality, where 0 == -0, so their hash codes must agree too.
        var positive = ImmutableMatrix.FromColumnMajor<double>(2, 2, [0.0, 1.0, 0.0, 2.0]);
        var negative = ImmutableMatrix.FromColumnMajor<double>(2, 2, [-0.0, 1.0, -0.0, 2.0]);
        Assert.NotEqual(BitConverter.DoubleToInt64Bits(positive[0, 0]), BitConverter.DoubleToInt64Bits(negative[0, 0]));
        AssertValueEqual(positive, negative);
        AssertValueEqual(ImmutableVector.Create(0.0, 1.0), ImmutableVector.Create(-0.0, 1.0));
        AssertValueEqual(ImmutableMatrix.FromColumnMajor<float>(1, 1, [0f]), ImmutableMatrix.FromColumnMajor<float>(1, 1, [-0f]));
        var layer = new DenseLayer<double>(positive, ImmutableVector.Create(0.0, 0.0), Activation.Tanh);
        var otherLayer = new DenseLayer<double>(negative, ImmutableVector.Create(-0.0, 0.0), Activation.Tanh);
        AssertValueEqual(Network.FromLayers(layer), Network.FromLayers(otherLayer));
    }

    [PureProperty]
    public Property Matrix_and_vector_factories_copy_their_input() => Prop.ForAll(
        (from rows in Gen.Choose(1, 6) from columns in Gen.Choose(1, 6) from matrix in Generators.Matrix(rows, columns) select matrix).ToArbitrary(),
        matrix =>
        {
            int rows = matrix.Rows, columns = matrix.Columns;
            var columnMajor = matrix.ToColumnMajorArray();
            var rowMajor = matrix.Transpose().ToColumnMajorArray();
            var array = matrix.ToArray();
            var nested = Enumerable.Range(0, rows).Select(i => Enumerable.Range(0, columns).Select(j => array[i, j]).ToArray()).ToArray();
            var mathNet = matrix.ToMathNet();
            var column = matrix.Column(0).ToArray();
            var made = new[]
            {
                ImmutableMatrix.FromColumnMajor<double>(rows, columns, columnMajor),
                ImmutableMatrix.FromRowMajor<double>(rows, columns, rowMajor),
                ImmutableMatrix.FromArray(array),
                ImmutableMatrix.FromRows<double>(nested),
                ImmutableMatrix.FromMathNet(mathNet),
            };
            var madeColumn = ImmutableMatrix.Column(column);
            var vectorSource = Vector<double>.Build.Dense(column.ToArray());
            var vectors = new[] { ImmutableVector.Create(column), ImmutableVector.FromSpan<double>(column), ImmutableVector.FromMathNet(vectorSource) };
            var expected = Bits(matrix);
            var expectedColumn = Bits(madeColumn);
            var expectedVector = Bits(vectors[0]);

            // Overwrite every source with values that are never generated.
            Array.Fill(columnMajor, 99.5);
            Array.Fill(rowMajor, 99.5);
            for (int i = 0; i < rows; i++) { Array.Fill(nested[i], 99.5); for (int j = 0; j < columns; j++) array[i, j] = 99.5; }
            mathNet.Clear();
            mathNet.Add(99.5, mathNet);
            Array.Fill(column, 99.5);
            vectorSource.Add(99.5, vectorSource);

            foreach (var copy in made) Assert.Equal(expected, Bits(copy));
            Assert.Equal(expectedColumn, Bits(madeColumn));
            foreach (var vector in vectors) Assert.Equal(expectedVector, Bits(vector));

            // The arrays handed out are copies too.
            matrix.ToColumnMajorArray()[0] = 99.5;
            matrix.ToArray()[0, 0] = 99.5;
            matrix.ToMathNet()[0, 0] = 99.5;
            vectors[0].ToArray()[0] = 99.5;
            Assert.Equal(expected, Bits(matrix));
            Assert.Equal(expectedVector, Bits(vectors[0]));
        });

    private static void AssertValueEqual<TValue>(TValue value, TValue other) where TValue : notnull
    {
        Assert.False(ReferenceEquals(value, other), "the two values must be built separately");
        Assert.True(value.Equals(other), $"not Equal: {value} and {other}");
        Assert.True(value.GetHashCode() == other.GetHashCode(), $"equal values with different hash codes: {value} and {other}");
    }
}
