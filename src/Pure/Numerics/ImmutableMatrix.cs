using System.Numerics;
using System.Text;
using MathNet.Numerics.LinearAlgebra;

namespace Pure;

/// <summary>
/// An immutable dense matrix stored column by column. It owns its storage: every factory copies its input,
/// nothing outside the library can write to it, and two matrices are equal when their shapes and elements are.
/// With samples as columns (the seeds' A^[l] = [a^(1) ... a^(m)]), each sample is contiguous in memory.
/// </summary>
/// <typeparam name="T">The element type: <see cref="double"/> or <see cref="float"/>.</typeparam>
public sealed class ImmutableMatrix<T> : IEquatable<ImmutableMatrix<T>>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _storage;

    /// <summary>Wraps <paramref name="columnMajor"/> without copying; callers hand over ownership.</summary>
    internal ImmutableMatrix(int rows, int columns, T[] columnMajor)
    {
        Rows = rows;
        Columns = columns;
        _storage = columnMajor;
    }

    /// <summary>The number of rows (for a layer's W^[l], n_l; for a batch, the features per sample).</summary>
    public int Rows { get; }

    /// <summary>The number of columns (for W^[l], n_{l-1}; for a batch, the number of samples m).</summary>
    public int Columns { get; }

    /// <summary>Rows x Columns.</summary>
    public int Count => _storage.Length;

    /// <summary>The shape as text, "Rows x Columns", as used in error messages.</summary>
    public string Shape => $"{Rows} x {Columns}";

    /// <summary>The element in row <paramref name="row"/> and column <paramref name="column"/> (both from 0).</summary>
    public T this[int row, int column]
    {
        get
        {
            if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(row), $"Expected a row in [0, {Rows}), got {row}.");
            if ((uint)column >= (uint)Columns) throw new ArgumentOutOfRangeException(nameof(column), $"Expected a column in [0, {Columns}), got {column}.");
            return _storage[column * Rows + row];
        }
    }

    /// <summary>A read-only view of all elements in column-major order (element (i, j) at j * Rows + i).</summary>
    public ReadOnlySpan<T> AsSpan() => _storage;

    /// <summary>A copy of column <paramref name="column"/> (from 0; one sample of a batch), Rows long.</summary>
    public ImmutableVector<T> Column(int column) => new(ColumnSpan(column).ToArray());

    /// <summary>A copy of row <paramref name="row"/> (from 0; one feature across a batch), Columns long.</summary>
    public ImmutableVector<T> Row(int row)
    {
        if ((uint)row >= (uint)Rows) throw new ArgumentOutOfRangeException(nameof(row), $"Expected a row in [0, {Rows}), got {row}.");
        var result = new T[Columns];
        for (int j = 0; j < result.Length; j++) result[j] = _storage[j * Rows + row];
        return new ImmutableVector<T>(result);
    }

    /// <summary>The columns from left to right, each a copy (<see cref="Column"/>); a lazy sequence for F# and LINQ.</summary>
    public IEnumerable<ImmutableVector<T>> EnumerateColumns()
    {
        for (int j = 0; j < Columns; j++) yield return Column(j);
    }

    /// <summary>A view of column <paramref name="column"/> without copying, for the library's hot paths.</summary>
    internal ReadOnlySpan<T> ColumnSpan(int column)
    {
        if ((uint)column >= (uint)Columns) throw new ArgumentOutOfRangeException(nameof(column), $"Expected a column in [0, {Columns}), got {column}.");
        return _storage.AsSpan(column * Rows, Rows);
    }

    /// <summary>The storage for library-internal kernels; never handed to user code.</summary>
    internal T[] Storage => _storage;

    /// <summary>A new matrix holding columns [<paramref name="start"/>, start + <paramref name="count"/>).</summary>
    public ImmutableMatrix<T> SliceColumns(int start, int count)
    {
        if (start < 0 || count < 0 || start + count > Columns)
            throw new ArgumentOutOfRangeException(nameof(count), $"Expected columns [start, start + count) inside [0, {Columns}), got start {start} and count {count}.");
        return new ImmutableMatrix<T>(Rows, count, _storage.AsSpan(start * Rows, count * Rows).ToArray());
    }

    /// <summary>A new matrix made of the columns listed in <paramref name="columns"/>, in that order.</summary>
    public ImmutableMatrix<T> SelectColumns(ReadOnlySpan<int> columns)
    {
        var result = new T[checked(columns.Length * Rows)];
        for (int j = 0; j < columns.Length; j++)
        {
            int source = columns[j];
            if ((uint)source >= (uint)Columns)
                throw new ArgumentOutOfRangeException(nameof(columns), $"Expected column indices in [0, {Columns}), got {source}.");
            _storage.AsSpan(source * Rows, Rows).CopyTo(result.AsSpan(j * Rows, Rows));
        }
        return new ImmutableMatrix<T>(Rows, columns.Length, result);
    }

    /// <summary>
    /// A new matrix made of the columns listed in <paramref name="columns"/>, in that order: the same as the span
    /// overload, for F# arrays and lists and for the <see cref="System.Collections.Immutable.ImmutableArray{T}"/> indices of <see cref="Split"/>.
    /// </summary>
    public ImmutableMatrix<T> SelectColumns(IReadOnlyList<int> columns) => SelectColumns(ImmutableMatrix.ToArray(columns, nameof(columns)));

    /// <summary>The transpose, a new Columns x Rows matrix.</summary>
    public ImmutableMatrix<T> Transpose()
    {
        var result = new T[_storage.Length];
        for (int j = 0; j < Columns; j++)
            for (int i = 0; i < Rows; i++)
                result[i * Columns + j] = _storage[j * Rows + i];
        return new ImmutableMatrix<T>(Columns, Rows, result);
    }

    /// <summary>A new matrix with <paramref name="function"/> applied to every element.</summary>
    public ImmutableMatrix<T> Map(Func<T, T> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        var result = new T[_storage.Length];
        for (int i = 0; i < result.Length; i++) result[i] = function(_storage[i]);
        return new ImmutableMatrix<T>(Rows, Columns, result);
    }

    /// <summary>The matrix product this · <paramref name="right"/> (Rows x right.Columns).</summary>
    public ImmutableMatrix<T> Multiply(ImmutableMatrix<T> right)
    {
        ArgumentNullException.ThrowIfNull(right);
        if (right.Rows != Columns)
            throw new ArgumentException($"Expected right to have {Columns} rows to multiply a {Shape} matrix, got {right.Shape}.", nameof(right));
        var result = new T[checked(Rows * right.Columns)];
        Kernels<T>.Multiply(false, this, false, right, result);
        return new ImmutableMatrix<T>(Rows, right.Columns, result);
    }

    /// <summary>The product this^T · <paramref name="right"/> without forming the transpose (Columns x right.Columns).</summary>
    public ImmutableMatrix<T> TransposeThisAndMultiply(ImmutableMatrix<T> right)
    {
        ArgumentNullException.ThrowIfNull(right);
        if (right.Rows != Rows)
            throw new ArgumentException($"Expected right to have {Rows} rows to multiply the transpose of a {Shape} matrix, got {right.Shape}.", nameof(right));
        var result = new T[checked(Columns * right.Columns)];
        Kernels<T>.Multiply(true, this, false, right, result);
        return new ImmutableMatrix<T>(Columns, right.Columns, result);
    }

    /// <summary>The sum of products of corresponding elements, &lt;this, other&gt; = Σ_ij this_ij other_ij.</summary>
    public T Dot(ImmutableMatrix<T> other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Rows != Rows || other.Columns != Columns)
            throw new ArgumentException($"Expected other to be {Shape}, got {other.Shape}.", nameof(other));
        return Kernels<T>.Dot(_storage, other._storage);
    }

    /// <summary>A copy as a two-dimensional array indexed [row, column].</summary>
    public T[,] ToArray()
    {
        var result = new T[Rows, Columns];
        for (int j = 0; j < Columns; j++)
            for (int i = 0; i < Rows; i++)
                result[i, j] = _storage[j * Rows + i];
        return result;
    }

    /// <summary>A copy of the elements in column-major order.</summary>
    public T[] ToColumnMajorArray() => (T[])_storage.Clone();

    /// <summary>A copy as a MathNet.Numerics dense matrix.</summary>
    public Matrix<T> ToMathNet() => Matrix<T>.Build.Dense(Rows, Columns, ToColumnMajorArray());

    /// <summary>True when the shapes match and every pair of elements is equal (NaN equals NaN).</summary>
    public bool Equals(ImmutableMatrix<T>? other) =>
        other is not null && other.Rows == Rows && other.Columns == Columns && _storage.AsSpan().SequenceEqual(other._storage);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ImmutableMatrix<T>);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Rows);
        hash.Add(Columns);
        // Element hash codes, not raw bytes: Equals treats 0 and -0 (and all NaNs) as equal, and T.GetHashCode agrees.
        foreach (var value in _storage.AsSpan(0, Math.Min(_storage.Length, 64))) hash.Add(value);
        return hash.ToHashCode();
    }

    /// <summary>True when both are null or equal.</summary>
    public static bool operator ==(ImmutableMatrix<T>? left, ImmutableMatrix<T>? right) => left is null ? right is null : left.Equals(right);

    /// <summary>False when both are null or equal.</summary>
    public static bool operator !=(ImmutableMatrix<T>? left, ImmutableMatrix<T>? right) => !(left == right);

    /// <summary>The shape and the elements row by row (at most 8 rows and 8 columns, with "..." for the rest).</summary>
    public override string ToString()
    {
        const int Shown = 8;
        var text = new StringBuilder($"ImmutableMatrix<{typeof(T).Name}> {Shape}");
        for (int i = 0; i < Math.Min(Rows, Shown); i++)
        {
            text.Append("\n[");
            for (int j = 0; j < Math.Min(Columns, Shown); j++)
                text.Append(' ').Append(_storage[j * Rows + i].ToString("G6", System.Globalization.CultureInfo.InvariantCulture));
            text.Append(Columns > Shown ? " ... ]" : " ]");
        }
        if (Rows > Shown) text.Append("\n...");
        return text.ToString();
    }
}

