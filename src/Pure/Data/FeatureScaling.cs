using System.Numerics;

namespace Pure;

/// <summary>
/// A per-feature affine transform x' = (x - offset) / scale, fitted on training data only and stored with the model,
/// so that the same transform is applied to every later input.
/// </summary>
public abstract record FeatureScaling<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The number of features (rows of the inputs) it was fitted on.</summary>
    public abstract int FeatureCount { get; }

    /// <summary>The transformed copy of <paramref name="inputs"/> (FeatureCount x m); the argument is not changed.</summary>
    public abstract ImmutableMatrix<T> Apply(ImmutableMatrix<T> inputs);

    /// <summary>The checks both kinds of <c>Fit</c> make: at least one sample, all finite.</summary>
    private protected static void CheckFitInputs(ImmutableMatrix<T> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        Guard.AtLeastOneSample(inputs, nameof(inputs));
        Guard.Finite(inputs, nameof(inputs));
    }

    /// <summary><paramref name="spread"/> with 1 in place of every 0 (a feature with no spread is left unscaled).</summary>
    private protected static ImmutableVector<T> OneWhereZero(T[] spread)
    {
        for (int i = 0; i < spread.Length; i++)
            if (spread[i] == T.Zero) spread[i] = T.One;
        return new ImmutableVector<T>(spread);
    }

    /// <summary>A finite offset vector, checked once when a scaling is built.</summary>
    private protected static ImmutableVector<T> CheckOffset(ImmutableVector<T> offset, string name)
    {
        ArgumentNullException.ThrowIfNull(offset, name);
        Guard.Finite(offset.AsSpan(), name, "an offset");
        return offset;
    }

    /// <summary>An offset that replaces one in a with-expression: it must keep the number of features of <paramref name="divisor"/>.</summary>
    private protected static ImmutableVector<T> CheckOffset(ImmutableVector<T> offset, ImmutableVector<T> divisor, string name) =>
        CheckOffset(offset, name).Length == divisor.Length ? offset
        : throw new ArgumentException($"Expected {divisor.Length} offsets, one per feature, got {offset.Length}; to change the number of features, call the constructor.", name);

    /// <summary>A finite, non-zero divisor per feature, as long as <paramref name="offset"/>, checked once when a scaling is built.</summary>
    private protected static ImmutableVector<T> CheckDivisor(ImmutableVector<T> divisor, ImmutableVector<T> offset, string name)
    {
        ArgumentNullException.ThrowIfNull(divisor, name);
        if (offset is not null && divisor.Length != offset.Length)
            throw new ArgumentException($"Expected {offset.Length} divisors, one per feature, got {divisor.Length}.", name);
        Guard.Finite(divisor.AsSpan(), name, "a divisor");
        int zero = divisor.AsSpan().IndexOf(T.Zero);
        if (zero >= 0) throw new ArgumentException($"Expected non-zero divisors, got 0 for feature {zero}.", name);
        return divisor;
    }

    /// <summary>(x - offset) / scale for every element, row by row; checks the row count.</summary>
    private protected static ImmutableMatrix<T> Map(ImmutableMatrix<T> inputs, ImmutableVector<T> offset, ImmutableVector<T> scale)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Rows != offset.Length)
            throw new ArgumentException($"Expected inputs to be {offset.Length} x m, got {inputs.Shape}.", nameof(inputs));
        var result = inputs.ToColumnMajorArray();
        for (int start = 0; start < result.Length; start += offset.Length)
            for (int i = 0; i < offset.Length; i++)
                result[start + i] = (result[start + i] - offset[i]) / scale[i];
        return new ImmutableMatrix<T>(inputs.Rows, inputs.Columns, result);
    }
}

