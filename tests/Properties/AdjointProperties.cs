using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;
using static Pure.Properties.Support.GradientGenerators;

namespace Pure.Properties;

/// <summary>
/// Dot-product (adjoint) tests: the backward pass must be the transpose of the forward linearisation,
/// &lt;J t, c&gt; = &lt;t, J^T c&gt;. Tolerances are relative to a bound on the rounding error of both sides: a sum of
/// absolute values of the terms (or a product of norms that bounds it); double rounding gives errors around
/// 1e-15 of that bound, so 1e-12 leaves a wide margin while any wrong formula is off by far more.
/// </summary>
public class AdjointProperties
{
    private const double Tolerance = 1e-12;

    [Fact]
    public void Dense_weight_transpose_is_adjoint()
    {
        var cases =
            from rows in Gen.Choose(1, 8)
            from columns in Gen.Choose(1, 8)
            from m in Gen.Choose(1, 16)
            from weight in Generators.Matrix(rows, columns, 2)
            from x in Generators.Matrix(columns, m, 3)
            from y in Generators.Matrix(rows, m, 3)
            select (Weight: weight, X: x, Y: y);
        Checks.Run(Prop.ForAll(Arb.From(cases), c =>
        {
            var layer = new DenseLayer<double>(c.Weight, ImmutableVector.Zeros<double>(c.Weight.Rows), Activation.Identity);
            var transposed = Backprop.PropagateError(layer, c.Y);
            double left = c.Weight.Multiply(c.X).Dot(c.Y);
            double right = c.X.Dot(transposed);
            // Σ |W_jk| |x_k| |y_j| bounds every term of both sums, hence their rounding errors.
            double magnitude = Abs(c.Weight).Multiply(Abs(c.X)).Dot(Abs(c.Y));
            return (transposed.Rows == c.Weight.Columns && transposed.Columns == c.X.Columns
                    && Math.Abs(left - right) <= Tolerance * magnitude)
                .Label($"<Wx, y> = {left:R}, <x, W^T y> = {right:R}, magnitude {magnitude:R}");
        }));
    }

    [Fact]
    public void Backward_is_adjoint_of_forward_jvp()
    {
        var cases =
            from c in Generators.Case()
            from tangent in Generators.Matrix(c.Network.InputSize, c.SampleCount, 2)
            from cotangent in Generators.Matrix(c.Network.OutputSize, c.SampleCount, 2)
            select (Case: c, Tangent: tangent, Cotangent: cotangent);
        Checks.Run(Prop.ForAll(Arb.From(cases), x =>
        {
            var network = x.Case.Network;
            var jvp = Backprop.Jvp(network, x.Case.Input, x.Tangent);
            var vjp = Backprop.Vjp(network, Backprop.Forward(network, x.Case.Input), x.Cotangent);
            double left = jvp.Dot(x.Cotangent);
            double right = x.Tangent.Dot(vjp);
            // Every factor of J = J_σL W^[L] ... J_σ1 W^[1] is bounded in norm: ||W||_F, and 2 for an activation's
            // Jacobian as computed (|diag(a)| + |a a^T| for softmax), so ||t|| ||c|| Π 2 ||W^[l]||_F bounds both sides
            // and, times a few epsilons per layer, their rounding errors.
            double bound = Norm(x.Tangent) * Norm(x.Cotangent)
                * network.Layers.Aggregate(1.0, (product, layer) => product * 2 * Norm(layer.Weight));
            return (jvp.Rows == network.OutputSize && vjp.Rows == network.InputSize && Math.Abs(left - right) <= Tolerance * bound)
                .Label($"<J t, c> = {left:R}, <t, J^T c> = {right:R}, bound {bound:R}");
        }));
    }

    [Fact]
    public void Jvp_matches_central_differences_of_predict()
    {
        // Makes the adjoint test above independent of Jvp's own formula: J t ≈ (f(X + h t) - f(X - h t)) / 2h with
        // h = 2^-20, the gradient check's rule (error / max(1, |a|, |n|) <= 1e-6), away from the ReLU kinks.
        const double h = 1.0 / (1 << 20);
        var cases =
            from c in Generators.Case()
            from tangent in Generators.Matrix(c.Network.InputSize, c.SampleCount, 1)
            select (Case: c, Tangent: tangent);
        int checkedCases = 0;
        Checks.Run(Prop.ForAll(Arb.From(cases), x => Prop.When(
            DistanceToKinks(x.Case.Network, x.Case.Input, x.Case.Target, Loss.Squared) >= 1e-3,
            () =>
            {
                var network = x.Case.Network;
                var jvp = Backprop.Jvp(network, x.Case.Input, x.Tangent);
                var plus = Backprop.Predict(network, ImmutableMatrix.Create<double>(x.Tangent.Rows, x.Tangent.Columns, (i, j) => x.Case.Input[i, j] + h * x.Tangent[i, j]));
                var minus = Backprop.Predict(network, ImmutableMatrix.Create<double>(x.Tangent.Rows, x.Tangent.Columns, (i, j) => x.Case.Input[i, j] - h * x.Tangent[i, j]));
                double worst = 0;
                for (int i = 0; i < jvp.Rows; i++)
                    for (int j = 0; j < jvp.Columns; j++)
                    {
                        double numeric = (plus[i, j] - minus[i, j]) / (2 * h);
                        worst = Math.Max(worst, Math.Abs(jvp[i, j] - numeric) / Math.Max(1, Math.Max(Math.Abs(jvp[i, j]), Math.Abs(numeric))));
                    }
                Interlocked.Increment(ref checkedCases);
                return (worst <= 1e-6).Label($"largest error {worst:E3}");
            })));
        Assert.True(checkedCases >= 100, $"Only {checkedCases} cases were away from the kinks; expected at least 100.");
    }

