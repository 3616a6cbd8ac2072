using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;
using Pure.Testing;

namespace Pure.Properties;

public class LbfgsTests
{
    /// <summary>A 4-sample XOR problem for a 2-3-2 tanh/softmax network: small, not solved in a couple of iterations.</summary>
    private static readonly Dataset<double> Xor = new(
        ImmutableMatrix.FromArray(new double[,] { { 0, 0, 1, 1 }, { 0, 1, 0, 1 } }),
        ImmutableMatrix.FromArray(new double[,] { { 1, 0, 0, 1 }, { 0, 1, 1, 0 } }));

    private static Network<double> XorNetwork(int seed = 3) => Network.Create<double>([2, 3, 2], Activation.Tanh, Activation.Softmax, seed);

    [PureProperty(MaxTest = 100)]
    public Property Objective_is_the_backprop_cost_and_gradient_plus_the_weight_penalty() =>
        Prop.ForAll(Generators.Cases(8), Gen.Elements(0.0, 1e-4, 0.5).ToArbitrary(), (c, alpha) =>
        {
            var data = new Dataset<double>(c.Input, c.Target);
            var theta = c.Network.Parameters.Flatten();
            var value = Lbfgs.Objective(c.Network, c.Loss, data, alpha)(theta);
            var backprop = Backprop.Gradient(c.Network, c.Input, c.Target, c.Loss);
            // The penalty (α / 2m) Σ ||W||² and its gradient (α / m) W, weights only, computed layer by layer here.
            double scale = alpha / c.SampleCount, penalty = 0;
            var expected = new List<double>();
            foreach (var (layer, gradient) in c.Network.Layers.Zip(backprop.Gradient.Layers))
            {
                var w = layer.Weight.AsSpan().ToArray();
                var dw = gradient.Weight.AsSpan().ToArray();
                for (int i = 0; i < w.Length; i++)
                {
                    penalty += 0.5 * scale * w[i] * w[i];
                    expected.Add(dw[i] + scale * w[i]);
                }
                expected.AddRange(gradient.Bias.AsSpan().ToArray());
            }
            double cost = backprop.Loss + penalty;
            bool costOk = Math.Abs(value.Cost - cost) <= 1e-12 * Math.Max(1, Math.Abs(cost));
            bool gradientOk = value.Gradient.Length == expected.Count && value.Gradient.Zip(expected).All(p => Math.Abs(p.First - p.Second) <= 1e-12 * Math.Max(1, Math.Abs(p.Second)));
            return (costOk && gradientOk).Label($"cost {value.Cost} vs {cost}");
        });

    [PureProperty(MaxTest = 60)]
    public Property Objective_gradient_matches_central_differences_of_its_cost() =>
        Prop.ForAll(SecondOrderTests.SmoothCases, c =>
        {
            var objective = Lbfgs.Objective(c.Network, c.Loss, new Dataset<double>(c.Input, c.Target), alpha: 0.3);
            var theta = c.Network.Parameters.Flatten().ToArray();
            var gradient = objective(theta).Gradient;
            const double h = 1e-6;
            double worst = 0;
            double Shifted(int i, double by)
            {
                var shifted = (double[])theta.Clone();
                shifted[i] += by;
                return objective(shifted).Cost;
            }
            for (int i = 0; i < theta.Length; i += Math.Max(1, theta.Length / 8))
            {
                double difference = (Shifted(i, h) - Shifted(i, -h)) / (2 * h);
                worst = Math.Max(worst, Math.Abs(difference - gradient[i]) / Math.Max(1, Math.Abs(difference)));
            }
            return (worst < 1e-5).Label($"worst relative error {worst:E3}");
        });

    [PureProperty(MaxTest = 40)]
    public Property Training_never_raises_the_cost_leaves_its_inputs_alone_and_reports_the_returned_point() =>
        Prop.ForAll(Generators.Cases(8), c =>
        {
            var data = new Dataset<double>(c.Input, c.Target);
            var before = c.Network.Parameters.Flatten().ToArray();
            var inputs = c.Input.AsSpan().ToArray();
            var options = new LbfgsOptions { MaxIterations = 20 };
            var result = Lbfgs.Train(c.Network, c.Loss, data, options);
            var at = Lbfgs.Objective(c.Network, c.Loss, data, options.Alpha)(result.Network.Parameters.Flatten());
            bool untouched = before.SequenceEqual(c.Network.Parameters.Flatten()) && inputs.SequenceEqual(c.Input.AsSpan().ToArray());
            bool lower = result.Report.FinalCost <= result.Report.InitialCost;
            bool reported = at.Cost == result.Report.FinalCost;
            return (untouched && lower && reported && result.Report.Evaluations >= 1)
                .Label($"untouched={untouched} {result.Report.InitialCost} -> {result.Report.FinalCost} ({result.Report.Reason}), objective there {at.Cost}");
        });

