using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;
using Pure.Testing;

namespace Pure.Properties;

/// <summary>Activations and losses against their closed forms, at the kinks and in saturation.</summary>
public class ActivationAndLossTests
{
    [Fact]
    public void Relu_derivative_at_zero_is_zero()
    {
        // The library documents ReLU'(0) = 0 (seed 003's slide says 0.5 in one formula and 1 in the next; any value in
        // [0, 1] is a subgradient). Backward multiplies the upstream gradient by ReLU'(z).
        var z = ImmutableMatrix.FromRowMajor<double>(1, 5, [0.0, -0.0, 2.0, -1.0, 1e-300]);
        var upstream = ImmutableMatrix.FromRowMajor<double>(1, 5, [3.0, -2.0, 5.0, 7.0, -4.0]);
        Assert.Equal(ImmutableMatrix.FromRowMajor<double>(1, 5, [0.0, 0.0, 5.0, 0.0, -4.0]), Activation.Relu.Backward(z, upstream));

        // Leaky ReLU with slope 0.25: σ'(0) = slope, so the upstream is scaled by 0.25 at 0 and below.
        var leaky = Activation.LeakyRelu(0.25).Backward(z, upstream);
        Assert.Equal(ImmutableMatrix.FromRowMajor<double>(1, 5, [0.75, -0.5, 5.0, 1.75, -4.0]), leaky);

        // The same in float.
        var zFloat = ImmutableMatrix.FromRowMajor<float>(1, 3, [0f, 1f, -1f]);
        var upFloat = ImmutableMatrix.FromRowMajor<float>(1, 3, [3f, 3f, 3f]);
        Assert.Equal(ImmutableMatrix.FromRowMajor<float>(1, 3, [0f, 3f, 0f]), Activation.Relu.Backward(zFloat, upFloat));
    }

    [PureProperty]
    public Property Activation_derivatives_match_definitions()
    {
        // Closed forms written here, independently of the library: σ' for each element-wise activation.
        static double Logistic(double z) => 1 / (1 + Math.Exp(-z));
        var cases = new (Activation Activation, Func<double, double> Value, Func<double, double> Derivative)[]
        {
            (Activation.Identity, z => z, _ => 1),
            (Activation.Sigmoid, Logistic, z => Logistic(z) * (1 - Logistic(z))),
            (Activation.Tanh, Math.Tanh, z => 1 - Math.Tanh(z) * Math.Tanh(z)),
            (Activation.Relu, z => Math.Max(0, z), z => z > 0 ? 1 : 0),
            (Activation.LeakyRelu(0.1), z => z > 0 ? z : 0.1 * z, z => z > 0 ? 1 : 0.1),
        };
        var input = from rows in Gen.Choose(1, 4)
                    from columns in Gen.Choose(1, 4)
                    from z in Generators.Matrix(rows, columns, 6)
                    from upstream in Generators.Matrix(rows, columns, 3)
                    select (z, upstream);
        return Prop.ForAll(Arb.From(input), pair =>
        {
            var (z, upstream) = pair;
            foreach (var (activation, value, derivative) in cases)
            {
                var a = activation.Apply(z);
                var downstream = activation.Backward(z, upstream);
                for (int j = 0; j < z.Columns; j++)
                    for (int i = 0; i < z.Rows; i++)
                    {
                        Close(value(z[i, j]), a[i, j], 1e-15, $"{activation.Name}({z[i, j]})");
                        Close(upstream[i, j] * derivative(z[i, j]), downstream[i, j], 1e-14, $"{activation.Name}'({z[i, j]}) · {upstream[i, j]}");
                    }
            }

            // Softmax: per column, J = diag(a) - a a^T (symmetric), so J^T u = Σ_k (δ_ik a_i - a_i a_k) u_k.
            var s = Activation.Softmax.Apply(z);
            var product = Activation.Softmax.Backward(z, upstream);
            for (int j = 0; j < z.Columns; j++)
            {
                double total = 0, max = Enumerable.Range(0, z.Rows).Max(i => z[i, j]);
                for (int i = 0; i < z.Rows; i++) total += Math.Exp(z[i, j] - max);
                for (int i = 0; i < z.Rows; i++)
                {
                    Close(Math.Exp(z[i, j] - max) / total, s[i, j], 1e-14, $"softmax({j})[{i}]");
                    double expected = 0;
                    for (int k = 0; k < z.Rows; k++) expected += ((i == k ? s[i, j] : 0) - s[i, j] * s[k, j]) * upstream[k, j];
                    Close(expected, product[i, j], 1e-14, $"softmax J^T u ({i}, {j})");
                }
            }
        });
    }

