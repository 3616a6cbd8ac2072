using FsCheck;
using System.Numerics;
using FsCheck.Fluent;
using Pure.Properties.Support;
using Pure.Testing;

namespace Pure.Properties;

/// <summary>A batch is its samples side by side: the forward pass works per column and the cost is a mean.</summary>
public class BatchProperties
{
    /// <summary>
    /// Relative tolerance. Column j of W A + b involves only column j of A, so batch and per-sample passes are the
    /// same sums; today they are bitwise equal, but the kernel seam may later block or vectorise products
    /// differently for different m, which may reorder those sums. Rounding then differs by a few ulps per layer,
    /// amplified by at most Π ||W^[l]|| over 4 layers, far below 1e-12 of the terms' magnitude.
    /// </summary>
    private const double Tolerance = 1e-12;

    [PureProperty]
    public Property Batch_forward_equals_per_sample_forward() => BatchForwardEqualsPerSampleForward<double>();

    /// <summary>In float, where the products run on the float GEMM: the same bound in the same number of ulps (1e-12 · 2^29 ≈ 5.4e-4).</summary>
    [PureProperty]
    public Property Batch_forward_equals_per_sample_forward_in_float() => BatchForwardEqualsPerSampleForward<float>();

    private static Property BatchForwardEqualsPerSampleForward<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        double tolerance = Precision.Scaled<T>(Tolerance);
        return Prop.ForAll(Generators.Cases(), generated =>
        {
            var c = generated.As<T>();
            var batch = Backprop.Forward(c.Network, c.Input);
            var failures = new List<string>();
            for (int j = 0; j < c.SampleCount; j++)
            {
                var single = Backprop.Forward(c.Network, c.Input.SliceColumns(j, 1));
                for (int l = 0; l < c.Network.Layers.Length; l++)
                {
                    Compare($"Z^[{l + 1}]", batch.PreActivations[l], single.PreActivations[l]);
                    Compare($"A^[{l + 1}]", batch.Activations[l], single.Activations[l]);
                }

                void Compare(string name, ImmutableMatrix<T> whole, ImmutableMatrix<T> column)
                {
                    // Scale: the largest magnitude in the sample's column, at least 1 (a bound for the rounding of each entry).
                    double scale = 1;
                    foreach (var v in column.AsSpan()) scale = Math.Max(scale, Math.Abs(double.CreateChecked(v)));
                    for (int i = 0; i < column.Rows; i++)
                        if (!(Math.Abs(double.CreateChecked(whole[i, j] - column[i, 0])) <= tolerance * scale))
                            failures.Add($"{name}[{i},{j}]: batch {whole[i, j]}, alone {column[i, 0]}");
                }
            }
            return (failures.Count == 0).Label(string.Join("\n", failures.Take(10)));
        });
    }

    [PureProperty]
    public Property Batch_gradient_equals_mean_of_per_sample_gradients() => BatchGradientEqualsMeanOfPerSampleGradients<double>();

    /// <summary>In float: the same bound in the same number of ulps (1e-12 · 2^29 ≈ 5.4e-4); the mean is taken in double here.</summary>
    [PureProperty]
    public Property Batch_gradient_equals_mean_of_per_sample_gradients_in_float() => BatchGradientEqualsMeanOfPerSampleGradients<float>();

    private static Property BatchGradientEqualsMeanOfPerSampleGradients<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        double tolerance = Precision.Scaled<T>(Tolerance);
        return Prop.ForAll(Generators.Cases(), generated =>
        {
            var c = generated.As<T>();
            int m = c.SampleCount;
            var batch = Backward(c.Input, c.Target);
            var singles = Enumerable.Range(0, m).Select(j => Backward(c.Input.SliceColumns(j, 1), c.Target.SliceColumns(j, 1))).ToArray();
            var expected = new double[batch.Gradient.Count];
            var magnitude = new double[expected.Length];
            foreach (var single in singles)
            {
                var values = single.Gradient.Flatten();
                for (int p = 0; p < values.Length; p++)
                {
                    expected[p] += double.CreateChecked(values[p]) / m;
                    magnitude[p] += Math.Abs(double.CreateChecked(values[p])) / m;
                }
            }
            var actual = batch.Gradient.Flatten();
            var failures = new List<string>();
            // The mean of m terms differs from the batch's sum by rounding only: a few ulps of Σ|g_i| / m.
            for (int p = 0; p < expected.Length; p++)
                if (!(Math.Abs(double.CreateChecked(actual[p]) - expected[p]) <= tolerance * magnitude[p]))
                    failures.Add($"parameter {p}: batch {actual[p]}, mean of samples {expected[p]:R}");
            double meanLoss = singles.Average(single => double.CreateChecked(single.Loss));
            double meanAbsoluteLoss = singles.Average(single => Math.Abs(double.CreateChecked(single.Loss)));
            if (!(Math.Abs(double.CreateChecked(batch.Loss) - meanLoss) <= tolerance * meanAbsoluteLoss))
                failures.Add($"loss: batch {batch.Loss}, mean of samples {meanLoss:R}");
            return (failures.Count == 0).Label(string.Join("\n", failures.Take(10)));

            Gradients<T> Backward(ImmutableMatrix<T> x, ImmutableMatrix<T> y) =>
                Backprop.Backward(c.Network, Backprop.Forward(c.Network, x), y, c.Loss);
        });
    }
}
