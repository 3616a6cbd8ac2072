using FsCheck;
using FsCheck.Fluent;
using MathNet.Numerics.LinearAlgebra;
using Pure.Properties.Support;
using Pure.Testing;

namespace Pure.Properties;

/// <summary>The library's own immutable matrix and vector: value semantics, conversions that copy, products.</summary>
public class MatrixTests
{
    private static Gen<ImmutableMatrix<double>> AnyMatrix() =>
        from rows in MatrixGenerators.Dimension()
        from columns in MatrixGenerators.Dimension()
        from matrix in Generators.Matrix(rows, columns)
        select matrix;

    [PureProperty]
    public Property ImmutableMatrix_has_value_equality_and_hash_codes()
    {
        var input = from matrix in AnyMatrix()
                    from index in Gen.Choose(0, matrix.Count - 1)
                    select (matrix, index);
        return Prop.ForAll(Arb.From(input), pair =>
        {
            var (matrix, index) = pair;
            var copy = ImmutableMatrix.FromColumnMajor<double>(matrix.Rows, matrix.Columns, matrix.ToColumnMajorArray());
            Assert.NotSame(matrix, copy);
            Assert.True(matrix.Equals(copy));
            Assert.True(matrix.Equals((object)copy));
            Assert.True(matrix == copy);
            Assert.False(matrix != copy);
            Assert.Equal(matrix.GetHashCode(), copy.GetHashCode());

            // One element changed: not equal.
            var values = matrix.ToColumnMajorArray();
            values[index] += 1;
            var changed = ImmutableMatrix.FromColumnMajor<double>(matrix.Rows, matrix.Columns, values);
            Assert.False(matrix.Equals(changed));
            Assert.True(matrix != changed);

            // The same elements in another shape: not equal (unless the shape is the same, i.e. a square transpose of a vector).
            if (matrix.Rows != matrix.Columns)
            {
                var reshaped = ImmutableMatrix.FromColumnMajor<double>(matrix.Columns, matrix.Rows, matrix.ToColumnMajorArray());
                Assert.False(matrix.Equals(reshaped));
                Assert.True(matrix != reshaped);
            }
            Assert.False(matrix.Equals(null));
            Assert.False(matrix == null);
            Assert.False(matrix.Equals((object)matrix.ToArray()));
        });
    }

    [Fact]
    public void ImmutableMatrix_has_value_equality_and_hash_codes_by_example()
    {
        // 2 x 3 and 3 x 2 of the same storage, and empty matrices of different shapes.
        Assert.NotEqual(ImmutableMatrix.FromColumnMajor<double>(2, 3, [1, 2, 3, 4, 5, 6]), ImmutableMatrix.FromColumnMajor<double>(3, 2, [1, 2, 3, 4, 5, 6]));
        Assert.NotEqual(ImmutableMatrix.Zeros<double>(0, 3), ImmutableMatrix.Zeros<double>(3, 0));
        Assert.Equal(ImmutableMatrix.Zeros<double>(0, 3), ImmutableMatrix.Zeros<double>(0, 3));
        // NaN equals NaN (structural equality, as records of doubles compare).
        Assert.Equal(ImmutableMatrix.Column(double.NaN), ImmutableMatrix.Column(double.NaN));
    }

