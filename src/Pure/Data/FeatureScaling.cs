using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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

    /// <summary>
    /// The inverse transform x = x' scale + offset, mapping scaled values (FeatureCount x m) back to original units; used
    /// for a model's target scaling. The built-in scalings define it; a scaling defined outside the library must
    /// override it to serve as a target scaling.
    /// </summary>
    /// <param name="scaled">The scaled values x', FeatureCount x m.</param>
    /// <exception cref="NotSupportedException">This scaling was defined outside the library and does not override Invert.</exception>
    public virtual ImmutableMatrix<T> Invert(ImmutableMatrix<T> scaled) =>
        throw new NotSupportedException($"The scaling {GetType().Name} defines no inverse: override Invert to use it as a target scaling.");

    /// <summary>x' scale + offset for every element, in T; an element that overflows T is computed again in double and saturated. Checks the row count.</summary>
    private protected static ImmutableMatrix<T> Unmap(ImmutableMatrix<T> scaled, ImmutableVector<T> offset, ImmutableVector<T> scale)
    {
        ArgumentNullException.ThrowIfNull(scaled);
        if (scaled.Rows != offset.Length) throw new ArgumentException($"Expected scaled values of shape {offset.Length} x m, got {scaled.Shape}.", nameof(scaled));
        var result = scaled.ToColumnMajorArray();
        UnmapInPlace(result, offset, scale);
        return new ImmutableMatrix<T>(scaled.Rows, scaled.Columns, result);
    }

    /// <summary>x = x' scale + offset for every element of a rows x m matrix, in place: the values <see cref="Unmap"/> computes.</summary>
    private protected static void UnmapInPlace(Span<T> result, ImmutableVector<T> offset, ImmutableVector<T> scale)
    {
        for (int start = 0; start < result.Length; start += offset.Length)
            for (int i = 0; i < offset.Length; i++)
            {
                T x = result[start + i];
                T original = x * scale[i] + offset[i];
                result[start + i] = T.IsFinite(original) || !T.IsFinite(x) ? original
                    : T.CreateSaturating(double.CreateChecked(x) * double.CreateChecked(scale[i]) + double.CreateChecked(offset[i]));
            }
    }

    /// <summary>
    /// <see cref="Invert"/> on a rows x columns column-major matrix held in <paramref name="values"/>, written back in
    /// place (for <see cref="Predictor{T}"/>); the built-in scalings do it without allocating.
    /// </summary>
    internal virtual void InvertInPlace(int rows, int columns, Span<T> values)
    {
        var original = Invert(ImmutableMatrix.FromColumnMajor<T>(rows, columns, values));
        if (original.Rows != rows || original.Columns != columns)
            throw new InvalidOperationException($"Expected the inverse scaling to keep the shape {rows} x {columns}, got {original.Shape}.");
        original.AsSpan().CopyTo(values);
    }

    /// <summary>The checks both kinds of <c>Fit</c> make: at least one sample, all finite.</summary>
    private protected static void CheckFitInputs(ImmutableMatrix<T> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        Guard.AtLeastOneSample(inputs, nameof(inputs));
        Guard.Finite(inputs, nameof(inputs));
    }

    /// <summary>The names of the features for messages: <paramref name="columnNames"/> (one per row of <paramref name="inputs"/>) or null.</summary>
    private protected static IReadOnlyList<string>? CheckColumnNames(ImmutableMatrix<T> inputs, IReadOnlyList<string>? columnNames)
    {
        if (columnNames is null) return null;
        if (columnNames.Count != inputs.Rows)
            throw new ArgumentException($"Expected {inputs.Rows} column names, one per feature (row of inputs), got {columnNames.Count}.", nameof(columnNames));
        return columnNames;
    }

    /// <summary>"column 'name' (feature i)" or "feature i", for messages.</summary>
    private protected static string Describe(IReadOnlyList<string>? columnNames, int feature) =>
        columnNames?[feature] is string name ? $"column '{(name.Length > 80 ? name[..80] + "..." : name)}' (feature {feature})" : $"feature {feature}";

    /// <summary>T's largest finite value, as a double.</summary>
    private protected static double Largest => typeof(T) == typeof(float) ? float.MaxValue : typeof(T) == typeof(Half) ? (double)Half.MaxValue : double.MaxValue;

    /// <summary>The dtype's name in messages.</summary>
    private protected static string DType => typeof(T) == typeof(float) ? "float32" : typeof(T) == typeof(double) ? "float64" : typeof(T).Name;

    /// <summary>A value of T in messages, shortest round-trip.</summary>
    private protected static string Show(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

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

    /// <summary>
    /// Scales <paramref name="values"/> (a rows x <paramref name="columns"/> matrix in column-major order) in place,
    /// with exactly the arithmetic of <see cref="Apply"/>, and throws as Apply does when the row count differs. The
    /// span must be the caller's own new storage that nothing else holds yet (the command line fills the parts of its
    /// data and scales them before wrapping them as matrices: no scaled copy). A scaling defined outside the library
    /// is applied to a copy, which is then copied back, so it never sees the storage.
    /// </summary>
    internal virtual void ApplyInPlace(int rows, int columns, Span<T> values)
    {
        var scaled = Apply(ImmutableMatrix.FromColumnMajor<T>(rows, columns, values));
        if (scaled.Rows != rows || scaled.Columns != columns)
            throw new InvalidOperationException($"Expected the scaling to keep the shape {rows} x {columns}, got {scaled.Shape}.");
        scaled.AsSpan().CopyTo(values);
    }

    /// <summary>
    /// (x - offset) / scale for every element, row by row, in T; an element whose difference overflows T (a feature
    /// spanning more than half of T's range) is computed again in double and rounded once. Checks the row count.
    /// </summary>
    private protected static ImmutableMatrix<T> Map(ImmutableMatrix<T> inputs, ImmutableVector<T> offset, ImmutableVector<T> scale)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        CheckRows(inputs.Rows, inputs.Columns, offset);
        var result = inputs.ToColumnMajorArray();
        MapInPlace(result, offset, scale);
        return new ImmutableMatrix<T>(inputs.Rows, inputs.Columns, result);
    }

    /// <summary><see cref="Map"/> on storage the caller owns (see <see cref="ApplyInPlace"/>): the same checks and the same arithmetic, no copy.</summary>
    private protected static void MapInPlace(int rows, int columns, Span<T> values, ImmutableVector<T> offset, ImmutableVector<T> scale)
    {
        CheckRows(rows, columns, offset);
        if (values.Length != (long)rows * columns)
            throw new ArgumentException($"Expected {(long)rows * columns} values for a {rows} x {columns} matrix, got {values.Length}.", nameof(values));
        MapInPlace(values, offset, scale);
    }

    private static void CheckRows(int rows, int columns, ImmutableVector<T> offset)
    {
        if (rows != offset.Length)
            throw new ArgumentException($"Expected inputs to be {offset.Length} x m, got {rows} x {columns}.", "inputs");
    }

    /// <summary>x' = (x - offset) / divisor per element, in place: see <see cref="MapInto"/>.</summary>
    private static void MapInPlace(Span<T> result, ImmutableVector<T> offset, ImmutableVector<T> scale) =>
        MapInto(result, result, offset, scale, finiteOnly: false);

    /// <summary>
    /// x' = (x - offset) / divisor per element of <paramref name="source"/> into <paramref name="result"/> (the same
    /// span, or one that does not overlap it), saturated through double where that overflows. Whole vectors of a
    /// column take one vector subtraction and one vector division (each rounded as IEEE 754 rounds the scalar one, so
    /// the same bits); a vector with a non-finite lane, and the elements past the last whole vector, go one at a time.
    /// With <paramref name="finiteOnly"/>, returns false at the first x or x' that is not finite, leaving the rest unwritten.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool MapInto(ReadOnlySpan<T> source, Span<T> result, ImmutableVector<T> offset, ImmutableVector<T> scale, bool finiteOnly)
    {
        var offsets = offset.AsSpan();
        var divisors = scale.AsSpan();
        int n = offsets.Length;
        for (int start = 0; start < result.Length; start += n)
        {
            var input = source.Slice(start, n);
            var column = result.Slice(start, n);
            int i = 0;
            if (Simd<T>.Is512)
                for (int lanes = Vector512<T>.Count; i + lanes <= n; i += lanes)
                {
                    var scaled = (Vector512.Create<T>(input[i..]) - Vector512.Create<T>(offsets[i..])) / Vector512.Create<T>(divisors[i..]);
                    if (Vector512.EqualsAll(scaled - scaled, Vector512<T>.Zero))
                        scaled.CopyTo(column[i..]);
                    else if (!MapEach(input, column, offsets, divisors, i, i + lanes, finiteOnly))
                        return false;
                }
            else if (Simd<T>.Is256)
                for (int lanes = Vector256<T>.Count; i + lanes <= n; i += lanes)
                {
                    var scaled = (Vector256.Create<T>(input[i..]) - Vector256.Create<T>(offsets[i..])) / Vector256.Create<T>(divisors[i..]);
                    if (Vector256.EqualsAll(scaled - scaled, Vector256<T>.Zero))
                        scaled.CopyTo(column[i..]);
                    else if (!MapEach(input, column, offsets, divisors, i, i + lanes, finiteOnly))
                        return false;
                }
            if (!MapEach(input, column, offsets, divisors, i, n, finiteOnly)) return false;
        }
        return true;
    }

    /// <summary>Elements <paramref name="from"/> to <paramref name="to"/> of one column, one at a time (see <see cref="MapInto"/>).</summary>
    private static bool MapEach(ReadOnlySpan<T> input, Span<T> column, ReadOnlySpan<T> offsets, ReadOnlySpan<T> divisors, int from, int to, bool finiteOnly)
    {
        for (int i = from; i < to; i++)
        {
            T x = input[i], scaled = MapOne(x, offsets[i], divisors[i]);
            if (finiteOnly && !(T.IsFinite(x) && T.IsFinite(scaled))) return false;
            column[i] = scaled;
        }
        return true;
    }

    /// <summary>
    /// <see cref="ApplyInPlace"/> from <paramref name="source"/> into <paramref name="destination"/> (which must not
    /// overlap it) in one pass, for the built-in scalings: true when every input and every scaled value is finite.
    /// False (the destination then holds anything) for a non-finite value or a scaling without such a path; the caller
    /// then takes the checked steps, which name the value.
    /// </summary>
    internal virtual bool TryApplyFinite(int rows, int columns, ReadOnlySpan<T> source, Span<T> destination) => false;

    /// <summary><see cref="TryApplyFinite"/> for a scaling of the form (x - offset) / divisor.</summary>
    private protected static bool TryMapFinite(int rows, int columns, ReadOnlySpan<T> source, Span<T> destination, ImmutableVector<T> offset, ImmutableVector<T> scale)
    {
        long count = (long)rows * columns;
        if (rows != offset.Length || source.Length != count || destination.Length < count) return false;
        return MapInto(source, destination[..source.Length], offset, scale, finiteOnly: true);
    }

    private static T MapOne(T x, T offset, T divisor)
    {
        T scaled = (x - offset) / divisor;
        return T.IsFinite(scaled) ? scaled : T.CreateSaturating((double.CreateChecked(x) - double.CreateChecked(offset)) / double.CreateChecked(divisor));
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

    /// <summary>
    /// Fits the mean and population standard deviation of every row of <paramref name="inputs"/> (n x m, m ≥ 1, finite).
    /// <para>
    /// A feature whose sums stay in T's normal range (neither Σx nor Σ(x - mean)^2 overflows, and Σ(x - mean)^2 is at
    /// least m times the smallest normal value over the machine epsilon, so no square lost to underflow could matter)
    /// is fitted with the plain two-pass sums in T. Any other feature is fitted in double with a scaled, corrected
    /// two-pass algorithm: its values are divided by the power of two nearest below their largest magnitude (exactly),
    /// so that no square overflows or underflows, and the mean and deviation are scaled back and rounded to T once.
    /// Every finite feature is then accepted (1e20 in float32 and 1e160 or 1e-170 in float64 standardize like 1),
    /// except one whose standard deviation rounds to 0 in T though its values differ (for example, float32 values
    /// 0 and 1e-45, spread 5e-46); that one is refused naming the feature. A standard deviation below T's smallest
    /// normal number (values themselves subnormal, such as float64 values near 1e-320) is kept as the subnormal
    /// nearest to it, so it and the scaled values carry fewer significant bits.
    /// </para>
    /// </summary>
    /// <param name="inputs">X, n x m, m ≥ 1, finite; one feature per row.</param>
    /// <param name="columnNames">The name of each feature, for messages (for example a CSV header), or null to name features by index.</param>
    /// <exception cref="ArgumentException">The inputs are empty or not finite, the names are not one per row, or a feature's spread is not representable in T (the message names the feature, its values and what is expected).</exception>
    public static Standardization<T> Fit(ImmutableMatrix<T> inputs, IReadOnlyList<string>? columnNames = null)
    {
        CheckFitInputs(inputs);
        CheckColumnNames(inputs, columnNames);
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
        // Below this, squares lost to underflow (each under the smallest normal) could change the sum's leading bits.
        T smallest = m * T.CreateChecked(MinNormal) / (T.BitIncrement(T.One) - T.One);
        for (int i = 0; i < scale.Length; i++)
        {
            if (T.IsFinite(mean[i]) && T.IsFinite(scale[i]) && (scale[i] >= smallest || scale[i] == T.Zero && IsConstant(inputs, i)))
                scale[i] = T.Sqrt(scale[i] / m);
            else
                (mean[i], scale[i]) = FitScaled(inputs, i, columnNames);
        }
        return new Standardization<T>(new ImmutableVector<T>(mean), OneWhereZero(scale));
    }

    private static double MinNormal => typeof(T) == typeof(float) ? 1.1754943508222875e-38 : typeof(T) == typeof(Half) ? 6.103515625e-05 : 2.2250738585072014e-308;

    private static bool IsConstant(ImmutableMatrix<T> inputs, int feature)
    {
        T first = inputs[feature, 0];
        for (int j = 1; j < inputs.Columns; j++)
            if (inputs[feature, j] != first) return false;
        return true;
    }

    /// <summary>
    /// The mean and standard deviation of feature <paramref name="feature"/> in double, scaled by a power of two so that
    /// the largest magnitude is in [1, 2): the corrected two-pass algorithm (Chan, Golub and LeVeque) on the scaled values.
    /// </summary>
    private static (T Mean, T Scale) FitScaled(ImmutableMatrix<T> inputs, int feature, IReadOnlyList<string>? columnNames)
    {
        int m = inputs.Columns;
        double largest = 0, low = double.PositiveInfinity, high = double.NegativeInfinity;
        for (int j = 0; j < m; j++)
        {
            double x = double.CreateChecked(inputs[feature, j]);
            largest = Math.Max(largest, Math.Abs(x));
            low = Math.Min(low, x);
            high = Math.Max(high, x);
        }
        if (low == high) return (inputs[feature, 0], T.Zero);
        int exponent = Math.ILogB(largest);
        double sum = 0;
        for (int j = 0; j < m; j++) sum += Math.ScaleB(double.CreateChecked(inputs[feature, j]), -exponent);
        double meanScaled = sum / m, deviations = 0, squares = 0;
        for (int j = 0; j < m; j++)
        {
            double deviation = Math.ScaleB(double.CreateChecked(inputs[feature, j]), -exponent) - meanScaled;
            deviations += deviation;
            squares += deviation * deviation;
        }
        double variance = Math.Max(0, (squares - deviations * deviations / m) / m);
        double meanValue = Math.ScaleB(meanScaled, exponent), deviationValue = Math.ScaleB(Math.Sqrt(variance), exponent);
        T mean = T.CreateSaturating(Math.Clamp(meanValue, low, high));
        T scale = T.CreateSaturating(deviationValue);
        if (scale == T.Zero || deviationValue > Largest)
            throw new ArgumentException(
                $"Cannot standardize {Describe(columnNames, feature)}: its values, from {Show(low)} to {Show(high)}, have a standard deviation of {Show(deviationValue)}, " +
                $"which is not representable in {DType}; expected a standard deviation between {Show(double.CreateChecked(T.Epsilon))} and {Show(Largest)}: rescale the column, or fit in float64.",
                nameof(inputs));
        return (mean, scale);
    }

    /// <summary>The standardised copy of <paramref name="inputs"/>, which must have as many rows as were fitted.</summary>
    public override ImmutableMatrix<T> Apply(ImmutableMatrix<T> inputs) => Map(inputs, Mean, Scale);

    /// <summary>x = x' Scale + Mean for every element: the inverse of <see cref="Apply"/>.</summary>
    public override ImmutableMatrix<T> Invert(ImmutableMatrix<T> scaled) => Unmap(scaled, Mean, Scale);

    /// <inheritdoc />
    internal override void ApplyInPlace(int rows, int columns, Span<T> values) => MapInPlace(rows, columns, values, Mean, Scale);

    /// <inheritdoc />
    internal override bool TryApplyFinite(int rows, int columns, ReadOnlySpan<T> source, Span<T> destination) =>
        TryMapFinite(rows, columns, source, destination, Mean, Scale);

    /// <inheritdoc />
    internal override void InvertInPlace(int rows, int columns, Span<T> values) => UnmapInPlace(values[..(rows * columns)], Mean, Scale);
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

    /// <summary>
    /// Fits the minimum and range of every row of <paramref name="inputs"/> (n x m, m ≥ 1, finite). The range max - min
    /// is computed in T; where it overflows, it is computed again in double and rounded once, and a feature whose range
    /// exceeds T's largest value even so (for example float64 values -1e308 and 1e308) is refused naming the feature.
    /// </summary>
    /// <param name="inputs">X, n x m, m ≥ 1, finite; one feature per row.</param>
    /// <param name="columnNames">The name of each feature, for messages (for example a CSV header), or null to name features by index.</param>
    /// <exception cref="ArgumentException">The inputs are empty or not finite, the names are not one per row, or a feature's range is not representable in T.</exception>
    public static MinMaxScaling<T> Fit(ImmutableMatrix<T> inputs, IReadOnlyList<string>? columnNames = null)
    {
        CheckFitInputs(inputs);
        CheckColumnNames(inputs, columnNames);
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
        for (int i = 0; i < range.Length; i++)
        {
            range[i] = maximum[i] - minimum[i];
            if (T.IsFinite(range[i])) continue;
            double wide = double.CreateChecked(maximum[i]) - double.CreateChecked(minimum[i]);
            range[i] = T.CreateSaturating(wide);
            if (wide > Largest)
                throw new ArgumentException(
                    $"Cannot min-max scale {Describe(columnNames, i)}: its values, from {Show(double.CreateChecked(minimum[i]))} to {Show(double.CreateChecked(maximum[i]))}, " +
                    $"span {(double.IsFinite(wide) ? Show(wide) + ", more than" : "more than")} the largest {DType} ({Show(Largest)}); expected a range that fits {DType}: rescale the column, or use standardization.",
                    nameof(inputs));
        }
        return new MinMaxScaling<T>(new ImmutableVector<T>(minimum), OneWhereZero(range));
    }

    /// <summary>The scaled copy of <paramref name="inputs"/>, which must have as many rows as were fitted.</summary>
    public override ImmutableMatrix<T> Apply(ImmutableMatrix<T> inputs) => Map(inputs, Minimum, Range);

    /// <summary>x = x' Range + Minimum for every element: the inverse of <see cref="Apply"/>.</summary>
    public override ImmutableMatrix<T> Invert(ImmutableMatrix<T> scaled) => Unmap(scaled, Minimum, Range);

    /// <inheritdoc />
    internal override void ApplyInPlace(int rows, int columns, Span<T> values) => MapInPlace(rows, columns, values, Minimum, Range);

    /// <inheritdoc />
    internal override bool TryApplyFinite(int rows, int columns, ReadOnlySpan<T> source, Span<T> destination) =>
        TryMapFinite(rows, columns, source, destination, Minimum, Range);

    /// <inheritdoc />
    internal override void InvertInPlace(int rows, int columns, Span<T> values) => UnmapInPlace(values[..(rows * columns)], Minimum, Range);
}
