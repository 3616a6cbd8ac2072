using System.Numerics;
using System.Runtime.Intrinsics;
using FsCheck;
using FsCheck.Fluent;
using MathNet.Numerics.LinearAlgebra;
using Pure.Properties.Support;
using Pure.Testing;

namespace Pure.Properties;

/// <summary>
/// The packed GEMM (<see cref="Gemm{T}"/>) against MathNet.Numerics' managed product, for every micro-kernel this
/// machine runs, the four transpose forms, with and without the bias epilogue, in double and float.
/// <para>
/// Tolerance. Each element is c_ij = bias_i + Σ_p op(A)_ip op(B)_pj, a sum of k + 1 terms. Summed in any order
/// with round-to-nearest (u = ε/2 the unit roundoff), the computed value differs from the exact one by at most
/// γ_{k+1} (|bias_i| + M_ij), where M_ij = Σ_p |op(A)_ip| |op(B)_pj| and γ_j = j u / (1 - j u) ≤ 2 j u = j ε while
/// j u ≤ 1/2 (Higham, Accuracy and Stability of Numerical Algorithms, 3.1 and 3.5; a fused multiply-add only removes
/// roundings). The fast product and MathNet's product plus the bias each satisfy this bound, so they differ by at
/// most 2 (k + 1) ε (|bias_i| + M_ij). M is computed in double from the exact |values| (its own relative error, at
/// most k · 2^-53, is negligible against the factor 2 the bound already gives away). Products of non-zero generated
/// values are at least 1e-4, so nothing underflows; the absolute term (the smallest subnormal of T) only admits
/// equal zeros of different signs. Typical errors are about sqrt(k) ε M, well inside the bound; a wrong index or a
/// lost term is caught by <see cref="Integer_products_are_exact"/>, where the bound is zero.
/// </para>
/// </summary>
public class GemmProperties
{
    /// <summary>The four forms: A·B, A^T·B, A·B^T and A^T·B^T.</summary>
    internal static readonly (bool TransposeA, bool TransposeB)[] Forms = [(false, false), (true, false), (false, true), (true, true)];

    /// <summary>The micro-kernels this machine can run for T (Scalar always).</summary>
    internal static GemmKernel[] SupportedKernels<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
        [.. Enum.GetValues<GemmKernel>().Where(Gemm<T>.IsSupported)];

    /// <summary>Elements appended after A, B and C: they must be neither read (NaN in A and B) nor written (in C).</summary>
    private const int Tail = 7;

    [PureProperty]
    public Property Gemm_matches_mathnet_in_double() => MatchesMathNet<double>();

    [PureProperty]
    public Property Gemm_matches_mathnet_in_float() => MatchesMathNet<float>();

