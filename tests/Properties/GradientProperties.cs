using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;
using Pure.Testing;

namespace Pure.Properties;

/// <summary>The analytic gradient of Backward against central differences, through the public GradientCheck.</summary>
public class GradientProperties
{
    /// <summary>Cases closer than this to a ReLU kink (|z|) or an L1 kink (|a - y|) are discarded in double (h = 2^-20).</summary>
    private const double KinkMargin = 1e-3;

    /// <summary>
    /// True when the rounding of the cost alone could push central differences past 1e-6: the difference quotient
    /// carries about 4 ε |C| / 2h = 4.6e-10 |C| with h = 2^-20, which passes 1e-6 for costs in the thousands
    /// (seen once in 20,000 cases: C = 3512). Such cases are discarded, whatever the analytic gradient.
    /// </summary>
    private static bool RoundingDominates(NetworkCase c) => Math.Abs(Backprop.Cost(c.Network, c.Input, c.Target, c.Loss)) > 500;

    [PureProperty]
    public Property Backward_matches_central_differences()
    {
        return Prop.ForAll(Generators.Cases(), c => Prop.When(
            GradientChecking.DistanceToKinks(c.Network, c.Input, c.Target, c.Loss) >= KinkMargin && !RoundingDominates(c),
            () =>
            {
                // The defaults for double: h = 2^-20 and rtol 1e-7; every coordinate passes |a - n| <= rtol max(|a|, |n|) + atol,
                // so the list of failing coordinates is empty.
                var report = GradientCheck.Run(c.Network, c.Input, c.Target, c.Loss);
                return (report.Step == Math.Pow(2, -20) && report.Tolerance == 1e-7
                        && report.Step == GradientCheckOptions.DefaultStep<double>() && report.Tolerance == GradientCheckOptions.DefaultTolerance<double>()
                        && report.CheckedCount == c.Network.ParameterCount && report.Failures.IsEmpty && report.Passed)
                    .Label(report.ToString());
            }));
    }

    [PureProperty]
    public Property Backward_relative_error_stays_below_1e_minus_6()
    {
        // The same comparison as above, asserting the documented rule directly rather than through Passed, with h = 2^-20
        // and rtol 1e-7 given explicitly (so a change of GradientCheck's defaults cannot loosen it): no failing
        // coordinate; the worst one within |a - n| <= 1e-7 max(|a|, |n|) + atol; its relative error by the documented
        // formula |a - n| / max(|a|, |n|), and the report's maxima at least the worst's. Then one seeded coordinate alone
        // (MaxParameters = 1), where the report's MaxRelativeError and MaxAbsoluteError are exactly that coordinate's.
        var options = new GradientCheckOptions(Step: Math.Pow(2, -20), Tolerance: 1e-7);
        return Prop.ForAll(Generators.Cases(), c => Prop.When(
            GradientChecking.DistanceToKinks(c.Network, c.Input, c.Target, c.Loss) >= KinkMargin && !RoundingDominates(c),
            () =>
            {
                var report = GradientCheck.Run(c.Network, c.Input, c.Target, c.Loss, options);
                var w = report.Worst;
                double scale = Math.Max(Math.Abs(w.Analytic), Math.Abs(w.Numeric));
                double relative = w.AbsoluteError == 0 ? 0 : w.AbsoluteError / scale;
                bool worstHolds = w.AbsoluteError <= 1e-7 * scale + w.Noise && w.Allowed == 1e-7 * scale + w.Noise
                    && w.Error == relative && report.MaxRelativeError >= relative && report.MaxAbsoluteError >= w.AbsoluteError;
                var single = GradientCheck.Run(c.Network, c.Input, c.Target, c.Loss, options with { MaxParameters = 1, Seed = c.SampleCount });
                var s = single.Worst;
                double singleRelative = s.AbsoluteError == 0 ? 0 : s.AbsoluteError / Math.Max(Math.Abs(s.Analytic), Math.Abs(s.Numeric));
                bool singleHolds = single.CheckedCount == 1 && single.MaxRelativeError == singleRelative && single.MaxAbsoluteError == s.AbsoluteError;
                return (report.Tolerance == 1e-7 && report.Failures.IsEmpty && worstHolds && singleHolds).Label($"{report}\n{single}");
            }));
    }

