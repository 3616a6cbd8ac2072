using System.Collections.Immutable;
using System.Numerics;

namespace Pure;

/// <summary>Indices of a split into a training part and a held-out part.</summary>
/// <param name="Train">The indices kept for training, ascending.</param>
/// <param name="Test">The indices held out, ascending.</param>
public sealed record SplitIndices(ImmutableArray<int> Train, ImmutableArray<int> Test)
{
    private readonly ValueArray<int> _train = Train, _test = Test;

    /// <summary>The indices kept for training, ascending.</summary>
    public ImmutableArray<int> Train { get => _train.Items; init => _train = value; }

    /// <summary>The indices held out, ascending.</summary>
    public ImmutableArray<int> Test { get => _test.Items; init => _test = value; }
}

/// <summary>Indices of a split into training, validation and test parts.</summary>
/// <param name="Train">The indices kept for training, ascending.</param>
/// <param name="Validation">The indices held out for validation (choosing settings, early stopping), ascending; may be empty.</param>
/// <param name="Test">The indices held out for the final test, ascending; may be empty.</param>
public sealed record DataSplit(ImmutableArray<int> Train, ImmutableArray<int> Validation, ImmutableArray<int> Test)
{
    private readonly ValueArray<int> _train = Train, _validation = Validation, _test = Test;

    /// <summary>The indices kept for training, ascending.</summary>
    public ImmutableArray<int> Train { get => _train.Items; init => _train = value; }

    /// <summary>The indices held out for validation, ascending; may be empty.</summary>
    public ImmutableArray<int> Validation { get => _validation.Items; init => _validation = value; }

    /// <summary>The indices held out for the final test, ascending; may be empty.</summary>
    public ImmutableArray<int> Test { get => _test.Items; init => _test = value; }
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
        CheckLabels(labels);
        var train = new List<int>();
        var test = new List<int>();
        foreach (var members in ShuffledClasses(labels, seed))
        {
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

    /// <summary>
    /// A stratified three-way split: within each class, a seeded shuffle (the same one as the two-way
    /// <see cref="Stratified(IReadOnlyList{int}, double, int)"/>) puts the first round(testFraction · n) samples in the
    /// test part, the next round(validationFraction · n) in the validation part and the rest in training, rounding half
    /// away from zero, so each class keeps its share in every part to within one sample. When rounding would leave a class
    /// with no training sample, the held-out part that rounded up the most gives one back. Unlike the two-way split, a
    /// class is not forced to have a held-out sample, so a fraction of 0 leaves its part empty.
    /// </summary>
    /// <param name="labels">The class label of each sample, each 0 or more; at least one sample.</param>
    /// <param name="validationFraction">The validation fraction, in [0, 1).</param>
    /// <param name="testFraction">The test fraction, in [0, 1); the two fractions together below 1.</param>
    /// <param name="seed">The seed of the shuffles.</param>
    public static DataSplit Stratified(IReadOnlyList<int> labels, double validationFraction, double testFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        CheckFractions(validationFraction, testFraction);
        if (labels.Count < 1) throw new ArgumentException("Expected at least 1 sample to split, got 0.", nameof(labels));
        CheckLabels(labels);
        var parts = new[] { new List<int>(), new List<int>(), new List<int>() };
        foreach (var members in ShuffledClasses(labels, seed))
        {
            int n = members.Length;
            double testShare = testFraction * n, validationShare = validationFraction * n;
            int test = (int)Math.Round(testShare, MidpointRounding.AwayFromZero);
            int validation = (int)Math.Round(validationShare, MidpointRounding.AwayFromZero);
            if (test + validation >= n)
            {
                if (validation - validationShare >= test - testShare) validation--;
                else test--;
            }
            parts[2].AddRange(members[..test]);
            parts[1].AddRange(members[test..(test + validation)]);
            parts[0].AddRange(members[(test + validation)..]);
        }
        foreach (var part in parts) part.Sort();
        return new DataSplit([.. parts[0]], [.. parts[1]], [.. parts[2]]);
    }

    /// <summary>
    /// A seeded three-way split of <paramref name="count"/> unlabelled samples (for regression): the same as
    /// <see cref="Stratified(IReadOnlyList{int}, double, double, int)"/> with every sample in one class.
    /// </summary>
    /// <param name="count">The number of samples, at least 1.</param>
    /// <param name="validationFraction">The validation fraction, in [0, 1).</param>
    /// <param name="testFraction">The test fraction, in [0, 1); the two fractions together below 1.</param>
    /// <param name="seed">The seed of the shuffle.</param>
    public static DataSplit Shuffled(int count, double validationFraction, double testFraction, int seed)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), $"Expected at least 1 sample to split, got {count}.");
        return Stratified(new int[count], validationFraction, testFraction, seed);
    }

    /// <summary>The members of each class in ascending label order, each shuffled by its own stream (seed, split, label).</summary>
    private static IEnumerable<int[]> ShuffledClasses(IReadOnlyList<int> labels, int seed)
    {
        foreach (var group in Enumerable.Range(0, labels.Count).GroupBy(i => labels[i]).OrderBy(g => g.Key))
        {
            var members = group.ToArray();
            SeededRandom.Derive(unchecked((ulong)seed), SeededRandom.SplitStream, (ulong)group.Key).Shuffle(members);
            yield return members;
        }
    }

    private static void CheckLabels(IReadOnlyList<int> labels)
    {
        for (int i = 0; i < labels.Count; i++)
            if (labels[i] < 0) throw new ArgumentOutOfRangeException(nameof(labels), $"Expected labels of 0 or more, got {labels[i]} at position {i}.");
    }

    private static void CheckFractions(double validationFraction, double testFraction)
    {
        if (!double.IsFinite(validationFraction) || validationFraction < 0 || validationFraction >= 1)
            throw new ArgumentOutOfRangeException(nameof(validationFraction), $"Expected a validation fraction in [0, 1), got {validationFraction}.");
        if (!double.IsFinite(testFraction) || testFraction < 0 || testFraction >= 1)
            throw new ArgumentOutOfRangeException(nameof(testFraction), $"Expected a test fraction in [0, 1), got {testFraction}.");
        if (validationFraction + testFraction >= 1)
            throw new ArgumentOutOfRangeException(nameof(testFraction),
                $"Expected the validation and test fractions together below 1 so that training keeps samples, got {validationFraction} + {testFraction}.");
    }
}
