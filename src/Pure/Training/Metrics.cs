using System.Collections.Immutable;
using System.Numerics;
using System.Text;

namespace Pure;

/// <summary>Counts of (actual, predicted) class pairs.</summary>
public sealed class ConfusionMatrix : IEquatable<ConfusionMatrix>
{
    private readonly int[] _counts;

    internal ConfusionMatrix(int classCount, int[] counts)
    {
        ClassCount = classCount;
        _counts = counts;
    }

    /// <summary>The number of classes k; the matrix is k x k.</summary>
    public int ClassCount { get; }

    /// <summary>How many samples of class <paramref name="actual"/> were predicted as <paramref name="predicted"/>.</summary>
    public int this[int actual, int predicted]
    {
        get
        {
            if ((uint)actual >= (uint)ClassCount) throw new ArgumentOutOfRangeException(nameof(actual), $"Expected a class in [0, {ClassCount}), got {actual}.");
            if ((uint)predicted >= (uint)ClassCount) throw new ArgumentOutOfRangeException(nameof(predicted), $"Expected a class in [0, {ClassCount}), got {predicted}.");
            return _counts[actual * ClassCount + predicted];
        }
    }

    /// <summary>The number of samples counted.</summary>
    public int Total => _counts.Sum();

    /// <summary>The fraction on the diagonal (0 when empty).</summary>
    public double Accuracy
    {
        get
        {
            int correct = 0;
            for (int c = 0; c < ClassCount; c++) correct += _counts[c * ClassCount + c];
            return Total == 0 ? 0 : (double)correct / Total;
        }
    }

    /// <summary>The counts as rows (actual class) of columns (predicted class).</summary>
    public ImmutableArray<ImmutableArray<int>> ToRows() =>
        Enumerable.Range(0, ClassCount).Select(r => ImmutableArray.Create(_counts, r * ClassCount, ClassCount)).ToImmutableArray();

    /// <inheritdoc />
    public bool Equals(ConfusionMatrix? other) => other is not null && other.ClassCount == ClassCount && other._counts.AsSpan().SequenceEqual(_counts);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ConfusionMatrix);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var count in _counts) hash.Add(count);
        return hash.ToHashCode();
    }

    /// <summary>A table with one row per actual class and one column per predicted class.</summary>
    public override string ToString()
    {
        int width = Math.Max(5, _counts.Length == 0 ? 1 : _counts.Max().ToString(System.Globalization.CultureInfo.InvariantCulture).Length + 1);
        var text = new StringBuilder("actual \\ predicted\n");
        for (int r = 0; r < ClassCount; r++)
        {
            text.Append(r.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(4)).Append(" |");
            for (int c = 0; c < ClassCount; c++) text.Append(_counts[r * ClassCount + c].ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(width));
            text.Append('\n');
        }
        return text.ToString();
    }
}

