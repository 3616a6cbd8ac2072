using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;
using Pure.Testing;

namespace Pure.Properties;

/// <summary>
/// Standardization, MinMaxScaling and ClassEncoding: fitted on training data only and applied unchanged to other data,
/// a constant feature gets scale 1, Apply leaves its input alone, and bad input is refused naming the argument.
/// </summary>
public class FeatureScalingTests
{
    private static readonly Gen<(ImmutableMatrix<double> Train, ImmutableMatrix<double> Other)> Pairs =
        from rows in Gen.Choose(1, 5)
        from m in Gen.Choose(1, 12)
        from k in Gen.Choose(1, 6)
        from train in Generators.Matrix(rows, m, 50)
        from other in Generators.Matrix(rows, k, 50)
        select (train, other);

    [Fact]
    public void A_scaling_refuses_divisors_that_are_zero_not_finite_or_of_another_length()
    {
        ImmutableVector<double> offset = ImmutableVector.Create(1.0, 2.0);
        var cases = new (Func<object> Build, string Name, string Text)[]
        {
            (() => new Standardization<double>(offset, ImmutableVector.Create(1.0, 0.0)), "Scale", "got 0 for feature 1"),
            (() => new Standardization<double>(offset, ImmutableVector.Create(double.PositiveInfinity, 1.0)), "Scale", "Expected finite values in Scale"),
            (() => new Standardization<double>(offset, ImmutableVector.Create(1.0)), "Scale", "Expected 2 divisors, one per feature, got 1"),
            (() => new Standardization<double>(ImmutableVector.Create(double.NaN, 0.0), ImmutableVector.Create(1.0, 1.0)), "Mean", "Expected finite values in Mean"),
            (() => new MinMaxScaling<double>(offset, ImmutableVector.Create(-0.0, 1.0)), "Range", "got 0 for feature 0"),
            (() => new MinMaxScaling<double>(offset, ImmutableVector.Create(1.0, 2.0, 3.0)), "Range", "Expected 2 divisors, one per feature, got 3"),
            (() => new MinMaxScaling<double>(ImmutableVector.Create(1.0, double.NegativeInfinity), ImmutableVector.Create(1.0, 1.0)), "Minimum", "Expected finite values in Minimum"),
        };
        foreach (var (build, name, text) in cases)
        {
            var error = Assert.Throws<ArgumentException>(build);
            Assert.Equal(name, error.ParamName);
            Assert.Contains(text, error.Message);
        }
        Assert.Equal(2, new MinMaxScaling<double>(offset, ImmutableVector.Create(-2.0, 0.5)).FeatureCount);
    }

    [PureProperty(MaxTest = 200)]
    public Property StandardizedTrainingDataHasMeanZeroAndUnitSpreadAndOtherDataUsesTheTrainingStatistics() =>
        Prop.ForAll(Arb.From(Pairs), p =>
        {
            var scaling = Standardization<double>.Fit(p.Train);
            var train = scaling.Apply(p.Train);
            var other = scaling.Apply(p.Other);
            bool ok = true;
            for (int i = 0; i < p.Train.Rows; i++)
            {
                var row = Enumerable.Range(0, train.Columns).Select(j => train[i, j]).ToArray();
                double mean = row.Average(), spread = Math.Sqrt(row.Select(v => (v - mean) * (v - mean)).Average());
                bool constant = Enumerable.Range(0, p.Train.Columns).All(j => p.Train[i, j] == p.Train[i, 0]);
                ok &= Math.Abs(mean) < 1e-9 && (constant ? scaling.Scale[i] == 1 && spread == 0 : Math.Abs(spread - 1) < 1e-9);
                for (int j = 0; j < p.Other.Columns; j++)
                    ok &= Math.Abs(other[i, j] - (p.Other[i, j] - scaling.Mean[i]) / scaling.Scale[i]) < 1e-12 * (1 + Math.Abs(other[i, j]));
            }
            return ok.Label($"mean {scaling.Mean} scale {scaling.Scale} train' {train} other' {other}");
        });