/// <summary>
/// Standardisation x' = (x - mean) / scale per feature (row), fitted on training data only; a feature with no
/// spread gets scale 1, as in scikit-learn's StandardScaler.
/// </summary>
/// <param name="Mean">The mean of each feature.</param>
/// <param name="Scale">The population standard deviation of each feature, or 1 where it is 0.</param>
public sealed record Standardization<T>(ImmutableVector<T> Mean, ImmutableVector<T> Scale) : FeatureScaling<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The mean of each feature; finite.</summary>
    public ImmutableVector<T> Mean { get; init => field = CheckOffset(value, Scale, nameof(Mean)); } = CheckOffset(Mean, nameof(Mean));

    /// <summary>The divisor of each feature; finite and non-zero, one per feature.</summary>
    public ImmutableVector<T> Scale { get; init => field = CheckDivisor(value, this.Mean, nameof(Scale)); } = CheckDivisor(Scale, Mean, nameof(Scale));

    /// <inheritdoc />
    public override int FeatureCount => Mean.Length;

    /// <summary>Fits the mean and scale of every row of <paramref name="inputs"/> (n x m, m ≥ 1).</summary>
    public static Standardization<T> Fit(ImmutableMatrix<T> inputs)
    {
        CheckFitInputs(inputs);
        var mean = new T[inputs.Rows];
        var scale = new T[inputs.Rows];
        T m = T.CreateChecked(inputs.Columns);
        for (int j = 0; j < inputs.Columns; j++)
        {
            var column = inputs.ColumnSpan(j);
            for (int i = 0; i < mean.Length; i++) mean[i] += column[i];
        }
        for (int i = 0; i < mean.Length; i++) mean[i] /= m;
        for (int j = 0; j < inputs.Columns; j++)
        {
            var column = inputs.ColumnSpan(j);
            for (int i = 0; i < scale.Length; i++) scale[i] += (column[i] - mean[i]) * (column[i] - mean[i]);
        }
        for (int i = 0; i < scale.Length; i++) scale[i] = T.Sqrt(scale[i] / m);
        return new Standardization<T>(new ImmutableVector<T>(mean), OneWhereZero(scale));
    }

    /// <summary>The standardised copy of <paramref name="inputs"/>, which must have as many rows as were fitted.</summary>
    public override ImmutableMatrix<T> Apply(ImmutableMatrix<T> inputs) => Map(inputs, Mean, Scale);
}

/// <summary>
/// Min-max scaling x' = (x - min) / (max - min) per feature (row) to [0, 1] on the training data, fitted on training
/// data only; a feature with no spread gets range 1, as in scikit-learn's MinMaxScaler.
/// </summary>
/// <param name="Minimum">The least value of each feature.</param>
/// <param name="Range">max - min of each feature, or 1 where it is 0.</param>
public sealed record MinMaxScaling<T>(ImmutableVector<T> Minimum, ImmutableVector<T> Range) : FeatureScaling<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The least value of each feature; finite.</summary>
    public ImmutableVector<T> Minimum { get; init => field = CheckOffset(value, Range, nameof(Minimum)); } = CheckOffset(Minimum, nameof(Minimum));

    /// <summary>The divisor of each feature; finite and non-zero, one per feature.</summary>
    public ImmutableVector<T> Range { get; init => field = CheckDivisor(value, this.Minimum, nameof(Range)); } = CheckDivisor(Range, Minimum, nameof(Range));

    /// <inheritdoc />
    public override int FeatureCount => Minimum.Length;

    /// <summary>Fits the minimum and range of every row of <paramref name="inputs"/> (n x m, m ≥ 1, finite).</summary>
    public static MinMaxScaling<T> Fit(ImmutableMatrix<T> inputs)
    {
        CheckFitInputs(inputs);
        var minimum = inputs.ColumnSpan(0).ToArray();
        var maximum = inputs.ColumnSpan(0).ToArray();
        for (int j = 1; j < inputs.Columns; j++)
        {
            var column = inputs.ColumnSpan(j);
            for (int i = 0; i < minimum.Length; i++)
            {
                minimum[i] = T.Min(minimum[i], column[i]);
                maximum[i] = T.Max(maximum[i], column[i]);
            }
        }
        var range = new T[minimum.Length];
        for (int i = 0; i < range.Length; i++) range[i] = maximum[i] - minimum[i];
        return new MinMaxScaling<T>(new ImmutableVector<T>(minimum), OneWhereZero(range));
    }

    /// <summary>The scaled copy of <paramref name="inputs"/>, which must have as many rows as were fitted.</summary>
    public override ImmutableMatrix<T> Apply(ImmutableMatrix<T> inputs) => Map(inputs, Minimum, Range);
}
