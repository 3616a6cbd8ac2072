using System.Collections.Immutable;
using System.Numerics;

namespace Pure;

/// <summary>Settings of <see cref="GradientCheck.Run{T}(Network{T}, ImmutableMatrix{T}, ImmutableMatrix{T}, Loss, GradientCheckOptions?, ImmutableVector{T}?)"/>; null means the default for the element type.</summary>
/// <param name="Step">h of the central differences (h and h/2 are combined by Richardson extrapolation); default 2^-20 for double and 2^-8 for float.</param>
/// <param name="Tolerance">rtol, the relative error that passes above the noise floor; default 1e-7 for double and 1e-4 for float.</param>
/// <param name="MaxParameters">Check at most this many parameters, a seeded sample of them; 0 checks every parameter.</param>
/// <param name="Seed">The seed of the sample.</param>
public sealed record GradientCheckOptions(double? Step = null, double? Tolerance = null, int MaxParameters = 0, int Seed = 0)
{
    /// <summary>The default h for <typeparamref name="T"/>: 2^-20 for double, 2^-8 for float.</summary>
    public static double DefaultStep<T>() where T : unmanaged, IFloatingPointIeee754<T> => typeof(T) == typeof(double) ? Math.Pow(2, -20) : Math.Pow(2, -8);

    /// <summary>The default rtol for <typeparamref name="T"/>: 1e-7 for double, 1e-4 for float (a tenth of the smallest error the check must catch).</summary>
    public static double DefaultTolerance<T>() where T : unmanaged, IFloatingPointIeee754<T> => typeof(T) == typeof(double) ? 1e-7 : 1e-4;
}

/// <summary>One compared coordinate.</summary>
/// <param name="Layer">The layer index, from 0 (0 for a function of a plain vector).</param>
/// <param name="Name">"W[j,k]" or "b[j]" (or "x[i]" for a plain vector), indices from 0.</param>
/// <param name="Analytic">The analytic derivative a (for a network, ∂C/∂θ from <see cref="Backprop.Backward{T}"/>).</param>
/// <param name="Numeric">n = (4 D(h/2) - D(h)) / 3, Richardson's extrapolation of the central differences D(h) = (C(θ + h) - C(θ - h)) / 2h.</param>
/// <param name="Error">|a - n| / max(|a|, |n|), the relative error (0 when both are 0).</param>
/// <param name="Noise">atol, the estimated error of n and a: 8 ε |C| / h (rounding of the cost, evaluated in double) + |D(h) - D(h/2)| + the analytic side's rounding allowance.</param>
/// <param name="Allowed">rtol · max(|a|, |n|) + atol: the largest |a - n| that passes.</param>
public sealed record GradientComparison(int Layer, string Name, double Analytic, double Numeric, double Error, double Noise, double Allowed)
{
    /// <summary>|a - n|.</summary>
    public double AbsoluteError => Math.Abs(Analytic - Numeric);

    /// <summary>|a - n| / Allowed: 1 or less passes; NaN counts as infinity.</summary>
    public double Score => AbsoluteError == 0 ? 0 : double.IsNaN(AbsoluteError / Allowed) ? double.PositiveInfinity : AbsoluteError / Allowed;

    /// <summary>True when |a - n| ≤ rtol · max(|a|, |n|) + atol.</summary>
    public bool Passed => Score <= 1;

    /// <summary>One line: layer, name, both values, the errors.</summary>
    public override string ToString() =>
        $"layer {Layer} {Name}: analytic {Analytic:R}, numeric {Numeric:R}, |a - n| {AbsoluteError:E3} {(Passed ? "<=" : ">")} allowed {Allowed:E3} (relative error {Error:E3}, noise {Noise:E3})";
}

