using System.Numerics;

namespace Pure;

/// <summary>
/// The one seam through which the model does its arithmetic: matrix products with either operand transposed,
/// bias broadcast, row sums and dot products, all on column-major arrays. Products of float and double run on
/// <see cref="Gemm{T}"/>; replacing the bodies here changes no model code. No switch is exposed to users: the
/// implementation is fixed per element type.
/// </summary>
internal static class Kernels<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>result = op(a) · op(b), where op transposes when asked; result has op(a).Rows x op(b).Columns.</summary>
    public static void Multiply(bool transposeA, ImmutableMatrix<T> a, bool transposeB, ImmutableMatrix<T> b, T[] result) =>
        Multiply(transposeA, a.Storage, a.Rows, a.Columns, transposeB, b.Storage, b.Rows, b.Columns, result);

    /// <summary>
    /// result = scale · op(a) · op(b) on raw column-major arrays, plus bias[i] on every element of row i when a bias is
    /// given (scale and bias applied in the product's epilogue). The arrays may be longer than the shapes need.
    /// </summary>
    public static void Multiply(bool transposeA, T[] a, int aRows, int aColumns, bool transposeB, T[] b, int bRows, int bColumns, T[] result, T[]? bias = null, T? scale = null)
    {
        int m = transposeA ? aColumns : aRows;
        int k = transposeA ? aRows : aColumns;
        int n = transposeB ? bRows : bColumns;
        if ((transposeB ? bColumns : bRows) != k) throw new InvalidOperationException("Inner dimensions of the product do not match.");
        if (m == 0 || n == 0) return;
        if (typeof(T) == typeof(double) || typeof(T) == typeof(float))
        {
            Gemm<T>.Multiply(transposeA, a, aRows, aColumns, transposeB, b, bRows, bColumns, result, bias, scale);
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
    }

    /// <summary>Adds bias[i] to every element of row i of the rows x columns matrix in <paramref name="matrix"/>.</summary>
    public static void AddToEachColumn(Span<T> matrix, ReadOnlySpan<T> bias)
    {
        int rows = bias.Length;
        for (int offset = 0; offset < matrix.Length; offset += rows)
        {
            var column = matrix.Slice(offset, rows);
            for (int i = 0; i < rows; i++) column[i] += bias[i];
        }
    }

    /// <summary>result[i] = Σ_j matrix(i, j) · scale, the row sums of a rows x (matrix.Length / rows) matrix, scaled.</summary>
    public static void ScaledRowSums(ReadOnlySpan<T> matrix, int rows, T scale, Span<T> result)
    {
        result.Clear();
        for (int offset = 0; offset < matrix.Length; offset += rows)
        {
            var column = matrix.Slice(offset, rows);
            for (int i = 0; i < rows; i++) result[i] += column[i];
        }
        for (int i = 0; i < rows; i++) result[i] *= scale;
    }

    /// <summary>a = 1 / (1 + e^-z) for z ≥ 0 and e^z / (1 + e^z) for z &lt; 0, so that e^x never overflows.</summary>
    public static void Logistic(ReadOnlySpan<T> z, Span<T> a)
    {
        for (int i = 0; i < z.Length; i++)
        {
            if (z[i] >= T.Zero)
            {
                a[i] = T.One / (T.One + T.Exp(-z[i]));
            }
            else
            {
                T e = T.Exp(z[i]);
                a[i] = e / (T.One + e);
            }
        }
    }

    /// <summary>downstream = upstream ⊙ a ⊙ (1 - a), the sigmoid's backward product from its output a.</summary>
    public static void LogisticBackward(ReadOnlySpan<T> a, ReadOnlySpan<T> upstream, Span<T> downstream)
    {
        for (int i = 0; i < a.Length; i++) downstream[i] = upstream[i] * a[i] * (T.One - a[i]);
    }

    /// <summary>a = tanh z.</summary>
    public static void Tanh(ReadOnlySpan<T> z, Span<T> a)
    {
        for (int i = 0; i < z.Length; i++) a[i] = T.Tanh(z[i]);
    }

    /// <summary>downstream = upstream ⊙ (1 - a^2), tanh's backward product from its output a.</summary>
    public static void TanhBackward(ReadOnlySpan<T> a, ReadOnlySpan<T> upstream, Span<T> downstream)
    {
        for (int i = 0; i < a.Length; i++) downstream[i] = upstream[i] * (T.One - a[i] * a[i]);
    }

    /// <summary>a = z for z &gt; 0, else slope · z (exactly 0 when slope is 0).</summary>
    public static void Rectify(ReadOnlySpan<T> z, Span<T> a, T slope)
    {
        for (int i = 0; i < z.Length; i++) a[i] = z[i] > T.Zero ? z[i] : slope == T.Zero ? T.Zero : slope * z[i];
    }

    /// <summary>downstream = upstream where z &gt; 0, else slope · upstream (exactly 0 when slope is 0): the derivative at 0 is the slope.</summary>
    public static void RectifyBackward(ReadOnlySpan<T> z, ReadOnlySpan<T> upstream, Span<T> downstream, T slope)
    {
        for (int i = 0; i < z.Length; i++) downstream[i] = z[i] > T.Zero ? upstream[i] : slope == T.Zero ? T.Zero : slope * upstream[i];
    }

    /// <summary>Softmax of every column of a rows x m matrix, with the column maximum subtracted before e^x.</summary>
    public static void SoftmaxColumns(ReadOnlySpan<T> z, Span<T> a, int rows)
    {
        for (int offset = 0; offset < z.Length; offset += rows)
        {
            var zc = z.Slice(offset, rows);
            var ac = a.Slice(offset, rows);
            T max = Max(zc);
            T sum = T.Zero;
            for (int i = 0; i < rows; i++)
            {
                ac[i] = T.Exp(zc[i] - max);
                sum += ac[i];
            }
            T inverse = T.One / sum;
            for (int i = 0; i < rows; i++) ac[i] *= inverse;
        }
    }

    /// <summary>downstream = a ⊙ (u - (a · u)) per column: softmax's Jacobian (diag(a) - a a^T) times u.</summary>
    public static void SoftmaxBackwardColumns(ReadOnlySpan<T> a, ReadOnlySpan<T> upstream, Span<T> downstream, int rows)
    {
        for (int offset = 0; offset < a.Length; offset += rows)
        {
            var ac = a.Slice(offset, rows);
            var uc = upstream.Slice(offset, rows);
            var dc = downstream.Slice(offset, rows);
            T weighted = Dot(ac, uc);
            for (int i = 0; i < rows; i++) dc[i] = ac[i] * (uc[i] - weighted);
        }
    }

    /// <summary>log Σ_i e^{x_i}, computed as max + log Σ_i e^{x_i - max}.</summary>
    public static T LogSumExp(ReadOnlySpan<T> values)
    {
        T max = Max(values);
        T sum = T.Zero;
        for (int i = 0; i < values.Length; i++) sum += T.Exp(values[i] - max);
        return max + T.Log(sum);
    }

    /// <summary>The largest element of a non-empty span.</summary>
    public static T Max(ReadOnlySpan<T> values)
    {
        T max = values[0];
        for (int i = 1; i < values.Length; i++) if (values[i] > max) max = values[i];
        return max;
    }

    /// <summary>result = x - y.</summary>
    public static void Subtract(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> result)
    {
        for (int i = 0; i < x.Length; i++) result[i] = x[i] - y[i];
    }

    /// <summary>Σ_i x_i y_i.</summary>
    public static T Dot(ReadOnlySpan<T> x, ReadOnlySpan<T> y)
    {
        T sum = T.Zero;
        for (int i = 0; i < x.Length; i++) sum += x[i] * y[i];
        return sum;
    }

    /// <summary>Multiplies every element by <paramref name="scale"/> in place.</summary>
    public static void Scale(Span<T> values, T scale)
    {
        for (int i = 0; i < values.Length; i++) values[i] *= scale;
    }

    /// <summary>The index of the first non-finite element, or -1.</summary>
    public static int IndexOfNonFinite(ReadOnlySpan<T> values)
    {
        for (int i = 0; i < values.Length; i++)
            if (!T.IsFinite(values[i])) return i;
        return -1;
    }
}