    [Fact]
    public void Training_reduces_the_cost_of_xor_and_converges()
    {
        var result = Lbfgs.Train(XorNetwork(), Loss.CategoricalCrossEntropy, Xor, new LbfgsOptions { Alpha = 0, Tolerance = 1e-6, MaxIterations = 1000 });
        Assert.True(result.Report.FinalCost < 0.01 * result.Report.InitialCost, $"{result.Report}");
        Assert.Contains(result.Report.Reason, new[] { LbfgsStop.MaxAbsGradient, LbfgsStop.Gradient, LbfgsStop.RelativeGradient });
        Assert.True(result.Report.Evaluations is > 1 and < 1000, $"{result.Report}");
        var predicted = Backprop.Predict(result.Network, Xor.Inputs);
        for (int j = 0; j < 4; j++) Assert.True(Math.Abs(predicted[0, j] - Xor.Targets[0, j]) < 0.1, $"sample {j}: {predicted[0, j]}");
    }

    [Fact]
    public void Stops_at_scipys_max_abs_gradient_test_at_the_point_that_passes_it()
    {
        var options = new LbfgsOptions { Alpha = 0, Tolerance = 1e-3, MaxIterations = 1000 };
        var result = Lbfgs.Train(XorNetwork(), Loss.CategoricalCrossEntropy, Xor, options);
        Assert.Equal(LbfgsStop.MaxAbsGradient, result.Report.Reason);
        Assert.Null(result.Report.Iterations);
        var at = Lbfgs.Objective(XorNetwork(), Loss.CategoricalCrossEntropy, Xor, options.Alpha)(result.Network.Parameters.Flatten());
        Assert.True(at.Gradient.Max(Math.Abs) <= options.Tolerance, $"max |g| {at.Gradient.Max(Math.Abs)}");
        Assert.True(at.Cost < result.Report.InitialCost, $"{result.Report}");
        // A tighter tolerance runs on past that point: the test is what stopped the looser run.
        var tighter = Lbfgs.Train(XorNetwork(), Loss.CategoricalCrossEntropy, Xor, options with { Tolerance = 1e-6 });
        Assert.True(tighter.Report.Evaluations > result.Report.Evaluations, $"{tighter.Report} vs {result.Report}");
    }

    [Fact]
    public void Iteration_limit_is_honoured_and_named_as_the_reason()
    {
        var result = Lbfgs.Train(XorNetwork(), Loss.CategoricalCrossEntropy, Xor, new LbfgsOptions { MaxIterations = 3, Alpha = 0, Tolerance = 1e-12 });
        Assert.Equal(LbfgsStop.IterationLimit, result.Report.Reason);
        Assert.Equal(3, result.Report.Iterations);
        Assert.Contains("iteration limit 3", result.Report.Message);
        Assert.True(result.Report.FinalCost < result.Report.InitialCost);
    }

    [Fact]
    public void Evaluation_limit_is_honoured_and_the_lowest_cost_evaluated_is_returned()
    {
        var result = Lbfgs.Train(XorNetwork(), Loss.CategoricalCrossEntropy, Xor, new LbfgsOptions { MaxEvaluations = 5, Alpha = 0, Tolerance = 1e-12 });
        Assert.Equal(LbfgsStop.EvaluationLimit, result.Report.Reason);
        Assert.Equal(5, result.Report.Evaluations);
        Assert.Null(result.Report.Iterations);
        Assert.True(result.Report.FinalCost <= result.Report.InitialCost);
    }

    [Fact]
    public void A_failing_line_search_is_reported_and_the_lowest_cost_evaluated_is_returned()
    {
        // A loss whose derivative has the wrong sign: -∇J points uphill, MathNet's line search cannot satisfy Armijo.
        var uphill = Loss.Custom("wrong_sign", (a, y) => 0.5 * (a - y) * (a - y), (a, y) => -(a - y));
        var network = Network.Create<double>([2, 3, 2], Activation.Tanh, Activation.Identity, seed: 3);
        var result = Lbfgs.Train(network, uphill, Xor, new LbfgsOptions { Alpha = 0 });
        Assert.Equal(LbfgsStop.LineSearchFailed, result.Report.Reason);
        Assert.Null(result.Report.Iterations);
        Assert.StartsWith("MathNet's L-BFGS stopped: ", result.Report.Message);
        Assert.True(result.Report.FinalCost <= result.Report.InitialCost, $"{result.Report}");
    }