/// <summary>The result of a gradient check.</summary>
/// <param name="CheckedCount">How many coordinates were compared.</param>
/// <param name="ParameterCount">How many coordinates (parameters) there are.</param>
/// <param name="MaxAbsoluteError">max |a - n| over the checked coordinates.</param>
/// <param name="MaxRelativeError">max |a - n| / max(|a|, |n|) over the checked coordinates (near-zero gradients make this large without failing: see <see cref="GradientComparison.Noise"/>).</param>
/// <param name="Worst">The comparison with the largest <see cref="GradientComparison.Score"/>.</param>
/// <param name="Step">The h used.</param>
/// <param name="Tolerance">rtol, the relative tolerance applied.</param>
/// <param name="Failures">Every comparison that failed, in parameter order (empty when the check passed).</param>
public sealed record GradientCheckReport(int CheckedCount, int ParameterCount, double MaxAbsoluteError, double MaxRelativeError, GradientComparison Worst, double Step, double Tolerance, ImmutableArray<GradientComparison> Failures)
{
    private readonly ValueArray<GradientComparison> _failures = Failures;

    /// <summary>Every comparison that failed, in parameter order; equality compares them in order, by value.</summary>
    public ImmutableArray<GradientComparison> Failures { get => _failures.Items; init => _failures = value; }

    /// <summary>True when every coordinate passed: |a - n| ≤ rtol · max(|a|, |n|) + atol.</summary>
    public bool Passed => Failures.IsDefaultOrEmpty;

    /// <summary>A summary line, then one line per failing coordinate.</summary>
    public override string ToString() =>
        $"gradient check {(Passed ? "passed" : "FAILED")}: {CheckedCount} of {ParameterCount} parameters, {(Failures.IsDefault ? 0 : Failures.Length)} failing, max abs error {MaxAbsoluteError:E3}, " +
        $"max relative error {MaxRelativeError:E3} (rtol {Tolerance:E1}, h = {Step:E3}); worst {Worst}" +
        (Passed ? "" : "\n" + string.Join("\n", Failures.Select(failure => "  " + failure)));
}

/// <summary>
/// Compares analytic gradients with central differences, in the manner of torch.autograd.gradcheck and JAX's
/// check_grads. For each checked coordinate θ_i the numeric derivative is Richardson's extrapolation
/// n = (4 D(h/2) - D(h)) / 3 of the central differences D(h) = (C(θ + h e_i) - C(θ - h e_i)) / 2h (truncation error
/// O(h^4)), and the coordinate passes when |a - n| ≤ rtol · max(|a|, |n|) + atol: relative, with rtol 1e-7 in double
/// and 1e-4 in float, so a derivative wrong by a factor 1 + 1e-6 (double) or 1 + 1e-3 (float) fails wherever the
/// gradient stands above the noise. The cost is evaluated in double for either element type (a float network converts
/// exactly). atol is the estimated error of n and a, not a fixed floor: 8 ε S / h for the rounding of the cost (ε of
/// double; S = |C|, the largest cost evaluated, plus, for a network, (L + 1) Σ|a ⊙ ∂ℓ/∂a| / m, the rounding
/// of the outputs carried into the cost), plus |D(h) - D(h/2)|, which measures the rounding and truncation actually
/// present, plus 1024 ε_T max_i |a_i| for the rounding of the analytic gradient itself (negligible in double), and below double 2 |a_i - a_i^double|, the distance to the same gradient computed in double. Keep pre-activations of ReLU layers and L1 residuals far enough from 0
/// (the kinks) that no perturbation by h moves them across, or the difference quotient straddles the kink.
/// </summary>
public static class GradientCheck
{
    /// <summary>Checks the gradient of the cost of (X, Y) (with sample weights w, when given) with respect to every parameter (or a seeded sample).</summary>
    /// <remarks>
    /// The analytic side is Backward in T; the numeric side is always evaluated in double on the same numbers (a
    /// float network, input and target convert to double exactly), so that float's rounding of the cost does not
    /// swamp the difference quotient. The analytic side's own rounding is allowed for: 1024 ε_T max_i |a_i| joins atol.
    /// </remarks>
    public static GradientCheckReport Run<T>(Network<T> network, ImmutableMatrix<T> input, ImmutableMatrix<T> target, Loss loss, GradientCheckOptions? options = null, ImmutableVector<T>? weights = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        var analytic = AnalyticSide.Of(network, input, target, loss, weights);

        // A private, mutable copy of the parameters in double wrapped by a transient network: one perturbation costs
        // one cost evaluation, not a copy of all parameters. Nothing mutable leaves this method.
        var layerWeights = network.Layers.Select(layer => layer.Weight.ToColumnMajorArray().Select(double.CreateChecked).ToArray()).ToArray();
        var biases = network.Layers.Select(layer => layer.Bias.ToArray().Select(double.CreateChecked).ToArray()).ToArray();
        var probe = new Network<double>(network.Layers.Select((layer, l) =>
            new DenseLayer<double>(new ImmutableMatrix<double>(layer.OutputSize, layer.InputSize, layerWeights[l]), new ImmutableVector<double>(biases[l]), layer.Activation)).ToImmutableArray());
        double floor = 1024 * MachineEpsilon<T>() * analytic.Gradient.Select(Math.Abs).DefaultIfEmpty(0).Max();
        return Compare<T>(analytic.Gradient, index =>
        {
            var (layer, array, offset, name) = Locate(network, layerWeights, biases, index);
            return new Coordinate(layer, name, array, offset);
        }, () => Backprop.Cost(probe, analytic.Input, analytic.Target, loss, analytic.Weights), analytic.OutputScale,
            index => floor + 2 * Math.Abs(analytic.Gradient[index] - analytic.InDouble[index]), options);
    }