    [PureProperty(MaxTest = 100)]
    public Property Backward_matches_central_differences_in_float()
    {
        // Float defaults: h = 2^-8, rtol 1e-4 (the cost evaluated in double on the float case's numbers). A generated double case is rounded to float and discarded when
        // the float check could not pass even with a correct gradient:
        // - a kink within reach: with h this large a fixed margin is not enough (moving a parameter by h can move a
        //   deep pre-activation by much more than h), so also when moving any single parameter by ±h would put a
        //   ReLU pre-activation or an L1 residual on the other side of its kink;
        // - rounding: the cost is summed in float, so the difference quotient carries about 4 ε_f |C| / 2h = 3e-5 |C|
        //   (ε_f = 6e-8), above the tolerance for costs in the hundreds; discarded when C > 50 (a floor of 1.5e-3);
        // - truncation: h^2/6 |∂³C/∂θ³| grows with the cube of the activations a weight multiplies (seen: 1.2e-2 with
        //   hidden activations near 10 feeding a tanh); discarded when, for the same case in double, central
        //   differences with h = 2^-8 and with h = 2^-20 differ by more than 2e-3 (relative, as in the check). This
        //   estimate uses no analytic gradient, so a wrong Backward cannot discard its own failures.
        const double FloatStep = 1.0 / 256;
        return Prop.ForAll(Generators.Cases(), d =>
        {
            var c = d.As<float>();
            return Prop.When(
                GradientChecking.DistanceToKinks(c.Network, c.Input, c.Target, c.Loss) >= KinkMargin
                && !GradientChecking.PerturbationCrossesKink(c.Network, c.Input, c.Target, c.Loss, (float)FloatStep)
                && Backprop.Cost(c.Network, c.Input, c.Target, c.Loss) <= 50
                && TruncationError(d, FloatStep) <= 2e-3,
                () =>
                {
                    var report = GradientCheck.Run(c.Network, c.Input, c.Target, c.Loss);
                    return (report.Step == FloatStep && report.Tolerance == 1e-4 && report.Tolerance == GradientCheckOptions.DefaultTolerance<float>()
                            && report.CheckedCount == c.Network.ParameterCount && report.Failures.IsEmpty && report.Passed)
                        .Label(report.ToString());
                });
        });
    }

    [PureProperty]
    public Property Backward_in_float_matches_double_central_differences()
    {
        // The stronger check for float: the float analytic gradient (every product on the float GEMM) against central
        // differences in double (h = 2^-20) of the same network, input and target, converted exactly to double. The
        // numerical side then carries no float rounding and no large-h truncation, so no case needs discarding for
        // either; only kinks within 1e-3 are avoided (of the float and of the double forward pass, which differ by
        // float rounding, about 1e-6 here).
        // Tolerance, relative as in the double check (|a - n| / max(1, |a|, |n|)): the numerical side is good to about
        // 1e-9 here (1e-6 is the double check's rule with a wide margin); the float side rounds every product and sum
        // of Forward and Backward (4 layers of width 8, means over 16 samples) relative to the magnitudes of their
        // terms, which cancellation can make some hundreds of times the result: errors of a few hundred ε_f. Seen over
        // 3000 cases: median 1e-7, 99th percentile 2.3e-6, worst 1.6e-5 (130 ε_f). 1e-3 (about 8400 ε_f) leaves a
        // margin of 60 while a wrong formula is off by O(1) (see GradientCheck_fails_for_a_wrong_derivative: > 1e-3).
        const double FloatTolerance = 1e-3;
        return Prop.ForAll(Generators.Cases(), generated =>
        {
            var c = generated.As<float>();
            var d = c.ToDouble();
            return Prop.When(
                GradientChecking.DistanceToKinks(c.Network, c.Input, c.Target, c.Loss) >= KinkMargin
                && GradientChecking.DistanceToKinks(d.Network, d.Input, d.Target, d.Loss) >= KinkMargin,
                () =>
                {
                    var analytic = Backprop.Gradient(c.Network, c.Input, c.Target, c.Loss).Gradient.Flatten().ToArray();
                    var numeric = GradientChecking.NumericGradient(d.Network, d.Input, d.Target, d.Loss, Math.Pow(2, -20));
                    var failures = analytic.Select((a, i) => (Index: i, Analytic: (double)a, Numeric: numeric[i]))
                        .Where(x => !(Math.Abs(x.Analytic - x.Numeric) <= FloatTolerance * Math.Max(1, Math.Max(Math.Abs(x.Analytic), Math.Abs(x.Numeric)))))
                        .Select(x => $"parameter {x.Index}: float analytic {x.Analytic:R}, double numeric {x.Numeric:R}");
                    return (analytic.Length == numeric.Length && !failures.Any()).Label(string.Join("\n", failures.Take(10)));
                });
        });
    }

    /// <summary>max_i |n_i(h) - n_i(2^-20)| / max(1, |n_i(h)|, |n_i(2^-20)|) over the parameters, in double.</summary>
    private static double TruncationError(NetworkCase c, double step)
    {
        var coarse = GradientChecking.NumericGradient(c.Network, c.Input, c.Target, c.Loss, step);
        var fine = GradientChecking.NumericGradient(c.Network, c.Input, c.Target, c.Loss, Math.Pow(2, -20));
        return coarse.Zip(fine, (a, b) => Math.Abs(a - b) / Math.Max(1, Math.Max(Math.Abs(a), Math.Abs(b)))).Max();
    }

