using System.Numerics;
using System.Runtime.InteropServices;

namespace Pure.Properties;

/// <summary>
/// When A is not transposed and m is a whole number of row tiles, the product reads A where it lies instead of packing
/// it; when B is stored transposed, it reads B's whole micro-panels where they lie. That must change nothing: the
/// result is bitwise the one of the packed path, reached here by passing the other storage with the other transpose
/// flag (A^T transposed, B as stored: both always packed).
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
        Check<float>(m, k, n);
        Check<double>(m, k, n);
    }

    private static void Check<T>(int m, int k, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(m * 1000 + k * 10 + n);
        var a = Enumerable.Range(0, m * k).Select(_ => T.CreateChecked(random.NextDouble() * 2 - 1)).ToArray();
        var b = Enumerable.Range(0, k * n).Select(_ => T.CreateChecked(random.NextDouble() * 2 - 1)).ToArray();
        var bias = Enumerable.Range(0, m).Select(_ => T.CreateChecked(random.NextDouble())).ToArray();
        var transposed = new T[k * m];
        for (int i = 0; i < m; i++)
            for (int p = 0; p < k; p++) transposed[i * k + p] = a[p * m + i];
        foreach (var kind in new[] { GemmKernel.Vector512, GemmKernel.Vector256, GemmKernel.Scalar }.Where(Gemm<T>.IsSupported))
        {
            if (m % Gemm<T>.RowTile(kind) != 0) continue;
            var direct = new T[m * n];
            var packed = new T[m * n];
            Gemm<T>.Multiply(kind, false, a, m, k, false, b, k, n, direct, bias, T.CreateChecked(0.5));
            Gemm<T>.Multiply(kind, true, transposed, k, m, false, b, k, n, packed, bias, T.CreateChecked(0.5));
            Assert.True(MemoryMarshal.AsBytes(direct.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(packed.AsSpan())),
                $"{typeof(T).Name} {kind} {m}x{k}x{n}: reading A in place differs from packing it");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Reading_B_in_place_is_bitwise_the_packed_product(int m, int k, int n)
    {
        CheckB<float>(m, k, n);
        CheckB<double>(m, k, n);
    }

    private static void CheckB<T>(int m, int k, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(m * 1000 + k * 10 + n + 1);
        var a = Enumerable.Range(0, m * k).Select(_ => T.CreateChecked(random.NextDouble() * 2 - 1)).ToArray();
        var b = Enumerable.Range(0, k * n).Select(_ => T.CreateChecked(random.NextDouble() * 2 - 1)).ToArray();
        var bias = Enumerable.Range(0, m).Select(_ => T.CreateChecked(random.NextDouble())).ToArray();
        var transposed = new T[n * k];
        for (int p = 0; p < k; p++)
            for (int j = 0; j < n; j++) transposed[p * n + j] = b[j * k + p];
        foreach (var kind in new[] { GemmKernel.Vector512, GemmKernel.Vector256, GemmKernel.Scalar }.Where(Gemm<T>.IsSupported))
        {
            var direct = new T[m * n];
            var packed = new T[m * n];
            Gemm<T>.Multiply(kind, false, a, m, k, true, transposed, n, k, direct, bias, T.CreateChecked(0.5));
            Gemm<T>.Multiply(kind, false, a, m, k, false, b, k, n, packed, bias, T.CreateChecked(0.5));
            Assert.True(MemoryMarshal.AsBytes(direct.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(packed.AsSpan())),
                $"{typeof(T).Name} {kind} {m}x{k}x{n}: reading B in place differs from packing it");
        }
    }
}