    /// <summary>
    /// Checks the directional derivative along <paramref name="direction"/> (JAX's check_grads mode, one cost pair per
    /// step for the whole network): ⟨∇C, v⟩ from Backward in T against (C(θ + hv) - C(θ - hv)) / 2h evaluated in double,
    /// by the same rule; the report has one coordinate, named "x[0]".
    /// </summary>
    /// <param name="network">The network whose Backward is checked.</param>
    /// <param name="input">X, n_0 x m.</param>
    /// <param name="target">Y, n_L x m.</param>
    /// <param name="loss">ℓ.</param>
    /// <param name="direction">v, shaped like the network's parameters.</param>
    /// <param name="options">h and rtol; null takes T's defaults (MaxParameters and Seed do not apply).</param>
    /// <param name="weights">w, m sample weights of the cost, or null for none.</param>
    public static GradientCheckReport Directional<T>(Network<T> network, ImmutableMatrix<T> input, ImmutableMatrix<T> target, Loss loss, Parameters<T> direction, GradientCheckOptions? options = null, ImmutableVector<T>? weights = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        network.Parameters.CheckSameShape(direction, nameof(direction));
        var analytic = AnalyticSide.Of(network, input, target, loss, weights);
        var v = direction.Flatten().Select(double.CreateChecked).ToArray();
        var probe = analytic.Network;
        var theta = probe.Parameters.Flatten();
        double dot = 0, dotInDouble = 0, magnitude = 0;
        for (int i = 0; i < v.Length; i++)
        {
            dot += analytic.Gradient[i] * v[i];
            dotInDouble += analytic.InDouble[i] * v[i];
            magnitude += Math.Abs(analytic.Gradient[i] * v[i]);
        }
        double analyticError = 1024 * MachineEpsilon<T>() * magnitude + 2 * Math.Abs(dot - dotInDouble);
        return Run<T>(t => Backprop.Cost(probe.WithParameters(probe.Parameters.Unflatten([.. theta.Select((p, i) => p + t[0] * v[i])])), analytic.Input, analytic.Target, loss, analytic.Weights),
            [0.0], [dot], analyticError, options, analytic.OutputScale);
    }