    [PureProperty(MaxTest = 200)]
    public Property MinMaxScaledTrainingDataSpansZeroToOneAndOtherDataUsesTheTrainingRange() =>
        Prop.ForAll(Arb.From(Pairs), p =>
        {
            var scaling = MinMaxScaling<double>.Fit(p.Train);
            var train = scaling.Apply(p.Train);
            var other = scaling.Apply(p.Other);
            bool ok = true;
            for (int i = 0; i < p.Train.Rows; i++)
            {
                var row = Enumerable.Range(0, train.Columns).Select(j => train[i, j]).ToArray();
                bool constant = row.All(v => v == 0);
                ok &= row.Min() == 0 && (constant ? scaling.Range[i] == 1 : Math.Abs(row.Max() - 1) < 1e-12);
                for (int j = 0; j < p.Other.Columns; j++)
                    ok &= other[i, j] == (p.Other[i, j] - scaling.Minimum[i]) / scaling.Range[i];
            }
            return ok.Label($"min {scaling.Minimum} range {scaling.Range} train' {train}");
        });

    [Fact]
    public void ApplyDoesNotChangeItsInputAndAConstantFeatureGetsScaleOne()
    {
        var inputs = ImmutableMatrix.FromRowMajor<double>(2, 3, [1, 2, 3, 5, 5, 5]);
        var copy = inputs.ToColumnMajorArray();
        foreach (FeatureScaling<double> scaling in new FeatureScaling<double>[] { Standardization<double>.Fit(inputs), MinMaxScaling<double>.Fit(inputs) })
        {
            var result = scaling.Apply(inputs);
            Assert.True(Precision.BitwiseEqual<double>(copy, inputs.AsSpan()), "Apply changed its input");
            Assert.Equal(new[] { 0.0, 0.0, 0.0 }, Enumerable.Range(0, 3).Select(j => result[1, j]));
            Assert.Equal(2, scaling.FeatureCount);
        }
        Assert.Equal(1.0, Standardization<double>.Fit(inputs).Scale[1]);
        Assert.Equal(Math.Sqrt(2.0 / 3), Standardization<double>.Fit(inputs).Scale[0], 15);
        Assert.Equal(1.0, MinMaxScaling<double>.Fit(inputs).Range[1]);
        Assert.Equal(2.0, MinMaxScaling<double>.Fit(inputs).Range[0]);
        Assert.Equal(new[] { 0.5f, 1f }, MinMaxScaling<float>.Fit(ImmutableMatrix.FromRowMajor<float>(1, 2, [1, 3])).Apply(ImmutableMatrix.FromRowMajor<float>(1, 2, [2, 3])).AsSpan().ToArray());
    }

    [PureProperty(MaxTest = 100)]
    public Property ApplyInPlaceGivesTheBitsOfApplyWithoutACopy() =>
        Prop.ForAll(Arb.From(Pairs), p =>
        {
            bool ok = true;
            foreach (FeatureScaling<double> scaling in new FeatureScaling<double>[] { Standardization<double>.Fit(p.Train), MinMaxScaling<double>.Fit(p.Train) })
            {
                var values = p.Other.ToColumnMajorArray();
                scaling.ApplyInPlace(p.Other.Rows, p.Other.Columns, values);
                ok &= Precision.BitwiseEqual<double>(scaling.Apply(p.Other).AsSpan(), values);
            }
            return ok.Label($"train {p.Train}, other {p.Other}");
        });

