using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;
using Pure.Testing;
using static Pure.Testing.GradientChecking;

namespace Pure.Properties;

/// <summary>
/// Dot-product (adjoint) tests: the backward pass must be the transpose of the forward linearisation,
/// &lt;J t, c&gt; = &lt;t, J^T c&gt;. Tolerances are relative to a bound on the rounding error of both sides: a sum of
/// absolute values of the terms (or a product of norms that bounds it); double rounding gives errors around
/// 1e-15 of that bound, so 1e-12 leaves a wide margin while any wrong formula is off by far more. The float versions
/// use the same bounds in the same number of ulps (<see cref="Precision.Scaled{T}"/>: 1e-12 · 2^29 ≈ 5.4e-4), since
/// the rounding errors are the same multiples of ε_f.
/// </summary>
public class AdjointProperties
{
    /// <summary>The Frobenius norm sqrt(Σ x_ij^2).</summary>
    private static double Norm(ImmutableMatrix<double> matrix) => Math.Sqrt(matrix.Dot(matrix));

    /// <summary>The element-wise absolute value.</summary>
    private static ImmutableMatrix<double> Abs(ImmutableMatrix<double> matrix) => matrix.Map(Math.Abs);

    private const double Tolerance = 1e-12;

    [PureProperty]
    public Property Dense_weight_transpose_is_adjoint() => DenseWeightTransposeIsAdjoint<double>();

    /// <summary>In float (products on the float GEMM): the same bound in the same number of ulps, 1e-12 · 2^29 ≈ 5.4e-4.</summary>
    [PureProperty]
    public Property Dense_weight_transpose_is_adjoint_in_float() => DenseWeightTransposeIsAdjoint<float>();

