using System.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace Pure;

/// <summary>
/// The one seam through which the model does its arithmetic: matrix products with either operand transposed,
/// bias broadcast, row sums and dot products, all on column-major arrays. Replacing the bodies here (for
/// example with hand-written SIMD kernels) changes no model code. No switch is exposed to users: the
/// implementation is fixed per element type.
/// </summary>
internal static class Kernels<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>result = op(a) · op(b), where op transposes when asked; result has op(a).Rows x op(b).Columns.</summary>
    public static void Multiply(bool transposeA, ImmutableMatrix<T> a, bool transposeB, ImmutableMatrix<T> b, T[] result) =>
        Multiply(transposeA, a.Storage, a.Rows, a.Columns, transposeB, b.Storage, b.Rows, b.Columns, result);

    /// <summary>result = op(a) · op(b) on raw column-major arrays.</summary>
    public static void Multiply(bool transposeA, T[] a, int aRows, int aColumns, bool transposeB, T[] b, int bRows, int bColumns, T[] result)
    {
        int m = transposeA ? aColumns : aRows;
        int k = transposeA ? aRows : aColumns;
        int n = transposeB ? bRows : bColumns;
        if ((transposeB ? bColumns : bRows) != k) throw new InvalidOperationException("Inner dimensions of the product do not match.");
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            Array.Clear(result, 0, m * n);
            return;
        }
        if (typeof(T) == typeof(double) || typeof(T) == typeof(float))
        {
            var left = Matrix<T>.Build.Dense(aRows, aColumns, a);
            var right = Matrix<T>.Build.Dense(bRows, bColumns, b);
            var product = Matrix<T>.Build.Dense(m, n, result);
            if (!transposeA && !transposeB) left.Multiply(right, product);
            else if (transposeA && !transposeB) left.TransposeThisAndMultiply(right, product);
            else if (!transposeA && transposeB) left.TransposeAndMultiply(right, product);
            else left.Transpose().TransposeAndMultiply(right, product);
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
                result[j * m + i] = sum;
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