    /// <summary>
    /// The one-pass scaling of the predictors (TryApplyFinite) gives the bits of Apply, the double fallback of an
    /// overflowing lane included, and reports a non-finite value wherever it lies.
    /// </summary>
    [PureProperty(MaxTest = 100)]
    public Property TryApplyFiniteGivesTheBitsOfApplyOrFalseForANonFiniteValue() =>
        Prop.ForAll(Arb.From(from rows in Gen.Choose(1, 40) from m in Gen.Choose(1, 3) from train in Generators.Matrix(rows, 4, 300) from other in Generators.Matrix(rows, m, 300)
                             from bad in Gen.Choose(0, rows * m - 1) select (train, other, bad)), p =>
        {
            bool ok = true;
            // In float, the row of p.bad spans -1.5e38..1.5e38 and p.bad holds 3e38: x - min overflows float there, and
            // the lane is computed again in double (1.5 for min-max scaling).
            var trainValues = p.train.AsSpan().ToArray().Select(x => (float)x).ToArray();
            int row = p.bad % p.train.Rows;
            trainValues[row] = -1.5e38f;
            trainValues[p.train.Rows + row] = 1.5e38f;
            var trainSingle = ImmutableMatrix.FromColumnMajor<float>(p.train.Rows, p.train.Columns, trainValues);
            var values = p.other.AsSpan().ToArray().Select(x => (float)x).ToArray();
            values[p.bad] = 3e38f;
            var otherSingle = ImmutableMatrix.FromColumnMajor<float>(p.other.Rows, p.other.Columns, values);
            foreach (FeatureScaling<double> scaling in new FeatureScaling<double>[] { Standardization<double>.Fit(p.train), MinMaxScaling<double>.Fit(p.train) })
                ok &= Check(scaling, p.other);
            foreach (FeatureScaling<float> scaling in new FeatureScaling<float>[] { Standardization<float>.Fit(trainSingle), MinMaxScaling<float>.Fit(trainSingle) })
                ok &= Check(scaling, otherSingle);
            return ok.Label($"train {p.train}, other {p.other}, bad {p.bad}");

            bool Check<T>(FeatureScaling<T> scaling, ImmutableMatrix<T> other) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
            {
                var expected = scaling.Apply(other);
                var into = new T[other.Count + 1];
                into[^1] = T.CreateChecked(7);
                bool done = scaling.TryApplyFinite(other.Rows, other.Columns, other.AsSpan(), into);
                bool same = Precision.BitwiseEqual<T>(expected.AsSpan(), into.AsSpan(0, other.Count)) && into[^1] == T.CreateChecked(7);
                bool allFinite = Kernels<T>.IndexOfNonFinite(expected.AsSpan()) < 0;
                var poisoned = other.ToColumnMajorArray();
                poisoned[p.bad] = T.NaN;
                bool refused = !scaling.TryApplyFinite(other.Rows, other.Columns, poisoned, new T[other.Count]);
                return done == allFinite && (!done || same) && refused;
            }
        });

    /// <summary>
    /// Wide enough for whole vectors of either width (up to 40 features): every element is (x - offset) / divisor as one
    /// scalar subtraction and division round it, whichever of the vector and scalar loops computed it.
    /// </summary>
    [PureProperty(MaxTest = 100)]
    public Property EveryElementIsTheScalarQuotientInBothDtypes() =>
        Prop.ForAll(Arb.From(from rows in Gen.Choose(1, 40) from m in Gen.Choose(1, 3) from train in Generators.Matrix(rows, 4, 300) from other in Generators.Matrix(rows, m, 300) select (train, other)), p =>
        {
            bool ok = true;
            var trainSingle = ImmutableMatrix.FromColumnMajor<float>(p.train.Rows, p.train.Columns, [.. p.train.AsSpan().ToArray().Select(x => (float)x)]);
            var otherSingle = ImmutableMatrix.FromColumnMajor<float>(p.other.Rows, p.other.Columns, [.. p.other.AsSpan().ToArray().Select(x => (float)x)]);
            foreach (var (offset, divisor, applied) in new (ImmutableVector<double>, ImmutableVector<double>, ImmutableMatrix<double>)[]
            {
                (Standardization<double>.Fit(p.train).Mean, Standardization<double>.Fit(p.train).Scale, Standardization<double>.Fit(p.train).Apply(p.other)),
                (MinMaxScaling<double>.Fit(p.train).Minimum, MinMaxScaling<double>.Fit(p.train).Range, MinMaxScaling<double>.Fit(p.train).Apply(p.other)),
            })
                for (int j = 0; j < p.other.Columns; j++)
                    for (int i = 0; i < p.other.Rows; i++)
                        ok &= BitConverter.DoubleToInt64Bits(applied[i, j]) == BitConverter.DoubleToInt64Bits((p.other[i, j] - offset[i]) / divisor[i]);
            var single = Standardization<float>.Fit(trainSingle);
            var appliedSingle = single.Apply(otherSingle);
            for (int j = 0; j < otherSingle.Columns; j++)
                for (int i = 0; i < otherSingle.Rows; i++)
                    ok &= BitConverter.SingleToInt32Bits(appliedSingle[i, j]) == BitConverter.SingleToInt32Bits((otherSingle[i, j] - single.Mean[i]) / single.Scale[i]);
            return ok.Label($"train {p.train}, other {p.other}");
        });

