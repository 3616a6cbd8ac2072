using System.Collections.Immutable;
using System.Numerics;

namespace Pure;

/// <summary>Indices of a split into a training part and a held-out part.</summary>
/// <param name="Train">The indices kept for training, ascending.</param>
/// <param name="Test">The indices held out, ascending.</param>
public sealed record SplitIndices(ImmutableArray<int> Train, ImmutableArray<int> Test)
{
    /// <summary>True when both hold the same indices.</summary>
    public bool Equals(SplitIndices? other) => other is not null && Guard.SequenceEqual(Train, other.Train) && Guard.SequenceEqual(Test, other.Test);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Guard.SequenceHash(Train), Guard.SequenceHash(Test));
}

/// <summary>Seeded splits of labelled samples.</summary>
public static class Split
{
    /// <summary>
    /// A stratified split: within each class, a seeded shuffle holds out round(fraction · class size) samples
    /// (at least one when the class has two or more), so every class keeps its share on both sides.
    /// </summary>
    /// <param name="labels">The class label of each sample, each 0 or more.</param>
    /// <param name="testFraction">The held-out fraction, in (0, 1).</param>
    /// <param name="seed">The seed of the shuffles.</param>
    public static SplitIndices Stratified(IReadOnlyList<int> labels, double testFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (!double.IsFinite(testFraction) || testFraction <= 0 || testFraction >= 1)
            throw new ArgumentOutOfRangeException(nameof(testFraction), $"Expected a test fraction in (0, 1), got {testFraction}.");
        if (labels.Count < 2) throw new ArgumentException($"Expected at least 2 samples to split, got {labels.Count}.", nameof(labels));
        for (int i = 0; i < labels.Count; i++)
            if (labels[i] < 0) throw new ArgumentOutOfRangeException(nameof(labels), $"Expected labels of 0 or more, got {labels[i]} at position {i}.");
        var train = new List<int>();
        var test = new List<int>();
        foreach (var group in Enumerable.Range(0, labels.Count).GroupBy(i => labels[i]).OrderBy(g => g.Key))
        {
            var members = group.ToArray();
            SeededRandom.Derive(unchecked((ulong)seed), SeededRandom.SplitStream, (ulong)group.Key).Shuffle(members);
            int held = (int)Math.Round(testFraction * members.Length, MidpointRounding.AwayFromZero);
            if (members.Length >= 2) held = Math.Clamp(held, 1, members.Length - 1);
            else held = 0;
            test.AddRange(members[..held]);
            train.AddRange(members[held..]);
        }
        train.Sort();
        test.Sort();
        return new SplitIndices(train.ToImmutableArray(), test.ToImmutableArray());
    }
}

/// <summary>
/// Standardisation x' = (x - mean) / scale per feature (row), fitted on training data only; a feature with no
/// spread gets scale 1, as in scikit-learn's StandardScaler.
/// </summary>
/// <param name="Mean">The mean of each feature.</param>
/// <param name="Scale">The population standard deviation of each feature, or 1 where it is 0.</param>
public sealed record Standardization<T>(ImmutableVector<T> Mean, ImmutableVector<T> Scale) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Fits the mean and scale of every row of <paramref name="inputs"/> (n x m, m ≥ 1).</summary>
    public static Standardization<T> Fit(ImmutableMatrix<T> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        Guard.AtLeastOneSample(inputs, nameof(inputs));
        Guard.Finite(inputs, nameof(inputs));
        var mean = new T[inputs.Rows];
        var scale = new T[inputs.Rows];
        T m = T.CreateChecked(inputs.Columns);
        for (int j = 0; j < inputs.Columns; j++)
        {
            var column = inputs.Column(j);
            for (int i = 0; i < mean.Length; i++) mean[i] += column[i];
        }
        for (int i = 0; i < mean.Length; i++) mean[i] /= m;
        for (int j = 0; j < inputs.Columns; j++)
        {
            var column = inputs.Column(j);
            for (int i = 0; i < scale.Length; i++) scale[i] += (column[i] - mean[i]) * (column[i] - mean[i]);
        }
        for (int i = 0; i < scale.Length; i++)
        {
            scale[i] = T.Sqrt(scale[i] / m);
            if (scale[i] == T.Zero) scale[i] = T.One;
        }
        return new Standardization<T>(new ImmutableVector<T>(mean), new ImmutableVector<T>(scale));
    }

    /// <summary>The standardised copy of <paramref name="inputs"/>, which must have as many rows as were fitted.</summary>
    public ImmutableMatrix<T> Apply(ImmutableMatrix<T> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Rows != Mean.Length)
            throw new ArgumentException($"Expected inputs to be {Mean.Length} x m, got {inputs.Shape}.", nameof(inputs));
        var result = inputs.ToColumnMajorArray();
        for (int offset = 0; offset < result.Length; offset += Mean.Length)
            for (int i = 0; i < Mean.Length; i++)
                result[offset + i] = (result[offset + i] - Mean[i]) / Scale[i];
        return new ImmutableMatrix<T>(inputs.Rows, inputs.Columns, result);
    }
}
