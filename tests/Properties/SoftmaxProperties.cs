using System.Collections.Immutable;
using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;
using Pure.Testing;

namespace Pure.Properties;

/// <summary>Softmax is a stable probability map, shift-invariant per column, and its fused cross-entropy path is exact.</summary>
public class SoftmaxProperties
{
    private static Gen<ImmutableMatrix<double>> PreActivations(double bound) =>
        from rows in Gen.Choose(1, 8)
        from columns in Gen.Choose(1, 16)
        from z in Generators.Matrix(rows, columns, bound)
        select z;

    // The float versions below keep every bound in the same number of ulps (Precision.Scaled: 1e-12 becomes
    // 1e-12 · 2^29 ≈ 5.4e-4): each bound is a few roundings of values at most 1 (or, for the shift, of ulp(1100)),
    // which scale with ε exactly. Values are generated in double and rounded once to float.

    [PureProperty]
    public Property Softmax_columns_sum_to_one() => ColumnsSumToOne<double>();

    [PureProperty]
    public Property Softmax_columns_sum_to_one_in_float() => ColumnsSumToOne<float>();

    private static Property ColumnsSumToOne<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Values up to ±1000: e^1000 overflows (and e^89 in float), so this holds only with the column maximum
        // subtracted. Each a_k is rounded a few times, so a column of at most 8 sums to 1 within about 8 · 3 ε ≈ 5e-15.
        double tolerance = Precision.Scaled<T>(1e-12);
        var inputs = Gen.OneOf(PreActivations(1000), PreActivations(5)).Select(z => z.As<T>());
        return Prop.ForAll(Arb.From(inputs), z =>
        {
            var a = Activation.Softmax.Apply(z);
            var failures = new List<string>();
            for (int j = 0; j < a.Columns; j++)
            {
                double sum = 0;
                foreach (var value in a.Column(j))
                {
                    if (!(value >= T.Zero && value <= T.One)) failures.Add($"column {j}: entry {value} outside [0, 1]");
                    sum += double.CreateChecked(value);
                }
                if (!(Math.Abs(sum - 1) <= tolerance)) failures.Add($"column {j} sums to {sum:R}");
            }
            return (a.Rows == z.Rows && a.Columns == z.Columns && failures.Count == 0).Label(string.Join("\n", failures.Take(10)));
        });
    }

    [PureProperty]
    public Property Softmax_is_invariant_to_adding_a_constant() => InvariantToAddingAConstant<double>();

    [PureProperty]
    public Property Softmax_is_invariant_to_adding_a_constant_in_float() => InvariantToAddingAConstant<float>();

    private static Property InvariantToAddingAConstant<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        // z in ±100 and a constant per column in ±1000: z + c is exact to within ulp(1100) ≈ 2.3e-13, which changes
        // e^(z - max) by that relative amount, so every entry (at most 1) agrees within 1e-12.
        double tolerance = Precision.Scaled<T>(1e-12);
        var cases =
            from z in PreActivations(100)
            from shifts in Gen.ArrayOf(Generators.Value(1000), z.Columns)
            select (Z: z.As<T>(), Shifts: shifts.Select(T.CreateChecked).ToArray());
        return Prop.ForAll(Arb.From(cases), x =>
        {
            var shifted = ImmutableMatrix.Create<T>(x.Z.Rows, x.Z.Columns, (i, j) => x.Z[i, j] + x.Shifts[j]);
            var expected = Activation.Softmax.Apply(x.Z);
            var actual = Activation.Softmax.Apply(shifted);
            double worst = 0;
            for (int i = 0; i < expected.Rows; i++)
                for (int j = 0; j < expected.Columns; j++)
                    worst = Math.Max(worst, Math.Abs(double.CreateChecked(actual[i, j] - expected[i, j])));
            return (worst <= tolerance).Label($"largest difference {worst:E3}");
        });
    }

    [PureProperty]
    public Property Fused_cross_entropy_equals_unfused_jacobian_path() => FusedCrossEntropyEqualsUnfused<double>();

    [PureProperty]
    public Property Fused_cross_entropy_equals_unfused_jacobian_path_in_float() => FusedCrossEntropyEqualsUnfused<float>();

    private static Property FusedCrossEntropyEqualsUnfused<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        // |z| <= 5 keeps a away from 0 and 1 (a >= e^-10 / 8 for softmax, 1 - a >= 0.0067 for the sigmoid), so the
        // unfused path's y / a and (1 - y) / (1 - a) lose nothing: the products that cancel them are exact to a few
        // ulps of y and a (at most 1), hence 1e-12 absolute for δ, and 1e-12 of max(1, C) for the cost. (1 - a is
        // computed from a rounded a, relatively off by at most ε a / (1 - a) <= 150 ε: 2e-14 in double, 9e-6 in float.)
        double tolerance = Precision.Scaled<T>(1e-12);
        var pairings = new[] { (Activation: Activation.Softmax, Loss: Loss.CategoricalCrossEntropy), (Activation: Activation.Sigmoid, Loss: Loss.BinaryCrossEntropy) };
        var cases =
            from pairing in Gen.Elements(pairings)
            from z in PreActivations(5)
            from y in Generators.Target(pairing.Loss, z.Rows, z.Columns)
            select (pairing.Activation, pairing.Loss, Z: z.As<T>(), Y: y.As<T>());
        return Prop.ForAll(Arb.From(cases), x =>
        {
            var fused = Backprop.OutputError(x.Activation, x.Z, x.Y, x.Loss);
            var unfused = x.Activation.Backward(x.Z, x.Loss.Gradient(x.Activation.Apply(x.Z), x.Y));
            double worst = 0;
            for (int i = 0; i < fused.Rows; i++)
                for (int j = 0; j < fused.Columns; j++)
                    worst = Math.Max(worst, Math.Abs(double.CreateChecked(fused[i, j] - unfused[i, j])));

            // The fused cost, from Z itself: a one-layer network with W = I and b = 0 has Z^[1] = X exactly.
            var identity = ImmutableMatrix.Create<T>(x.Z.Rows, x.Z.Rows, (i, k) => i == k ? T.One : T.Zero);
            var network = new Network<T>([new DenseLayer<T>(identity, ImmutableVector.Zeros<T>(x.Z.Rows), x.Activation)]);
            double fusedCost = double.CreateChecked(Backprop.Cost(network, x.Z, x.Y, x.Loss));
            double backwardCost = double.CreateChecked(Backprop.Backward(network, Backprop.Forward(network, x.Z), x.Y, x.Loss).Loss);
            double unfusedCost = double.CreateChecked(x.Loss.Value(x.Activation.Apply(x.Z), x.Y));
            double costTolerance = tolerance * Math.Max(1, Math.Abs(unfusedCost));
            return (worst <= tolerance && Math.Abs(fusedCost - unfusedCost) <= costTolerance && Math.Abs(backwardCost - unfusedCost) <= costTolerance)
                .Label($"{x.Loss.Name}: largest δ difference {worst:E3}; cost fused {fusedCost:R}, from Backward {backwardCost:R}, unfused {unfusedCost:R}");
        });
    }
}