    [Fact]
    public void GradientCheck_fails_for_a_wrong_derivative()
    {
        // tanh with the square missing from its derivative (1 - tanh z instead of 1 - tanh^2 z), and softplus
        // log(1 + e^z) with e^z instead of e^z / (1 + e^z): both must be caught; the correct versions must pass.
        var wrong = new[]
        {
            Activation.Custom("tanh", Math.Tanh, z => 1 - Math.Tanh(z)),
            Activation.Custom("softplus", z => Math.Log(1 + Math.Exp(z)), Math.Exp),
        };
        var right = new[]
        {
            Activation.Custom("tanh", Math.Tanh, z => 1 - Math.Tanh(z) * Math.Tanh(z)),
            Activation.Custom("softplus", z => Math.Log(1 + Math.Exp(z)), z => 1 / (1 + Math.Exp(-z))),
        };
        var input = ImmutableMatrix.Create<double>(3, 5, (i, j) => Math.Sin(3 * i + j + 1));
        var target = ImmutableMatrix.Create<double>(2, 5, (i, j) => Math.Cos(2 * i + j));
        for (int k = 0; k < wrong.Length; k++)
            for (int seed = 0; seed < 3; seed++)
            {
                var bad = Network.Create<double>([3, 4, 2], [wrong[k], Activation.Identity], seed);
                var good = Network.Create<double>([3, 4, 2], [right[k], Activation.Identity], seed);
                var badReport = GradientCheck.Run(bad, input, target, Loss.HalfSquared);
                var goodReport = GradientCheck.Run(good, input, target, Loss.HalfSquared);
                Assert.False(badReport.Passed, $"{wrong[k].Name}, seed {seed}: {badReport}");
                Assert.True(badReport.MaxRelativeError > 1e-3, $"{wrong[k].Name}, seed {seed}: {badReport}");
                Assert.Equal(0, badReport.Worst.Layer); // only the first layer's gradients go through the wrong σ'
                Assert.NotEmpty(badReport.Failures);
                Assert.All(badReport.Failures, failure => Assert.Equal(0, failure.Layer));
                Assert.Contains(badReport.Worst, badReport.Failures);
                Assert.Empty(goodReport.Failures);
                Assert.True(goodReport.Passed, $"{right[k].Name}, seed {seed}: {goodReport}");
            }
    }

    [PureProperty]
    public Property GradientCheck_sample_is_seeded()
    {
        var cases =
            from c in Generators.Case()
            from count in Gen.Choose(1, c.Network.ParameterCount - 1)
            from seed in Gen.Choose(-1_000_000, 1_000_000)
            select (Case: c, Options: new GradientCheckOptions(MaxParameters: count, Seed: seed));
        return Prop.ForAll(Arb.From(cases), x =>
        {
            var first = GradientCheck.Run(x.Case.Network, x.Case.Input, x.Case.Target, x.Case.Loss, x.Options);
            var second = GradientCheck.Run(x.Case.Network, x.Case.Input, x.Case.Target, x.Case.Loss, x.Options);
            return (first == second && first.CheckedCount == x.Options.MaxParameters && first.ParameterCount == x.Case.Network.ParameterCount)
                .Label($"{first}\n{second}");
        });
    }

    [Fact]
    public void GradientCheck_sample_of_one_is_the_same_parameter_for_the_same_seed()
    {
        // With MaxParameters = 1 the worst comparison is the one sampled parameter, so its name shows which parameter
        // was checked: the same seed must name the same parameter, and different seeds must not all pick one.
        var network = Network.Create<double>([8, 8, 8, 3], Activation.Tanh, Activation.Identity, seed: 5);
        var input = ImmutableMatrix.Create<double>(8, 4, (i, j) => Math.Sin(i + 7 * j));
        var target = ImmutableMatrix.Create<double>(3, 4, (i, j) => Math.Cos(i + j));
        var picked = new HashSet<(int, string)>();
        for (int seed = 0; seed < 20; seed++)
        {
            var options = new GradientCheckOptions(MaxParameters: 1, Seed: seed);
            var first = GradientCheck.Run(network, input, target, Loss.Squared, options);
            var second = GradientCheck.Run(network, input, target, Loss.Squared, options);
            Assert.Equal(1, first.CheckedCount);
            Assert.Equal((first.Worst.Layer, first.Worst.Name), (second.Worst.Layer, second.Worst.Name));
            Assert.Equal(first, second);
            picked.Add((first.Worst.Layer, first.Worst.Name));
        }
        Assert.True(picked.Count > 1, "Twenty seeds all sampled the same parameter.");
    }
}