    [Fact]
    public void Sigmoid_is_stable_at_large_inputs()
    {
        double[] z = [-1000, -40, 0, 40, 1000];
        var input = ImmutableMatrix.FromRowMajor<double>(1, 5, z);
        var sigmoid = Activation.Sigmoid.Apply(input);
        // σ(-1000) underflows to exactly 0 and σ(1000) rounds to exactly 1; σ(-40) = e^-40 / (1 + e^-40) ≈ 4.25e-18 keeps
        // its relative precision (a naive 1 - σ(40) would give 0); σ(40) = 1 / (1 + 4.25e-18) rounds to 1.
        Assert.Equal(0.0, sigmoid[0, 0]);
        Close(Math.Exp(-40) / (1 + Math.Exp(-40)), sigmoid[0, 1], 1e-15, "σ(-40)", relative: true);
        Assert.Equal(0.5, sigmoid[0, 2]);
        Assert.Equal(1.0, sigmoid[0, 3]);
        Assert.Equal(1.0, sigmoid[0, 4]);

        var tanh = Activation.Tanh.Apply(input);
        Assert.Equal([-1.0, -1.0, 0.0, 1.0, 1.0], tanh.ToColumnMajorArray());

        var ones = ImmutableMatrix.FromRowMajor<double>(1, 5, [1.0, 1, 1, 1, 1]);
        foreach (var activation in new[] { Activation.Sigmoid, Activation.Tanh })
        {
            var derivative = activation.Backward(input, ones);
            Assert.All(derivative.ToColumnMajorArray(), d => Assert.InRange(d, 0.0, 1.0));
        }

        // Float: σ(∓1000) = 0 and 1, σ(∓40) within [0, 1] and finite, tanh(±1000) = ±1.
        var inputFloat = ImmutableMatrix.FromRowMajor<float>(1, 5, [-1000f, -40f, 0f, 40f, 1000f]);
        var sigmoidFloat = Activation.Sigmoid.Apply(inputFloat).ToColumnMajorArray();
        Assert.All(sigmoidFloat, s => Assert.InRange(s, 0f, 1f));
        Assert.Equal(0f, sigmoidFloat[0]);
        Assert.Equal(1f, sigmoidFloat[4]);
        Assert.Equal([-1f, -1f, 0f, 1f, 1f], Activation.Tanh.Apply(inputFloat).ToColumnMajorArray());
    }

