using FsCheck;
using FsCheck.Fluent;

namespace Pure.Properties.Support;

/// <summary>Matrix shapes and float matrices for the matrix-product tests; the law kit (Pure.Testing) has no such generators.</summary>
public static class MatrixGenerators
{
    /// <summary>Matrix dimensions: 1 to 16 with extra weight on 1 and the primes 2, 3, 5, 7, 11, 13.</summary>
    public static Gen<int> Dimension() =>
        Gen.OneOf(Gen.Elements(1, 2, 3, 5, 7, 11, 13), Gen.Choose(1, 16));

    /// <summary>A rows x columns float matrix of values in [-2, 2].</summary>
    public static Gen<ImmutableMatrix<float>> FloatMatrix(int rows, int columns) =>
        Gen.ArrayOf(Gen.Choose(-2000, 2000).Select(i => i / 1000f), rows * columns)
            .Select(values => ImmutableMatrix.FromColumnMajor<float>(rows, columns, values));
}