    [Fact]
    public void Layer_backward_map_is_adjoint_of_layer_jvp()
    {
        // For each pair of layers (l, l+1): Backward's map c = δ^[l+1] ↦ δ^[l] = J_σ(Z^[l])^T (W^[l+1])^T c, built from
        // PropagateError and Activation.Backward, against the forward map t ↦ W^[l+1] (J_σ(Z^[l]) t) with the
        // Jacobian written out here. Tolerance: 1e-12 times <|W| M |t|, |c|>, where M = |σ'| on the diagonal for an
        // element-wise σ and diag(a) + a a^T for softmax (the absolute values of the terms Backward computes).
        var cases =
            from c in CaseWithLayers(2)
            let sizes = c.Network.LayerSizes
            from pairs in Gen.CollectToArray(Enumerable.Range(1, c.Network.Layers.Length - 1), l =>
                from tangent in Generators.Matrix(sizes[l], c.SampleCount, 2)
                from cotangent in Generators.Matrix(sizes[l + 1], c.SampleCount, 2)
                select (Tangent: tangent, Cotangent: cotangent))
            select (Case: c, Pairs: pairs);
        Checks.Run(Prop.ForAll(Arb.From(cases), x =>
        {
            var network = x.Case.Network;
            var trace = Backprop.Forward(network, x.Case.Input);
            var failures = new List<string>();
            for (int l = 0; l < network.Layers.Length - 1; l++)
            {
                var (tangent, cotangent) = x.Pairs[l];
                var activation = network.Layers[l].Activation;
                var next = network.Layers[l + 1];
                var z = trace.PreActivations[l];
                var backward = activation.Backward(z, Backprop.PropagateError(next, cotangent));
                var forward = next.Weight.Multiply(ActivationJacobian(activation, z, tangent, magnitude: false));
                double left = forward.Dot(cotangent);
                double right = tangent.Dot(backward);
                double magnitude = Abs(next.Weight).Multiply(ActivationJacobian(activation, z, Abs(tangent), magnitude: true)).Dot(Abs(cotangent));
                if (backward.Rows != z.Rows || !(Math.Abs(left - right) <= Tolerance * magnitude))
                    failures.Add($"layer {l}: <W J t, c> = {left:R}, <t, J^T W^T c> = {right:R}, magnitude {magnitude:R}");
            }
            return (failures.Count == 0).Label(string.Join("\n", failures));
        }));
    }

    /// <summary>
    /// J_σ(Z) t per column, written out from the activations' definitions (not through the library's Backward):
    /// diag(σ'(z)) for element-wise σ (σ'(0) = 0 for ReLU and the slope for leaky ReLU, as documented), and
    /// diag(a) - a a^T for softmax. With <paramref name="magnitude"/>, |σ'(z)| and diag(a) + a a^T instead.
    /// </summary>
    private static ImmutableMatrix<double> ActivationJacobian(Activation activation, ImmutableMatrix<double> z, ImmutableMatrix<double> t, bool magnitude)
    {
        int n = z.Rows;
        var result = new double[z.Count];
        for (int j = 0; j < z.Columns; j++)
        {
            var column = z.Column(j).ToArray();
            if (activation is SoftmaxActivation)
            {
                double max = column.Max();
                var a = column.Select(v => Math.Exp(v - max)).ToArray();
                double total = a.Sum();
                for (int i = 0; i < n; i++) a[i] /= total;
                for (int i = 0; i < n; i++)
                {
                    double sum = 0;
                    for (int k = 0; k < n; k++)
                    {
                        double entry = magnitude ? (i == k ? a[i] : 0) + a[i] * a[k] : (i == k ? a[i] : 0) - a[i] * a[k];
                        sum += entry * t[k, j];
                    }
                    result[j * n + i] = sum;
                }
            }
            else
                for (int i = 0; i < n; i++)
                {
                    double derivative = Derivative(activation, column[i]);
                    result[j * n + i] = (magnitude ? Math.Abs(derivative) : derivative) * t[i, j];
                }
        }
        return ImmutableMatrix.FromColumnMajor<double>(n, z.Columns, result);
    }

    private static double Derivative(Activation activation, double z) => activation switch
    {
        IdentityActivation => 1,
        SigmoidActivation => 1 / (1 + Math.Exp(-z)) * (1 - 1 / (1 + Math.Exp(-z))),
        TanhActivation => 1 - Math.Tanh(z) * Math.Tanh(z),
        ReluActivation => z > 0 ? 1 : 0,
        LeakyReluActivation leaky => z > 0 ? 1 : leaky.Slope,
        _ => throw new ArgumentException($"No derivative written out for {activation.Name}.", nameof(activation)),
    };
}