    private static Property MatchesMathNet<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        double epsilon = Precision.Epsilon<T>();
        double tiny = double.CreateChecked(T.Epsilon);
        return Prop.ForAll(Arb.From(GemmGenerators.Case()), c =>
        {
            var (a, b, bias) = (c.Values<T>(c.A), c.Values<T>(c.B), c.Values<T>(c.Bias));
            var failures = new List<string>();
            foreach (var (transposeA, transposeB) in Forms)
            {
                var shapes = new Shapes(c, transposeA, transposeB);
                var product = Reference(Matrix<T>.Build.DenseOfColumnMajor(shapes.ARows, shapes.AColumns, a),
                    Matrix<T>.Build.DenseOfColumnMajor(shapes.BRows, shapes.BColumns, b), transposeA, transposeB);
                var magnitude = Reference(Matrix<double>.Build.DenseOfColumnMajor(shapes.ARows, shapes.AColumns, a.Select(v => Math.Abs(double.CreateChecked(v)))),
                    Matrix<double>.Build.DenseOfColumnMajor(shapes.BRows, shapes.BColumns, b.Select(v => Math.Abs(double.CreateChecked(v)))), transposeA, transposeB);
                foreach (bool withBias in new[] { false, true })
                    foreach (var kind in SupportedKernels<T>())
                    {
                        var result = Run(kind, shapes, a, b, withBias ? bias : null, failures);
                        for (int j = 0; j < c.N && failures.Count < 10; j++)
                            for (int i = 0; i < c.M; i++)
                            {
                                double expected = double.CreateChecked(withBias ? product[i, j] + bias[i] : product[i, j]);
                                double actual = double.CreateChecked(result[j * c.M + i]);
                                double scale = magnitude[i, j] + (withBias ? Math.Abs(double.CreateChecked(bias[i])) : 0);
                                double bound = 2 * (c.K + 1) * epsilon * scale + tiny;
                                if (!(Math.Abs(actual - expected) <= bound))
                                    failures.Add($"{kind} {shapes} bias={withBias}: c[{i},{j}] = {actual:R}, MathNet {expected:R}, bound {bound:E3}");
                            }
                    }
            }
            return (failures.Count == 0).Label(string.Join("\n", failures.Take(10)));
        });
    }

    [PureProperty]
    public Property Integer_products_are_exact() => IntegerProductsAreExact<double>();

    [PureProperty]
    public Property Integer_products_are_exact_in_float() => IntegerProductsAreExact<float>();

    /// <summary>
    /// Elements and biases that are integers in [-16, 16]: every partial sum, in any order, is an integer of magnitude
    /// at most 513 · 256 + 16 &lt; 2^24, exact in float and double, so every kernel and form must give the exact
    /// result (computed here in long arithmetic). Any wrong index, lost or doubled term shows.
    /// </summary>
    private static Property IntegerProductsAreExact<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        return Prop.ForAll(Arb.From(GemmGenerators.Case(bound: 16, scale: 1)), c =>
        {
            var (a, b, bias) = (c.Values<T>(c.A), c.Values<T>(c.B), c.Values<T>(c.Bias));
            var failures = new List<string>();
            foreach (var (transposeA, transposeB) in Forms)
            {
                var shapes = new Shapes(c, transposeA, transposeB);
                var product = new long[c.M * c.N];
                for (int j = 0; j < c.N; j++)
                    for (int i = 0; i < c.M; i++)
                        for (int p = 0; p < c.K; p++)
                            product[j * c.M + i] += (long)c.A[transposeA ? i * c.K + p : p * c.M + i] * c.B[transposeB ? p * c.N + j : j * c.K + p];
                foreach (bool withBias in new[] { false, true })
                    foreach (var kind in SupportedKernels<T>())
                    {
                        var result = Run(kind, shapes, a, b, withBias ? bias : null, failures);
                        for (int j = 0; j < c.N && failures.Count < 10; j++)
                            for (int i = 0; i < c.M; i++)
                            {
                                long exact = product[j * c.M + i] + (withBias ? c.Bias[i] : 0);
                                if (result[j * c.M + i] != T.CreateChecked(exact))
                                    failures.Add($"{kind} {shapes} bias={withBias}: c[{i},{j}] = {result[j * c.M + i]}, exactly {exact}");
                            }
                    }
            }
            return (failures.Count == 0).Label(string.Join("\n", failures.Take(10)));
        });
    }

    [PureProperty(MaxTest = 100)]
    public Property Gemm_with_empty_depth_gives_the_bias_or_zeros() => EmptyDepth<double>().And(EmptyDepth<float>());

    /// <summary>k = 0: op(A) · op(B) is the m x n zero matrix, so C is the bias on every column, or +0 without one.</summary>
    private static Property EmptyDepth<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var cases = GemmGenerators.Case(GemmGenerators.Dimension(), Gen.Constant(0), GemmGenerators.Dimension());
        return Prop.ForAll(Arb.From(cases), c =>
        {
            var bias = c.Values<T>(c.Bias);
            var failures = new List<string>();
            foreach (var (transposeA, transposeB) in Forms)
                foreach (bool withBias in new[] { false, true })
                    foreach (var kind in SupportedKernels<T>())
                    {
                        var shapes = new Shapes(c, transposeA, transposeB);
                        var result = Run(kind, shapes, [], [], withBias ? bias : null, failures);
                        for (int j = 0; j < c.N; j++)
                            for (int i = 0; i < c.M; i++)
                            {
                                T expected = withBias ? bias[i] : T.Zero;
                                if (!Precision.BitwiseEqual<T>([result[j * c.M + i]], [expected]))
                                    failures.Add($"{kind} {shapes} bias={withBias}: c[{i},{j}] = {result[j * c.M + i]}, expected {expected}");
                            }
                    }
            return (failures.Count == 0).Label(string.Join("\n", failures.Take(10)));
        });
    }

    [PureProperty(MaxTest = 100)]
    public Property Gemm_with_no_rows_or_columns_touches_nothing() => NoRowsOrColumns<double>().And(NoRowsOrColumns<float>());

    /// <summary>m = 0 or n = 0: C has no elements, so every element of the array passed as C keeps its bits.</summary>
    private static Property NoRowsOrColumns<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var empty = Gen.Constant(0);
        var cases = Gen.OneOf(
            GemmGenerators.Case(empty, GemmGenerators.Depth(), GemmGenerators.Dimension()),
            GemmGenerators.Case(GemmGenerators.Dimension(), GemmGenerators.Depth(), empty),
            GemmGenerators.Case(empty, GemmGenerators.Depth(), empty));
        return Prop.ForAll(Arb.From(cases), c =>
        {
            var (a, b, bias) = (c.Values<T>(c.A), c.Values<T>(c.B), c.Values<T>(c.Bias));
            var failures = new List<string>();
            foreach (var (transposeA, transposeB) in Forms)
                foreach (bool withBias in new[] { false, true })
                    foreach (var kind in SupportedKernels<T>())
                        Run(kind, new Shapes(c, transposeA, transposeB), a, b, withBias ? bias : null, failures);
            return (failures.Count == 0).Label(string.Join("\n", failures.Take(10)));
        });
    }

    [Fact]
    public void Shape_generator_covers_ones_primes_boundaries_and_deep_products()
    {
        var samples = Gen.Sample(Gen.Zip(GemmGenerators.Dimension(), GemmGenerators.Depth()), 2000);
        var dimensions = samples.Select(s => s.Item1).ToHashSet();
        var depths = samples.Select(s => s.Item2).ToHashSet();
        Assert.Contains(1, dimensions);
        Assert.All(GemmGenerators.SmallPrimes, p => Assert.Contains(p, dimensions));
        Assert.All(GemmGenerators.Boundaries, s => Assert.Contains(s, dimensions));
        Assert.All(GemmGenerators.DeepSizes, s => Assert.Contains(s, depths));
        Assert.True(depths.Max() > Gemm<double>.DepthBlock, "no depth spans two blocks");
        Assert.Contains(SupportedKernels<double>(), kind => kind == GemmKernel.Scalar);
        Assert.Contains(SupportedKernels<double>(), kind => kind == Gemm<double>.Kind);
        Assert.Contains(SupportedKernels<float>(), kind => kind == Gemm<float>.Kind);
    }

    /// <summary>The stored shapes of A (m x k, or k x m when transposed) and B (k x n, or n x k when transposed).</summary>
    internal readonly record struct Shapes(int M, int K, int N, bool TransposeA, bool TransposeB)
    {
        public Shapes(GemmCase c, bool transposeA, bool transposeB) : this(c.M, c.K, c.N, transposeA, transposeB) { }

        public int ARows => TransposeA ? K : M;
        public int AColumns => TransposeA ? M : K;
        public int BRows => TransposeB ? N : K;
        public int BColumns => TransposeB ? K : N;

        public override string ToString() => $"{(TransposeA ? "A^T" : "A")}·{(TransposeB ? "B^T" : "B")} (m={M} k={K} n={N})";
    }

    /// <summary>op(A) · op(B) by MathNet: Multiply, TransposeThisAndMultiply, TransposeAndMultiply, or A^T · B^T.</summary>
    internal static Matrix<TValue> Reference<TValue>(Matrix<TValue> a, Matrix<TValue> b, bool transposeA, bool transposeB)
        where TValue : struct, IEquatable<TValue>, IFormattable => (transposeA, transposeB) switch
    {
        (false, false) => a.Multiply(b),
        (true, false) => a.TransposeThisAndMultiply(b),
        (false, true) => a.TransposeAndMultiply(b),
        (true, true) => a.Transpose().TransposeAndMultiply(b),
    };

    /// <summary>
    /// Runs the product with <paramref name="kind"/> on copies of the inputs followed by <see cref="Tail"/> NaNs, into
    /// an array of m · n NaNs (so that stale contents cannot pass for results) followed by <see cref="Tail"/> sentinels.
    /// Records a failure when an input changed or an element after C was written; returns the m · n elements of C.
    /// </summary>
    internal static T[] Run<T>(GemmKernel kind, Shapes shapes, T[] a, T[] b, T[]? bias, List<string> failures)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var paddedA = Padded(a, T.NaN);
        var paddedB = Padded(b, T.NaN);
        var biasCopy = bias is null ? null : (T[])bias.Clone();
        int count = shapes.M * shapes.N;
        var c = new T[count + Tail];
        Array.Fill(c, T.NaN, 0, count);
        Array.Fill(c, T.CreateChecked(12345.5), count, Tail);
        Gemm<T>.Multiply(kind, shapes.TransposeA, paddedA, shapes.ARows, shapes.AColumns, shapes.TransposeB, paddedB, shapes.BRows, shapes.BColumns, c, biasCopy);
        if (!Precision.BitwiseEqual<T>(paddedA, Padded(a, T.NaN)) || !Precision.BitwiseEqual<T>(paddedB, Padded(b, T.NaN))
            || (bias is not null && !Precision.BitwiseEqual<T>(biasCopy, bias)))
            failures.Add($"{kind} {shapes}: an input was modified");
        if (c.AsSpan(count).ContainsAnyExcept(T.CreateChecked(12345.5)))
            failures.Add($"{kind} {shapes}: wrote after the m x n elements of C");
        return c[..count];
    }

    private static T[] Padded<T>(T[] values, T fill) where T : unmanaged
    {
        var padded = new T[values.Length + Tail];
        values.CopyTo(padded, 0);
        Array.Fill(padded, fill, values.Length, Tail);
        return padded;
    }
}

