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