/// <summary>Classification metrics and label encodings, and regression metrics (MSE, RMSE, MAE, R²) per output and averaged.</summary>
public static class Metrics
{
    /// <summary>
    /// The class of each column: the index of the largest output (the first on ties), or, for a single output,
    /// 1 when it is at least 0.5 and 0 otherwise.
    /// </summary>
    public static ImmutableArray<int> PredictedClasses<T>(ImmutableMatrix<T> output) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(output);
        if (output.Rows == 0) throw new ArgumentException($"Expected at least one output row, got {output.Shape}.", nameof(output));
        var classes = new int[output.Columns];
        T half = T.CreateChecked(0.5);
        for (int j = 0; j < output.Columns; j++)
        {
            var column = output.ColumnSpan(j);
            if (output.Rows == 1)
            {
                classes[j] = column[0] >= half ? 1 : 0;
                continue;
            }
            int best = 0;
            for (int i = 1; i < column.Length; i++) if (column[i] > column[best]) best = i;
            classes[j] = best;
        }
        return ImmutableArray.Create(classes);
    }

    /// <summary>The fraction of columns whose predicted class (see <see cref="PredictedClasses{T}"/>) equals the target's.</summary>
    public static double Accuracy<T>(ImmutableMatrix<T> output, ImmutableMatrix<T> target) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(target);
        Guard.SameShape(output, target, nameof(target));
        Guard.AtLeastOneSample(output, nameof(output));
        var predicted = PredictedClasses(output);
        var actual = PredictedClasses(target);
        int correct = 0;
        for (int j = 0; j < predicted.Length; j++) if (predicted[j] == actual[j]) correct++;
        return (double)correct / predicted.Length;
    }

    /// <summary>The confusion matrix of <paramref name="predicted"/> against <paramref name="actual"/> class labels in [0, classCount).</summary>
    public static ConfusionMatrix Confusion(IReadOnlyList<int> actual, IReadOnlyList<int> predicted, int classCount)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(predicted);
        Guard.Positive(classCount, nameof(classCount));
        if (actual.Count != predicted.Count)
            throw new ArgumentException($"Expected as many predicted labels as actual ones ({actual.Count}), got {predicted.Count}.", nameof(predicted));
        CheckLabels(actual, classCount, nameof(actual));
        CheckLabels(predicted, classCount, nameof(predicted));
        var counts = new int[classCount * classCount];
        for (int i = 0; i < actual.Count; i++) counts[actual[i] * classCount + predicted[i]]++;
        return new ConfusionMatrix(classCount, counts);
    }

    /// <summary>One-hot columns: a classCount x m matrix with a 1 in row labels[j] of column j.</summary>
    public static ImmutableMatrix<T> OneHot<T>(IReadOnlyList<int> labels, int classCount) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(labels);
        Guard.Positive(classCount, nameof(classCount));
        CheckLabels(labels, classCount, nameof(labels));
        var storage = new T[checked(classCount * labels.Count)];
        for (int j = 0; j < labels.Count; j++) storage[j * classCount + labels[j]] = T.One;
        return new ImmutableMatrix<T>(classCount, labels.Count, storage);
    }

    /// <summary>
    /// The mean squared error of each output (row) over the m samples (columns): MSE_i = (1/m) Σ_j (a_ij - y_ij)², in double.
    /// </summary>
    /// <param name="output">The predictions a, n x m, finite, m ≥ 1.</param>
    /// <param name="target">The targets y, the same shape, finite.</param>
    public static ImmutableArray<double> MeanSquaredErrorPerOutput<T>(ImmutableMatrix<T> output, ImmutableMatrix<T> target) where T : unmanaged, IFloatingPointIeee754<T> =>
        PerOutput(output, target, (a, y) => RowMean(a, y, static (p, q) => (p - q) * (p - q)));

    /// <summary>The mean squared error averaged over the outputs: (1/(n m)) Σ_ij (a_ij - y_ij)² (scikit-learn's mean_squared_error, multioutput='uniform_average').</summary>
    /// <param name="output">The predictions a, n x m, finite, m ≥ 1.</param>
    /// <param name="target">The targets y, the same shape, finite.</param>
    public static double MeanSquaredError<T>(ImmutableMatrix<T> output, ImmutableMatrix<T> target) where T : unmanaged, IFloatingPointIeee754<T> =>
        MeanSquaredErrorPerOutput(output, target).Average();

    /// <summary>The root mean squared error of each output: RMSE_i = √MSE_i, in the targets' units.</summary>
    /// <param name="output">The predictions a, n x m, finite, m ≥ 1.</param>
    /// <param name="target">The targets y, the same shape, finite.</param>
    public static ImmutableArray<double> RootMeanSquaredErrorPerOutput<T>(ImmutableMatrix<T> output, ImmutableMatrix<T> target) where T : unmanaged, IFloatingPointIeee754<T> =>
        [.. MeanSquaredErrorPerOutput(output, target).Select(Math.Sqrt)];

    /// <summary>The mean over the outputs of each output's RMSE, (1/n) Σ_i √MSE_i (scikit-learn's root_mean_squared_error, multioutput='uniform_average'); √MSE for one output.</summary>
    /// <param name="output">The predictions a, n x m, finite, m ≥ 1.</param>
    /// <param name="target">The targets y, the same shape, finite.</param>
    public static double RootMeanSquaredError<T>(ImmutableMatrix<T> output, ImmutableMatrix<T> target) where T : unmanaged, IFloatingPointIeee754<T> =>
        RootMeanSquaredErrorPerOutput(output, target).Average();

    /// <summary>The mean absolute error of each output: MAE_i = (1/m) Σ_j |a_ij - y_ij|, in double.</summary>
    /// <param name="output">The predictions a, n x m, finite, m ≥ 1.</param>
    /// <param name="target">The targets y, the same shape, finite.</param>
    public static ImmutableArray<double> MeanAbsoluteErrorPerOutput<T>(ImmutableMatrix<T> output, ImmutableMatrix<T> target) where T : unmanaged, IFloatingPointIeee754<T> =>
        PerOutput(output, target, (a, y) => RowMean(a, y, static (p, q) => Math.Abs(p - q)));

    /// <summary>The mean absolute error averaged over the outputs, (1/(n m)) Σ_ij |a_ij - y_ij|.</summary>
    /// <param name="output">The predictions a, n x m, finite, m ≥ 1.</param>
    /// <param name="target">The targets y, the same shape, finite.</param>
    public static double MeanAbsoluteError<T>(ImmutableMatrix<T> output, ImmutableMatrix<T> target) where T : unmanaged, IFloatingPointIeee754<T> =>
        MeanAbsoluteErrorPerOutput(output, target).Average();

    /// <summary>
    /// The coefficient of determination of each output: R²_i = 1 - Σ_j (y_ij - a_ij)² / Σ_j (y_ij - ȳ_i)², with ȳ_i the
    /// mean of output i's targets; 1 for perfect predictions, 0 for predicting ȳ_i, negative for worse. When a target
    /// is constant (Σ_j (y_ij - ȳ_i)² = 0, always so for m = 1), R²_i is 1 if the predictions are exact and 0 otherwise,
    /// as scikit-learn's r2_score does with force_finite=True (its default).
    /// </summary>
    /// <param name="output">The predictions a, n x m, finite, m ≥ 1.</param>
    /// <param name="target">The targets y, the same shape, finite.</param>
    public static ImmutableArray<double> R2PerOutput<T>(ImmutableMatrix<T> output, ImmutableMatrix<T> target) where T : unmanaged, IFloatingPointIeee754<T> =>
        PerOutput(output, target, (a, y) =>
        {
            double mean = y.Average(), residual = 0, total = 0;
            for (int j = 0; j < y.Length; j++)
            {
                residual += (y[j] - a[j]) * (y[j] - a[j]);
                total += (y[j] - mean) * (y[j] - mean);
            }
            return total == 0 ? (residual == 0 ? 1 : 0) : 1 - residual / total;
        });

    /// <summary>The mean over the outputs of <see cref="R2PerOutput{T}"/> (scikit-learn's r2_score, multioutput='uniform_average').</summary>
    /// <param name="output">The predictions a, n x m, finite, m ≥ 1.</param>
    /// <param name="target">The targets y, the same shape, finite.</param>
    public static double R2<T>(ImmutableMatrix<T> output, ImmutableMatrix<T> target) where T : unmanaged, IFloatingPointIeee754<T> =>
        R2PerOutput(output, target).Average();

    /// <summary>Checks the pair and applies <paramref name="metric"/> to each output row (predictions, targets) in double.</summary>
    private static ImmutableArray<double> PerOutput<T>(ImmutableMatrix<T> output, ImmutableMatrix<T> target, Func<double[], double[], double> metric)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(target);
        Guard.SameShape(output, target, nameof(target));
        Guard.AtLeastOneSample(output, nameof(output));
        if (output.Rows == 0) throw new ArgumentException($"Expected at least one output row, got {output.Shape}.", nameof(output));
        Guard.Finite(output, nameof(output));
        Guard.Finite(target, nameof(target));
        var result = new double[output.Rows];
        for (int i = 0; i < output.Rows; i++)
        {
            var a = new double[output.Columns];
            var y = new double[output.Columns];
            for (int j = 0; j < output.Columns; j++)
            {
                a[j] = double.CreateChecked(output[i, j]);
                y[j] = double.CreateChecked(target[i, j]);
            }
            result[i] = metric(a, y);
        }
        return ImmutableArray.Create(result);
    }

    private static double RowMean(double[] a, double[] y, Func<double, double, double> term)
    {
        double sum = 0;
        for (int j = 0; j < a.Length; j++) sum += term(a[j], y[j]);
        return sum / a.Length;
    }

    private static void CheckLabels(IReadOnlyList<int> labels, int classCount, string name)
    {
        for (int i = 0; i < labels.Count; i++)
            if ((uint)labels[i] >= (uint)classCount)
                throw new ArgumentOutOfRangeException(name, $"Expected labels in [0, {classCount}), got {labels[i]} at position {i}.");
    }
}