    [Fact]
    public void Cross_entropy_fused_paths_never_take_log_of_zero()
    {
        // Sigmoid + binary cross-entropy on a 1-1 network with W = 1, b = 0, so z = x. Per sample the stable form is
        // ℓ(z, y) = max(z, 0) - z y + ln(1 + e^-|z|):
        //   z = 1000, y = 0:   1000 - 0 + ln(1 + e^-1000) = 1000   (a = σ(1000) = 1: the naive form takes ln(1 - 1))
        //   z = -1000, y = 1:  0 + 1000 + 0 = 1000                 (a = 0: the naive form takes ln 0)
        //   z = 40, y = 1:     40 - 40 + ln(1 + e^-40) ≈ e^-40
        //   z = 0, y = 0.5:    ln 2
        // Cost = (2000 + e^-40 + ln 2) / 4. δ = a - y = (1, -1, σ(40) - 1, 0) = (1, -1, 0, 0) in double, so
        // dW = mean(δ x) = (1000 + 1000 + 0 + 0) / 4 = 500 and db = mean(δ) = 0.
        var binary = Network.FromLayers(new DenseLayer<double>(ImmutableMatrix.Column(1.0), ImmutableVector.Create(0.0), Activation.Sigmoid));
        var x = ImmutableMatrix.FromRowMajor<double>(1, 4, [1000, -1000, 40, 0]);
        var y = ImmutableMatrix.FromRowMajor<double>(1, 4, [0, 1, 1, 0.5]);
        double expectedBinary = (2000 + Math.Log(1 + Math.Exp(-40)) + Math.Log(2)) / 4;
        Close(expectedBinary, Backprop.Cost(binary, x, y, Loss.BinaryCrossEntropy), 1e-15, "BCE cost", relative: true);
        var gradients = Backprop.Gradient(binary, x, y, Loss.BinaryCrossEntropy);
        Close(expectedBinary, gradients.Loss, 1e-15, "BCE loss", relative: true);
        Assert.Equal(500.0, gradients.Gradient.Layers[0].Weight[0, 0]);
        Assert.Equal(0.0, gradients.Gradient.Layers[0].Bias[0]);
        Assert.Equal(ImmutableMatrix.FromRowMajor<double>(1, 4, [1, -1, 0, 0]), Backprop.OutputError(Activation.Sigmoid, x, y, Loss.BinaryCrossEntropy));

        // The same in float: ℓ(1000, 0) = 1000 exactly representable; the cost stays finite.
        var binaryFloat = Network.FromLayers(new DenseLayer<float>(ImmutableMatrix.Column(1f), ImmutableVector.Create(0f), Activation.Sigmoid));
        var xFloat = ImmutableMatrix.FromRowMajor<float>(1, 2, [1000f, -1000f]);
        var yFloat = ImmutableMatrix.FromRowMajor<float>(1, 2, [0f, 1f]);
        Assert.Equal(1000f, Backprop.Cost(binaryFloat, xFloat, yFloat, Loss.BinaryCrossEntropy));
        Assert.Equal(ImmutableMatrix.FromRowMajor<float>(1, 2, [1f, -1f]), Backprop.OutputError(Activation.Sigmoid, xFloat, yFloat, Loss.BinaryCrossEntropy));

        // Softmax + categorical cross-entropy on a 3-3 network with W = I, b = 0, so z = x. Per sample
        // ℓ = logsumexp(z) Σ y - Σ y z, and logsumexp(1000, 0, -1000) = 1000 + ln(1 + e^-1000 + e^-2000) = 1000:
        //   z = (1000, 0, -1000), y = (0, 0, 1):   1000 + 1000 = 2000   (a_3 = 0: the naive form takes ln 0)
        //   z = (1000, 0, -1000), y = (1, 0, 0):   1000 - 1000 = 0
        //   z = (0, 0, -1000),    y = (1, 0, 0):   ln 2 - 0 = ln 2      (a = (0.5, 0.5, 0))
        // Cost = (2000 + 0 + ln 2) / 3. δ = a - y: (1, 0, -1), (0, 0, 0), (-0.5, 0.5, 0).
        var categorical = Network.FromLayers(new DenseLayer<double>(
            ImmutableMatrix.Create<double>(3, 3, (i, j) => i == j ? 1 : 0), ImmutableVector.Zeros<double>(3), Activation.Softmax));
        var z = ImmutableMatrix.FromArray(new double[,] { { 1000, 1000, 0 }, { 0, 0, 0 }, { -1000, -1000, -1000 } });
        var targets = ImmutableMatrix.FromArray(new double[,] { { 0, 1, 1 }, { 0, 0, 0 }, { 1, 0, 0 } });
        double expectedCategorical = (2000 + Math.Log(2)) / 3;
        Close(expectedCategorical, Backprop.Cost(categorical, z, targets, Loss.CategoricalCrossEntropy), 1e-15, "CCE cost", relative: true);
        var categoricalGradients = Backprop.Gradient(categorical, z, targets, Loss.CategoricalCrossEntropy);
        Close(expectedCategorical, categoricalGradients.Loss, 1e-15, "CCE loss", relative: true);
        Assert.All(categoricalGradients.Gradient.Flatten(), g => Assert.True(double.IsFinite(g)));
        var delta = ImmutableMatrix.FromArray(new double[,] { { 1, 0, -0.5 }, { 0, 0, 0.5 }, { -1, 0, 0 } });
        Assert.Equal(delta, Backprop.OutputError(Activation.Softmax, z, targets, Loss.CategoricalCrossEntropy));
        // dW = (1/m) δ X^T with X = z, and db = the row means of δ = (0.5, 0.5, -1) / 3.
        var expectedWeight = delta.Multiply(z.Transpose());
        var layer = categoricalGradients.Gradient.Layers[0];
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++) Close(expectedWeight[i, j] / 3, layer.Weight[i, j], 1e-15, $"dW[{i},{j}]");
            Close(new[] { 0.5, 0.5, -1 }[i] / 3, layer.Bias[i], 1e-15, $"db[{i}]");
        }
    }

    [Fact]
    public void Loss_values_match_definitions()
    {
        // Two outputs, m = 2 samples (columns): a = [(0.25, 0.5), (0.75, 0.5)], y = [(0, 1), (1, 0.5)].
        // The cost is the mean over the columns of the per-sample loss summed over the outputs.
        var a = ImmutableMatrix.FromArray(new double[,] { { 0.25, 0.75 }, { 0.5, 0.5 } });
        var y = ImmutableMatrix.FromArray(new double[,] { { 0, 1 }, { 1, 0.5 } });
        // a - y = [(0.25, -0.5), (-0.25, 0)].
        // L1: (|0.25| + |-0.5|, |-0.25| + 0) = (0.75, 0.25), cost 0.5.
        Assert.Equal(0.5, Loss.Absolute.Value(a, y));
        // L2: (0.0625 + 0.25, 0.0625 + 0) = (0.3125, 0.0625), cost 0.1875.
        Assert.Equal(0.1875, Loss.Squared.Value(a, y));
        // Half squared (seed 004's 1/(2m) Σ ||h(x) - y||²): 0.1875 / 2 = 0.09375.
        Assert.Equal(0.09375, Loss.HalfSquared.Value(a, y));
        // BCE: sample 1: -ln(1 - 0.25) - ln 0.5; sample 2: -ln 0.75 - (0.5 ln 0.5 + 0.5 ln 0.5) = -ln 0.75 - ln 0.5.
        // Cost = -ln 0.75 - ln 0.5 = ln(8/3).
        Assert.Equal(Math.Log(8.0 / 3), Loss.BinaryCrossEntropy.Value(a, y), 14);

        // Gradients ∂ℓ/∂a per sample (no 1/m):
        // L1: sign(a - y) = [(1, -1), (-1, 0)]
        Assert.Equal(ImmutableMatrix.FromArray(new double[,] { { 1, -1 }, { -1, 0 } }), Loss.Absolute.Gradient(a, y));
        // L2: 2 (a - y) = [(0.5, -1), (-0.5, 0)] (seed 002's ∂C0/∂a = 2(a - y), not its erratum z - y)
        Assert.Equal(ImmutableMatrix.FromArray(new double[,] { { 0.5, -0.5 }, { -1, 0 } }), Loss.Squared.Gradient(a, y));
        // Half squared: a - y
        Assert.Equal(ImmutableMatrix.FromArray(new double[,] { { 0.25, -0.25 }, { -0.5, 0 } }), Loss.HalfSquared.Gradient(a, y));
        // BCE: -[y/a - (1 - y)/(1 - a)] (seed 003 with the sign corrected):
        //   (a, y) = (0.25, 0): -[0 - 1/0.75] = 4/3;  (0.5, 1): -[2 - 0] = -2;
        //   (0.75, 1): -[4/3 - 0] = -4/3;            (0.5, 0.5): -[1 - 1] = 0.
        var bce = Loss.BinaryCrossEntropy.Gradient(a, y);
        double[] expectedBce = [4.0 / 3, -2, -4.0 / 3, 0];
        for (int k = 0; k < 4; k++) Close(expectedBce[k], bce.AsSpan()[k], 1e-15, $"BCE gradient {k}");

        // CCE on distributions: a = [(0.25, 0.75), (0.5, 0.5)], y = [(0, 1), (0.5, 0.5)].
        // Sample 1: -ln 0.75 = ln(4/3); sample 2: -(0.5 ln 0.5 + 0.5 ln 0.5) = ln 2. Cost = (ln(4/3) + ln 2) / 2 = ln(8/3) / 2.
        var p = ImmutableMatrix.FromArray(new double[,] { { 0.25, 0.5 }, { 0.75, 0.5 } });
        var q = ImmutableMatrix.FromArray(new double[,] { { 0, 0.5 }, { 1, 0.5 } });
        Assert.Equal(Math.Log(8.0 / 3) / 2, Loss.CategoricalCrossEntropy.Value(p, q), 14);
        // -y/a = [(0, -4/3), (-1, -1)]
        var cce = Loss.CategoricalCrossEntropy.Gradient(p, q);
        double[] expectedCce = [0, -4.0 / 3, -1, -1];
        for (int k = 0; k < 4; k++) Close(expectedCce[k], cce.AsSpan()[k], 1e-15, $"CCE gradient {k}");

        // Float gives the same values (all of the regression ones are exact).
        var aFloat = ImmutableMatrix.FromArray(new float[,] { { 0.25f, 0.75f }, { 0.5f, 0.5f } });
        var yFloat = ImmutableMatrix.FromArray(new float[,] { { 0, 1 }, { 1, 0.5f } });
        Assert.Equal(0.5f, Loss.Absolute.Value(aFloat, yFloat));
        Assert.Equal(0.1875f, Loss.Squared.Value(aFloat, yFloat));
        Assert.Equal(0.09375f, Loss.HalfSquared.Value(aFloat, yFloat));
    }

    [Fact]
    public void Cross_entropy_values_use_zero_log_zero_for_saturated_outputs()
    {
        // With the convention 0 · ln 0 = 0 (the limit of y ln y), a saturated output that is right costs nothing:
        // a = 1, y = 1: -(1 · ln 1 + 0 · ln 0) = 0; a = 0, y = 0: -(0 · ln 0 + 1 · ln 1) = 0. A wrong saturated output
        // costs +∞ (a = 1, y = 0), never NaN.
        var output = ImmutableMatrix.FromRowMajor<double>(1, 2, [1, 0]);
        Assert.Equal(0.0, Loss.BinaryCrossEntropy.Value(output, output));
        Assert.Equal(double.PositiveInfinity, Loss.BinaryCrossEntropy.Value(output, ImmutableMatrix.FromRowMajor<double>(1, 2, [0, 0])));
        var oneHot = ImmutableMatrix.Column(1.0, 0.0);
        Assert.Equal(0.0, Loss.CategoricalCrossEntropy.Value(oneHot, oneHot));
        Assert.Equal(0f, Loss.BinaryCrossEntropy.Value(ImmutableMatrix.Column(1f, 0f), ImmutableMatrix.Column(1f, 0f)));
    }

    [Fact]
    public void Custom_activation_and_loss_work_end_to_end()
    {
        // Softplus σ(z) = ln(1 + e^z), σ'(z) = 1 / (1 + e^-z); log-cosh loss f(a, y) = ln cosh(a - y), ∂f/∂a = tanh(a - y).
        var softplus = Activation.Custom("softplus", z => Math.Log(1 + Math.Exp(z)), z => 1 / (1 + Math.Exp(-z)));
        // ln cosh r = ln(1 + 2 sinh²(r/2)), with an accurate ln(1 + x): ln cosh computed as Math.Log(Math.Cosh(r)) has an
        // absolute rounding error of ε whatever its size, which near a minimum (r ≈ 0) is noise far above the cost.
        var logCosh = Loss.Custom("log_cosh", (a, y) => LogOnePlus(2 * Math.Sinh((a - y) / 2) * Math.Sinh((a - y) / 2)), (a, y) => Math.Tanh(a - y));

        // σ(0) = ln 2, σ'(0) = 0.5.
        var zero = ImmutableMatrix.Column(0.0);
        Assert.Equal(Math.Log(2), softplus.Apply(zero)[0, 0]);
        Assert.Equal(1.5, softplus.Backward(zero, ImmutableMatrix.Column(3.0))[0, 0]);
        // ln cosh(0) = 0 and ln cosh(x) is even: cost of a = (1, -1) against 0 is ln cosh 1 per sample.
        Assert.Equal(Math.Log(Math.Cosh(1)), logCosh.Value(ImmutableMatrix.FromRowMajor<double>(1, 2, [1, -1]), ImmutableMatrix.FromRowMajor<double>(1, 2, [0, 0])), 15);

        // A 2-4-1 network, softplus hidden layer, identity output, learning y = x1 - 2 x2 + 0.5 on 16 samples.
        var network = Network.Create<double>([2, 4, 1], softplus, Activation.Identity, seed: 7);
        var x = ImmutableMatrix.Create<double>(2, 16, (i, j) => i == 0 ? (j % 4) / 2.0 - 0.75 : (j / 4) / 2.0 - 0.75);
        var y = ImmutableMatrix.Create<double>(1, 16, (_, j) => x[0, j] - 2 * x[1, j] + 0.5);
        var report = GradientCheck.Run(network, x, y, logCosh);
        Assert.True(report.Passed, report.ToString());

        double before = Backprop.Cost(network, x, y, logCosh);
        var trained = Training.Epochs(network, Optimizer.Adam(0.05), logCosh, new Dataset<double>(x, y), batchSize: 4, epochs: 200, seed: 7).Last();
        double after = Backprop.Cost(trained.Network, x, y, logCosh);
        Assert.True(after < 0.05 * before, $"log-cosh cost went from {before} to {after}");
        var trainedReport = GradientCheck.Run(trained.Network, x, y, logCosh);
        Assert.True(trainedReport.Passed, trainedReport.ToString());
    }

    /// <summary>ln(1 + x), accurate for small x (Goldberg's u = 1 + x; x ln u / (u - 1)).</summary>
    private static double LogOnePlus(double x)
    {
        double u = 1 + x;
        return u == 1 ? x : Math.Log(u) * x / (u - 1);
    }

    private static void Close(double expected, double actual, double tolerance, string what, bool relative = false)
    {
        double scale = relative ? Math.Abs(expected) : Math.Max(1, Math.Abs(expected));
        if (!(Math.Abs(expected - actual) <= tolerance * scale))
            Assert.Fail($"{what}: expected {expected:R}, got {actual:R} (tolerance {tolerance:E1}{(relative ? " relative" : "")}).");
    }
}
