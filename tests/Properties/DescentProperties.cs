using FsCheck.Fluent;
using Pure.Properties.Support;

namespace Pure.Properties;

/// <summary>The gradient is a descent direction: a small SGD step along -g does not increase a smooth cost.</summary>
public class DescentProperties
{
    [Fact]
    public void Small_sgd_step_does_not_increase_smooth_loss()
    {
        // Taylor: C(θ - η g) = C(θ) - η ||g||^2 + (η^2 / 2) g^T H g + O(η^3), which is below C(θ) when η ||H|| < 2
        // (H the Hessian along g). With η = 1e-4 / (1 + ||g||), η ||H|| stays far below 1 for these bounded networks
        // (weights <= 1.5, widths <= 8, depth <= 4), while the first-order decrease η ||g||^2 is well above rounding
        // whenever ||g|| is not tiny. The only slack is rounding of the cost itself, 1e-14 |C|.
        // The same test on the step in the wrong direction (+η g) must show an increase, so the property can fail;
        // that is required whenever the expected change η ||g||^2 exceeds the slack a thousandfold.
        int informative = 0;
        Checks.Run(Prop.ForAll(GradientGenerators.SmoothCases(), c =>
        {
            var gradients = Backprop.Gradient(c.Network, c.Input, c.Target, c.Loss);
            double norm = gradients.Gradient.Norm();
            double rate = 1e-4 / (1 + norm);
            var sgd = Optimizer.Sgd(rate);
            var state = sgd.Init(c.Network);
            var descended = Backprop.Step(sgd, state, c.Network, gradients).Network;
            var ascended = Backprop.Step(sgd, state, c.Network, gradients with { Gradient = gradients.Gradient.Scale(-1) }).Network;
            double before = Backprop.Cost(c.Network, c.Input, c.Target, c.Loss);
            double after = Backprop.Cost(descended, c.Input, c.Target, c.Loss);
            double wrong = Backprop.Cost(ascended, c.Input, c.Target, c.Loss);
            double slack = 1e-14 * Math.Abs(before);
            bool isInformative = rate * norm * norm > 1e3 * slack;
            if (isInformative) Interlocked.Increment(ref informative);
            return (after <= before + slack && (!isInformative || wrong > before + slack))
                .Label($"cost before {before:R}, after -ηg {after:R}, after +ηg {wrong:R}, η = {rate:E3}, ||g|| = {norm:E3}");
        }));
        Assert.True(informative >= 100, $"Only {informative} cases had a first-order change above rounding; expected at least 100.");
    }
}
