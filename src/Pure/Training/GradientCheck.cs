using System.Collections.Immutable;
using System.Numerics;

namespace Pure;

/// <summary>Settings of <see cref="GradientCheck.Run{T}"/>; null means the default for the element type.</summary>
/// <param name="Step">h of the central difference; default 2^-20 for double and 2^-8 for float.</param>
/// <param name="Tolerance">The largest error that passes; default 1e-6 for double and 1e-2 for float.</param>
/// <param name="MaxParameters">Check at most this many parameters, a seeded sample of them; 0 checks every parameter.</param>
/// <param name="Seed">The seed of the sample.</param>
public sealed record GradientCheckOptions(double? Step = null, double? Tolerance = null, int MaxParameters = 0, int Seed = 0);

/// <summary>One compared parameter.</summary>
/// <param name="Layer">The layer index, from 0.</param>
/// <param name="Name">"W[j,k]" or "b[j]", indices from 0.</param>
/// <param name="Analytic">∂C/∂θ from <see cref="Backprop.Backward{T}"/>.</param>
/// <param name="Numeric">(C(θ + h) - C(θ - h)) / 2h.</param>
/// <param name="Error">|a - n| / max(1, |a|, |n|).</param>
public sealed record GradientComparison(int Layer, string Name, double Analytic, double Numeric, double Error);

/// <summary>The result of a gradient check.</summary>
/// <param name="CheckedCount">How many parameters were compared.</param>
/// <param name="ParameterCount">How many parameters the network has.</param>
/// <param name="MaxAbsoluteError">max |a - n| over the checked parameters.</param>
/// <param name="MaxRelativeError">max |a - n| / max(1, |a|, |n|): relative where the gradient exceeds 1, absolute below.</param>
/// <param name="Worst">The comparison with the largest relative error.</param>
/// <param name="Step">The h used.</param>
/// <param name="Tolerance">The tolerance applied to <paramref name="MaxRelativeError"/>.</param>
public sealed record GradientCheckReport(int CheckedCount, int ParameterCount, double MaxAbsoluteError, double MaxRelativeError, GradientComparison Worst, double Step, double Tolerance)
{
    /// <summary>True when <see cref="MaxRelativeError"/> ≤ <see cref="Tolerance"/>.</summary>
    public bool Passed => MaxRelativeError <= Tolerance;

    /// <summary>A one-line summary.</summary>
    public override string ToString() =>
        $"gradient check {(Passed ? "passed" : "FAILED")}: {CheckedCount} of {ParameterCount} parameters, max abs error {MaxAbsoluteError:E3}, " +
        $"max relative error {MaxRelativeError:E3} (tolerance {Tolerance:E1}, h = {Step:E3}); worst layer {Worst.Layer} {Worst.Name}: analytic {Worst.Analytic:G9}, numeric {Worst.Numeric:G9}";
}