/// <summary>Factories for <see cref="ImmutableMatrix{T}"/>; each copies its input.</summary>
public static class ImmutableMatrix
{
    /// <summary>A rows x columns matrix of zeros.</summary>
    public static ImmutableMatrix<T> Zeros<T>(int rows, int columns) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckShape(rows, columns);
        return new ImmutableMatrix<T>(rows, columns, new T[checked(rows * columns)]);
    }

    /// <summary>A rows x columns matrix whose element (i, j) is <paramref name="element"/>(i, j).</summary>
    public static ImmutableMatrix<T> Create<T>(int rows, int columns, Func<int, int, T> element) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(element);
        CheckShape(rows, columns);
        var storage = new T[checked(rows * columns)];
        for (int j = 0; j < columns; j++)
            for (int i = 0; i < rows; i++)
                storage[j * rows + i] = element(i, j);
        return new ImmutableMatrix<T>(rows, columns, storage);
    }

    /// <summary>A copy of a two-dimensional array indexed [row, column].</summary>
    public static ImmutableMatrix<T> FromArray<T>(T[,] values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(values);
        return Create(values.GetLength(0), values.GetLength(1), (i, j) => values[i, j]);
    }

    /// <summary>A matrix from rows given as arrays of equal length; an empty list gives a 0 x 0 matrix.</summary>
    public static ImmutableMatrix<T> FromRows<T>(IReadOnlyList<IReadOnlyList<T>> rows) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(rows);
        int columns = rows.Count == 0 ? 0 : rows[0].Count;
        for (int i = 0; i < rows.Count; i++)
            if (rows[i].Count != columns)
                throw new ArgumentException($"Expected every row to have {columns} elements like row 0, but row {i} has {rows[i].Count}.", nameof(rows));
        return Create(rows.Count, columns, (i, j) => rows[i][j]);
    }

    /// <summary>A rows x columns matrix from elements in column-major order (element (i, j) at j * rows + i).</summary>
    public static ImmutableMatrix<T> FromColumnMajor<T>(int rows, int columns, ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckShape(rows, columns);
        if (values.Length != (long)rows * columns)
            throw new ArgumentException($"Expected {(long)rows * columns} values for a {rows} x {columns} matrix, got {values.Length}.", nameof(values));
        return new ImmutableMatrix<T>(rows, columns, values.ToArray());
    }

    /// <summary>A rows x columns matrix from elements in row-major order (element (i, j) at i * columns + j).</summary>
    public static ImmutableMatrix<T> FromRowMajor<T>(int rows, int columns, ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckShape(rows, columns);
        if (values.Length != (long)rows * columns)
            throw new ArgumentException($"Expected {(long)rows * columns} values for a {rows} x {columns} matrix, got {values.Length}.", nameof(values));
        var storage = new T[values.Length];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++)
                storage[j * rows + i] = values[i * columns + j];
        return new ImmutableMatrix<T>(rows, columns, storage);
    }

    /// <summary>The same as the span overload, for F# arrays and lists and for <see cref="System.Collections.Immutable.ImmutableArray{T}"/> values.</summary>
    public static ImmutableMatrix<T> FromColumnMajor<T>(int rows, int columns, IReadOnlyList<T> values) where T : unmanaged, IFloatingPointIeee754<T> =>
        FromColumnMajor<T>(rows, columns, ToArray(values, nameof(values)));

    /// <summary>The same as the span overload, for F# arrays and lists and for <see cref="System.Collections.Immutable.ImmutableArray{T}"/> values.</summary>
    public static ImmutableMatrix<T> FromRowMajor<T>(int rows, int columns, IReadOnlyList<T> values) where T : unmanaged, IFloatingPointIeee754<T> =>
        FromRowMajor<T>(rows, columns, ToArray(values, nameof(values)));

    /// <summary>The list itself when it is an array (only read, never kept), else a copy.</summary>
    internal static TItem[] ToArray<TItem>(IReadOnlyList<TItem> values, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(values, parameterName);
        return values as TItem[] ?? [.. values];
    }

    /// <summary>A one-column matrix (a single sample) holding <paramref name="values"/>.</summary>
    public static ImmutableMatrix<T> Column<T>(params T[] values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(values);
        return FromColumnMajor<T>(values.Length, 1, values);
    }

    /// <summary>A copy of a MathNet.Numerics matrix.</summary>
    public static ImmutableMatrix<T> FromMathNet<T>(Matrix<T> matrix) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(matrix);
        return new ImmutableMatrix<T>(matrix.RowCount, matrix.ColumnCount, matrix.ToColumnMajorArray());
    }

    /// <summary>The columns of each matrix side by side; all must have the same number of rows.</summary>
    public static ImmutableMatrix<T> ConcatenateColumns<T>(IReadOnlyList<ImmutableMatrix<T>> matrices) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(matrices);
        if (matrices.Count == 0) throw new ArgumentException("Expected at least one matrix, got none.", nameof(matrices));
        int rows = matrices[0].Rows;
        long columns = 0;
        for (int k = 0; k < matrices.Count; k++)
        {
            if (matrices[k].Rows != rows)
                throw new ArgumentException($"Expected every matrix to have {rows} rows like matrix 0, but matrix {k} is {matrices[k].Shape}.", nameof(matrices));
            columns += matrices[k].Columns;
        }
        var storage = new T[checked((int)(columns * rows))];
        int offset = 0;
        foreach (var matrix in matrices)
        {
            matrix.AsSpan().CopyTo(storage.AsSpan(offset));
            offset += matrix.Count;
        }
        return new ImmutableMatrix<T>(rows, (int)columns, storage);
    }

    private static void CheckShape(int rows, int columns)
    {
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), $"Expected a row count of 0 or more, got {rows}.");
        if (columns < 0) throw new ArgumentOutOfRangeException(nameof(columns), $"Expected a column count of 0 or more, got {columns}.");
    }
}
