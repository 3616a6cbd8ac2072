using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;
using Pure.Testing;

namespace Pure.Properties;

/// <summary>
/// The IReadOnlyList overloads added for F# (which passes no array or ImmutableArray as a ReadOnlySpan) return
/// exactly what the span overloads return, for arrays, lists and immutable arrays, and refuse bad input the same way.
/// </summary>
public class ListOverloadTests
{
    private static Gen<(ImmutableMatrix<double> Matrix, int[] Columns)> MatrixAndColumns() =>
        from rows in Gen.Choose(1, 6)
        from columns in Gen.Choose(1, 9)
        from matrix in Generators.Matrix(rows, columns)
        from count in Gen.Choose(0, 12)
        from picked in Gen.ArrayOf(Gen.Choose(0, columns - 1), count)
        select (matrix, picked);

    /// <summary>The same indices as an array, a List and an ImmutableArray, each seen only as IReadOnlyList.</summary>
    private static IReadOnlyList<int>[] AsLists(int[] indices) => [indices, new List<int>(indices), ImmutableArray.Create(indices)];

    [PureProperty]
    public Property SelectColumns_and_Select_from_a_list_equal_the_span_overloads()
    {
        return Prop.ForAll(Arb.From(MatrixAndColumns()), pair =>
        {
            var (matrix, columns) = pair;
            var expected = matrix.SelectColumns(columns.AsSpan());
            var data = new Dataset<double>(matrix, matrix.Map(x => 2 * x));
            var expectedData = columns.Length == 0 ? null : data.Select(columns.AsSpan());
            var before = (int[])columns.Clone();
            foreach (var list in AsLists(columns))
            {
                Assert.Equal(expected, matrix.SelectColumns(list));
                if (expectedData is not null) Assert.Equal(expectedData, data.Select(list));
            }
            Assert.Equal(before, columns);
        });
    }

    [PureProperty]
    public Property FromColumnMajor_FromRowMajor_and_Unflatten_from_a_list_equal_the_span_overloads()
    {
        var input = from rows in Gen.Choose(0, 5)
                    from columns in Gen.Choose(0, 5)
                    from values in Gen.ArrayOf(Generators.Value(), rows * columns)
                    select (rows, columns, values);
        return Prop.ForAll(Arb.From(input), c =>
        {
            var (rows, columns, values) = c;
            var byColumns = ImmutableMatrix.FromColumnMajor<double>(rows, columns, values.AsSpan());
            var byRows = ImmutableMatrix.FromRowMajor<double>(rows, columns, values.AsSpan());
            foreach (var list in new IReadOnlyList<double>[] { values, new List<double>(values), ImmutableArray.Create(values) })
            {
                Assert.Equal(byColumns, ImmutableMatrix.FromColumnMajor(rows, columns, list));
                Assert.Equal(byRows, ImmutableMatrix.FromRowMajor(rows, columns, list));
            }
        });
    }

    [Fact]
    public void FromColumnMajor_FromRowMajor_and_Unflatten_from_a_list_equal_the_span_overloads_by_example()
    {
        var network = Network.Create<double>([3, 4, 2], Activation.Tanh, Activation.Identity, seed: 5);
        var flat = network.Parameters.Flatten();
        var changed = flat.Select(x => x + 1).ToImmutableArray();
        Assert.Equal(network.Parameters, network.Parameters.Unflatten((IReadOnlyList<double>)flat));
        Assert.Equal(network.Parameters.Unflatten(changed.AsSpan()), network.Parameters.Unflatten((IReadOnlyList<double>)changed.ToList()));
        Assert.NotEqual(network.Parameters, network.Parameters.Unflatten((IReadOnlyList<double>)changed));
    }

    [Fact]
    public void List_overloads_name_the_argument_they_refuse()
    {
        var matrix = ImmutableMatrix.FromColumnMajor<double>(2, 3, [1, 2, 3, 4, 5, 6]);
        var data = new Dataset<double>(matrix, matrix);
        Assert.Equal("columns", Assert.Throws<ArgumentNullException>(() => matrix.SelectColumns((IReadOnlyList<int>)null!)).ParamName);
        Assert.Equal("indices", Assert.Throws<ArgumentNullException>(() => data.Select((IReadOnlyList<int>)null!)).ParamName);
        Assert.Equal("values", Assert.Throws<ArgumentNullException>(() => ImmutableMatrix.FromColumnMajor(2, 3, (IReadOnlyList<double>)null!)).ParamName);
        Assert.Equal("values", Assert.Throws<ArgumentNullException>(() => ImmutableMatrix.FromRowMajor(2, 3, (IReadOnlyList<double>)null!)).ParamName);
        var parameters = Network.Create<double>([2, 1], Activation.Identity, Activation.Identity, seed: 1).Parameters;
        Assert.Equal("values", Assert.Throws<ArgumentNullException>(() => parameters.Unflatten((IReadOnlyList<double>)null!)).ParamName);
        Assert.Equal("values", Assert.Throws<ArgumentException>(() => parameters.Unflatten(new List<double> { 1 })).ParamName);
        Assert.Equal("columns", Assert.Throws<ArgumentOutOfRangeException>(() => matrix.SelectColumns(new List<int> { 0, 3 })).ParamName);
        Assert.Equal("values", Assert.Throws<ArgumentException>(() => ImmutableMatrix.FromRowMajor(2, 3, new List<double> { 1, 2 })).ParamName);
    }
}
