using System.Numerics;
using System.Runtime.InteropServices;
using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;

namespace Pure.Properties;

/// <summary>
/// The SIMD element-wise kernels of <see cref="Kernels{T}"/> equal plain scalar references written here, in float and
/// double, over lengths 0, 1, primes and sizes around the vector widths (so that the padded tail after the last whole
/// vector is exercised), with ±1000, ±0 and other edge values mixed in. Tolerances, with u the unit roundoff
/// (2^-24 float, 2^-53 double):
/// - one IEEE operation per element in the same order as the reference (bias, row sums, rectifiers, backward
///   products, differences, scaling): bitwise equal;
/// - e^x, tanh and sigmoid: |a - r| ≤ ρ|r| + τ with ρ = 1e-12 (double) or 1e-5 (float) and τ = 1e-300 or 1e-37, a floor
///   for results in the subnormal range;
/// - sums of n terms t_i (Dot, Sum, the loss sums): |s - r| ≤ 2nu Σ|t_i| + τ, the textbook bound for any order of
///   summation, since the kernels add in vector lanes and the references add left to right;
/// - per-column softmax and log-sum-exp add that summation bound to ρ.
/// </summary>
public class ElementwiseKernelProperties
{
    /// <summary>0, 1, primes, and the multiples of 4, 8 and 16 lanes with their neighbours, or any length up to 600.</summary>
    private static readonly int[] SpecialLengths = [0, 1, 2, 3, 5, 7, 8, 9, 11, 13, 15, 16, 17, 23, 31, 32, 33, 47, 61, 63, 64, 65, 97, 127, 128, 129, 251, 256, 257, 509];

    private static readonly double[] EdgeValues = [0.0, -0.0, 1000, -1000, 1001, -1001, 40, -40, 1e-8, -1e-8, 0.625, -0.625];

    private static Gen<int> Length() => Gen.OneOf(Gen.Elements(SpecialLengths), Gen.Choose(0, 600));

    private static Gen<int> Rows() => Gen.OneOf(Gen.Elements(1, 2, 3, 5, 7, 8, 10, 13, 16, 17, 31, 64, 127, 128, 129, 256), Gen.Choose(1, 300));

    /// <summary>Values in [-bound, bound], with one in 13 drawn from <see cref="EdgeValues"/>.</summary>
    private static Gen<double> Element(double bound) =>
        Gen.Frequency((12, Gen.Choose(-1_000_000, 1_000_000).Select(i => i * bound / 1e6)), (1, Gen.Elements(EdgeValues)));

    private static Gen<double[]> Values(int n) =>
        from bound in Gen.Elements(1.0, 10.0, 100.0)
        from values in Gen.ArrayOf(Element(bound), n)
        select values;

    /// <summary>One array of a random length.</summary>
    private static Arbitrary<double[]> Singles() => (from n in Length() from x in Values(n) select x).ToArbitrary();

    /// <summary>Two arrays of the same random length.</summary>
    private static Arbitrary<(double[] X, double[] Y)> Pairs() =>
        (from n in Length() from x in Values(n) from y in Values(n) select (x, y)).ToArbitrary();

    /// <summary>A rows x columns matrix (0 to 12 columns) and a second array of its length.</summary>
    private static Arbitrary<(int Rows, double[] X, double[] Y)> Matrices() =>
        (from rows in Rows() from columns in Gen.Choose(0, 12) from x in Values(rows * columns) from y in Values(rows * columns) select (rows, x, y)).ToArbitrary();

    private static T[] To<T>(double[] values) where T : IFloatingPointIeee754<T> => values.Select(T.CreateTruncating).ToArray();

    private static double Relative<T>() => typeof(T) == typeof(float) ? 1e-5 : 1e-12;

    private static double Floor<T>() => typeof(T) == typeof(float) ? 1e-37 : 1e-300;

    private static double Unit<T>() => typeof(T) == typeof(float) ? Math.Pow(2, -24) : Math.Pow(2, -53);

    private static double D<T>(T value) where T : IFloatingPointIeee754<T> => double.CreateTruncating(value);

