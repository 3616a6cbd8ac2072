using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;
using Pure.Testing;

namespace Pure.Properties;

/// <summary>
/// Sample weights and reductions: a weight of 2 is a duplicated sample and a weight of 0 a removed one, for the cost and
/// the gradient; equal weights change nothing; the sum's gradient is m times the mean's, and full-batch SGD with the
/// sum at rate η follows the mean at rate m η; the weighted gradient passes the central-difference check.
/// </summary>
public class WeightProperties
{
    /// <summary>Equal to rounding in double: |a - b| ≤ 1e-9 (1 + max(|a|, |b|)).</summary>
    // Equal values are close, infinities included: Loss.Value of a saturated sigmoid is +∞ on both sides, and ∞ - ∞ is NaN.
    private static bool Close(double a, double b) => a == b || Math.Abs(a - b) <= 1e-9 * (1 + Math.Max(Math.Abs(a), Math.Abs(b)));

    private static bool Close(IReadOnlyList<double> a, IReadOnlyList<double> b) => a.Count == b.Count && a.Zip(b).All(pair => Close(pair.First, pair.Second));

    private static bool Close(Gradients<double> a, Gradients<double> b) => Close(a.Loss, b.Loss) && Close(a.Gradient.Flatten(), b.Gradient.Flatten());

    /// <summary>A case with integer weights 0 to 3 per sample (at least one not 0) and a reduction.</summary>
    private static Arbitrary<(NetworkCase Case, int[] Weights, Reduction Reduction)> IntegerWeightCases() =>
        (from c in Generators.Case()
         from weights in Gen.ArrayOf(Gen.Choose(0, 3), c.SampleCount)
         where weights.Any(w => w > 0)
         from reduction in Gen.Elements(Reduction.Mean, Reduction.Sum)
         select (c, weights, reduction)).ToArbitrary();

    /// <summary>The case's samples, sample i repeated w_i times (left out when w_i = 0).</summary>
    private static (ImmutableMatrix<double> Input, ImmutableMatrix<double> Target) Repeated(NetworkCase c, int[] weights)
    {
        int[] indices = [.. weights.SelectMany((w, i) => Enumerable.Repeat(i, w))];
        return (c.Input.SelectColumns(indices), c.Target.SelectColumns(indices));
    }

    private static ImmutableVector<double> Vector(IEnumerable<double> values) => ImmutableVector.Create([.. values]);

    [PureProperty]
    public Property Integer_weights_equal_repeated_and_removed_samples_for_cost_and_gradient() => Prop.ForAll(IntegerWeightCases(), t =>
    {
        var (c, weights, reduction) = t;
        var loss = c.Loss.WithReduction(reduction);
        var (x, y) = Repeated(c, weights);
        var w = Vector(weights.Select(v => (double)v));
        var weighted = Backprop.Gradient(c.Network, c.Input, c.Target, loss, w);
        var repeated = Backprop.Gradient(c.Network, x, y, loss);
        double cost = Backprop.Cost(c.Network, c.Input, c.Target, loss, w);
        // Loss.Value works from the probabilities, not the fused logits path of Cost, so where a sigmoid or softmax
        // saturates it differs from Cost by more than rounding: it is compared with itself on the repeated samples.
        double value = loss.Value(Backprop.Predict(c.Network, c.Input), c.Target, w);
        double repeatedValue = loss.Value(Backprop.Predict(c.Network, x), y);
        return (Close(weighted, repeated) && Close(cost, Backprop.Cost(c.Network, x, y, loss)) && cost == weighted.Loss && Close(value, repeatedValue))
            .Label($"weights {string.Join(",", weights)} {reduction}: cost {weighted.Loss} vs {repeated.Loss}");
    });

    [PureProperty]
    public Property Equal_weights_c_equal_no_weights_for_the_mean_and_c_times_for_the_sum() => Prop.ForAll(
        (from c in Generators.Case() from k in Gen.Choose(1, 40) select (c, k / 8.0)).ToArbitrary(), t =>
        {
            var (c, weight) = t;
            var w = Vector(Enumerable.Repeat(weight, c.SampleCount));
            var mean = c.Loss.WithReduction(Reduction.Mean);
            var sum = c.Loss.WithReduction(Reduction.Sum);
            var plainMean = Backprop.Gradient(c.Network, c.Input, c.Target, mean);
            var weightedMean = Backprop.Gradient(c.Network, c.Input, c.Target, mean, w);
            var plainSum = Backprop.Gradient(c.Network, c.Input, c.Target, sum);
            var weightedSum = Backprop.Gradient(c.Network, c.Input, c.Target, sum, w);
            bool sumScaled = Close(weightedSum.Loss, weight * plainSum.Loss)
                && Close(weightedSum.Gradient.Flatten(), [.. plainSum.Gradient.Flatten().Select(g => weight * g)]);
            return (Close(weightedMean, plainMean) && sumScaled).Label($"c = {weight}");
        });

