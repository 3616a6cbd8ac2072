using System.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace Pure.Benchmarks;

/// <summary>The three forms of product backprop uses: NN (forward, Z = W A), NT (weight gradient, δ A^T) and TN (hidden error, W^T δ).</summary>
public enum GemmForm
{
    /// <summary>C = A · B, A m x k, B k x n.</summary>
    NN,

    /// <summary>C = A · B^T, A m x k, B n x k.</summary>
    NT,

    /// <summary>C = A^T · B, A k x m, B k x n.</summary>
    TN,
}

/// <summary>One product C (m x n) = op(A) · op(B) with inner size k, and what it stands for in the network.</summary>
public sealed record GemmShape(GemmForm Form, int M, int K, int N, string Role)
{
    /// <summary>2 m n k, the floating-point operations of one product.</summary>
    public double Flops => 2.0 * M * N * K;

    /// <summary>For BenchmarkDotNet's parameter column, for example "NN 256x784x128".</summary>
    public override string ToString() => $"{Form} {M}x{K}x{N}";

    /// <summary>
    /// The products of one training step of 784-256-128-10 at batch 128 (forward, weight gradients, hidden errors),
    /// and a square 1024 product.
    /// </summary>
    public static IReadOnlyList<GemmShape> All { get; } =
    [
        new(GemmForm.NN, 256, 784, 128, "Z1 = W1 X"),
        new(GemmForm.NN, 128, 256, 128, "Z2 = W2 A1"),
        new(GemmForm.NN, 10, 128, 128, "Z3 = W3 A2"),
        new(GemmForm.NT, 256, 128, 784, "dW1 = D1 X^T"),
        new(GemmForm.NT, 128, 128, 256, "dW2 = D2 A1^T"),
        new(GemmForm.NT, 10, 128, 128, "dW3 = D3 A2^T"),
        new(GemmForm.TN, 256, 128, 128, "W2^T D2"),
        new(GemmForm.TN, 128, 10, 128, "W3^T D3"),
        new(GemmForm.NN, 1024, 1024, 1024, "square"),
    ];
}

/// <summary>Preallocated operands of one shape, as raw column-major arrays for Pure and as MathNet matrices sharing nothing with them.</summary>
internal sealed class GemmOperands<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public GemmOperands(GemmShape shape, int seed)
    {
        Shape = shape;
        var random = new Random(seed);
        (ARows, AColumns) = shape.Form == GemmForm.TN ? (shape.K, shape.M) : (shape.M, shape.K);
        (BRows, BColumns) = shape.Form == GemmForm.NT ? (shape.N, shape.K) : (shape.K, shape.N);
        A = Fill(ARows * AColumns, random);
        B = Fill(BRows * BColumns, random);
        C = new T[shape.M * shape.N];
        MathNetA = Matrix<T>.Build.Dense(ARows, AColumns, (T[])A.Clone());
        MathNetB = Matrix<T>.Build.Dense(BRows, BColumns, (T[])B.Clone());
        MathNetC = Matrix<T>.Build.Dense(shape.M, shape.N);
    }

    public GemmShape Shape { get; }
    public int ARows { get; }
    public int AColumns { get; }
    public int BRows { get; }
    public int BColumns { get; }
    public T[] A { get; }
    public T[] B { get; }
    public T[] C { get; }
    public Matrix<T> MathNetA { get; }
    public Matrix<T> MathNetB { get; }
    public Matrix<T> MathNetC { get; }

    /// <summary>C = op(A) op(B) with Pure's internal GEMM.</summary>
    public void Pure() =>
        Gemm<T>.Multiply(Shape.Form == GemmForm.TN, A, ARows, AColumns, Shape.Form == GemmForm.NT, B, BRows, BColumns, C);

    /// <summary>
    /// Writes every cache line of A and B on the calling thread (adding zero), then runs <see cref="Pure"/>: the
    /// operands arrive as they do in training, freshly written by the thread that calls the product.
    /// </summary>
    public void TouchedPure()
    {
        int stride = 64 / System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        for (int i = 0; i < A.Length; i += stride) A[i] += T.Zero;
        for (int i = 0; i < B.Length; i += stride) B[i] += T.Zero;
        Pure();
    }

    /// <summary>The same product with MathNet's managed provider, into the preallocated result.</summary>
    public void MathNet()
    {
        switch (Shape.Form)
        {
            case GemmForm.NN: MathNetA.Multiply(MathNetB, MathNetC); break;
            case GemmForm.NT: MathNetA.TransposeAndMultiply(MathNetB, MathNetC); break;
            default: MathNetA.TransposeThisAndMultiply(MathNetB, MathNetC); break;
        }
    }

    /// <summary>The largest |Pure - MathNet| over C after both have run, relative to the largest |C|.</summary>
    public double RelativeDifference()
    {
        Pure();
        MathNet();
        var other = MathNetC.AsColumnMajorArray() ?? MathNetC.ToColumnMajorArray();
        double largest = 0, difference = 0;
        for (int i = 0; i < C.Length; i++)
        {
            largest = Math.Max(largest, Math.Abs(double.CreateChecked(other[i])));
            difference = Math.Max(difference, Math.Abs(double.CreateChecked(C[i] - other[i])));
        }
        return largest == 0 ? difference : difference / largest;
    }

    private static T[] Fill(int length, Random random)
    {
        var values = new T[length];
        for (int i = 0; i < length; i++) values[i] = T.CreateChecked(random.NextDouble() * 2 - 1);
        return values;
    }
}
