using System.Numerics;
using System.Runtime.InteropServices;

namespace Pure.Properties;

/// <summary>
/// When A is not transposed and m is a whole number of row tiles, the product reads A where it lies instead of packing
/// it; whole micro-panels of op(B) are read where they lie too. That must change nothing: the result is bitwise the
/// one of the packed path, reached for A by passing A^T with the transpose flag (which always packs A) and for B by
/// asking the product to pack B, in both of B's storage forms.
/// </summary>
public class GemmDirectPathTests
{
    public static TheoryData<int, int, int> Shapes() => new()
    {
        { 64, 7, 13 }, { 128, 256, 128 }, { 96, 300, 25 }, { 256, 784, 32 }, { 160, 513, 37 }, { 256, 128, 784 }, { 33, 260, 24 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Reading_A_in_place_is_bitwise_the_packed_product(int m, int k, int n)
    {
        CheckA<float>(m, k, n);
        CheckA<double>(m, k, n);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Reading_B_in_place_is_bitwise_the_packed_product(int m, int k, int n)
    {
        CheckB<float>(m, k, n);
        CheckB<double>(m, k, n);
    }

    private static void CheckA<T>(int m, int k, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (a, b, bias) = Operands<T>(m, k, n, seed: 0);
        var transposed = Transpose(a, m, k);
        foreach (var kind in Kinds<T>())
        {
            if (m % Gemm<T>.RowTile(kind) != 0) continue;
            var direct = Product(kind, false, a, m, k, false, b, k, n, bias, packB: false);
            var packed = Product(kind, true, transposed, k, m, false, b, k, n, bias, packB: false);
            AssertSameBits(direct, packed, $"{typeof(T).Name} {kind} {m}x{k}x{n}: reading A in place differs from packing it");
        }
    }

    private static void CheckB<T>(int m, int k, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (a, b, bias) = Operands<T>(m, k, n, seed: 1);
        var transposed = Transpose(b, k, n);
        foreach (var kind in Kinds<T>())
            foreach (bool packB in new[] { false, true })
            {
                var packed = Product(kind, false, a, m, k, false, b, k, n, bias, packB: true);
                AssertSameBits(Product(kind, false, a, m, k, false, b, k, n, bias, packB), packed,
                    $"{typeof(T).Name} {kind} {m}x{k}x{n}: B as stored, packB={packB}, differs from packing B");
                AssertSameBits(Product(kind, false, a, m, k, true, transposed, n, k, bias, packB), packed,
                    $"{typeof(T).Name} {kind} {m}x{k}x{n}: B transposed, packB={packB}, differs from packing B");
            }
    }

    private static (T[] A, T[] B, T[] Bias) Operands<T>(int m, int k, int n, int seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(m * 1000 + k * 10 + n + seed);
        var a = Enumerable.Range(0, m * k).Select(_ => T.CreateChecked(random.NextDouble() * 2 - 1)).ToArray();
        var b = Enumerable.Range(0, k * n).Select(_ => T.CreateChecked(random.NextDouble() * 2 - 1)).ToArray();
        var bias = Enumerable.Range(0, m).Select(_ => T.CreateChecked(random.NextDouble())).ToArray();
        return (a, b, bias);
    }

    /// <summary>The column-major transpose of a rows x columns column-major matrix.</summary>
    private static T[] Transpose<T>(T[] values, int rows, int columns)
    {
        var transposed = new T[values.Length];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++) transposed[i * columns + j] = values[j * rows + i];
        return transposed;
    }

    private static IEnumerable<GemmKernel> Kinds<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
        new[] { GemmKernel.Vector512, GemmKernel.Vector256, GemmKernel.Scalar }.Where(Gemm<T>.IsSupported);

    private static T[] Product<T>(GemmKernel kind, bool transposeA, T[] a, int aRows, int aColumns, bool transposeB, T[] b, int bRows, int bColumns, T[] bias, bool packB)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = transposeA ? aColumns : aRows, n = transposeB ? bRows : bColumns;
        var c = new T[m * n];
        Gemm<T>.Multiply(kind, transposeA, a, aRows, aColumns, transposeB, b, bRows, bColumns, c, bias, T.CreateChecked(0.5), packB: packB);
        return c;
    }

    private static void AssertSameBits<T>(T[] actual, T[] expected, string message) where T : unmanaged =>
        Assert.True(MemoryMarshal.AsBytes(actual.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(expected.AsSpan())), message);
}