    [PureProperty]
    public Property Sum_cost_and_gradient_are_m_times_the_mean() => Prop.ForAll(Generators.Cases(), c =>
    {
        int m = c.SampleCount;
        var mean = Backprop.Gradient(c.Network, c.Input, c.Target, c.Loss.WithReduction(Reduction.Mean));
        var sum = Backprop.Gradient(c.Network, c.Input, c.Target, c.Loss.WithReduction(Reduction.Sum));
        double sumCost = Backprop.Cost(c.Network, c.Input, c.Target, c.Loss.WithReduction(Reduction.Sum));
        return (Close(sum.Loss, m * mean.Loss) && sumCost == sum.Loss
                && Close(sum.Gradient.Flatten(), [.. mean.Gradient.Flatten().Select(g => m * g)]))
            .Label($"m = {m}: sum {sum.Loss}, mean {mean.Loss}");
    });

    [PureProperty]
    public Property Explicit_mean_is_the_default_bit_for_bit() => Prop.ForAll(Generators.Cases(), c =>
    {
        var explicitMean = c.Loss.WithReduction(Reduction.Mean);
        var a = Backprop.Gradient(c.Network, c.Input, c.Target, c.Loss);
        var b = Backprop.Gradient(c.Network, c.Input, c.Target, explicitMean);
        return (c.Loss.Reduction == Reduction.Mean && explicitMean == c.Loss
                && Precision.BitwiseEqual<double>([.. a.Gradient.Flatten(), a.Loss], [.. b.Gradient.Flatten(), b.Loss]))
            .Label(c.Loss.Name);
    });

    /// <summary>A case with real weights in [0, 3] (a quarter of them 0, at least one positive) and a reduction.</summary>
    private static Arbitrary<(NetworkCase Case, double[] Weights, Reduction Reduction)> RealWeightCases() =>
        (from c in Generators.Case()
         from weights in Gen.ArrayOf(Gen.Frequency((1, Gen.Constant(0)), (3, Gen.Choose(1, 3000))), c.SampleCount)
         where weights.Any(w => w > 0)
         from reduction in Gen.Elements(Reduction.Mean, Reduction.Sum)
         select (c, weights.Select(w => w / 1000.0).ToArray(), reduction)).ToArbitrary();

    [PureProperty]
    public Property Weighted_backward_matches_central_differences() => Prop.ForAll(RealWeightCases(), t =>
    {
        var (c, weights, reduction) = t;
        var loss = c.Loss.WithReduction(reduction);
        var w = Vector(weights);
        // As in GradientProperties: away from ReLU and L1 kinks, and a cost small enough that its rounding does not swamp
        // h = 2^-20 (discarded cases do not count toward MaxTest, so 200 cases are checked).
        return Prop.When(
            GradientChecking.DistanceToKinks(c.Network, c.Input, c.Target, c.Loss) >= 1e-3 && Math.Abs(Backprop.Cost(c.Network, c.Input, c.Target, loss, w)) <= 500,
            () =>
            {
                var report = GradientCheck.Run(c.Network, c.Input, c.Target, loss, weights: w);
                return (report.Passed && report.CheckedCount == c.Network.ParameterCount).Label($"{reduction} w={string.Join(",", weights)}\n{report}");
            });
    });

    [Fact]
    public void A_weight_0_sample_whose_own_loss_term_is_infinite_leaves_the_check_finite()
    {
        // σ(40) rounds to 1 against a target of 0: that sample's ∂ℓ/∂a is infinite, but its weight is 0.
        var layer = new DenseLayer<double>(ImmutableMatrix.FromRowMajor<double>(1, 1, [1]), Vector([0]), Activation.Sigmoid);
        var network = new Network<double>([layer]);
        var x = ImmutableMatrix.FromRowMajor<double>(1, 3, [0.5, 40, -0.25]);
        var y = ImmutableMatrix.FromRowMajor<double>(1, 3, [1, 0, 0]);
        Assert.True(double.IsPositiveInfinity(Math.Abs(Loss.BinaryCrossEntropy.Gradient(Backprop.Predict(network, x), y)[0, 1])));
        foreach (var reduction in new[] { Reduction.Mean, Reduction.Sum })
        {
            var report = GradientCheck.Run(network, x, y, Loss.BinaryCrossEntropy.WithReduction(reduction), weights: Vector([1, 0, 2]));
            Assert.True(report.Passed, report.ToString());
            Assert.True(double.IsFinite(report.Worst.Noise) && report.Worst.Noise < 1e-6, report.ToString());
        }
    }

    [PureProperty(MaxTest = 100)]
    public Property Full_batch_sgd_with_the_sum_at_rate_eta_equals_the_mean_at_rate_m_eta() => Prop.ForAll(
        (from c in Generators.Case(maxBatch: 12) from seed in BehaviourGenerators.Seed() select (c, seed)).ToArbitrary(), t =>
        {
            var (c, seed) = t;
            int m = c.SampleCount;
            var data = new Dataset<double>(c.Input, c.Target);
            const double Eta = 0.01;
            var withSum = Training.Epochs(c.Network, Optimizer.Sgd(Eta), c.Loss.WithReduction(Reduction.Sum), data, m, 3, seed).Last();
            var withMean = Training.Epochs(c.Network, Optimizer.Sgd(m * Eta), c.Loss, data, m, 3, seed).Last();
            return (Close(withSum.Network.Parameters.Flatten(), withMean.Network.Parameters.Flatten()) && Close(withSum.TrainingLoss, m * withMean.TrainingLoss))
                .Label($"m = {m}: training loss {withSum.TrainingLoss} vs m x {withMean.TrainingLoss}");
        });
}