/// <summary>
/// Bitwise determinism of <see cref="Gemm{T}"/>: the same bits for 1, 2 and 3 threads, run after run, and through
/// <see cref="Kernels{T}.Multiply(bool, T[], int, int, bool, T[], int, int, T[])"/>. Changes the static
/// <see cref="Gemm{T}.MaxThreads"/>, so it runs in the non-parallel collection.
/// </summary>
[Collection(nameof(MathNetGlobals))]
public class GemmDeterminismProperties
{
    [PureProperty(MaxTest = 100)]
    public Property Gemm_is_bitwise_identical_for_1_2_and_3_threads_in_double() => IdenticalForThreadCounts<double>();

    [PureProperty(MaxTest = 100)]
    public Property Gemm_is_bitwise_identical_for_1_2_and_3_threads_in_float() => IdenticalForThreadCounts<float>();

    /// <summary>At least 50 of 100 generated cases are big enough to run in parallel (else the thread counts are not compared).</summary>
    [Fact]
    public void Gemm_thread_count_cases_are_mostly_big_enough_to_run_in_parallel()
    {
        // The sizes grow from 0 to 99 as in a property run of 100 cases.
        var cases = Enumerable.Range(0, 100).SelectMany(i => GemmGenerators.ParallelCase().Sample(i, 1));
        int parallel = cases.Count(c => 2L * c.M * c.N * c.K >= Gemm<double>.SerialWork);
        Assert.True(parallel >= 50, $"Only {parallel} of 100 cases were big enough to run in parallel.");
    }

