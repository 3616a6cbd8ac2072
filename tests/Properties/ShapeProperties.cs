using FsCheck;
using System.Numerics;
using FsCheck.Fluent;
using Pure.Properties.Support;
using Pure.Testing;
using static Pure.Properties.Support.BehaviourGenerators;

namespace Pure.Properties;

/// <summary>Forward, Backward and Step produce values of the shapes the network dictates.</summary>
public class ShapeProperties
{
    // Each property runs in double and in float (values generated in double and rounded once): the shapes must not
    // depend on the element type or on which GEMM kernel the element type uses.

    [Fact]
    public void Architecture_names_each_layer_size_and_activation()
    {
        var network = Network.Create<double>([3, 5, 2], Activation.Tanh, Activation.Softmax, seed: 1);
        Assert.Equal("3-5(tanh)-2(softmax)", network.Architecture);
        Assert.Equal("Network<Double> 3-5(tanh)-2(softmax), 32 parameters", network.ToString());
        Assert.Equal("4-2(leaky_relu)", Network.Create<float>([4, 2], [Activation.LeakyRelu()], seed: 1).Architecture);
    }

    [PureProperty]
    public Property Forward_output_is_nL_by_m() => ForwardOutputIsNLByM<double>();

    [PureProperty]
    public Property Forward_output_is_nL_by_m_in_float() => ForwardOutputIsNLByM<float>();

    private static Property ForwardOutputIsNLByM<T>() where T : unmanaged, IFloatingPointIeee754<T> => Prop.ForAll(Generators.Cases(), generated =>
    {
        var c = generated.As<T>();
        // Repeat the case's samples side by side until there are 16, then take the first m for every m in 1..16.
        var columns = ImmutableMatrix.ConcatenateColumns(Enumerable.Repeat(c.Input, 16).ToArray());
        var layers = c.Network.Layers;
        for (int m = 1; m <= 16; m++)
        {
            var input = columns.SliceColumns(0, m);
            var trace = Backprop.Forward(c.Network, input);
            Assert.Equal(layers.Length, trace.PreActivations.Length);
            Assert.Equal(layers.Length, trace.Activations.Length);
            Assert.Equal(m, trace.SampleCount);
            for (int l = 0; l < layers.Length; l++)
            {
                Assert.Equal((layers[l].OutputSize, m), (trace.PreActivations[l].Rows, trace.PreActivations[l].Columns));
                Assert.Equal((layers[l].OutputSize, m), (trace.Activations[l].Rows, trace.Activations[l].Columns));
            }
            var output = Backprop.Predict(c.Network, input);
            Assert.Equal((c.Network.OutputSize, m), (output.Rows, output.Columns));
            Assert.Equal(Bits(trace.Output), Bits(output));
        }
    });

    [PureProperty]
    public Property Gradients_have_the_network_shapes() => GradientsHaveTheNetworkShapes<double>();

    [PureProperty]
    public Property Gradients_have_the_network_shapes_in_float() => GradientsHaveTheNetworkShapes<float>();

    private static Property GradientsHaveTheNetworkShapes<T>() where T : unmanaged, IFloatingPointIeee754<T> => Prop.ForAll(Generators.Cases(), generated =>
    {
        var c = generated.As<T>();
        var gradients = Backprop.Gradient(c.Network, c.Input, c.Target, c.Loss).Gradient;
        AssertShapedLike(c.Network, gradients, "gradient");
    });

    [PureProperty]
    public Property Step_keeps_the_network_shapes() => StepKeepsTheNetworkShapes<double>();

    [PureProperty]
    public Property Step_keeps_the_network_shapes_in_float() => StepKeepsTheNetworkShapes<float>();

    private static Property StepKeepsTheNetworkShapes<T>() where T : unmanaged, IFloatingPointIeee754<T> => Prop.ForAll(Generators.Cases(), generated =>
    {
        var c = generated.As<T>();
        var gradients = Backprop.Gradient(c.Network, c.Input, c.Target, c.Loss);
        foreach (var (name, optimizer) in StepOptimizers)
        {
            var state = optimizer.Init(c.Network);
            AssertMomentsShapedLike(c.Network, state, name);
            // Two steps with the same gradient, so that the second sees non-zero moments.
            var network = c.Network;
            for (int step = 0; step < 2; step++)
            {
                var result = Backprop.Step(optimizer, state, network, gradients);
                Assert.Equal(c.Network.LayerSizes.ToArray(), result.Network.LayerSizes.ToArray());
                for (int l = 0; l < c.Network.Layers.Length; l++)
                    Assert.Equal(c.Network.Layers[l].Activation, result.Network.Layers[l].Activation);
                AssertShapedLike(c.Network, result.Network.Parameters, name);
                Assert.Equal(state.GetType(), result.State.GetType());
                AssertMomentsShapedLike(c.Network, result.State, name);
                (network, state) = (result.Network, result.State);
            }
        }
    });

    private static void AssertShapedLike<T>(Network<T> network, Parameters<T> parameters, string what) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.True(network.Layers.Length == parameters.Layers.Length, $"{what}: {parameters.Layers.Length} layers for {network}");
        for (int l = 0; l < network.Layers.Length; l++)
        {
            var expected = network.Layers[l].Weight;
            var actual = parameters.Layers[l];
            Assert.True(expected.Rows == actual.Weight.Rows && expected.Columns == actual.Weight.Columns,
                $"{what}: layer {l} weight is {actual.Weight.Shape}, expected {expected.Shape}");
            Assert.True(expected.Rows == actual.Bias.Length, $"{what}: layer {l} bias has length {actual.Bias.Length}, expected {expected.Rows}");
        }
    }

    /// <summary>Every moment inside the state (momentum's velocity, Adam's two moments) is shaped like the network.</summary>
    private static void AssertMomentsShapedLike<T>(Network<T> network, OptimizerState<T> state, string optimizer) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var chain = Assert.IsType<ChainState<T>>(state);
        int moments = 0;
        foreach (var inner in chain.States)
        {
            switch (inner)
            {
                case MomentumState<T> momentum:
                    AssertShapedLike(network, momentum.Velocity, $"{optimizer} velocity");
                    moments++;
                    break;
                case AdamState<T> adam:
                    AssertShapedLike(network, adam.FirstMoment, $"{optimizer} first moment");
                    AssertShapedLike(network, adam.SecondMoment, $"{optimizer} second moment");
                    moments++;
                    break;
                default:
                    Assert.IsType<EmptyState<T>>(inner);
                    break;
            }
        }
        bool expectsMoments = optimizer.StartsWith("momentum") || optimizer.StartsWith("nesterov") || optimizer.StartsWith("adam");
        Assert.True(moments == (expectsMoments ? 1 : 0), $"{optimizer}: {moments} moment states in {state}");
    }
}