    /// <summary>"" when both spans hold the same bits, else the first difference.</summary>
    private static string Bitwise<T>(ReadOnlySpan<T> actual, ReadOnlySpan<T> expected) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (actual.Length != expected.Length) return $"length {actual.Length}, expected {expected.Length}";
        for (int i = 0; i < actual.Length; i++)
            if (!MemoryMarshal.AsBytes(actual.Slice(i, 1)).SequenceEqual(MemoryMarshal.AsBytes(expected.Slice(i, 1))))
                return $"element {i} of {actual.Length}: {actual[i]:R}, expected {expected[i]:R} (bitwise)";
        return "";
    }

    /// <summary>"" when every |a - r| ≤ relative |r| + floor (or both are the same infinity), else the first miss.</summary>
    private static string Close<T>(ReadOnlySpan<T> actual, ReadOnlySpan<T> expected, double relative, double floor) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (actual.Length != expected.Length) return $"length {actual.Length}, expected {expected.Length}";
        for (int i = 0; i < actual.Length; i++)
        {
            double a = D(actual[i]), r = D(expected[i]);
            if (!(Math.Abs(a - r) <= relative * Math.Abs(r) + floor) && !(double.IsInfinity(r) && a == r))
                return $"element {i} of {actual.Length}: {a:R}, expected {r:R}, |difference| {Math.Abs(a - r):E3} > {relative * Math.Abs(r) + floor:E3}";
        }
        return "";
    }

    private static Property Holds(string failure) => (failure.Length == 0).Label(failure);

    /// <summary>The property built for float and the one built for double, both checked on each generated input.</summary>
    private static Property ForBoth<TInput>(Arbitrary<TInput> inputs, Func<TInput, Property> forFloat, Func<TInput, Property> forDouble) =>
        Prop.ForAll(inputs, x => forFloat(x).Label("float").And(forDouble(x).Label("double")));

    // ---- one IEEE operation per element: bitwise equal to the scalar loop ----

    private static Property AddToEachColumnCase<T>((int Rows, double[] X, double[] Y) c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var matrix = To<T>(c.X);
        var bias = To<T>(c.Y.Take(c.Rows).Concat(new double[c.Rows]).Take(c.Rows).ToArray());
        var expected = (T[])matrix.Clone();
        for (int k = 0; k < expected.Length; k++) expected[k] += bias[k % c.Rows];
        Kernels<T>.AddToEachColumn(matrix, bias);
        return Holds(Bitwise<T>(matrix, expected));
    }

    [PureProperty]
    public Property AddToEachColumn_equals_scalar_loop_bitwise() => ForBoth(Matrices(), AddToEachColumnCase<float>, AddToEachColumnCase<double>);

    private static Property ScaledRowSumsCase<T>((int Rows, double[] X, double[] Y) c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var matrix = To<T>(c.X);
        T scale = T.CreateTruncating(c.Y.Length > 0 ? c.Y[0] : 0.5);
        var expected = new T[c.Rows];
        for (int i = 0; i < c.Rows; i++)
        {
            T sum = T.Zero;
            for (int k = i; k < matrix.Length; k += c.Rows) sum += matrix[k];
            expected[i] = sum * scale;
        }
        var actual = Enumerable.Repeat(T.NaN, c.Rows).ToArray();
        Kernels<T>.ScaledRowSums(matrix, c.Rows, scale, actual);
        return Holds(Bitwise<T>(actual, expected));
    }

    [PureProperty]
    public Property ScaledRowSums_equals_scalar_loop_bitwise() => ForBoth(Matrices(), ScaledRowSumsCase<float>, ScaledRowSumsCase<double>);

    private static Property BackwardProductsCase<T>((double[] X, double[] Y) c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // a in [0, 1] for the sigmoid, in [-1, 1] for tanh; any upstream.
        var sigmoidA = To<T>(c.X.Select(v => Math.Abs(Math.Sin(v))).ToArray());
        var tanhA = To<T>(c.X.Select(Math.Sin).ToArray());
        var upstream = To<T>(c.Y);
        int n = upstream.Length;
        var logisticExpected = new T[n];
        var tanhExpected = new T[n];
        for (int i = 0; i < n; i++)
        {
            logisticExpected[i] = upstream[i] * sigmoidA[i] * (T.One - sigmoidA[i]);
            tanhExpected[i] = upstream[i] * (T.One - tanhA[i] * tanhA[i]);
        }
        var logistic = new T[n];
        var tanh = new T[n];
        Kernels<T>.LogisticBackward(sigmoidA, upstream, logistic);
        Kernels<T>.TanhBackward(tanhA, upstream, tanh);
        return Holds(Bitwise<T>(logistic, logisticExpected) + Bitwise<T>(tanh, tanhExpected));
    }

    [PureProperty]
    public Property Sigmoid_and_tanh_backward_equal_scalar_loops_bitwise() => ForBoth(Pairs(), BackwardProductsCase<float>, BackwardProductsCase<double>);

    private static Property RectifierCase<T>((double[] X, double[] Y) c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var z = To<T>(c.X);
        var upstream = To<T>(c.Y);
        int n = z.Length;
        var failures = "";
        foreach (double s in new[] { 0.0, 0.01, 0.25 })
        {
            T slope = T.CreateTruncating(s);
            var forward = new T[n];
            var backward = new T[n];
            var forwardExpected = new T[n];
            var backwardExpected = new T[n];
            for (int i = 0; i < n; i++)
            {
                forwardExpected[i] = z[i] > T.Zero ? z[i] : slope == T.Zero ? T.Zero : slope * z[i];
                backwardExpected[i] = z[i] > T.Zero ? upstream[i] : slope == T.Zero ? T.Zero : slope * upstream[i];
            }
            Kernels<T>.Rectify(z, forward, slope);
            Kernels<T>.RectifyBackward(z, upstream, backward, slope);
            failures += Bitwise<T>(forward, forwardExpected) + Bitwise<T>(backward, backwardExpected);
        }
        return Holds(failures);
    }

    [PureProperty]
    public Property Rectifiers_equal_scalar_loops_bitwise() => ForBoth(Pairs(), RectifierCase<float>, RectifierCase<double>);

    private static Property DifferencesCase<T>((double[] X, double[] Y) c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = To<T>(c.X);
        // Every fourth y equals x, so that sign(x - y) = 0 is exercised.
        var y = To<T>(c.Y.Select((v, i) => i % 4 == 0 ? c.X[i] : v).ToArray());
        int n = x.Length;
        T two = T.CreateTruncating(2);
        T scale = T.CreateTruncating(0.37);
        var difference = new T[n];
        var scaledDifference = new T[n];
        var sign = new T[n];
        var scaled = (T[])x.Clone();
        var differenceExpected = new T[n];
        var scaledDifferenceExpected = new T[n];
        var signExpected = new T[n];
        var scaledExpected = new T[n];
        for (int i = 0; i < n; i++)
        {
            differenceExpected[i] = x[i] - y[i];
            scaledDifferenceExpected[i] = two * (x[i] - y[i]);
            signExpected[i] = x[i] - y[i] > T.Zero ? T.One : x[i] - y[i] < T.Zero ? -T.One : T.Zero;
            scaledExpected[i] = x[i] * scale;
        }
        Kernels<T>.Subtract(x, y, difference);
        Kernels<T>.ScaledDifference(x, y, two, scaledDifference);
        Kernels<T>.SignOfDifference(x, y, sign);
        Kernels<T>.Scale(scaled, scale);
        return Holds(Bitwise<T>(difference, differenceExpected) + Bitwise<T>(scaledDifference, scaledDifferenceExpected)
            + Bitwise<T>(sign, signExpected) + Bitwise<T>(scaled, scaledExpected));
    }

    [PureProperty]
    public Property Differences_signs_and_scaling_equal_scalar_loops_bitwise() => ForBoth(Pairs(), DifferencesCase<float>, DifferencesCase<double>);

    // ---- transcendental element-wise kernels: within ρ|r| + τ ----

    private static Property LogisticCase<T>(double[] values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var z = To<T>(values);
        var expected = z.Select(v => v >= T.Zero ? T.One / (T.One + T.Exp(-v)) : T.Exp(v) / (T.One + T.Exp(v))).ToArray();
        var a = new T[z.Length];
        Kernels<T>.Logistic(z, a);
        string failure = Close<T>(a, expected, Relative<T>(), Floor<T>());
        for (int i = 0; i < z.Length && failure.Length == 0; i++)
        {
            if (!(a[i] >= T.Zero && a[i] <= T.One)) failure = $"σ({z[i]}) = {a[i]} is outside [0, 1]";
            if (z[i] == T.Zero && a[i] != T.CreateTruncating(0.5)) failure = $"σ(0) = {a[i]:R}, not exactly 0.5";
        }
        return Holds(failure);
    }

    [PureProperty]
    public Property Logistic_matches_scalar_reference() => ForBoth(Singles(), LogisticCase<float>, LogisticCase<double>);

    private static Property TanhCase<T>(double[] values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var z = To<T>(values);
        var expected = z.Select(T.Tanh).ToArray();
        var a = new T[z.Length];
        Kernels<T>.Tanh(z, a);
        string failure = Close<T>(a, expected, Relative<T>(), Floor<T>());
        for (int i = 0; i < z.Length && failure.Length == 0; i++)
        {
            if (!(T.Abs(a[i]) <= T.One)) failure = $"tanh({z[i]}) = {a[i]} is outside [-1, 1]";
            if (z[i] == T.Zero && a[i] != T.Zero) failure = $"tanh(0) = {a[i]:R}, not 0";
        }
        return Holds(failure);
    }

    [PureProperty]
    public Property Tanh_matches_scalar_reference() => ForBoth(Singles(), TanhCase<float>, TanhCase<double>);

    [Fact]
    public void Tanh_is_accurate_across_the_branch_point_and_near_zero()
    {
        // A dense sweep of [-3, 3] (the rational branch below |z| = 0.625, e^{2|z|} above) and of tiny |z|, where a
        // cancellation in 1 - 2 / (e^{2|z|} + 1) would lose every digit. Measured worst cases against the exact
        // value: 3.6 u in double (just above 0.625) and 2.6 u in float; the bounds are 36 u and 8 u against the
        // runtime's scalar tanh, which is itself within about 1 u.
        var sweep = Enumerable.Range(-30_000, 60_001).Select(k => k * 1e-4).Concat(Enumerable.Range(1, 300).Select(k => Math.Pow(10, -k / 10.0)))
            .SelectMany(v => new[] { v, -v }).ToArray();
        var d = new double[sweep.Length];
        Kernels<double>.Tanh(sweep, d);
        Assert.Equal("", Close<double>(d, sweep.Select(Math.Tanh).ToArray(), 4e-15, 1e-300));
        var f = To<float>(sweep);
        var af = new float[f.Length];
        Kernels<float>.Tanh(f, af);
        Assert.Equal("", Close<float>(af, f.Select(MathF.Tanh).ToArray(), 8 * Math.Pow(2, -24), 1e-37));
    }

    private static Property SoftmaxCase<T>((int Rows, double[] X, double[] Y) c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = c.Rows;
        var z = To<T>(c.X);
        var expected = new T[z.Length];
        for (int offset = 0; offset < z.Length; offset += rows)
        {
            T max = z[offset];
            for (int i = 1; i < rows; i++) max = T.Max(max, z[offset + i]);
            T sum = T.Zero;
            for (int i = 0; i < rows; i++) sum += expected[offset + i] = T.Exp(z[offset + i] - max);
            for (int i = 0; i < rows; i++) expected[offset + i] /= sum;
        }
        var a = new T[z.Length];
        Kernels<T>.SoftmaxColumns(z, a, rows);
        double u = Unit<T>();
        string failure = Close<T>(a, expected, Relative<T>() + 2 * rows * u, Floor<T>());
        for (int offset = 0; offset < a.Length && failure.Length == 0; offset += rows)
        {
            double total = 0;
            for (int i = 0; i < rows; i++)
            {
                if (!(a[offset + i] >= T.Zero && a[offset + i] <= T.One)) failure = $"entry {a[offset + i]} outside [0, 1]";
                total += D(a[offset + i]);
            }
            if (!(Math.Abs(total - 1) <= 4 * (rows + 2) * u)) failure = $"column at {offset} sums to {total:R}";
        }
        return Holds(failure);
    }

    [PureProperty]
    public Property SoftmaxColumns_matches_scalar_reference_and_sums_to_one() => ForBoth(Matrices(), SoftmaxCase<float>, SoftmaxCase<double>);

    private static Property SoftmaxBackwardCase<T>((int Rows, double[] X, double[] Y) c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = c.Rows;
        var a = new T[c.X.Length];
        Kernels<T>.SoftmaxColumns(To<T>(c.X), a, rows);
        var upstream = To<T>(c.Y);
        var expected = new T[a.Length];
        var allowance = new double[a.Length];
        double u = Unit<T>();
        for (int offset = 0; offset < a.Length; offset += rows)
        {
            T weighted = T.Zero;
            double magnitude = 0;
            for (int i = 0; i < rows; i++)
            {
                weighted += a[offset + i] * upstream[offset + i];
                magnitude += Math.Abs(D(a[offset + i]) * D(upstream[offset + i]));
            }
            for (int i = 0; i < rows; i++)
            {
                expected[offset + i] = a[offset + i] * (upstream[offset + i] - weighted);
                // The two dot products (a · u) may differ by 2 n u Σ|a_i u_i|, which a_i scales.
                allowance[offset + i] = D(a[offset + i]) * 2 * rows * u * magnitude + Floor<T>();
            }
        }
        var actual = new T[a.Length];
        Kernels<T>.SoftmaxBackwardColumns(a, upstream, actual, rows);
        for (int k = 0; k < actual.Length; k++)
        {
            double difference = Math.Abs(D(actual[k]) - D(expected[k]));
            if (!(difference <= Relative<T>() * Math.Abs(D(expected[k])) + allowance[k]))
                return Holds($"element {k}: {actual[k]:R}, expected {expected[k]:R}");
        }
        return Holds("");
    }

    [PureProperty]
    public Property SoftmaxBackwardColumns_matches_scalar_reference() => ForBoth(Matrices(), SoftmaxBackwardCase<float>, SoftmaxBackwardCase<double>);

    // ---- reductions: within 2 n u Σ|t_i| ----

    private static string SumWithin<T>(string what, T actual, double reference, double magnitude, int n, double extraRelative = 0)
        where T : IFloatingPointIeee754<T>
    {
        double bound = (2 * n * Unit<T>() + extraRelative) * magnitude + Floor<T>();
        double difference = Math.Abs(D(actual) - reference);
        return difference <= bound ? "" : $"{what}: {actual:R}, reference {reference:R}, |difference| {difference:E3} > {bound:E3} (n = {n}). ";
    }

    private static Property ReductionsCase<T>((double[] X, double[] Y) c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = To<T>(c.X);
        var y = To<T>(c.Y);
        int n = x.Length;
        // References in double, left to right, from the same (rounded) inputs.
        double dot = 0, dotMagnitude = 0, sum = 0, sumMagnitude = 0, squares = 0, absolute = 0;
        for (int i = 0; i < n; i++)
        {
            double xi = D(x[i]), yi = D(y[i]);
            dot += xi * yi;
            dotMagnitude += Math.Abs(xi * yi);
            sum += xi;
            sumMagnitude += Math.Abs(xi);
            squares += (xi - yi) * (xi - yi);
            absolute += Math.Abs(xi - yi);
        }
        string failure = SumWithin("Dot", Kernels<T>.Dot(x, y), dot, dotMagnitude, n)
            + SumWithin("Sum", Kernels<T>.Sum(x), sum, sumMagnitude, n)
            // Each (x - y)^2 is rounded up to three times more than a product of inputs.
            + SumWithin("SumOfSquaredDifferences", Kernels<T>.SumOfSquaredDifferences(x, y), squares, squares, n, 4 * Unit<T>())
            + SumWithin("SumOfAbsoluteDifferences", Kernels<T>.SumOfAbsoluteDifferences(x, y), absolute, absolute, n, 2 * Unit<T>());
        if (n > 0)
        {
            T max = x[0];
            for (int i = 1; i < n; i++) if (x[i] > max) max = x[i];
            if (Kernels<T>.Max(x) != max) failure += $"Max: {Kernels<T>.Max(x)}, expected {max}. ";
        }
        return Holds(failure);
    }

    [PureProperty]
    public Property Dot_sum_max_and_loss_sums_match_references_within_summation_bound() => ForBoth(Pairs(), ReductionsCase<float>, ReductionsCase<double>);

    private static Property LogSumExpCase<T>(double[] values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = To<T>(values);
        int n = x.Length;
        if (n == 0) return Holds("");
        T max = x.Max();
        T sum = T.Zero;
        foreach (var v in x) sum += T.Exp(v - max);
        double reference = D(max + T.Log(sum));
        T actual = Kernels<T>.LogSumExp(x);
        // The sums of e^(x - max) ≥ 1 differ by at most 2 n u of their value plus the e^x errors, which ln turns into an absolute error.
        double bound = Relative<T>() * Math.Abs(reference) + (2 * n + 8) * Unit<T>() + Relative<T>();
        double difference = Math.Abs(D(actual) - reference);
        return Holds(T.IsFinite(actual) && difference <= bound ? "" : $"LogSumExp: {actual:R}, reference {reference:R}, |difference| {difference:E3} > {bound:E3}");
    }

    [PureProperty]
    public Property LogSumExp_matches_scalar_reference() => ForBoth(Singles(), LogSumExpCase<float>, LogSumExpCase<double>);

    private static Property LogisticCrossEntropyCase<T>((double[] X, double[] Y) c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var z = To<T>(c.X);
        var y = To<T>(c.Y.Select(v => Math.Abs(Math.Sin(v))).ToArray());
        double reference = 0, magnitude = 0;
        for (int i = 0; i < z.Length; i++)
        {
            double zi = D(z[i]), yi = D(y[i]);
            // log(1 + e^-|z|) in double, accurate for tiny e^-|z| (Goldberg's log1p); T.LogP1 is log(1 + x) in T,
            // which rounds 1 + x and, in float, is off by up to 2^-24 absolute: a reference worse than the kernel.
            double exponential = Math.Exp(-Math.Abs(zi)), onePlus = 1 + exponential;
            double softplus = onePlus == 1 ? exponential : Math.Log(onePlus) * exponential / (onePlus - 1);
            reference += Math.Max(zi, 0) - zi * yi + softplus;
            magnitude += Math.Max(zi, 0) + Math.Abs(zi * yi) + softplus;
        }
        T actual = Kernels<T>.LogisticCrossEntropySum(z, y);
        return Holds(SumWithin("LogisticCrossEntropySum", actual, reference, magnitude, z.Length, Relative<T>()));
    }

    [PureProperty]
    public Property LogisticCrossEntropySum_matches_scalar_reference() => ForBoth(Pairs(), LogisticCrossEntropyCase<float>, LogisticCrossEntropyCase<double>);

    private static Property CategoricalCrossEntropyCase<T>((int Rows, double[] X, double[] Y) c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = c.Rows;
        var z = To<T>(c.X);
        // Each target column a distribution: |y| normalised per column.
        var y = new T[z.Length];
        for (int offset = 0; offset < z.Length; offset += rows)
        {
            double total = 1e-3 * rows;
            for (int i = 0; i < rows; i++) total += Math.Abs(c.Y[offset + i]);
            for (int i = 0; i < rows; i++) y[offset + i] = T.CreateTruncating((Math.Abs(c.Y[offset + i]) + 1e-3) / total);
        }
        double reference = 0, magnitude = 0;
        for (int offset = 0; offset < z.Length; offset += rows)
        {
            double max = double.NegativeInfinity, exponentials = 0, mass = 0, dot = 0, dotMagnitude = 0;
            for (int i = 0; i < rows; i++) max = Math.Max(max, D(z[offset + i]));
            for (int i = 0; i < rows; i++)
            {
                exponentials += Math.Exp(D(z[offset + i]) - max);
                mass += D(y[offset + i]);
                dot += D(y[offset + i]) * D(z[offset + i]);
                dotMagnitude += Math.Abs(D(y[offset + i]) * D(z[offset + i]));
            }
            double logSumExp = max + Math.Log(exponentials);
            reference += logSumExp * mass - dot;
            magnitude += (Math.Abs(logSumExp) + 1) * mass + dotMagnitude;
        }
        // With no scratch (a pooled buffer), and with a scratch buffer full of garbage.
        T withoutScratch = Kernels<T>.CategoricalCrossEntropySum(z, y, rows, Span<T>.Empty);
        var scratch = Enumerable.Repeat(T.NaN, z.Length + 3).ToArray();
        T withScratch = Kernels<T>.CategoricalCrossEntropySum(z, y, rows, scratch);
        string failure = SumWithin("CategoricalCrossEntropySum", withoutScratch, reference, magnitude, z.Length, Relative<T>());
        if (!withoutScratch.Equals(withScratch)) failure += $"with scratch {withScratch:R}, without {withoutScratch:R}";
        return Holds(failure);
    }

    [PureProperty]
    public Property CategoricalCrossEntropySum_matches_scalar_reference() => ForBoth(Matrices(), CategoricalCrossEntropyCase<float>, CategoricalCrossEntropyCase<double>);

    // ---- non-finite search, edge values, addresses, other element types ----

    private static void FindsEveryPosition<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] bad = [T.NaN, T.PositiveInfinity, T.NegativeInfinity];
        for (int n = 0; n <= 70; n++)
        {
            // Finite values of every kind, including the largest and the subnormal ones.
            var values = Enumerable.Range(0, n).Select(i => (i % 4) switch { 0 => T.CreateTruncating(typeof(T) == typeof(float) ? float.MaxValue : double.MaxValue), 1 => -T.Epsilon, 2 => T.CreateTruncating(i * 0.5 - 3), _ => T.Zero }).ToArray();
            Assert.Equal(-1, Kernels<T>.IndexOfNonFinite(values));
            for (int p = 0; p < n; p++)
                foreach (var value in bad)
                {
                    var copy = (T[])values.Clone();
                    copy[p] = value;
                    if (p + 3 < n) copy[p + 3] = T.NaN;
                    Assert.Equal(p, Kernels<T>.IndexOfNonFinite(copy));
                }
        }
    }

    [Fact]
    public void IndexOfNonFinite_finds_nan_and_infinities_at_every_position()
    {
        FindsEveryPosition<float>();
        FindsEveryPosition<double>();
    }

    private static void EdgeValuesStayFinite<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var z = To<T>([-1000, 1000, -1001, 1001, 0, -0.0, 1e-8, -1e-8, 88, -88, 710, -710, 745, -745, 0.625, -0.625, 30, -30]);
        var a = new T[z.Length];
        Kernels<T>.Logistic(z, a);
        Assert.Equal(T.Zero, a[0]);
        Assert.Equal(T.One, a[1]);
        Assert.Equal(T.CreateTruncating(0.5), a[4]);
        Assert.Equal(T.CreateTruncating(0.5), a[5]);
        Assert.All(a, v => Assert.True(v >= T.Zero && v <= T.One, $"σ = {v}"));
        Kernels<T>.Tanh(z, a);
        Assert.Equal(-T.One, a[0]);
        Assert.Equal(T.One, a[1]);
        Assert.Equal(T.Zero, a[4]);
        Assert.All(a, v => Assert.True(T.Abs(v) <= T.One, $"tanh = {v}"));

        // Softmax of [1000, 1001] and of columns whose naive e^z overflows: finite, in [0, 1], summing to 1.
        var columns = To<T>([1000, 1001, -1000, -1001, 1000, -1000, 0, 0]);
        var softmax = new T[columns.Length];
        Kernels<T>.SoftmaxColumns(columns, softmax, 2);
        double e = Math.Exp(-1);
        Assert.Equal("", Close<T>(softmax, To<T>([e / (1 + e), 1 / (1 + e), 1 / (1 + e), e / (1 + e), 1, 0, 0.5, 0.5]), Relative<T>(), Floor<T>()));
        Assert.Equal(T.One, softmax[4]);
        Assert.Equal(T.Zero, softmax[5]);
        T lse = Kernels<T>.LogSumExp(To<T>([1000, 1001]));
        Assert.True(Math.Abs(D(lse) - (1001 + Math.Log(1 + e))) <= 1e-4, $"logsumexp(1000, 1001) = {lse}");

        // ReLU at exactly ±0 gives +0 forward and a +0 derivative, in the vector body and in the tail.
        var zeros = new T[37];
        for (int i = 0; i < zeros.Length; i++) zeros[i] = i % 2 == 0 ? T.Zero : -T.Zero;
        var ones = Enumerable.Repeat(T.One, zeros.Length).ToArray();
        var result = new T[zeros.Length];
        Kernels<T>.Rectify(zeros, result, T.Zero);
        Assert.Equal("", Bitwise<T>(result, new T[zeros.Length]));
        Kernels<T>.RectifyBackward(zeros, ones, result, T.Zero);
        Assert.Equal("", Bitwise<T>(result, new T[zeros.Length]));
        T slope = T.CreateTruncating(0.25);
        Kernels<T>.RectifyBackward(zeros, ones, result, slope);
        Assert.All(result, v => Assert.Equal(slope, v));
    }

    [Fact]
    public void Logistic_tanh_softmax_and_relu_are_exact_and_finite_at_edge_values()
    {
        EdgeValuesStayFinite<float>();
        EdgeValuesStayFinite<double>();
    }

    private static Property AddressCase<T>((double[] X, double[] Y) c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = c.X.Length;
        byte[]? first = null;
        for (int offset = 0; offset < 16; offset++)
        {
            var x = new T[n + 16];
            var y = new T[n + 16];
            To<T>(c.X).CopyTo(x, offset);
            To<T>(c.Y).CopyTo(y, offset);
            var xs = x.AsSpan(offset, n);
            var ys = y.AsSpan(offset, n);
            var softmax = new T[n];
            // Both softmax paths: columns of n / 3 (long when n ≥ 96) and of 5 (short).
            int rows = n % 3 == 0 && n > 0 ? n / 3 : n % 5 == 0 && n > 0 ? 5 : 1;
            Kernels<T>.SoftmaxColumns(xs, softmax, rows);
            T[] results =
            [
                Kernels<T>.Dot(xs, ys), Kernels<T>.Sum(xs), Kernels<T>.SumOfSquaredDifferences(xs, ys), Kernels<T>.LogisticCrossEntropySum(xs, ys),
                Kernels<T>.CategoricalCrossEntropySum(xs, ys, rows, Span<T>.Empty),
                n > 0 ? Kernels<T>.LogSumExp(xs) : T.Zero, .. softmax,
            ];
            var bits = MemoryMarshal.AsBytes(results.AsSpan()).ToArray();
            first ??= bits;
            if (!bits.AsSpan().SequenceEqual(first)) return Holds($"results at offset {offset} differ from offset 0");
        }
        return Holds("");
    }

    [PureProperty]
    public Property Reductions_do_not_depend_on_the_address_of_the_data() => ForBoth(Pairs(), AddressCase<float>, AddressCase<double>);

    [Fact]
    public void Other_element_types_take_the_scalar_path()
    {
        // Half has no vector path: the drivers fall back to one element at a time and agree with the double kernels.
        double[] values = [-3, -1.5, -0.25, 0, 0.5, 1, 2.75, 4, -6, 0.125, 7];
        var z = values.Select(v => (Half)v).ToArray();
        var a = new Half[z.Length];
        var expected = new double[values.Length];
        void Same(Action<Half[]> half, Action<double[]> reference)
        {
            half(a);
            reference(expected);
            for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs((double)a[i] - expected[i]) <= 2e-3 * Math.Max(1, Math.Abs(expected[i])), $"element {i}: {a[i]} vs {expected[i]}");
        }
        Same(r => Kernels<Half>.Logistic(z, r), r => Kernels<double>.Logistic(values, r));
        Same(r => Kernels<Half>.Tanh(z, r), r => Kernels<double>.Tanh(values, r));
        Same(r => Kernels<Half>.Rectify(z, r, (Half)0.25), r => Kernels<double>.Rectify(values, r, 0.25));
        Same(r => Kernels<Half>.SoftmaxColumns(z, r, 11), r => Kernels<double>.SoftmaxColumns(values, r, 11));
        Same(r => Kernels<Half>.RectifyBackward(z, z, r, Half.Zero), r => Kernels<double>.RectifyBackward(values, values, r, 0));
        Assert.Equal(-1, Kernels<Half>.IndexOfNonFinite(z));
        z[9] = Half.NaN;
        Assert.Equal(9, Kernels<Half>.IndexOfNonFinite(z));
        Assert.True(Math.Abs((double)Kernels<Half>.LogSumExp(z.AsSpan(0, 9)) - Kernels<double>.LogSumExp(values.AsSpan(0, 9))) <= 1e-2);
    }
}
