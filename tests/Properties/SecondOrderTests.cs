using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;
using Pure.Testing;

namespace Pure.Properties;

public class SecondOrderTests
{
    // Smooth cases only: the Hessian of a ReLU network or of the L1 loss has jumps that central differences straddle.
    internal static readonly Arbitrary<NetworkCase> SmoothCases = Generators.Cases(8).Filter(c =>
        c.Loss is not AbsoluteLoss && c.Network.Layers.All(l => l.Activation is not (ReluActivation or LeakyReluActivation)) && c.Network.ParameterCount <= 120);

    [PureProperty(MaxTest = 100)]
    public Property Hessian_is_symmetric_and_matches_second_differences_of_the_cost() =>
        Prop.ForAll(SmoothCases, c =>
        {
            var hessian = SecondOrder.Hessian(c.Network, c.Input, c.Target, c.Loss);
            var theta = c.Network.Parameters.Flatten().ToArray();
            var parameters = c.Network.Parameters;
            double Cost(double[] values) => Backprop.Cost(c.Network.WithParameters(parameters.Unflatten(values)), c.Input, c.Target, c.Loss);
            // Independent oracle: the second difference of the cost along a diagonal direction e_i.
            const double h = 1e-4;
            double worst = 0;
            for (int i = 0; i < theta.Length; i += Math.Max(1, theta.Length / 6))
            {
                var plus = (double[])theta.Clone();
                var minus = (double[])theta.Clone();
                plus[i] += h;
                minus[i] -= h;
                double second = (Cost(plus) - 2 * Cost(theta) + Cost(minus)) / (h * h);
                worst = Math.Max(worst, Math.Abs(second - hessian[i, i]) / Math.Max(1, Math.Abs(second)));
            }
            bool symmetric = true;
            for (int i = 0; i < hessian.Rows; i++)
                for (int j = 0; j < i; j++) symmetric &= hessian[i, j] == hessian[j, i];
            return (symmetric && worst < 1e-4).Label($"symmetric={symmetric} worst diagonal error={worst:E3}");
        });

    [PureProperty(MaxTest = 100)]
    public Property Newton_step_solves_linear_least_squares_in_one_step()
    {
        // An identity output layer with half-squared loss is linear least squares: C is quadratic in (W, b), so one
        // Newton step lands on the minimiser, where the gradient vanishes.
        return Prop.ForAll(Generators.Cases(16).Filter(c => c.SampleCount >= 8), c =>
        {
            var layer = new DenseLayer<double>(c.Network.Layers[0].Weight, c.Network.Layers[0].Bias, Activation.Identity);
            var network = Network.FromLayers(layer);
            var target = Generators.Target(Loss.Squared, network.OutputSize, c.SampleCount).Sample(1, 1)[0];
            var before = Backprop.Gradient(network, c.Input, target, Loss.HalfSquared);
            var result = SecondOrder.NewtonStep(network, c.Input, target, Loss.HalfSquared, damping: 1e-9);
            var after = Backprop.Gradient(result.Network, c.Input, target, Loss.HalfSquared);
            double norm = after.Gradient.Norm();
            return (norm <= 1e-6 * Math.Max(1, before.Gradient.Norm()) && after.Loss <= before.Loss + 1e-12)
                .Label($"gradient norm before {before.Gradient.Norm():E3} after {norm:E3}, loss {before.Loss} -> {after.Loss}");
        });
    }

    [Fact]
    public void Newton_step_rejects_negative_damping_and_large_networks()
    {
        var small = Network.Create<double>([2, 1], [Activation.Identity], seed: 1);
        var x = ImmutableMatrix.FromArray(new double[,] { { 1 }, { 2 } });
        var y = ImmutableMatrix.FromArray(new double[,] { { 1 } });
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => SecondOrder.NewtonStep(small, x, y, Loss.HalfSquared, damping: -1));
        Assert.Equal("damping", error.ParamName);
        var large = Network.Create<double>([100, 50, 1], Activation.Tanh, Activation.Identity, seed: 1);
        var wide = ImmutableMatrix.Zeros<double>(100, 1);
        var tooLarge = Assert.Throws<ArgumentException>(() => SecondOrder.Hessian(large, wide, y, Loss.HalfSquared));
        Assert.Contains("5101", tooLarge.Message);
    }
}