    [Fact]
    public void ALaneThatOverflowsInsideAWholeVectorTakesTheDoubleFallbackAlone()
    {
        // 16 features: feature 5 spans -1.5e38..1.5e38, so 3e38 - min overflows float there; the other lanes of its vector stay in float.
        var train = new float[16 * 2];
        var other = new float[16];
        for (int i = 0; i < 16; i++) { train[i] = i; train[16 + i] = i + 2; other[i] = i + 1; }
        train[5] = -1.5e38f; train[16 + 5] = 1.5e38f; other[5] = 3e38f;
        var scaling = MinMaxScaling<float>.Fit(ImmutableMatrix.FromColumnMajor<float>(16, 2, train));
        var applied = scaling.Apply(ImmutableMatrix.FromColumnMajor<float>(16, 1, other));
        for (int i = 0; i < 16; i++)
            Assert.Equal(i == 5 ? 1.5f : 0.5f, applied[i, 0]);
    }

    [Fact]
    public void ApplyInPlaceTakesTheDoubleFallbackAndRefusesAWrongShapeAsApplyDoes()
    {
        // Fitted on -1.5e38..1.5e38, applied to 3e38: x - min overflows float, so both paths compute in double and round once (1.5).
        var wide = ImmutableMatrix.FromRowMajor<float>(2, 2, [-1.5e38f, 1.5e38f, 1, 2]);
        var other = ImmutableMatrix.FromRowMajor<float>(2, 3, [3e38f, -3e38f, 0, 1, 2, 4]);
        foreach (FeatureScaling<float> scaling in new FeatureScaling<float>[] { MinMaxScaling<float>.Fit(wide), new Halving() })
        {
            var values = other.ToColumnMajorArray();
            scaling.ApplyInPlace(2, 3, values);
            Assert.True(Precision.BitwiseEqual<float>(scaling.Apply(other).AsSpan(), values), $"{scaling}: [{string.Join(", ", values)}]");
            Assert.Equal(scaling is Halving ? 1.5e38f : 1.5f, values[0]);
        }
        var fitted = Standardization<float>.Fit(wide);
        var applied = Assert.ThrowsAny<ArgumentException>(() => fitted.Apply(ImmutableMatrix.Zeros<float>(3, 2)));
        var inPlace = Assert.ThrowsAny<ArgumentException>(() => fitted.ApplyInPlace(3, 2, new float[6]));
        Assert.Equal((applied.ParamName, applied.Message), (inPlace.ParamName, inPlace.Message));
        Assert.Equal("values", Assert.ThrowsAny<ArgumentException>(() => fitted.ApplyInPlace(2, 2, new float[6])).ParamName);
    }

    /// <summary>A scaling defined outside the library: ApplyInPlace applies it to a copy and copies the result back.</summary>
    private sealed record Halving : FeatureScaling<float>
    {
        public override int FeatureCount => 2;

        public override ImmutableMatrix<float> Apply(ImmutableMatrix<float> inputs) => inputs.Map(x => x / 2);
    }

