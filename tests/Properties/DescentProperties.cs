using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;
using Pure.Testing;

namespace Pure.Properties;

/// <summary>The gradient is a descent direction: a small SGD step along -g does not increase a smooth cost.</summary>
public class DescentProperties
{
    // Taylor: C(θ - η g) = C(θ) - η ||g||^2 + (η^2 / 2) g^T H g + O(η^3), which is below C(θ) when η ||H|| < 2
    // (H the Hessian along g). With η = 1e-4 / (1 + ||g||), η ||H|| stays far below 1 for these bounded networks
    // (weights <= 1.5, widths <= 8, depth <= 4), while the first-order decrease η ||g||^2 is well above rounding
    // whenever ||g|| is not tiny. The only slack is rounding of the cost itself, 1e-14 |C|.
    // The same test on the step in the wrong direction (+η g) must show an increase, so the property can fail;
    // that is required whenever the expected change η ||g||^2 exceeds the slack a thousandfold.
    [PureProperty]
    public Property Small_sgd_step_does_not_increase_smooth_loss() =>
        SmallStepDoesNotIncreaseSmoothLoss<double>(rateScale: 1e-4, informativeFactor: 1e3);

    /// <summary>At least 100 of 200 generated cases have a first-order change above rounding (else the wrong-direction check rarely applies).</summary>
    [Fact]
    public void Small_sgd_step_cases_are_informative() => AtLeastHalfAreInformative<double>(rateScale: 1e-4, informativeFactor: 1e3);

    // In float the slack is the same number of ulps, 1e-14 · 2^29 |C| ≈ 5.4e-6 |C|. With the double step, η ||g||^2
    // would exceed a thousand times that in none of 2000 cases, so the step is 100 times longer, η = 1e-2 / (1 + ||g||)
    // (η ||H|| still well below 1: over 2000 cases no such step increased the cost beyond the slack), and the wrong
    // direction must show an increase when the expected change exceeds the slack a hundredfold (about 70% of cases).
    [PureProperty]
    public Property Small_sgd_step_does_not_increase_smooth_loss_in_float() =>
        SmallStepDoesNotIncreaseSmoothLoss<float>(rateScale: 1e-2, informativeFactor: 1e2);

    /// <summary>As <see cref="Small_sgd_step_cases_are_informative"/>, in float.</summary>
    [Fact]
    public void Small_sgd_step_cases_are_informative_in_float() => AtLeastHalfAreInformative<float>(rateScale: 1e-2, informativeFactor: 1e2);

    private static Property SmallStepDoesNotIncreaseSmoothLoss<T>(double rateScale, double informativeFactor) where T : unmanaged, IFloatingPointIeee754<T> =>
        Prop.ForAll(Generators.SmoothCases(), generated =>
        {
            var outcome = Descend<T>(generated, rateScale, informativeFactor);
            return outcome.Holds.Label(outcome.Label);
        });

    private static void AtLeastHalfAreInformative<T>(double rateScale, double informativeFactor) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // The sizes grow from 0 to 99 as in a property run of 200 cases.
        var cases = Enumerable.Range(0, 200).SelectMany(i => Generators.SmoothCases().Generator.Sample(i / 2, 1));
        int informative = cases.Count(c => Descend<T>(c, rateScale, informativeFactor).Informative);
        Assert.True(informative >= 100, $"Only {informative} of 200 cases had a first-order change above rounding; expected at least 100.");
    }

    /// <summary>One SGD step along -g and one along +g from the case; whether the descent holds and whether the case is informative.</summary>
    private static (bool Holds, bool Informative, string Label) Descend<T>(NetworkCase generated, double rateScale, double informativeFactor)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double slackPerCost = Precision.Scaled<T>(1e-14);
        var c = generated.As<T>();
        var gradients = Backprop.Gradient(c.Network, c.Input, c.Target, c.Loss);
        double norm = double.CreateChecked(gradients.Gradient.Norm());
        double rate = rateScale / (1 + norm);
        var sgd = Optimizer.Sgd(rate);
        var state = sgd.Init(c.Network);
        var descended = Backprop.Step(sgd, state, c.Network, gradients).Network;
        var ascended = Backprop.Step(sgd, state, c.Network, gradients with { Gradient = gradients.Gradient.Scale(-T.One) }).Network;
        double before = double.CreateChecked(Backprop.Cost(c.Network, c.Input, c.Target, c.Loss));
        double after = double.CreateChecked(Backprop.Cost(descended, c.Input, c.Target, c.Loss));
        double wrong = double.CreateChecked(Backprop.Cost(ascended, c.Input, c.Target, c.Loss));
        double slack = slackPerCost * Math.Abs(before);
        bool isInformative = rate * norm * norm > informativeFactor * slack;
        return (after <= before + slack && (!isInformative || wrong > before + slack), isInformative,
            $"cost before {before:R}, after -ηg {after:R}, after +ηg {wrong:R}, η = {rate:E3}, ||g|| = {norm:E3}");
    }
}
