using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;

namespace Pure.Properties;

/// <summary>
/// Feature scalings accept every finite feature whose spread T can represent, at any magnitude, keep the bits of
/// ordinary data, and refuse a feature they cannot scale naming it.
/// </summary>
public class FeatureScalingRangeTests
{
    /// <summary>Features of 10^exponent x (offset + k / 100) for random exponents, offsets in [-5, 5] and k in [-100, 100], at least two distinct values per feature.</summary>
    private static Gen<double[][]> Features(int minExponent, int maxExponent) =>
        from rows in Gen.Choose(1, 3)
        from m in Gen.Choose(2, 20)
        from features in Gen.ArrayOf(
            from exponent in Gen.Choose(minExponent, maxExponent)
            from offset in Gen.Choose(-500, 500)
            from ks in Gen.ArrayOf(Gen.Choose(-100, 100), m)
            where ks.Distinct().Count() > 1
            select ks.Select(k => (offset / 100.0 + k / 100.0) * Math.Pow(10, exponent)).ToArray(), rows)
        select features;

    private static ImmutableMatrix<T> Matrix<T>(double[][] features) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = new T[features.Length, features[0].Length];
        for (int i = 0; i < features.Length; i++)
            for (int j = 0; j < features[0].Length; j++) values[i, j] = T.CreateChecked(features[i][j]);
        return ImmutableMatrix.FromArray(values);
    }

    /// <summary>Mean and population deviation of a row, in double, after dividing by its largest magnitude (no overflow, no underflow).</summary>
    private static (double Mean, double Deviation) Moments(IReadOnlyList<double> row)
    {
        double largest = row.Max(Math.Abs);
        var scaled = row.Select(x => x / largest).ToArray();
        double mean = scaled.Average();
        return (mean * largest, Math.Sqrt(scaled.Select(y => (y - mean) * (y - mean)).Average()) * largest);
    }

    private static Property StandardizesAtEveryMagnitude<T>(int minExponent, int maxExponent, double tolerance) where T : unmanaged, IFloatingPointIeee754<T> =>
        Prop.ForAll(Features(minExponent, maxExponent).ToArbitrary(), features =>
        {
            var inputs = Matrix<T>(features);
            var scaling = Standardization<T>.Fit(inputs);
            var scaled = scaling.Apply(inputs);
            var failures = new List<string>();
            for (int i = 0; i < inputs.Rows; i++)
            {
                var stored = Enumerable.Range(0, inputs.Columns).Select(j => double.CreateChecked(inputs[i, j])).ToArray();
                var (mean, deviation) = Moments(stored);
                var (scaledMean, scaledDeviation) = Moments(Enumerable.Range(0, inputs.Columns).Select(j => double.CreateChecked(scaled[i, j])).ToArray());
                double fittedDeviation = double.CreateChecked(scaling.Scale[i]);
                if (Math.Abs(fittedDeviation - deviation) > tolerance * deviation) failures.Add($"feature {i}: scale {fittedDeviation} vs {deviation}");
                if (Math.Abs(double.CreateChecked(scaling.Mean[i]) - mean) > tolerance * (Math.Abs(mean) + deviation)) failures.Add($"feature {i}: mean {scaling.Mean[i]} vs {mean}");
                if (Math.Abs(scaledMean) > tolerance * 100 || Math.Abs(scaledDeviation - 1) > tolerance * 100)
                    failures.Add($"feature {i}: scaled mean {scaledMean}, deviation {scaledDeviation}");
            }
            return (failures.Count == 0).Label(string.Join("; ", failures));
        });

    [PureProperty(MaxTest = 300)]
    public Property Standardization_in_float_works_from_1e_minus_30_to_1e30() => StandardizesAtEveryMagnitude<float>(-30, 30, 1e-5);

    [PureProperty(MaxTest = 300)]
    public Property Standardization_in_double_works_from_1e_minus_300_to_1e300() => StandardizesAtEveryMagnitude<double>(-300, 300, 1e-12);

    [PureProperty(MaxTest = 200)]
    public Property Standardization_keeps_the_bits_of_ordinary_data() =>
        Prop.ForAll(Features(-3, 3).ToArbitrary(), features =>
        {
            // The plain two-pass sums in T, as before the scaled fallback existed.
            foreach (var run in new Func<bool>[] { () => KeepsBits<float>(features), () => KeepsBits<double>(features) })
                if (!run()) return false;
            return true;
        });

    private static bool KeepsBits<T>(double[][] features) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var inputs = Matrix<T>(features);
        var scaling = Standardization<T>.Fit(inputs);
        T m = T.CreateChecked(inputs.Columns);
        for (int i = 0; i < inputs.Rows; i++)
        {
            T sum = T.Zero, squares = T.Zero;
            for (int j = 0; j < inputs.Columns; j++) sum += inputs[i, j];
            T mean = sum / m;
            for (int j = 0; j < inputs.Columns; j++) squares += (inputs[i, j] - mean) * (inputs[i, j] - mean);
            if (!scaling.Mean[i].Equals(mean) || !scaling.Scale[i].Equals(T.Sqrt(squares / m))) return false;
        }
        return true;
    }

    public static TheoryData<double> IssueMagnitudes => [1e20, 1e30];

    [Theory]
    [MemberData(nameof(IssueMagnitudes))]
    public void Float_features_of_1e20_standardize(double magnitude)
    {
        var inputs = ImmutableMatrix.FromRows<float>([[(float)magnitude, (float)(2 * magnitude), (float)(3 * magnitude)]]);
        var scaled = Standardization<float>.Fit(inputs).Apply(inputs);
        Assert.Equal([-1.2247449f, 0f, 1.2247449f], scaled.AsSpan().ToArray(), new ToleranceComparer(1e-6));
    }

    public static TheoryData<double> DoubleMagnitudes => [1e160, 1e300, 1e-170, 1e-300, 1e-307];

    [Theory]
    [MemberData(nameof(DoubleMagnitudes))]
    public void Double_features_of_any_magnitude_standardize_and_do_not_become_constant(double magnitude)
    {
        var inputs = ImmutableMatrix.FromRows<double>([[magnitude, 2 * magnitude, 3 * magnitude]]);
        var scaling = Standardization<double>.Fit(inputs);
        Assert.NotEqual(1.0, scaling.Scale[0]);
        Assert.Equal([-1.224744871391589, 0, 1.224744871391589], scaling.Apply(inputs).AsSpan().ToArray(), new ToleranceComparer(1e-12));
    }

    [Fact]
    public void A_feature_spanning_the_whole_float_range_standardizes_to_finite_values()
    {
        // The mean is 1.13e38, so x - mean for the first sample (-4.5e38) overflows float; Apply computes it in double.
        var inputs = ImmutableMatrix.FromRows<float>([[-3.4e38f, 3.4e38f, 3.4e38f]]);
        var scaled = Standardization<float>.Fit(inputs).Apply(inputs).AsSpan().ToArray();
        Assert.Equal([-1.4142135f, 0.70710677f, 0.70710677f], scaled, new ToleranceComparer(1e-6));
    }

    [Fact]
    public void A_constant_feature_of_huge_values_gets_scale_one_and_its_value_as_mean()
    {
        var inputs = ImmutableMatrix.FromRows<float>([[3e38f, 3e38f, 3e38f]]);
        var scaling = Standardization<float>.Fit(inputs);
        Assert.Equal((3e38f, 1f), (scaling.Mean[0], scaling.Scale[0]));
        Assert.All(scaling.Apply(inputs).AsSpan().ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void A_spread_below_the_smallest_float_is_refused_naming_the_column()
    {
        var inputs = ImmutableMatrix.FromRows<float>([[1, 2, 3], [0, float.Epsilon, 0]]);
        var error = Assert.Throws<ArgumentException>(() => Standardization<float>.Fit(inputs, ["price", "tiny"]));
        Assert.Equal("inputs", error.ParamName);
        Assert.Contains("Cannot standardize column 'tiny' (feature 1)", error.Message);
        Assert.Contains("from 0 to 1.401298464324817E-45", error.Message);
        Assert.Contains("not representable in float32", error.Message);
        var unnamed = Assert.Throws<ArgumentException>(() => Standardization<float>.Fit(inputs));
        Assert.Contains("Cannot standardize feature 1:", unnamed.Message);
    }

    [Fact]
    public void MinMax_refuses_a_range_beyond_the_dtype_naming_the_column_and_accepts_one_that_fits()
    {
        var error = Assert.Throws<ArgumentException>(() => MinMaxScaling<double>.Fit(ImmutableMatrix.FromRows<double>([[-1e308, 1e308]]), ["wide"]));
        Assert.Equal("inputs", error.ParamName);
        Assert.Contains("Cannot min-max scale column 'wide' (feature 0)", error.Message);
        Assert.Contains("more than the largest float64 (1.7976931348623157E+308)", error.Message);
        var floatError = Assert.Throws<ArgumentException>(() => MinMaxScaling<float>.Fit(ImmutableMatrix.FromRows<float>([[-3e38f, 3e38f]])));
        Assert.Contains("Cannot min-max scale feature 0", floatError.Message);
        Assert.Contains("float32", floatError.Message);

        // -2e38 to 1e38: max - min overflows in float arithmetic only by the route taken (it is 3e38, which fits).
        var inputs = ImmutableMatrix.FromRows<float>([[-2e38f, 1e38f, -5e37f]]);
        var scaling = MinMaxScaling<float>.Fit(inputs);
        Assert.Equal(3e38f, scaling.Range[0], 1e31f);
        Assert.Equal([0f, 1f, 0.5f], scaling.Apply(inputs).AsSpan().ToArray(), new ToleranceComparer(1e-6));
    }

    [Fact]
    public void Column_names_must_be_one_per_feature()
    {
        var inputs = ImmutableMatrix.FromRows<double>([[1, 2], [3, 4]]);
        Assert.Equal("columnNames", Assert.Throws<ArgumentException>(() => Standardization<double>.Fit(inputs, ["a"])).ParamName);
        Assert.Equal("columnNames", Assert.Throws<ArgumentException>(() => MinMaxScaling<double>.Fit(inputs, ["a", "b", "c"])).ParamName);
        Assert.Equal(Standardization<double>.Fit(inputs), Standardization<double>.Fit(inputs, ["a", "b"]));
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<float>, IEqualityComparer<double>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance * Math.Max(1, Math.Abs(y));

        public int GetHashCode(float value) => 0;

        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance * Math.Max(1, Math.Abs(y));

        public int GetHashCode(double value) => 0;
    }
}
