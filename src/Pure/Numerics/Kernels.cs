using System.Buffers;
using System.Numerics.Tensors;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Pure;

/// <summary>
/// The one seam through which the model does its arithmetic: matrix products with either operand transposed,
/// bias broadcast, row sums, dot products, activations and their backward products, all on column-major arrays.
/// Products of float and double run on <see cref="Gemm{T}"/>; element-wise work runs on
/// <see cref="TensorPrimitives"/> or on the SIMD drivers of <see cref="Simd{T}"/> (one element at a time for element
/// types other than float and double). Replacing the bodies here changes no model code. No switch is exposed to
/// users: the implementation is fixed per element type. Every result depends only on the values and lengths of the
/// inputs, not on where they lie in memory.
/// </summary>
internal static class Kernels<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>result = op(a) · op(b), where op transposes when asked; result has op(a).Rows x op(b).Columns.</summary>
    public static void Multiply(bool transposeA, ImmutableMatrix<T> a, bool transposeB, ImmutableMatrix<T> b, T[] result) =>
        Multiply(transposeA, a.Storage, a.Rows, a.Columns, transposeB, b.Storage, b.Rows, b.Columns, result);

    /// <summary>
    /// result = scale · op(a) · op(b) on raw column-major arrays, plus bias[i] on every element of row i when a bias is
    /// given (scale and bias applied in the product's epilogue). The arrays may be longer than the shapes need.
    /// <paramref name="tileDone"/>, when given, is called for each finished tile of the result (see <see cref="Gemm{T}.Multiply(bool, T[], int, int, bool, T[], int, int, T[], T[], T?, TileDone?)"/>).
    /// </summary>
    public static void Multiply(bool transposeA, T[] a, int aRows, int aColumns, bool transposeB, T[] b, int bRows, int bColumns, T[] result, T[]? bias = null, T? scale = null, TileDone? tileDone = null)
    {
        int m = transposeA ? aColumns : aRows;
        int k = transposeA ? aRows : aColumns;
        int n = transposeB ? bRows : bColumns;
        if ((transposeB ? bColumns : bRows) != k) throw new InvalidOperationException("Inner dimensions of the product do not match.");
        if (m == 0 || n == 0) return;
        if (typeof(T) == typeof(double) || typeof(T) == typeof(float))
        {
            Gemm<T>.Multiply(transposeA, a, aRows, aColumns, transposeB, b, bRows, bColumns, result, bias, scale, tileDone);
            return;
        }
        for (int j = 0; j < n; j++)
            for (int i = 0; i < m; i++)
            {
                T sum = T.Zero;
                for (int p = 0; p < k; p++)
                {
                    T left = transposeA ? a[i * aRows + p] : a[p * aRows + i];
                    T right = transposeB ? b[p * bRows + j] : b[j * bRows + p];
                    sum += left * right;
                }
                if (scale is T factor) sum *= factor;
                result[j * m + i] = bias is null ? sum : bias[i] + sum;
            }
        tileDone?.Invoke(0, m, 0, n);
    }


    /// <summary>Adds bias[i] to every element of row i of the rows x columns matrix in <paramref name="matrix"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddToEachColumn(Span<T> matrix, ReadOnlySpan<T> bias)
    {
        int rows = bias.Length;
        for (int offset = 0; offset < matrix.Length; offset += rows)
            TensorPrimitives.Add(matrix.Slice(offset, rows), bias, matrix.Slice(offset, rows));
    }

    /// <summary>result[i] = Σ_j matrix(i, j) · scale, the row sums of a rows x (matrix.Length / rows) matrix, scaled.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScaledRowSums(ReadOnlySpan<T> matrix, int rows, T scale, Span<T> result)
    {
        result = result[..rows];
        result.Clear();
        if (rows < ShortColumn)
        {
            // The same additions in the same order, one element at a time: cheaper than a vector call per short column.
            for (int offset = 0; offset < matrix.Length; offset += rows)
                for (int i = 0; i < rows; i++) result[i] += matrix[offset + i];
        }
        else
        {
            for (int offset = 0; offset < matrix.Length; offset += rows) TensorPrimitives.Add(result, matrix.Slice(offset, rows), result);
        }
        TensorPrimitives.Multiply(result, scale, result);
    }

    /// <summary>
    /// a = 1 / (1 + e^-z) for z ≥ 0 and e^z / (1 + e^z) for z &lt; 0, so that e^x never overflows: with u = e^-|z|,
    /// a = (z ≥ 0 ? 1 : u) / (1 + u), in [0, 1] and exactly 1/2 at z = 0.
    /// </summary>
    public static void Logistic(ReadOnlySpan<T> z, Span<T> a) => Simd<T>.Map(z, a, default(LogisticOperation));

    /// <summary>downstream = upstream ⊙ a ⊙ (1 - a), the sigmoid's backward product from its output a.</summary>
    public static void LogisticBackward(ReadOnlySpan<T> a, ReadOnlySpan<T> upstream, Span<T> downstream) =>
        Simd<T>.Map(a, upstream, downstream, default(LogisticBackwardOperation));

    /// <summary>a = tanh z (Cephes' rational form near 0, 1 - 2 / (e^{2|z|} + 1) elsewhere; ±1, never NaN, for large |z|).</summary>
    public static void Tanh(ReadOnlySpan<T> z, Span<T> a) => Simd<T>.Map(z, a, default(TanhOperation));

    /// <summary>downstream = upstream ⊙ (1 - a^2), tanh's backward product from its output a.</summary>
    public static void TanhBackward(ReadOnlySpan<T> a, ReadOnlySpan<T> upstream, Span<T> downstream) =>
        Simd<T>.Map(a, upstream, downstream, default(TanhBackwardOperation));

    /// <summary>a = z for z &gt; 0, else slope · z (exactly +0 when slope is 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rectify(ReadOnlySpan<T> z, Span<T> a, T slope)
    {
        if (slope == T.Zero) Simd<T>.Map(z, a, default(RectifyOperation));
        else Simd<T>.Map(z, a, new LeakyRectifyOperation(slope));
    }

    /// <summary>downstream = upstream where z &gt; 0, else slope · upstream (exactly +0 when slope is 0): the derivative at 0 is the slope.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RectifyBackward(ReadOnlySpan<T> z, ReadOnlySpan<T> upstream, Span<T> downstream, T slope)
    {
        if (slope == T.Zero) Simd<T>.Map(z, upstream, downstream, default(RectifyBackwardOperation));
        else Simd<T>.Map(z, upstream, downstream, new LeakyRectifyBackwardOperation(slope));
    }

    /// <summary>
    /// Columns shorter than this take the whole-matrix path in <see cref="SoftmaxColumns"/> and
    /// <see cref="CategoricalCrossEntropySum"/> (scalar loops per column for the maximum, sums and scaling around one
    /// vector e^x pass over the whole matrix) and scalar loops in <see cref="SoftmaxBackwardColumns"/> and
    /// <see cref="ScaledRowSums"/>, because a few vector calls per column of 10 cost more than they save.
    /// </summary>
    internal const int ShortColumn = 32;

    /// <summary>Softmax of every column of a rows x m matrix: a = e^{z - max} / Σ e^{z - max}, with the column maximum subtracted.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SoftmaxColumns(ReadOnlySpan<T> z, Span<T> a, int rows)
    {
        if (rows < ShortColumn)
        {
            a = a[..z.Length];
            SubtractColumnMaxima(z, a, rows);
            Simd<T>.Map(a, a, new ExpShiftedOperation(T.Zero));
            for (int offset = 0; offset < a.Length; offset += rows)
            {
                var ac = a.Slice(offset, rows);
                T sum = T.Zero;
                for (int i = 0; i < ac.Length; i++) sum += ac[i];
                T inverse = T.One / sum;
                for (int i = 0; i < ac.Length; i++) ac[i] *= inverse;
            }
            return;
        }
        for (int offset = 0; offset < z.Length; offset += rows)
        {
            var zc = z.Slice(offset, rows);
            var ac = a.Slice(offset, rows);
            T sum = Simd<T>.MapSum(zc, ac, new ExpShiftedOperation(Max(zc)));
            TensorPrimitives.Multiply(ac, T.One / sum, ac);
        }
    }

    /// <summary>downstream = a ⊙ (u - (a · u)) per column: softmax's Jacobian (diag(a) - a a^T) times u.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SoftmaxBackwardColumns(ReadOnlySpan<T> a, ReadOnlySpan<T> upstream, Span<T> downstream, int rows)
    {
        if (rows < ShortColumn)
        {
            SoftmaxBackwardShortColumns(a, upstream, downstream, rows);
            return;
        }
        for (int offset = 0; offset < a.Length; offset += rows)
        {
            var ac = a.Slice(offset, rows);
            var uc = upstream.Slice(offset, rows);
            Simd<T>.Map(ac, uc, downstream.Slice(offset, rows), new SoftmaxBackwardOperation(Dot(ac, uc)));
        }
    }

    /// <summary><see cref="SoftmaxBackwardColumns"/> one element at a time, for columns shorter than <see cref="ShortColumn"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SoftmaxBackwardShortColumns(ReadOnlySpan<T> a, ReadOnlySpan<T> upstream, Span<T> downstream, int rows)
    {
        for (int offset = 0; offset < a.Length; offset += rows)
        {
            var ac = a.Slice(offset, rows);
            var uc = upstream.Slice(offset, rows);
            var dc = downstream.Slice(offset, rows);
            T weighted = T.Zero;
            for (int i = 0; i < ac.Length; i++) weighted += ac[i] * uc[i];
            for (int i = 0; i < ac.Length; i++) dc[i] = ac[i] * (uc[i] - weighted);
        }
    }

    /// <summary>
    /// Σ_j [logsumexp(z_:j) Σ_i y_ij - Σ_i y_ij z_ij], the categorical cross-entropy of softmax(z) against y computed
    /// from z (never log 0), with logsumexp as in <see cref="LogSumExp"/>. Short columns use <paramref name="scratch"/>
    /// (at least z.Length elements, not overlapping z or y; a pooled buffer when shorter) for e^{z - max}.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T CategoricalCrossEntropySum(ReadOnlySpan<T> z, ReadOnlySpan<T> y, int rows, Span<T> scratch)
    {
        T sum = T.Zero;
        if (rows >= ShortColumn)
        {
            for (int offset = 0; offset < z.Length; offset += rows)
            {
                var zc = z.Slice(offset, rows);
                var yc = y.Slice(offset, rows);
                sum += LogSumExp(zc) * Sum(yc) - Dot(yc, zc);
            }
            return sum;
        }
        T[]? rented = null;
        if (scratch.Length < z.Length) scratch = rented = ArrayPool<T>.Shared.Rent(z.Length);
        try
        {
            var shifted = scratch[..z.Length];
            SubtractColumnMaxima(z, shifted, rows);
            Simd<T>.Map(shifted, shifted, new ExpShiftedOperation(T.Zero));
            for (int offset = 0; offset < z.Length; offset += rows)
            {
                T exponentials = T.Zero, mass = T.Zero, dot = T.Zero;
                T max = ColumnMax(z.Slice(offset, rows));
                for (int i = offset; i < offset + rows; i++)
                {
                    exponentials += shifted[i];
                    mass += y[i];
                    dot += y[i] * z[i];
                }
                sum += (max + T.Log(exponentials)) * mass - dot;
            }
            return sum;
        }
        finally
        {
            if (rented is not null) ArrayPool<T>.Shared.Return(rented);
        }
    }

    /// <summary>shifted = z - max per column, one element at a time (for short columns).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SubtractColumnMaxima(ReadOnlySpan<T> z, Span<T> shifted, int rows)
    {
        for (int offset = 0; offset < z.Length; offset += rows)
        {
            var zc = z.Slice(offset, rows);
            T max = ColumnMax(zc);
            var sc = shifted.Slice(offset, rows);
            for (int i = 0; i < zc.Length; i++) sc[i] = zc[i] - max;
        }
    }

    /// <summary>The largest element of a short non-empty column, one element at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T ColumnMax(ReadOnlySpan<T> column)
    {
        T max = column[0];
        for (int i = 1; i < column.Length; i++) if (column[i] > max) max = column[i];
        return max;
    }

    /// <summary>log Σ_i e^{x_i}, computed as max + log Σ_i e^{x_i - max}.</summary>
    public static T LogSumExp(ReadOnlySpan<T> values)
    {
        T max = Max(values);
        return max + T.Log(Simd<T>.MapSum(values, Span<T>.Empty, new ExpShiftedOperation(max)));
    }

    /// <summary>The largest element of a non-empty span (NaN when one element is NaN).</summary>
    public static T Max(ReadOnlySpan<T> values) => TensorPrimitives.Max(values);

    /// <summary>Σ_i x_i.</summary>
    public static T Sum(ReadOnlySpan<T> values) => TensorPrimitives.Sum(values);

    /// <summary>result = x - y.</summary>
    public static void Subtract(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> result) => TensorPrimitives.Subtract(x, y, result);

    /// <summary>Σ_i x_i y_i.</summary>
    public static T Dot(ReadOnlySpan<T> x, ReadOnlySpan<T> y) => TensorPrimitives.Dot(x, y);

    /// <summary>result = x ⊙ y, element by element (one rounding each, so the bits do not depend on vector width).</summary>
    public static void MultiplyElementwise(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> result) => TensorPrimitives.Multiply(x, y, result);

    /// <summary>Multiplies every element by <paramref name="scale"/> in place.</summary>
    public static void Scale(Span<T> values, T scale) => TensorPrimitives.Multiply(values, scale, values);

    /// <summary>result = scale · (x - y).</summary>
    public static void ScaledDifference(ReadOnlySpan<T> x, ReadOnlySpan<T> y, T scale, Span<T> result) =>
        Simd<T>.Map(x, y, result, new ScaledDifferenceOperation(scale));

    /// <summary>Σ_i (x_i - y_i)^2.</summary>
    public static T SumOfSquaredDifferences(ReadOnlySpan<T> x, ReadOnlySpan<T> y) => Simd<T>.Sum(x, y, default(SquaredDifferenceOperation));

    /// <summary>Σ_i |x_i - y_i|.</summary>
    public static T SumOfAbsoluteDifferences(ReadOnlySpan<T> x, ReadOnlySpan<T> y) => Simd<T>.Sum(x, y, default(AbsoluteDifferenceOperation));

    /// <summary>result = sign(x - y): 1, -1, or 0 where x = y.</summary>
    public static void SignOfDifference(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> result) => Simd<T>.Map(x, y, result, default(SignOfDifferenceOperation));

    /// <summary>
    /// Σ_i [max(z_i, 0) - z_i y_i + log(1 + e^-|z_i|)], the binary cross-entropy of σ(z) against y from the
    /// pre-activations. log(1 + u) for u = e^-|z| in (0, 1] is log1p(u), in vectors by Goldberg's
    /// log(1 + u) · u / ((1 + u) - 1) (u itself where 1 + u rounds to 1): never log(0), accurate to a few ulps.
    /// </summary>
    public static T LogisticCrossEntropySum(ReadOnlySpan<T> z, ReadOnlySpan<T> y) => Simd<T>.Sum(z, y, default(LogisticCrossEntropyOperation));

    /// <summary>The index of the first non-finite element, or -1.</summary>
    public static int IndexOfNonFinite(ReadOnlySpan<T> values) => Simd<T>.IndexOfNonFinite(values);

    /// <summary>(z ≥ 0 ? 1 : u) / (1 + u) with u = e^-|z|.</summary>
    private readonly struct LogisticOperation : IUnaryOperation<T>
    {
        public T Invoke(T z)
        {
            T u = T.Exp(-T.Abs(z));
            return (z >= T.Zero ? T.One : u) / (T.One + u);
        }

        public Vector256<T> Invoke(Vector256<T> z)
        {
            var u = Simd<T>.Exp(-Vector256.Abs(z));
            return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(z, Vector256<T>.Zero), Vector256<T>.One, u) / (Vector256<T>.One + u);
        }

        public Vector512<T> Invoke(Vector512<T> z)
        {
            var u = Simd<T>.Exp(-Vector512.Abs(z));
            return Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(z, Vector512<T>.Zero), Vector512<T>.One, u) / (Vector512<T>.One + u);
        }
    }

    /// <summary>u a (1 - a) from x = a, y = u.</summary>
    private readonly struct LogisticBackwardOperation : IBinaryOperation<T>
    {
        public T Invoke(T a, T upstream) => upstream * a * (T.One - a);
        public Vector256<T> Invoke(Vector256<T> a, Vector256<T> upstream) => upstream * a * (Vector256<T>.One - a);
        public Vector512<T> Invoke(Vector512<T> a, Vector512<T> upstream) => upstream * a * (Vector512<T>.One - a);
    }

    /// <summary>tanh z.</summary>
    private readonly struct TanhOperation : IUnaryOperation<T>
    {
        public T Invoke(T z) => T.Tanh(z);
        public Vector256<T> Invoke(Vector256<T> z) => Simd<T>.Tanh(z);
        public Vector512<T> Invoke(Vector512<T> z) => Simd<T>.Tanh(z);
    }

    /// <summary>u (1 - a^2) from x = a, y = u.</summary>
    private readonly struct TanhBackwardOperation : IBinaryOperation<T>
    {
        public T Invoke(T a, T upstream) => upstream * (T.One - a * a);
        public Vector256<T> Invoke(Vector256<T> a, Vector256<T> upstream) => upstream * (Vector256<T>.One - a * a);
        public Vector512<T> Invoke(Vector512<T> a, Vector512<T> upstream) => upstream * (Vector512<T>.One - a * a);
    }

    /// <summary>z where z &gt; 0, else +0 (the lanes where z ≤ 0 or NaN are cleared).</summary>
    private readonly struct RectifyOperation : IUnaryOperation<T>
    {
        public T Invoke(T z) => z > T.Zero ? z : T.Zero;
        public Vector256<T> Invoke(Vector256<T> z) => z & Vector256.GreaterThan(z, Vector256<T>.Zero);
        public Vector512<T> Invoke(Vector512<T> z) => z & Vector512.GreaterThan(z, Vector512<T>.Zero);
    }

    /// <summary>z where z &gt; 0, else slope · z.</summary>
    private readonly struct LeakyRectifyOperation(T slope) : IUnaryOperation<T>
    {
        public T Invoke(T z) => z > T.Zero ? z : slope * z;
        public Vector256<T> Invoke(Vector256<T> z) => Vector256.ConditionalSelect(Vector256.GreaterThan(z, Vector256<T>.Zero), z, Vector256.Create(slope) * z);
        public Vector512<T> Invoke(Vector512<T> z) => Vector512.ConditionalSelect(Vector512.GreaterThan(z, Vector512<T>.Zero), z, Vector512.Create(slope) * z);
    }

    /// <summary>u where z &gt; 0, else +0: ReLU'(0) = 0.</summary>
    private readonly struct RectifyBackwardOperation : IBinaryOperation<T>
    {
        public T Invoke(T z, T upstream) => z > T.Zero ? upstream : T.Zero;
        public Vector256<T> Invoke(Vector256<T> z, Vector256<T> upstream) => upstream & Vector256.GreaterThan(z, Vector256<T>.Zero);
        public Vector512<T> Invoke(Vector512<T> z, Vector512<T> upstream) => upstream & Vector512.GreaterThan(z, Vector512<T>.Zero);
    }

    /// <summary>u where z &gt; 0, else slope · u.</summary>
    private readonly struct LeakyRectifyBackwardOperation(T slope) : IBinaryOperation<T>
    {
        public T Invoke(T z, T upstream) => z > T.Zero ? upstream : slope * upstream;
        public Vector256<T> Invoke(Vector256<T> z, Vector256<T> upstream) =>
            Vector256.ConditionalSelect(Vector256.GreaterThan(z, Vector256<T>.Zero), upstream, Vector256.Create(slope) * upstream);
        public Vector512<T> Invoke(Vector512<T> z, Vector512<T> upstream) =>
            Vector512.ConditionalSelect(Vector512.GreaterThan(z, Vector512<T>.Zero), upstream, Vector512.Create(slope) * upstream);
    }

    /// <summary>e^{x - shift}.</summary>
    private readonly struct ExpShiftedOperation(T shift) : IUnaryOperation<T>
    {
        public T Invoke(T x) => T.Exp(x - shift);
        public Vector256<T> Invoke(Vector256<T> x) => Simd<T>.Exp(x - Vector256.Create(shift));
        public Vector512<T> Invoke(Vector512<T> x) => Simd<T>.Exp(x - Vector512.Create(shift));
    }

    /// <summary>a (u - w) from x = a, y = u, with w = a · u of the column.</summary>
    private readonly struct SoftmaxBackwardOperation(T weighted) : IBinaryOperation<T>
    {
        public T Invoke(T a, T upstream) => a * (upstream - weighted);
        public Vector256<T> Invoke(Vector256<T> a, Vector256<T> upstream) => a * (upstream - Vector256.Create(weighted));
        public Vector512<T> Invoke(Vector512<T> a, Vector512<T> upstream) => a * (upstream - Vector512.Create(weighted));
    }

    /// <summary>scale (x - y).</summary>
    private readonly struct ScaledDifferenceOperation(T scale) : IBinaryOperation<T>
    {
        public T Invoke(T x, T y) => scale * (x - y);
        public Vector256<T> Invoke(Vector256<T> x, Vector256<T> y) => Vector256.Create(scale) * (x - y);
        public Vector512<T> Invoke(Vector512<T> x, Vector512<T> y) => Vector512.Create(scale) * (x - y);
    }

    /// <summary>(x - y)^2.</summary>
    private readonly struct SquaredDifferenceOperation : IBinaryOperation<T>
    {
        public T Invoke(T x, T y) => (x - y) * (x - y);
        public Vector256<T> Invoke(Vector256<T> x, Vector256<T> y) => (x - y) * (x - y);
        public Vector512<T> Invoke(Vector512<T> x, Vector512<T> y) => (x - y) * (x - y);
    }

    /// <summary>|x - y|.</summary>
    private readonly struct AbsoluteDifferenceOperation : IBinaryOperation<T>
    {
        public T Invoke(T x, T y) => T.Abs(x - y);
        public Vector256<T> Invoke(Vector256<T> x, Vector256<T> y) => Vector256.Abs(x - y);
        public Vector512<T> Invoke(Vector512<T> x, Vector512<T> y) => Vector512.Abs(x - y);
    }

    /// <summary>sign(x - y), 0 where x = y.</summary>
    private readonly struct SignOfDifferenceOperation : IBinaryOperation<T>
    {
        public T Invoke(T x, T y)
        {
            T difference = x - y;
            return difference > T.Zero ? T.One : difference < T.Zero ? -T.One : T.Zero;
        }

        public Vector256<T> Invoke(Vector256<T> x, Vector256<T> y)
        {
            var difference = x - y;
            return (Vector256<T>.One & Vector256.GreaterThan(difference, Vector256<T>.Zero)) - (Vector256<T>.One & Vector256.LessThan(difference, Vector256<T>.Zero));
        }

        public Vector512<T> Invoke(Vector512<T> x, Vector512<T> y)
        {
            var difference = x - y;
            return (Vector512<T>.One & Vector512.GreaterThan(difference, Vector512<T>.Zero)) - (Vector512<T>.One & Vector512.LessThan(difference, Vector512<T>.Zero));
        }
    }

    /// <summary>max(z, 0) - z y + log1p(e^-|z|) from x = z, y = y.</summary>
    private readonly struct LogisticCrossEntropyOperation : IBinaryOperation<T>
    {
        public T Invoke(T z, T y) => T.Max(z, T.Zero) - z * y + T.LogP1(T.Exp(-T.Abs(z)));

        public Vector256<T> Invoke(Vector256<T> z, Vector256<T> y)
        {
            var u = Simd<T>.Exp(-Vector256.Abs(z));
            var onePlus = Vector256<T>.One + u;
            var logOnePlus = Vector256.ConditionalSelect(Vector256.Equals(onePlus, Vector256<T>.One), u, Simd<T>.Log(onePlus) * (u / (onePlus - Vector256<T>.One)));
            return Vector256.Max(z, Vector256<T>.Zero) - z * y + logOnePlus;
        }

        public Vector512<T> Invoke(Vector512<T> z, Vector512<T> y)
        {
            var u = Simd<T>.Exp(-Vector512.Abs(z));
            var onePlus = Vector512<T>.One + u;
            var logOnePlus = Vector512.ConditionalSelect(Vector512.Equals(onePlus, Vector512<T>.One), u, Simd<T>.Log(onePlus) * (u / (onePlus - Vector512<T>.One)));
            return Vector512.Max(z, Vector512<T>.Zero) - z * y + logOnePlus;
        }
    }
}