    [Fact]
    public void Equal_matrices_and_vectors_have_equal_hash_codes_for_signed_zeros_and_nans()
    {
        // Elements compare with double.Equals, where 0.0 equals -0.0 and every NaN equals every NaN, although their
        // bits differ; equal values must still have equal hash codes (a gradient often holds -0.0 where another has 0.0).
        double otherNaN = BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(double.NaN) ^ 1);
        var pairs = new (double Left, double Right)[] { (0.0, -0.0), (double.NaN, otherNaN) };
        foreach (var (left, right) in pairs)
        {
            var a = ImmutableMatrix.Column(1.0, left);
            var b = ImmutableMatrix.Column(1.0, right);
            Assert.Equal(a, b);
            Assert.Equal(a.GetHashCode(), b.GetHashCode());
            var u = ImmutableVector.Create(left, 2.0);
            var v = ImmutableVector.Create(right, 2.0);
            Assert.Equal(u, v);
            Assert.Equal(u.GetHashCode(), v.GetHashCode());
        }
        Assert.Equal(ImmutableMatrix.Column(-0f).GetHashCode(), ImmutableMatrix.Column(0f).GetHashCode());
    }

    [Fact]
    public void ImmutableMatrix_to_string_shows_shape_and_elements()
    {
        var matrix = ImmutableMatrix.FromArray(new double[,] { { 1, 2.5, -3 }, { 0.125, 4, 1e6 } });
        var lines = matrix.ToString().Split('\n');
        Assert.Contains("2 x 3", lines[0]);
        Assert.Contains("Double", lines[0]);
        Assert.Equal(3, lines.Length);
        AssertInOrder(lines[1], "1", "2.5", "-3");
        AssertInOrder(lines[2], "0.125", "4", "1E+06");

        var large = ImmutableMatrix.Create<float>(20, 30, (i, j) => i * 100 + j);
        var text = large.ToString();
        Assert.Contains("20 x 30", text);
        Assert.Contains("Single", text);
        Assert.Contains("...", text);
        Assert.True(text.Length < 1000, $"ToString of a 20 x 30 matrix should be truncated, got {text.Length} characters");

        var vector = ImmutableVector.Create(1.5, -2.0);
        Assert.Contains("2", vector.ToString());
        AssertInOrder(vector.ToString(), "1.5", "-2");
    }

    [PureProperty]
    public Property ImmutableMatrix_round_trips_to_mathnet_and_arrays()
    {
        return Prop.ForAll(Arb.From(AnyMatrix()), matrix =>
        {
            var mathNet = matrix.ToMathNet();
            Assert.Equal(matrix.Rows, mathNet.RowCount);
            Assert.Equal(matrix.Columns, mathNet.ColumnCount);
            var array = matrix.ToArray();
            var rowMajor = new double[matrix.Count];
            for (int i = 0; i < matrix.Rows; i++)
                for (int j = 0; j < matrix.Columns; j++)
                {
                    Assert.Equal(matrix[i, j], mathNet[i, j]);
                    Assert.Equal(matrix[i, j], array[i, j]);
                    Assert.Equal(matrix[i, j], matrix.AsSpan()[j * matrix.Rows + i]);
                    rowMajor[i * matrix.Columns + j] = matrix[i, j];
                }
            Assert.Equal(matrix, ImmutableMatrix.FromMathNet(mathNet));
            Assert.Equal(matrix, ImmutableMatrix.FromArray(array));
            Assert.Equal(matrix, ImmutableMatrix.FromRowMajor<double>(matrix.Rows, matrix.Columns, rowMajor));
            Assert.Equal(matrix, ImmutableMatrix.FromColumnMajor<double>(matrix.Rows, matrix.Columns, matrix.ToColumnMajorArray()));
            Assert.Equal(matrix, ImmutableMatrix.FromRows<double>(Enumerable.Range(0, matrix.Rows).Select(i => rowMajor[(i * matrix.Columns)..((i + 1) * matrix.Columns)]).ToArray()));
            Assert.Equal(matrix, matrix.Transpose().Transpose());
            Assert.Equal(mathNet.Transpose(), matrix.Transpose().ToMathNet());

            var vectorValues = matrix.ToColumnMajorArray();
            var vector = ImmutableVector.Create(vectorValues);
            Assert.Equal(vector, ImmutableVector.FromMathNet(vector.ToMathNet()));
            Assert.Equal(vectorValues, vector.ToMathNet().ToArray());
            Assert.Equal(vector, ImmutableVector.FromSpan<double>(vector.ToArray()));
        });
    }

    [Fact]
    public void ImmutableMatrix_round_trips_to_mathnet_and_arrays_by_example()
    {
        // Float works the same way.
        var single = ImmutableMatrix.FromArray(new float[,] { { 1, 2 }, { 3, 4 }, { 5, 6 } });
        Assert.Equal(Matrix<float>.Build.DenseOfArray(new float[,] { { 1, 2 }, { 3, 4 }, { 5, 6 } }), single.ToMathNet());
        Assert.Equal(single, ImmutableMatrix.FromMathNet(single.ToMathNet()));
        Assert.Equal(single, ImmutableMatrix.FromRowMajor<float>(3, 2, [1, 2, 3, 4, 5, 6]));
        Assert.Equal(single, ImmutableMatrix.FromColumnMajor<float>(3, 2, [1, 3, 5, 2, 4, 6]));
    }

    [Fact]
    public void ImmutableMatrix_factories_and_conversions_copy()
    {
        // Mutating a factory's source afterwards changes nothing.
        var array = new double[,] { { 1, 2 }, { 3, 4 } };
        var columnMajor = new[] { 1.0, 3, 2, 4 };
        var rowMajor = new[] { 1.0, 2, 3, 4 };
        var rows = new[] { new[] { 1.0, 2 }, new[] { 3.0, 4 } };
        var column = new[] { 1.0, 2 };
        var mathNet = Matrix<double>.Build.DenseOfArray(array);
        var expected = ImmutableMatrix.FromArray(new double[,] { { 1, 2 }, { 3, 4 } });
        var made = new[]
        {
            ImmutableMatrix.FromArray(array),
            ImmutableMatrix.FromColumnMajor<double>(2, 2, columnMajor),
            ImmutableMatrix.FromRowMajor<double>(2, 2, rowMajor),
            ImmutableMatrix.FromRows<double>(rows),
            ImmutableMatrix.FromMathNet(mathNet),
        };
        var columnMatrix = ImmutableMatrix.Column(column);
        var vectorSource = new[] { 1.0, 2 };
        var vectorMathNet = Vector<double>.Build.Dense([1.0, 2]);
        var vectors = new[] { ImmutableVector.Create(vectorSource), ImmutableVector.FromSpan<double>(vectorSource), ImmutableVector.FromMathNet(vectorMathNet) };

        array[0, 0] = columnMajor[0] = rowMajor[0] = rows[0][0] = column[0] = vectorSource[0] = 99;
        mathNet[0, 0] = vectorMathNet[0] = 99;

        Assert.All(made, m => Assert.Equal(expected, m));
        Assert.Equal(ImmutableMatrix.FromColumnMajor<double>(2, 1, [1, 2]), columnMatrix);
        Assert.All(vectors, v => Assert.Equal(ImmutableVector.Create(1.0, 2), v));

        // Every conversion out returns a copy: writing to it changes nothing.
        expected.ToMathNet()[0, 0] = 99;
        expected.ToArray()[0, 0] = 99;
        expected.ToColumnMajorArray()[0] = 99;
        var vector = vectors[0];
        vector.ToMathNet()[0] = 99;
        vector.ToArray()[0] = 99;
        Assert.Equal(1.0, expected[0, 0]);
        Assert.Equal(1.0, vector[0]);
        Assert.Equal(ImmutableMatrix.FromRowMajor<double>(2, 2, [1, 2, 3, 4]), expected);
    }

    [PureProperty]
    public Property ImmutableMatrix_products_equal_mathnet()
    {
        // Shapes from 1 to 16, weighted towards 1 and primes, so that no blocking or unrolling assumption hides.
        var input = from rows in MatrixGenerators.Dimension()
                    from inner in MatrixGenerators.Dimension()
                    from columns in MatrixGenerators.Dimension()
                    from left in Generators.Matrix(rows, inner)
                    from right in Generators.Matrix(inner, columns)
                    from tall in Generators.Matrix(rows, columns)
                    select (left, right, tall);
        return Prop.ForAll(Arb.From(input), t =>
        {
            var (left, right, tall) = t;
            AssertClose(left.ToMathNet() * right.ToMathNet(), left.Multiply(right), 1e-12);
            // left^T (inner x rows) times tall (rows x columns).
            AssertClose(left.ToMathNet().TransposeThisAndMultiply(tall.ToMathNet()), left.TransposeThisAndMultiply(tall), 1e-12);
            AssertClose(left.ToMathNet().Transpose() * tall.ToMathNet(), left.TransposeThisAndMultiply(tall), 1e-12);
            double squares = left.ToColumnMajorArray().Sum(v => v * v);
            Assert.Equal(squares, left.Dot(left), 1e-12 * Math.Max(1, squares));
        });
    }

    [PureProperty(MaxTest = 100)]
    public Property ImmutableMatrix_products_equal_mathnet_in_float()
    {
        var floats = from rows in MatrixGenerators.Dimension()
                     from inner in MatrixGenerators.Dimension()
                     from columns in MatrixGenerators.Dimension()
                     from left in MatrixGenerators.FloatMatrix(rows, inner)
                     from right in MatrixGenerators.FloatMatrix(inner, columns)
                     from tall in MatrixGenerators.FloatMatrix(rows, columns)
                     select (left, right, tall);
        return Prop.ForAll(Arb.From(floats), t =>
        {
            var (left, right, tall) = t;
            AssertClose(left.ToMathNet() * right.ToMathNet(), left.Multiply(right), 1e-4f);
            AssertClose(left.ToMathNet().TransposeThisAndMultiply(tall.ToMathNet()), left.TransposeThisAndMultiply(tall), 1e-4f);
        });
    }

    [Fact]
    public void ImmutableMatrix_products_equal_mathnet_by_example()
    {
        // 1 x 1 by hand: (3)(-2) = -6; and a 2 x 3 by 3 x 1: [[1, 2, 3], [4, 5, 6]] (1, 0, -1) = (-2, -2).
        Assert.Equal(ImmutableMatrix.Column(-6.0), ImmutableMatrix.Column(3.0).Multiply(ImmutableMatrix.Column(-2.0)));
        var a = ImmutableMatrix.FromRowMajor<double>(2, 3, [1, 2, 3, 4, 5, 6]);
        Assert.Equal(ImmutableMatrix.Column(-2.0, -2.0), a.Multiply(ImmutableMatrix.Column(1.0, 0.0, -1.0)));
        // a^T (1, 1) = (5, 7, 9).
        Assert.Equal(ImmutableMatrix.Column(5.0, 7.0, 9.0), a.TransposeThisAndMultiply(ImmutableMatrix.Column(1.0, 1.0)));
    }

    [Fact]
    public void ImmutableMatrix_rejects_bad_shapes()
    {
        var a = ImmutableMatrix.Zeros<double>(2, 3);
        var b = ImmutableMatrix.Zeros<double>(4, 5);
        AssertShapeError(() => a.Multiply(b), "right", "2 x 3", "4 x 5");
        AssertShapeError(() => a.TransposeThisAndMultiply(b), "right", "2 x 3", "4 x 5");
        AssertShapeError(() => a.Dot(b), "other", "2 x 3", "4 x 5");
        AssertShapeError(() => a.Multiply(ImmutableMatrix.Zeros<double>(2, 3)), "right", "2 x 3", "2 x 3");
        AssertShapeError(() => a.TransposeThisAndMultiply(ImmutableMatrix.Zeros<double>(3, 2)), "right", "2 x 3", "3 x 2");

        var values = Assert.ThrowsAny<ArgumentException>(() => ImmutableMatrix.FromColumnMajor<double>(2, 3, [1, 2, 3, 4, 5]));
        Assert.Equal("values", values.ParamName);
        Assert.Contains("2 x 3", values.Message);
        Assert.Contains("5", values.Message);
        var rowMajor = Assert.ThrowsAny<ArgumentException>(() => ImmutableMatrix.FromRowMajor<double>(3, 3, [1, 2, 3, 4, 5, 6, 7]));
        Assert.Equal("values", rowMajor.ParamName);
        Assert.Contains("3 x 3", rowMajor.Message);
        Assert.Contains("7", rowMajor.Message);
        var ragged = Assert.ThrowsAny<ArgumentException>(() => ImmutableMatrix.FromRows<double>([[1.0, 2.0], [3.0]]));
        Assert.Equal("rows", ragged.ParamName);
        Assert.Contains("2", ragged.Message);
        Assert.Contains("1", ragged.Message);
        Assert.Equal("rows", Assert.ThrowsAny<ArgumentException>(() => ImmutableMatrix.Zeros<double>(-1, 2)).ParamName);
        Assert.Equal("columns", Assert.ThrowsAny<ArgumentException>(() => ImmutableMatrix.Create<double>(1, -2, (_, _) => 0)).ParamName);

        var vector = Assert.ThrowsAny<ArgumentException>(() => ImmutableVector.Create(1.0, 2.0).Dot(ImmutableVector.Create(1.0)));
        Assert.Equal("other", vector.ParamName);
        Assert.Contains("2", vector.Message);
        Assert.Contains("1", vector.Message);

        var floats = ImmutableMatrix.Zeros<float>(3, 1);
        AssertShapeError(() => floats.Multiply(floats), "right", "3 x 1", "3 x 1");
    }

    [PureProperty]
    public Property ImmutableVector_has_value_equality_and_hash_codes()
    {
        return Prop.ForAll(Arb.From(AnyMatrix()), matrix =>
        {
            var values = matrix.ToColumnMajorArray();
            var vector = ImmutableVector.Create(values);
            var copy = ImmutableVector.FromSpan<double>(values);
            Assert.True(vector == copy);
            Assert.False(vector != copy);
            Assert.True(vector.Equals((object)copy));
            Assert.Equal(vector.GetHashCode(), copy.GetHashCode());
            values[0] += 1;
            Assert.NotEqual(vector, ImmutableVector.Create(values));
            Assert.NotEqual(vector, ImmutableVector.Create(values[..^1]));
            Assert.False(vector.Equals(null));
        });
    }

    [Fact]
    public void ImmutableVector_has_value_equality_and_hash_codes_by_example()
    {
        Assert.NotEqual(ImmutableVector.Create(1.0, 2.0), ImmutableVector.Create(1.0, 2.0, 0.0));
    }

    private static void AssertShapeError(Action action, string argument, string shape, string otherShape)
    {
        var error = Assert.ThrowsAny<ArgumentException>(action);
        Assert.Equal(argument, error.ParamName);
        int first = error.Message.IndexOf(shape, StringComparison.Ordinal);
        Assert.True(first >= 0, $"expected '{shape}' in: {error.Message}");
        int second = error.Message.IndexOf(otherShape, shape == otherShape ? first + 1 : 0, StringComparison.Ordinal);
        Assert.True(second >= 0, $"expected '{otherShape}' {(shape == otherShape ? "twice " : "")}in: {error.Message}");
    }

    private static void AssertInOrder(string text, params string[] parts)
    {
        int position = 0;
        foreach (var part in parts)
        {
            int found = text.IndexOf(part, position, StringComparison.Ordinal);
            Assert.True(found >= 0, $"expected '{part}' after position {position} in '{text}'");
            position = found + part.Length;
        }
    }

    private static void AssertClose<T>(Matrix<T> expected, ImmutableMatrix<T> actual, T tolerance)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>, IEquatable<T>, IFormattable
    {
        Assert.Equal(expected.RowCount, actual.Rows);
        Assert.Equal(expected.ColumnCount, actual.Columns);
        for (int i = 0; i < actual.Rows; i++)
            for (int j = 0; j < actual.Columns; j++)
                if (!(T.Abs(expected[i, j] - actual[i, j]) <= tolerance * T.Max(T.One, T.Abs(expected[i, j]))))
                    Assert.Fail($"({i}, {j}) of a {actual.Shape} product: expected {expected[i, j]}, got {actual[i, j]}");
    }
}
