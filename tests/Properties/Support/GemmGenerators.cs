using FsCheck;
using FsCheck.Fluent;

namespace Pure.Properties.Support;

/// <summary>
/// A product C (m x n) = op(A) · op(B) with op(A) m x k and op(B) k x n: the shape and the elements as integers
/// (the element is the integer divided by <see cref="Scale"/>). A holds m · k values and B k · n, column-major;
/// each form reads them as the stored matrix its transpose flag asks for (A as k x m when transposed).
/// </summary>
public sealed record GemmCase(int M, int K, int N, int[] A, int[] B, int[] Bias, int Scale)
{
    /// <summary>The elements of A, B or the bias as T: value / Scale, rounded once.</summary>
    public T[] Values<T>(int[] integers) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        [.. integers.Select(i => T.CreateChecked((double)i / Scale))];

    /// <summary>Readable in FsCheck's failure report (elements only when there are few).</summary>
    public override string ToString() =>
        $"m={M} k={K} n={N} scale={Scale}" + (A.Length + B.Length <= 200
            ? $"\nA=[{string.Join(", ", A)}]\nB=[{string.Join(", ", B)}]\nbias=[{string.Join(", ", Bias)}]"
            : "");
}

/// <summary>Shapes and values for the matrix-product properties.</summary>
public static class GemmGenerators
{
    /// <summary>Small primes: no blocking or unrolling divides them.</summary>
    public static readonly int[] SmallPrimes = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];

    /// <summary>
    /// Sizes around the tile and vector boundaries: one vector of doubles or floats (4, 8, 16 lanes), a micro-tile
    /// (RowTile 8, 16, 32; ColumnTile 4, 6, 12) and its multiples, and MaxTileRows = 128.
    /// </summary>
    public static readonly int[] Boundaries = [15, 16, 17, 23, 24, 25, 31, 32, 33, 47, 48, 49, 127, 128, 129];

    /// <summary>Depths around one and two blocks of <c>Gemm.DepthBlock</c> = 256, so that C accumulates over several blocks.</summary>
    public static readonly int[] DeepSizes = [255, 256, 257, 513];

    /// <summary>Widths around MaxTileColumns = 240 (used rarely, for m and n).</summary>
    public static readonly int[] WideSizes = [239, 240, 241];

    /// <summary>m or n: mostly 1, small primes and boundary sizes, sometimes any size up to 64, rarely around 240.</summary>
    public static Gen<int> Dimension() => Gen.Frequency(
        (4, Gen.Constant(1)),
        (8, Gen.Elements(SmallPrimes)),
        (6, Gen.Elements(Boundaries)),
        (3, Gen.Choose(1, 64)),
        (1, Gen.Elements(WideSizes)));

    /// <summary>k: like <see cref="Dimension"/>, and about one time in ten a depth of one, two or three blocks.</summary>
    public static Gen<int> Depth() => Gen.Frequency((9, Dimension()), (1, Gen.Elements(DeepSizes)));

    /// <summary>
    /// A case of the given shape with integer elements in [-bound, bound] divided by <paramref name="scale"/>
    /// (by default values in [-10, 10] with two decimals, as Gen.Choose(-1000, 1000) / 100).
    /// </summary>
    public static Gen<GemmCase> Case(Gen<int> rows, Gen<int> depth, Gen<int> columns, int bound = 1000, int scale = 100) =>
        from m in rows
        from k in depth
        from n in columns
        from a in Gen.ArrayOf(Gen.Choose(-bound, bound), m * k)
        from b in Gen.ArrayOf(Gen.Choose(-bound, bound), k * n)
        from bias in Gen.ArrayOf(Gen.Choose(-bound, bound), m)
        select new GemmCase(m, k, n, a, b, bias, scale);

    /// <summary>Cases with m, n from <see cref="Dimension"/> and k from <see cref="Depth"/>.</summary>
    public static Gen<GemmCase> Case(int bound = 1000, int scale = 100) => Case(Dimension(), Depth(), Dimension(), bound, scale);

    /// <summary>
    /// Cases big enough to run in parallel (2 m n k ≥ 2 · 200 · 257 · 241 > Gemm.SerialWork = 2^24, up to
    /// 264 x 300 x 300: m, k, n across several row tiles, depth blocks and column tiles) or, one time in four, any
    /// case of <see cref="Case(int, int)"/>.
    /// </summary>
    public static Gen<GemmCase> ParallelCase() => Gen.Frequency(
        (3, Case(Gen.Elements(200, 264), Gen.Elements(257, 300), Gen.Elements(241, 300))),
        (1, Case()));
}