    [Fact]
    public void AWrongRowCountEmptyOrNonFiniteInputIsRefusedNamingInputs()
    {
        var inputs = ImmutableMatrix.FromRowMajor<double>(2, 2, [1, 2, 3, 4]);
        foreach (FeatureScaling<double> scaling in new FeatureScaling<double>[] { Standardization<double>.Fit(inputs), MinMaxScaling<double>.Fit(inputs) })
        {
            var error = Assert.ThrowsAny<ArgumentException>(() => scaling.Apply(ImmutableMatrix.Zeros<double>(3, 2)));
            Assert.Equal("inputs", error.ParamName);
            Assert.Contains("Expected inputs to be 2 x m, got 3 x 2.", error.Message);
        }
        var withNaN = ImmutableMatrix.FromRowMajor<double>(1, 2, [1, double.NaN]);
        Assert.Equal("inputs", Assert.ThrowsAny<ArgumentException>(() => Standardization<double>.Fit(withNaN)).ParamName);
        Assert.Equal("inputs", Assert.ThrowsAny<ArgumentException>(() => MinMaxScaling<double>.Fit(withNaN)).ParamName);
        Assert.Equal("inputs", Assert.ThrowsAny<ArgumentException>(() => Standardization<double>.Fit(ImmutableMatrix.Zeros<double>(2, 0))).ParamName);
    }

    [Fact]
    public void ClassEncodingOrdersNumbersNumericallyAndOtherLabelsOrdinally()
    {
        Assert.Equal(new[] { "2", "3", "10" }, ClassEncoding.Fit(["10", "2", "3", "10"]).Classes);
        Assert.Equal(new[] { "-1", "0.5", "1e3" }, ClassEncoding.Fit(["1e3", "0.5", "-1"]).Classes);
        Assert.Equal(new[] { "10", "2", "setosa" }, ClassEncoding.Fit(["setosa", "2", "10"]).Classes);
        Assert.Equal(new[] { "Versicolor", "setosa" }, ClassEncoding.Fit(["setosa", "Versicolor"]).Classes);
    }

    [PureProperty(MaxTest = 200)]
    public Property ClassEncodingRoundTripsAndOneHotColumnsSumToOne() =>
        Prop.ForAll(Arb.From(Gen.Choose(2, 20).SelectMany(n => Gen.ArrayOf(Gen.Elements("setosa", "versicolor", "virginica", "2", "10", "a,b"), n))
            .Where(labels => labels.Distinct().Count() >= 2)), labels =>
        {
            var encoding = ClassEncoding.Fit(labels);
            var indices = encoding.Encode(labels);
            var oneHot = encoding.OneHot<double>(labels);
            bool roundTrip = labels.All(label => encoding.Decode(encoding.IndexOf(label)) == label) && indices.Select(encoding.Decode).SequenceEqual(labels);
            bool columns = oneHot.Rows == encoding.ClassCount && oneHot.Columns == labels.Length &&
                Enumerable.Range(0, labels.Length).All(j => oneHot.Column(j).ToArray().Sum() == 1 && oneHot[indices[j], j] == 1);
            bool distinct = encoding.Classes.Distinct().Count() == encoding.ClassCount && encoding.ClassCount == labels.Distinct().Count();
            return (roundTrip && columns && distinct).Label($"classes [{string.Join("|", encoding.Classes)}]");
        });

    [Fact]
    public void AnUnknownLabelOrClassIndexIsRefusedNamingTheArgument()
    {
        var encoding = ClassEncoding.Fit(["cat", "dog"]);
        var error = Assert.ThrowsAny<ArgumentException>(() => encoding.IndexOf("bird"));
        Assert.Equal("label", error.ParamName);
        Assert.Contains("'bird'", error.Message);
        Assert.Equal("label", Assert.ThrowsAny<ArgumentException>(() => encoding.Encode(["cat", "bird"])).ParamName);
        Assert.Equal("index", Assert.ThrowsAny<ArgumentException>(() => encoding.Decode(2)).ParamName);
        Assert.Equal("Classes", Assert.ThrowsAny<ArgumentException>(() => ClassEncoding.Fit(["cat", "cat"])).ParamName);
        Assert.Equal(encoding, new ClassEncoding(["cat", "dog"]));
    }
}