    private static Property DenseWeightTransposeIsAdjoint<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        double tolerance = Precision.Scaled<T>(Tolerance);
        var cases =
            from rows in Gen.Choose(1, 8)
            from columns in Gen.Choose(1, 8)
            from m in Gen.Choose(1, 16)
            from weight in Generators.Matrix(rows, columns, 2)
            from x in Generators.Matrix(columns, m, 3)
            from y in Generators.Matrix(rows, m, 3)
            select (Weight: weight.As<T>(), X: x.As<T>(), Y: y.As<T>());
        return Prop.ForAll(Arb.From(cases), c =>
        {
            var layer = new DenseLayer<T>(c.Weight, ImmutableVector.Zeros<T>(c.Weight.Rows), Activation.Identity);
            var transposed = Backprop.PropagateError(layer, c.Y);
            double left = double.CreateChecked(c.Weight.Multiply(c.X).Dot(c.Y));
            double right = double.CreateChecked(c.X.Dot(transposed));
            // Σ |W_jk| |x_k| |y_j| bounds every term of both sums, hence their rounding errors.
            double magnitude = Abs(c.Weight.ToDouble()).Multiply(Abs(c.X.ToDouble())).Dot(Abs(c.Y.ToDouble()));
            return (transposed.Rows == c.Weight.Columns && transposed.Columns == c.X.Columns
                    && Math.Abs(left - right) <= tolerance * magnitude)
                .Label($"<Wx, y> = {left:R}, <x, W^T y> = {right:R}, magnitude {magnitude:R}");
        });
    }

    [PureProperty]
    public Property Backward_is_adjoint_of_forward_jvp() => BackwardIsAdjointOfForwardJvp<double>();

    /// <summary>In float: the same bound in the same number of ulps, 1e-12 · 2^29 ≈ 5.4e-4.</summary>
    [PureProperty]
    public Property Backward_is_adjoint_of_forward_jvp_in_float() => BackwardIsAdjointOfForwardJvp<float>();

    private static Property BackwardIsAdjointOfForwardJvp<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        double tolerance = Precision.Scaled<T>(Tolerance);
        var cases =
            from c in Generators.Case()
            from tangent in Generators.Matrix(c.Network.InputSize, c.SampleCount, 2)
            from cotangent in Generators.Matrix(c.Network.OutputSize, c.SampleCount, 2)
            select (Case: c.As<T>(), Tangent: tangent.As<T>(), Cotangent: cotangent.As<T>());
        return Prop.ForAll(Arb.From(cases), x =>
        {
            var network = x.Case.Network;
            var jvp = Backprop.Jvp(network, x.Case.Input, x.Tangent);
            var vjp = Backprop.Vjp(network, Backprop.Forward(network, x.Case.Input), x.Cotangent);
            double left = double.CreateChecked(jvp.Dot(x.Cotangent));
            double right = double.CreateChecked(x.Tangent.Dot(vjp));
            // Every factor of J = J_σL W^[L] ... J_σ1 W^[1] is bounded in norm: ||W||_F, and 2 for an activation's
            // Jacobian as computed (|diag(a)| + |a a^T| for softmax), so ||t|| ||c|| Π 2 ||W^[l]||_F bounds both sides
            // and, times a few epsilons per layer, their rounding errors.
            double bound = Norm(x.Tangent.ToDouble()) * Norm(x.Cotangent.ToDouble())
                * network.Layers.Aggregate(1.0, (product, layer) => product * 2 * Norm(layer.Weight.ToDouble()));
            return (jvp.Rows == network.OutputSize && vjp.Rows == network.InputSize && Math.Abs(left - right) <= tolerance * bound)
                .Label($"<J t, c> = {left:R}, <t, J^T c> = {right:R}, bound {bound:R}");
        });
    }

    [PureProperty]
    public Property Jvp_matches_central_differences_of_predict() => JvpMatchesCentralDifferences<double>(1e-6);

    /// <summary>
    /// The float Jvp against the same central differences, taken in double on the same network and input converted
    /// exactly to double (float differences with a usable h would lose most digits). The numerical side is good to
    /// about 1e-9; the float side rounds every product and activation, relative to term magnitudes that cancellation
    /// can make some hundreds of times the result: seen over 3000 cases, median 6e-8, worst 1.6e-5 (140 ε_f). 1e-3 (about 8400 ε_f) leaves
    /// a wide margin; a wrong Jvp is off by O(1).
    /// </summary>
    [PureProperty]
    public Property Jvp_in_float_matches_double_central_differences_of_predict() => JvpMatchesCentralDifferences<float>(1e-3);

    private static Property JvpMatchesCentralDifferences<T>(double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Makes the adjoint test above independent of Jvp's own formula: J t ≈ (f(X + h t) - f(X - h t)) / 2h with
        // h = 2^-20 in double, to 1e-6 of max(1, |a|, |n|) (the old gradient check's rule, kept here for the JVP), away from the
        // ReLU kinks.
        const double h = 1.0 / (1 << 20);
        var cases =
            from c in Generators.Case()
            from tangent in Generators.Matrix(c.Network.InputSize, c.SampleCount, 1)
            select (Case: c.As<T>(), Tangent: tangent.As<T>());
        return Prop.ForAll(Arb.From(cases), x => Prop.When(
            DistanceToKinks(x.Case.Network, x.Case.Input, x.Case.Target, Loss.Squared) >= 1e-3
            && DistanceToKinks(x.Case.Network.ToDouble(), x.Case.Input.ToDouble(), x.Case.Target.ToDouble(), Loss.Squared) >= 1e-3,
            () =>
            {
                var jvp = Backprop.Jvp(x.Case.Network, x.Case.Input, x.Tangent).ToDouble();
                var network = x.Case.Network.ToDouble();
                var input = x.Case.Input.ToDouble();
                var tangent = x.Tangent.ToDouble();
                var plus = Backprop.Predict(network, ImmutableMatrix.Create<double>(tangent.Rows, tangent.Columns, (i, j) => input[i, j] + h * tangent[i, j]));
                var minus = Backprop.Predict(network, ImmutableMatrix.Create<double>(tangent.Rows, tangent.Columns, (i, j) => input[i, j] - h * tangent[i, j]));
                double worst = 0;
                for (int i = 0; i < jvp.Rows; i++)
                    for (int j = 0; j < jvp.Columns; j++)
                    {
                        double numeric = (plus[i, j] - minus[i, j]) / (2 * h);
                        worst = Math.Max(worst, Math.Abs(jvp[i, j] - numeric) / Math.Max(1, Math.Max(Math.Abs(jvp[i, j]), Math.Abs(numeric))));
                    }
                return (worst <= tolerance).Label($"largest error {worst:E3}");
            }));
    }

    [PureProperty]
    public Property Layer_backward_map_is_adjoint_of_layer_jvp() => LayerBackwardMapIsAdjointOfLayerJvp<double>();

    /// <summary>
    /// In float: Backward's map in float (on the float GEMM) against the forward map written out in double from the same
    /// float values; the same bound in the same number of ulps (1e-12 · 2^29 ≈ 5.4e-4), the float side's rounding
    /// being the larger.
    /// </summary>
    [PureProperty]
    public Property Layer_backward_map_is_adjoint_of_layer_jvp_in_float() => LayerBackwardMapIsAdjointOfLayerJvp<float>();

    private static Property LayerBackwardMapIsAdjointOfLayerJvp<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        // For each pair of layers (l, l+1): Backward's map c = δ^[l+1] ↦ δ^[l] = J_σ(Z^[l])^T (W^[l+1])^T c, built from
        // PropagateError and Activation.Backward, against the forward map t ↦ W^[l+1] (J_σ(Z^[l]) t) with the
        // Jacobian written out here (in double). Tolerance: 1e-12 times <|W| M |t|, |c|>, where M holds the absolute
        // values of the terms Backward computes: on the diagonal for an element-wise σ (see DerivativeMagnitude), and
        // diag(a) + a a^T for softmax.
        double tolerance = Precision.Scaled<T>(Tolerance);
        var cases =
            from c in Generators.CaseWithLayers(2)
            let sizes = c.Network.LayerSizes
            from pairs in Gen.CollectToArray(Enumerable.Range(1, c.Network.Layers.Length - 1), l =>
                from tangent in Generators.Matrix(sizes[l], c.SampleCount, 2)
                from cotangent in Generators.Matrix(sizes[l + 1], c.SampleCount, 2)
                select (Tangent: tangent.As<T>(), Cotangent: cotangent.As<T>()))
            select (Case: c.As<T>(), Pairs: pairs);
        return Prop.ForAll(Arb.From(cases), x =>
        {
            var network = x.Case.Network;
            var trace = Backprop.Forward(network, x.Case.Input);
            var failures = new List<string>();
            for (int l = 0; l < network.Layers.Length - 1; l++)
            {
                var (tangent, cotangent) = (x.Pairs[l].Tangent.ToDouble(), x.Pairs[l].Cotangent.ToDouble());
                var activation = network.Layers[l].Activation;
                var next = network.Layers[l + 1];
                var z = trace.PreActivations[l];
                var backward = activation.Backward(z, Backprop.PropagateError(next, x.Pairs[l].Cotangent)).ToDouble();
                var (weight, zDouble) = (next.Weight.ToDouble(), z.ToDouble());
                var forward = weight.Multiply(ActivationJacobian(activation, zDouble, tangent, magnitude: false));
                double left = forward.Dot(cotangent);
                double right = tangent.Dot(backward);
                double magnitude = Abs(weight).Multiply(ActivationJacobian(activation, zDouble, Abs(tangent), magnitude: true)).Dot(Abs(cotangent));
                if (backward.Rows != z.Rows || !(Math.Abs(left - right) <= tolerance * magnitude))
                    failures.Add($"layer {l}: <W J t, c> = {left:R}, <t, J^T W^T c> = {right:R}, magnitude {magnitude:R}");
            }
            return (failures.Count == 0).Label(string.Join("\n", failures));
        });
    }

    /// <summary>
    /// J_σ(Z) t per column, written out from the activations' definitions (not through the library's Backward):
    /// diag(σ'(z)) for element-wise σ (σ'(0) = 0 for ReLU and the slope for leaky ReLU, as documented), and
    /// diag(a) - a a^T for softmax. With <paramref name="magnitude"/>, <see cref="DerivativeMagnitude"/> and diag(a) + a a^T instead.
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
                    double derivative = magnitude ? DerivativeMagnitude(activation, column[i]) : Derivative(activation, column[i]);
                    result[j * n + i] = derivative * t[i, j];
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

    /// <summary>
    /// The sum of the absolute values of the terms Backward computes σ'(z) from: a (1 + a) for the sigmoid's a (1 - a),
    /// 1 + a^2 for tanh's 1 - a^2, |σ'(z)| for identity and (leaky) ReLU, which are exact. Near saturation a is within
    /// an ulp of 0 or ±1 and 1 - a^2 (or 1 - a) carries an absolute rounding error of about ε, not one relative to
    /// σ'(z): invisible in double, but in float as large as σ'(z) itself once |z| exceeds about 8.
    /// </summary>
    private static double DerivativeMagnitude(Activation activation, double z) => activation switch
    {
        SigmoidActivation => 1 / (1 + Math.Exp(-z)) * (1 + 1 / (1 + Math.Exp(-z))),
        TanhActivation => 1 + Math.Tanh(z) * Math.Tanh(z),
        _ => Math.Abs(Derivative(activation, z)),
    };
}