/// <summary>
/// Compares <see cref="Backprop.Backward{T}"/> with central differences, in the manner of
/// torch.autograd.gradcheck and JAX's check_grads. For each checked parameter θ_i:
/// n_i = (C(θ + h e_i) - C(θ - h e_i)) / (2h), error_i = |a_i - n_i| / max(1, |a_i|, |n_i|); the check passes
/// when the largest error is at most the tolerance. Keep pre-activations of ReLU layers and L1 residuals far
/// enough from 0 (the kinks) that no perturbation by h moves them across, or the difference quotient straddles
/// the kink. In float the rounding error of the cost grows with its size (about 1e-7 · |C| / h): for costs in the
/// hundreds or strongly curved losses the float defaults can reject correct gradients, so check in double.
/// </summary>
public static class GradientCheck
{
    /// <summary>Checks the gradient of the cost of (X, Y) with respect to every parameter (or a seeded sample).</summary>
    public static GradientCheckReport Run<T>(Network<T> network, ImmutableMatrix<T> input, ImmutableMatrix<T> target, Loss loss, GradientCheckOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        options ??= new GradientCheckOptions();
        bool isDouble = typeof(T) == typeof(double);
        double step = options.Step ?? (isDouble ? Math.Pow(2, -20) : Math.Pow(2, -8));
        double tolerance = options.Tolerance ?? (isDouble ? 1e-6 : 1e-2);
        Guard.Positive(step, "options.Step");
        Guard.Positive(tolerance, "options.Tolerance");
        if (options.MaxParameters < 0)
            throw new ArgumentOutOfRangeException(nameof(options), $"Expected options.MaxParameters to be 0 (all) or more, got {options.MaxParameters}.");

        var analytic = Backprop.Gradient(network, input, target, loss).Gradient.Flatten();
        var selected = Select(analytic.Length, options.MaxParameters, options.Seed);

        // A private, mutable copy of the parameters wrapped by a transient network: one perturbation costs one
        // cost evaluation, not a copy of all parameters. Nothing mutable leaves this method.
        var weights = network.Layers.Select(layer => layer.Weight.ToColumnMajorArray()).ToArray();
        var biases = network.Layers.Select(layer => layer.Bias.ToArray()).ToArray();
        var probe = new Network<T>(network.Layers.Select((layer, l) =>
            new DenseLayer<T>(new ImmutableMatrix<T>(layer.OutputSize, layer.InputSize, weights[l]), new ImmutableVector<T>(biases[l]), layer.Activation)).ToImmutableArray());

        T h = T.CreateChecked(step);
        double maxAbsolute = 0, maxRelative = -1;
        GradientComparison? worst = null;
        foreach (int index in selected)
        {
            var (layer, array, offset, name) = Locate(network, weights, biases, index);
            T original = array[offset];
            array[offset] = original + h;
            double plus = double.CreateChecked(Backprop.Cost(probe, input, target, loss));
            array[offset] = original - h;
            double minus = double.CreateChecked(Backprop.Cost(probe, input, target, loss));
            array[offset] = original;
            double numeric = (plus - minus) / (2 * step);
            double a = double.CreateChecked(analytic[index]);
            double absolute = Math.Abs(a - numeric);
            double relative = absolute / Math.Max(1, Math.Max(Math.Abs(a), Math.Abs(numeric)));
            if (double.IsNaN(relative)) relative = double.PositiveInfinity;
            maxAbsolute = Math.Max(maxAbsolute, absolute);
            if (relative > maxRelative)
            {
                maxRelative = relative;
                worst = new GradientComparison(layer, name, a, numeric, relative);
            }
        }
        return new GradientCheckReport(selected.Length, analytic.Length, maxAbsolute, maxRelative, worst!, step, tolerance);
    }

    private static int[] Select(int count, int maxParameters, int seed)
    {
        var indices = Enumerable.Range(0, count).ToArray();
        if (maxParameters == 0 || maxParameters >= count) return indices;
        var random = SeededRandom.Derive(unchecked((ulong)seed), SeededRandom.SampleStream, 0);
        for (int i = 0; i < maxParameters; i++)
        {
            int j = i + random.NextInt(count - i);
            (indices[i], indices[j]) = (indices[j], indices[i]);
        }
        var sample = indices[..maxParameters];
        Array.Sort(sample);
        return sample;
    }

    private static (int Layer, T[] Array, int Offset, string Name) Locate<T>(Network<T> network, T[][] weights, T[][] biases, int index)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int l = 0; l < weights.Length; l++)
        {
            int rows = network.Layers[l].OutputSize;
            if (index < weights[l].Length) return (l, weights[l], index, $"W[{index % rows},{index / rows}]");
            index -= weights[l].Length;
            if (index < biases[l].Length) return (l, biases[l], index, $"b[{index}]");
            index -= biases[l].Length;
        }
        throw new InvalidOperationException("Parameter index out of range.");
    }
}
