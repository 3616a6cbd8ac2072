using FsCheck.Fluent;
using Pure.Properties.Support;

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

    [Fact]
    public void Batch_forward_equals_per_sample_forward()
    {
        Checks.Run(Prop.ForAll(Generators.Cases(), c =>
        {
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

                void Compare(string name, ImmutableMatrix<double> whole, ImmutableMatrix<double> column)
                {
                    // Scale: the largest magnitude in the sample's column, at least 1 (a bound for the rounding of each entry).
                    double scale = 1;
                    foreach (var v in column.AsSpan()) scale = Math.Max(scale, Math.Abs(v));
                    for (int i = 0; i < column.Rows; i++)
                        if (!(Math.Abs(whole[i, j] - column[i, 0]) <= Tolerance * scale))
                            failures.Add($"{name}[{i},{j}]: batch {whole[i, j]:R}, alone {column[i, 0]:R}");
                }
            }
            return (failures.Count == 0).Label(string.Join("\n", failures.Take(10)));
        }));
    }

    [Fact]
    public void Batch_gradient_equals_mean_of_per_sample_gradients()
    {
        Checks.Run(Prop.ForAll(Generators.Cases(), c =>
        {
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
                    expected[p] += values[p] / m;
                    magnitude[p] += Math.Abs(values[p]) / m;
                }
            }
            var actual = batch.Gradient.Flatten();
            var failures = new List<string>();
            // The mean of m terms differs from the batch's sum by rounding only: a few ulps of Σ|g_i| / m.
            for (int p = 0; p < expected.Length; p++)
                if (!(Math.Abs(actual[p] - expected[p]) <= Tolerance * magnitude[p]))
                    failures.Add($"parameter {p}: batch {actual[p]:R}, mean of samples {expected[p]:R}");
            double meanLoss = singles.Average(single => single.Loss);
            double meanAbsoluteLoss = singles.Average(single => Math.Abs(single.Loss));
            if (!(Math.Abs(batch.Loss - meanLoss) <= Tolerance * meanAbsoluteLoss))
                failures.Add($"loss: batch {batch.Loss:R}, mean of samples {meanLoss:R}");
            return (failures.Count == 0).Label(string.Join("\n", failures.Take(10)));

            Gradients<double> Backward(ImmutableMatrix<double> x, ImmutableMatrix<double> y) =>
                Backprop.Backward(c.Network, Backprop.Forward(c.Network, x), y, c.Loss);
        }));
    }
}
