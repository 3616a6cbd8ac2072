using System.Numerics;

namespace Pure;

/// <summary>
/// Class weights for imbalanced classification, as scikit-learn's <c>class_weight</c>, and their conversion to the
/// per-sample weights w_i of <see cref="Dataset{T}.Weights"/>.
/// </summary>
public static class ClassWeights
{
    /// <summary>
    /// scikit-learn's <c>compute_class_weight('balanced')</c>: w_c = m / (k · n_c) for each of the k classes, where n_c
    /// counts the samples of class c among the m columns of one-hot <paramref name="targets"/> (k x m). Every class
    /// then carries the same total weight m / k.
    /// </summary>
    /// <param name="targets">Y, k x m one-hot columns (k ≥ 2); every class must occur at least once.</param>
    /// <returns>The k class weights w_c.</returns>
    public static ImmutableVector<T> Balanced<T>(ImmutableMatrix<T> targets) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var classes = Labels(targets, nameof(targets));
        int k = targets.Rows, m = targets.Columns;
        var counts = new int[k];
        foreach (int c in classes) counts[c]++;
        var weights = new T[k];
        for (int c = 0; c < k; c++)
        {
            if (counts[c] == 0)
                throw new ArgumentException($"Expected every one of the {k} classes in targets for balanced class weights, but class {c} (row {c}) has no sample.", nameof(targets));
            weights[c] = T.CreateChecked(m) / (T.CreateChecked(k) * T.CreateChecked(counts[c]));
        }
        return new ImmutableVector<T>(weights);
    }

    /// <summary>
    /// The per-sample weights w_i = w_{c(i)} of one-hot <paramref name="targets"/>: each sample takes the weight of its
    /// class, as scikit-learn multiplies <c>sample_weight</c> by <c>class_weight[y_i]</c>.
    /// </summary>
    /// <param name="classWeights">w_c, one per row of <paramref name="targets"/>, finite and ≥ 0.</param>
    /// <param name="targets">Y, k x m one-hot columns.</param>
    /// <returns>The m sample weights, for <see cref="Dataset{T}.Weights"/>.</returns>
    public static ImmutableVector<T> ToSampleWeights<T>(ImmutableVector<T> classWeights, ImmutableMatrix<T> targets) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(classWeights);
        var classes = Labels(targets, nameof(targets));
        if (classWeights.Length != targets.Rows)
            throw new ArgumentException($"Expected {targets.Rows} class weights (one per row of targets), got {classWeights.Length}.", nameof(classWeights));
        for (int c = 0; c < classWeights.Length; c++)
            if (!T.IsFinite(classWeights[c]) || classWeights[c] < T.Zero)
                throw new ArgumentException($"Expected finite class weights of 0 or more, got {classWeights[c]} for class {c}.", nameof(classWeights));
        var weights = new T[classes.Length];
        for (int i = 0; i < classes.Length; i++) weights[i] = classWeights[classes[i]];
        return new ImmutableVector<T>(weights);
    }

    /// <summary>The class (row of the 1) of every one-hot column.</summary>
    private static int[] Labels<T>(ImmutableMatrix<T> targets, string parameterName) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(targets, parameterName);
        if (targets.Rows < 2)
            throw new ArgumentException($"Expected one-hot targets with at least 2 rows (classes), got {targets.Shape}.", parameterName);
        var labels = new int[targets.Columns];
        for (int j = 0; j < targets.Columns; j++)
        {
            var column = targets.ColumnSpan(j);
            int label = -1;
            for (int c = 0; c < column.Length; c++)
            {
                if (column[c] == T.One && label < 0) label = c;
                else if (column[c] != T.Zero) { label = -2; break; }
            }
            if (label < 0)
                throw new ArgumentException($"Expected one-hot target columns (a single 1, the rest 0), but column {j} is not.", parameterName);
            labels[j] = label;
        }
        return labels;
    }
}

/// <summary>The checks of per-sample weights w_i.</summary>
internal static class SampleWeights
{
    /// <summary>Throws unless <paramref name="weights"/> holds <paramref name="count"/> finite values ≥ 0, not all 0.</summary>
    public static ImmutableVector<T> Check<T>(ImmutableVector<T> weights, int count, string parameterName) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (weights.Length != count)
            throw new ArgumentException($"Expected {parameterName} to hold {count} weights (one per sample), got {weights.Length}.", parameterName);
        bool positive = false;
        for (int i = 0; i < weights.Length; i++)
        {
            if (!T.IsFinite(weights[i]) || weights[i] < T.Zero)
                throw new ArgumentException($"Expected finite weights of 0 or more in {parameterName}, got {weights[i]} at sample {i}.", parameterName);
            positive |= weights[i] > T.Zero;
        }
        if (!positive) throw new ArgumentException($"Expected at least one weight greater than 0 in {parameterName}, got all {count} weights 0.", parameterName);
        return weights;
    }
}