    /// <summary>
    /// What both checks of a network need of the analytic side: the gradient from Backward in T, the same gradient
    /// computed in double (below double, Backward's own rounding can exceed any bound tied to |a|, at 1 - a² of a
    /// saturated tanh or a - y for an output near its target; the distance between the two measures it, and a wrong
    /// formula, shared by both, is still caught), the network, X, Y and w in double, and (L + 1) Σ|a ⊙ ∂ℓ/∂a| / m, how far the
    /// rounding of the outputs (ε |a| each, weighted by |∂ℓ/∂a|, which |C| misses when |a| is much larger than
    /// |a - y|) carries into the cost, once per layer and once for the loss (with weights, each sample's term times w_i
    /// and / Σw instead of / m; for <see cref="Reduction.Sum"/>, no division).
    /// </summary>
    private sealed record AnalyticSide(double[] Gradient, ImmutableArray<double> InDouble, Network<double> Network, ImmutableMatrix<double> Input, ImmutableMatrix<double> Target, double OutputScale,
        ImmutableVector<double>? Weights)
    {
        public static AnalyticSide Of<T>(Network<T> network, ImmutableMatrix<T> input, ImmutableMatrix<T> target, Loss loss, ImmutableVector<T>? weights)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var gradient = Backprop.Gradient(network, input, target, loss, weights).Gradient.Flatten().Select(double.CreateChecked).ToArray();
            var x = ToDouble(input);
            var y = ToDouble(target);
            var w = weights is null ? null : ImmutableVector.Create([.. weights.Select(double.CreateChecked)]);
            var inDoubleNetwork = new Network<double>(network.Layers.Select(layer => new DenseLayer<double>(
                ToDouble(layer.Weight), ImmutableVector.Create([.. layer.Bias.ToArray().Select(double.CreateChecked)]), layer.Activation)).ToImmutableArray());
            var inDouble = typeof(T) == typeof(double) ? [.. gradient] : Backprop.Gradient(inDoubleNetwork, x, y, loss, w).Gradient.Flatten();
            var output = Backprop.Forward(inDoubleNetwork, x).Output;
            var sensitivity = loss.Gradient(output, y);
            double outputScale = 0;
            for (int i = 0; i < output.Count; i++)
            {
                // A sample of weight 0 adds nothing to the cost, even where its own term is infinite (a saturated sigmoid under BCE); ∞ · 0 would make the noise NaN.
                double sampleWeight = w is null ? 1 : w[i / output.Rows];
                if (sampleWeight != 0) outputScale += Math.Abs(output.AsSpan()[i] * sensitivity.AsSpan()[i]) * sampleWeight;
            }
            double samples = w is null ? x.Columns : w.Sum();
            outputScale *= (network.Layers.Length + 1) / (loss.Reduction == Reduction.Sum ? 1 : samples);
            return new AnalyticSide(gradient, inDouble, inDoubleNetwork, x, y, outputScale, w);
        }
    }

    /// <summary>
    /// Checks <paramref name="gradient"/>, the claimed gradient of <paramref name="function"/> at <paramref name="point"/>,
    /// by the same rule (coordinates named "x[i]"), with the defaults of element type T (the type the gradient was
    /// computed in; <paramref name="function"/> itself is evaluated in double). <paramref name="function"/> is called with perturbed copies of the point.
    /// </summary>
    /// <param name="function">The function, evaluated in double.</param>
    /// <param name="point">Where to check.</param>
    /// <param name="gradient">The claimed gradient at the point.</param>
    /// <param name="analyticError">A bound on the rounding error of each gradient entry itself, added to atol (0 for exact gradients).</param>
    /// <param name="options">h and rtol; null takes T's defaults.</param>
    /// <param name="costScale">A magnitude of the terms <paramref name="function"/> sums, when they may cancel: it joins |f| in the rounding estimate 8 ε (|f| + costScale) / h.</param>
    public static GradientCheckReport Run<T>(Func<double[], double> function, IReadOnlyList<double> point, IReadOnlyList<double> gradient, double analyticError = 0, GradientCheckOptions? options = null, double costScale = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(point);
        ArgumentNullException.ThrowIfNull(gradient);
        if (gradient.Count != point.Count)
            throw new ArgumentException($"Expected a gradient of {point.Count} values (one per coordinate of point), got {gradient.Count}.", nameof(gradient));
        if (!(costScale >= 0))
            throw new ArgumentOutOfRangeException(nameof(costScale), $"Expected costScale to be 0 or more, got {costScale}.");
        if (!(analyticError >= 0))
            throw new ArgumentOutOfRangeException(nameof(analyticError), $"Expected analyticError to be 0 or more, got {analyticError}.");
        var values = point.ToArray();
        return Compare<T>([.. gradient], index => new Coordinate(0, $"x[{index}]", values, index), () => function((double[])values.Clone()), costScale, _ => analyticError, options);
    }

    private readonly record struct Coordinate(int Layer, string Name, double[] Array, int Offset);

    private static ImmutableMatrix<double> ToDouble<T>(ImmutableMatrix<T> matrix) where T : unmanaged, IFloatingPointIeee754<T> =>
        new(matrix.Rows, matrix.Columns, matrix.ToColumnMajorArray().Select(double.CreateChecked).ToArray());

    private static GradientCheckReport Compare<T>(double[] analytic, Func<int, Coordinate> locate, Func<double> cost, double costScale, Func<int, double> analyticError, GradientCheckOptions? options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        options ??= new GradientCheckOptions();
        double step = options.Step ?? GradientCheckOptions.DefaultStep<T>();
        double tolerance = options.Tolerance ?? GradientCheckOptions.DefaultTolerance<T>();
        Guard.Positive(step, "options.Step");
        Guard.Positive(tolerance, "options.Tolerance");
        if (options.MaxParameters < 0)
            throw new ArgumentOutOfRangeException(nameof(options), $"Expected options.MaxParameters to be 0 (all) or more, got {options.MaxParameters}.");
        var selected = Select(analytic.Length, options.MaxParameters, options.Seed);
        double epsilon = MachineEpsilon<double>();

        double maxAbsolute = 0, maxRelative = 0;
        GradientComparison? worst = null;
        var failures = ImmutableArray.CreateBuilder<GradientComparison>();
        foreach (int index in selected)
        {
            var coordinate = locate(index);
            double original = coordinate.Array[coordinate.Offset];
            double Evaluate(double offset)
            {
                coordinate.Array[coordinate.Offset] = original + offset;
                try { return cost(); }
                finally { coordinate.Array[coordinate.Offset] = original; }
            }
            double plus = Evaluate(step), minus = Evaluate(-step), halfPlus = Evaluate(step / 2), halfMinus = Evaluate(-step / 2);
            double coarse = (plus - minus) / (2 * step);
            double fine = (halfPlus - halfMinus) / step;
            double numeric = (4 * fine - coarse) / 3;
            double size = Math.Max(Math.Max(Math.Abs(plus), Math.Abs(minus)), Math.Max(Math.Abs(halfPlus), Math.Abs(halfMinus)));
            double noise = 8 * epsilon * (size + costScale) / step + Math.Abs(coarse - fine) + analyticError(index);
            double a = analytic[index];
            double absolute = Math.Abs(a - numeric);
            double scale = Math.Max(Math.Abs(a), Math.Abs(numeric));
            double relative = absolute == 0 ? 0 : absolute / scale;
            if (double.IsNaN(relative)) relative = double.PositiveInfinity;
            var comparison = new GradientComparison(coordinate.Layer, coordinate.Name, a, numeric, relative, noise, tolerance * scale + noise);
            maxAbsolute = Math.Max(maxAbsolute, double.IsNaN(absolute) ? double.PositiveInfinity : absolute);
            maxRelative = Math.Max(maxRelative, relative);
            if (worst is null || comparison.Score > worst.Score) worst = comparison;
            if (!comparison.Passed) failures.Add(comparison);
        }
        worst ??= new GradientComparison(0, "none", 0, 0, 0, 0, 0);
        return new GradientCheckReport(selected.Length, analytic.Length, maxAbsolute, maxRelative, worst, step, tolerance, failures.ToImmutable());
    }

    /// <summary>The distance from 1 to the next larger value of T (2^-52 for double, 2^-23 for float).</summary>
    private static double MachineEpsilon<T>() where T : unmanaged, IFloatingPointIeee754<T> => double.CreateChecked(T.BitIncrement(T.One) - T.One);

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

    private static (int Layer, double[] Array, int Offset, string Name) Locate<T>(Network<T> network, double[][] weights, double[][] biases, int index)
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