    [Fact]
    public void Same_inputs_give_the_same_bits()
    {
        var options = new LbfgsOptions { MaxIterations = 50 };
        var first = Lbfgs.Train(XorNetwork(7), Loss.CategoricalCrossEntropy, Xor, options);
        var second = Lbfgs.Train(XorNetwork(7), Loss.CategoricalCrossEntropy, Xor, options);
        Assert.Equal(first, second);
        Assert.NotEqual(first.Network, Lbfgs.Train(XorNetwork(8), Loss.CategoricalCrossEntropy, Xor, options).Network);
    }

    [Fact]
    public void Float_networks_are_trained_in_double_and_rounded_once_at_the_end()
    {
        var single = Network.Create<float>([2, 3, 2], Activation.Tanh, Activation.Softmax, seed: 5);
        var widened = Network.FromLayers(single.Layers.Select(l => new DenseLayer<double>(
            ImmutableMatrix.Create(l.Weight.Rows, l.Weight.Columns, (i, j) => (double)l.Weight[i, j]), ImmutableVector.Create(l.Bias.AsSpan().ToArray().Select(x => (double)x).ToArray()), l.Activation)).ToArray());
        var data = new Dataset<float>(ToSingle(Xor.Inputs), ToSingle(Xor.Targets));
        var options = new LbfgsOptions { MaxIterations = 30 };
        var inFloat = Lbfgs.Train(single, Loss.CategoricalCrossEntropy, data, options);
        var inDouble = Lbfgs.Train(widened, Loss.CategoricalCrossEntropy, Xor, options);
        Assert.Equal(inDouble.Report, inFloat.Report);
        Assert.Equal(inDouble.Network.Parameters.Flatten().Select(x => (float)x), inFloat.Network.Parameters.Flatten());
    }

    private static ImmutableMatrix<float> ToSingle(ImmutableMatrix<double> m) => ImmutableMatrix.Create(m.Rows, m.Columns, (i, j) => (float)m[i, j]);

    [Fact]
    public void Bad_options_and_arguments_are_refused_by_name()
    {
        Rejects.With<ArgumentOutOfRangeException>("MaxIterations", "got 0", () => _ = new LbfgsOptions { MaxIterations = 0 });
        Rejects.With<ArgumentOutOfRangeException>("MaxEvaluations", "got -1", () => _ = new LbfgsOptions { MaxEvaluations = -1 });
        Rejects.With<ArgumentOutOfRangeException>("Tolerance", "got 0", () => _ = new LbfgsOptions { Tolerance = 0 });
        Rejects.With<ArgumentOutOfRangeException>("ParameterTolerance", "got NaN", () => _ = new LbfgsOptions { ParameterTolerance = double.NaN });
        Rejects.With<ArgumentOutOfRangeException>("FunctionTolerance", "got -1", () => _ = new LbfgsOptions { FunctionTolerance = -1 });
        Rejects.With<ArgumentOutOfRangeException>("Memory", "got 0", () => _ = new LbfgsOptions { Memory = 0 });
        Rejects.With<ArgumentOutOfRangeException>("Alpha", "got -0.1", () => _ = new LbfgsOptions { Alpha = -0.1 });
        Rejects.Null("network", () => Lbfgs.Train<double>(null!, Loss.CategoricalCrossEntropy, Xor));
        Rejects.Null("loss", () => Lbfgs.Train(XorNetwork(), null!, Xor));
        Rejects.Null("data", () => Lbfgs.Train(XorNetwork(), Loss.CategoricalCrossEntropy, null!));
        var wide = Network.Create<double>([3, 2], [Activation.Softmax], seed: 1);
        Rejects.With<ArgumentException>("data", "3 input rows", () => Lbfgs.Train(wide, Loss.CategoricalCrossEntropy, Xor));
        var objective = Lbfgs.Objective(XorNetwork(), Loss.CategoricalCrossEntropy, Xor, 0);
        Rejects.With<ArgumentException>("theta", "Expected θ of 17 values", () => objective(new double[3]));
        var infinite = XorNetwork().Parameters.Flatten().ToArray();
        infinite[2] = double.PositiveInfinity;
        Rejects.With<ArgumentException>("theta", "element 2", () => objective(infinite));
    }
}