    private static Property IdenticalForThreadCounts<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var cases =
            from c in GemmGenerators.ParallelCase()
            from form in Gen.Elements(GemmProperties.Forms)
            from withBias in Gen.Elements(false, true)
            select (Case: c, Form: form, WithBias: withBias);
        return Prop.ForAll(Arb.From(cases), x =>
        {
            var c = x.Case;
            var (a, b, bias) = (c.Values<T>(c.A), c.Values<T>(c.B), x.WithBias ? c.Values<T>(c.Bias) : null);
            var shapes = new GemmProperties.Shapes(c, x.Form.TransposeA, x.Form.TransposeB);
            var failures = new List<string>();
            foreach (var kind in GemmProperties.SupportedKernels<T>())
            {
                var one = WithThreads(1, () => GemmProperties.Run(kind, shapes, a, b, bias, failures));
                foreach (int threads in new[] { 2, 3, 1 })
                    if (!Precision.BitwiseEqual<T>(one, WithThreads(threads, () => GemmProperties.Run(kind, shapes, a, b, bias, failures))))
                        failures.Add($"{kind} {shapes} bias={x.WithBias}: {threads} threads differ from 1");
            }
            if (bias is null)
            {
                // The kernel in use, through the seam the model calls.
                var direct = GemmProperties.Run(Gemm<T>.Kind, shapes, a, b, null, failures);
                var seam = new T[c.M * c.N];
                Kernels<T>.Multiply(shapes.TransposeA, a, shapes.ARows, shapes.AColumns, shapes.TransposeB, b, shapes.BRows, shapes.BColumns, seam);
                if (!Precision.BitwiseEqual<T>(direct, seam)) failures.Add($"{Gemm<T>.Kind} {shapes}: Kernels.Multiply differs from Gemm.Multiply");
            }
            return (failures.Count == 0).Label(string.Join("\n", failures.Take(10)));
        });
    }

    [PureProperty(MaxTest = 60)]
    public Property Reported_tiles_cover_the_product_once_and_are_final_in_double() => TilesCoverOnceAndAreFinal<double>();

    [PureProperty(MaxTest = 60)]
    public Property Reported_tiles_cover_the_product_once_and_are_final_in_float() => TilesCoverOnceAndAreFinal<float>();

    /// <summary>
    /// The tile hook the training loop fuses its update into: on every path (narrow, short, packed; serial or threaded)
    /// the reported tiles cover C exactly once, each tile holds its final values when it is reported, and asking for
    /// tiles (which may change their shape) changes no bit of the product.
    /// </summary>
    private static Property TilesCoverOnceAndAreFinal<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var cases =
            from c in Gen.OneOf(GemmGenerators.Case(), GemmGenerators.ParallelCase())
            from form in Gen.Elements(GemmProperties.Forms)
            from threads in Gen.Elements(1, 2)
            select (Case: c, Form: form, Threads: threads);
        return Prop.ForAll(Arb.From(cases), x =>
        {
            var c = x.Case;
            var (a, b) = (c.Values<T>(c.A), c.Values<T>(c.B));
            var shapes = new GemmProperties.Shapes(c, x.Form.TransposeA, x.Form.TransposeB);
            var failures = new List<string>();
            foreach (var kind in GemmProperties.SupportedKernels<T>())
            {
                var plain = WithThreads(x.Threads, () => GemmProperties.Run(kind, shapes, a, b, null, failures));
                var result = new T[c.M * c.N];
                Array.Fill(result, T.NaN);
                var coverage = new int[c.M * c.N];
                var reported = new System.Collections.Concurrent.ConcurrentBag<(int Index, T Value)>();
                WithThreads(x.Threads, () =>
                {
                    Gemm<T>.Multiply(kind, shapes.TransposeA, a, shapes.ARows, shapes.AColumns, shapes.TransposeB, b, shapes.BRows, shapes.BColumns, result,
                        tileDone: (row0, rows, column0, columns) =>
                        {
                            for (int j = column0; j < column0 + columns; j++)
                                for (int i = row0; i < row0 + rows; i++)
                                {
                                    Interlocked.Increment(ref coverage[j * c.M + i]);
                                    reported.Add((j * c.M + i, result[j * c.M + i]));
                                }
                        });
                    return result;
                });
                int uncovered = coverage.Count(count => count != 1);
                if (uncovered > 0) failures.Add($"{kind} {shapes} on {x.Threads} threads: {uncovered} elements not reported exactly once");
                if (reported.Any(r => !Precision.BitwiseEqual<T>([r.Value], [result[r.Index]])))
                    failures.Add($"{kind} {shapes} on {x.Threads} threads: a tile changed after it was reported");
                if (!Precision.BitwiseEqual<T>(plain, result)) failures.Add($"{kind} {shapes} on {x.Threads} threads: the product differs when tiles are reported");
            }
            return (failures.Count == 0).Label(string.Join("\n", failures.Take(10)));
        });
    }

    /// <summary>
    /// One-column products big enough (m · k ≥ 2^18) that blocks of rows go to several threads: exact on small
    /// integers (every sum is representable, so any order of the additions gives it) and bitwise the same for 1, 2
    /// and 3 threads, with and without a bias, for m a multiple of the row block and not.
    /// </summary>
    [Fact]
    public void Wide_one_column_products_shared_between_threads_are_exact_and_the_same_for_1_2_and_3_threads()
    {
        WideNarrow<float>();
        WideNarrow<double>();
    }

    private static void WideNarrow<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(13);
        foreach (var (m, k) in new[] { (512, 784), (520, 784), (1031, 300) })
        {
            Assert.True((long)m * k >= 1 << 18);
            var a = Enumerable.Range(0, m * k).Select(_ => random.Next(-8, 9)).ToArray();
            var x = Enumerable.Range(0, k).Select(_ => random.Next(-8, 9)).ToArray();
            var bias = Enumerable.Range(0, m).Select(_ => random.Next(-100, 101)).ToArray();
            foreach (bool withBias in new[] { false, true })
            {
                var exact = new T[m];
                for (int i = 0; i < m; i++)
                {
                    long sum = withBias ? bias[i] : 0;
                    for (int p = 0; p < k; p++) sum += (long)a[p * m + i] * x[p];
                    exact[i] = T.CreateChecked(sum);
                }
                T[] Product(int threads) => WithThreads(threads, () =>
                {
                    var c = new T[m];
                    Gemm<T>.Multiply(false, [.. a.Select(T.CreateChecked)], m, k, false, [.. x.Select(T.CreateChecked)], k, 1, c,
                        withBias ? [.. bias.Select(T.CreateChecked)] : null);
                    return c;
                });
                foreach (int threads in new[] { 1, 2, 3 })
                    Assert.True(Precision.BitwiseEqual<T>(exact, Product(threads)), $"{typeof(T).Name} {m} x {k} bias={withBias} on {threads} threads: not the exact product");
            }

            // On real values every row is one chain of fused multiply-adds over p in order, then bias + sum: the same
            // bits whichever vector block, kernel or thread computed the row.
            var realA = Enumerable.Range(0, m * k).Select(_ => T.CreateChecked(random.NextDouble() - 0.5)).ToArray();
            var realX = Enumerable.Range(0, k).Select(_ => T.CreateChecked(random.NextDouble() - 0.5)).ToArray();
            var realBias = Enumerable.Range(0, m).Select(_ => T.CreateChecked(random.NextDouble() - 0.5)).ToArray();
            var chain = new T[m];
            for (int i = 0; i < m; i++)
            {
                T sum = T.Zero;
                for (int p = 0; p < k; p++) sum = T.FusedMultiplyAdd(realA[p * m + i], realX[p], sum);
                chain[i] = realBias[i] + sum;
            }
            foreach (var kind in new[] { GemmKernel.Vector512, GemmKernel.Vector256, GemmKernel.Scalar }.Where(Gemm<T>.IsSupported))
                foreach (int threads in new[] { 1, 2, 3 })
                {
                    var c = WithThreads(threads, () =>
                    {
                        var result = new T[m];
                        Gemm<T>.Multiply(kind, false, realA, m, k, false, realX, k, 1, result, realBias);
                        return result;
                    });
                    Assert.True(Precision.BitwiseEqual<T>(chain, c), $"{typeof(T).Name} {m} x {k} {kind} on {threads} threads: not the rows' fused multiply-add chains");
                }
        }
    }

    [Fact]
    public void A_one_column_product_from_weights_cut_into_row_blocks_gives_the_bits_of_the_weights_as_stored()
    {
        CutWeightsMatchStored<float>();
        CutWeightsMatchStored<double>();
    }

    /// <summary>
    /// Gemm.PackNarrow cuts A into the one-column path's row blocks (what a Predictor keeps for batch 1); the product
    /// from the cut copy must give the bits of the product from A as stored, for m below, at and past whole blocks, on
    /// every kernel, on 1 to 3 threads, inside prediction's spinning scope and outside it; A itself is left as it was.
    /// </summary>
    private static void CutWeightsMatchStored<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(31);
        foreach (var (m, k) in new[] { (1, 5), (127, 3), (128, 1), (129, 40), (256, 512), (520, 784), (1031, 300) })
        {
            var a = Enumerable.Range(0, m * k).Select(_ => T.CreateChecked(random.NextDouble() - 0.5)).ToArray();
            var x = Enumerable.Range(0, k).Select(_ => T.CreateChecked(random.NextDouble() - 0.5)).ToArray();
            var bias = Enumerable.Range(0, m).Select(_ => T.CreateChecked(random.NextDouble() - 0.5)).ToArray();
            var before = a.ToArray();
            foreach (var kind in GemmProperties.SupportedKernels<T>())
            {
                var cut = Gemm<T>.PackNarrow(kind, a, m, k);
                int block = kind == GemmKernel.Vector512 ? 8 * Vector512<T>.Count : kind == GemmKernel.Vector256 ? 8 * Vector256<T>.Count : 0;
                Assert.True((cut is null) == (block == 0 || m < block), $"{typeof(T).Name} {m} x {k} {kind}: cut {(cut is null ? "missing" : "made")} with blocks of {block} rows");
                Assert.True(Precision.BitwiseEqual<T>(before, a), $"{typeof(T).Name} {m} x {k} {kind}: PackNarrow changed A");
                if (cut is null) continue;
                Assert.Equal(m / block * block * k, cut.Length);
                foreach (bool spinning in new[] { false, true })
                    foreach (var withBias in new[] { false, true })
                        foreach (int threads in new[] { 1, 2, 3 })
                        {
                            T[] Product(bool fromCut) => WithThreads(threads, () =>
                            {
                                using var scope = spinning ? ForkJoin.Spinning() : default;
                                var c = new T[m];
                                if (fromCut) Gemm<T>.MultiplyNarrowPacked(kind, a, cut, m, k, x, c, withBias ? bias : null);
                                else Gemm<T>.Multiply(kind, false, a, m, k, false, x, k, 1, c, withBias ? bias : null);
                                return c;
                            });
                            Assert.True(Precision.BitwiseEqual<T>(Product(false), Product(true)),
                                $"{typeof(T).Name} {m} x {k} {kind} bias={withBias} spinning={spinning} on {threads} threads: the cut weights give other bits");
                        }
            }
        }
    }

    [Fact]
    public void A_last_panel_of_up_to_four_columns_gives_the_bits_of_a_full_panel()
    {
        LastPanelMatchesFullPanel<double>();
        LastPanelMatchesFullPanel<float>();
    }

    /// <summary>
    /// n with n mod 12 in 1..4 leaves the Vector512 kernel a last panel of at most four columns (its narrow kernel); the
    /// same product with eight more columns of B makes that panel whole. Each element is the same chain either way, so
    /// the first n columns of C must agree bit for bit, for B as stored and transposed, on every kernel and thread count.
    /// </summary>
    private static void LastPanelMatchesFullPanel<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(21);
        foreach (var (m, k, n) in new[] { (32, 3, 13), (45, 300, 16), (512, 784, 64), (256, 512, 62), (17, 260, 27) })
        {
            int wide = n + 8;
            var a = Enumerable.Range(0, m * k).Select(_ => T.CreateChecked(random.NextDouble() - 0.5)).ToArray();
            var bias = Enumerable.Range(0, m).Select(_ => T.CreateChecked(random.NextDouble() - 0.5)).ToArray();
            var b = Enumerable.Range(0, k * wide).Select(_ => T.CreateChecked(random.NextDouble() - 0.5)).ToArray();
            foreach (bool transposeB in new[] { false, true })
            {
                // op(B)(p, j): B as stored k x columns (column-major), or B^T stored columns x k.
                T[] Operand(int columns)
                {
                    var operand = new T[k * columns];
                    for (int j = 0; j < columns; j++)
                        for (int p = 0; p < k; p++)
                            operand[transposeB ? p * columns + j : j * k + p] = b[j * k + p];
                    return operand;
                }
                foreach (var kind in GemmProperties.SupportedKernels<T>())
                    foreach (int threads in new[] { 1, 2 })
                    {
                        T[] Product(int columns) => WithThreads(threads, () =>
                        {
                            var c = new T[m * columns];
                            Gemm<T>.Multiply(kind, false, a, m, k, transposeB, Operand(columns), transposeB ? columns : k, transposeB ? k : columns, c, bias);
                            return c;
                        });
                        Assert.True(Precision.BitwiseEqual<T>(Product(wide).AsSpan(0, m * n), Product(n)),
                            $"{typeof(T).Name} {m} x {k} x {n} transposeB={transposeB} {kind} on {threads} threads: the last panel differs from a whole one");
                    }
            }
        }
    }

    internal static T[] WithThreads<T>(int threads, Func<T[]> product) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int previous = Gemm<T>.MaxThreads;
        try
        {
            Gemm<T>.MaxThreads = threads;
            return product();
        }
        finally
        {
            Gemm<T>.MaxThreads = previous;
        }
    }
}
