using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;

namespace Pure.Properties;

/// <summary>
/// Three-way splits: the parts are disjoint, ascending and cover every sample; each class keeps its share of every part
/// to within one sample; the same seed gives the same split; bad fractions are refused naming the argument.
/// </summary>
public class SplitTests
{
    /// <summary>Labels of 1 to 6 classes (some possibly empty), fractions in steps of 0.05, and a seed.</summary>
    public sealed record SplitCase(int[] Labels, double ValidationFraction, double TestFraction, int Seed)
    {
        /// <summary>Readable in FsCheck's failure report.</summary>
        public override string ToString() => $"labels=[{string.Join(",", Labels)}] validation={ValidationFraction} test={TestFraction} seed={Seed}";
    }

    /// <summary>The arbitraries the properties below take their <see cref="SplitCase"/> argument from.</summary>
    public static class SplitArbitraries
    {
        /// <summary>Generated split cases (no shrinking, as the generator below has none).</summary>
        public static Arbitrary<SplitCase> Cases() => SplitTests.Cases.ToArbitrary();
    }

    private static readonly Gen<SplitCase> Cases =
        from classes in Gen.Choose(1, 6)
        from count in Gen.Choose(1, 80)
        from labels in Gen.ArrayOf(Gen.Choose(0, classes - 1), count)
        from validation in Gen.Choose(0, 19).Select(i => i * 0.05)
        from test in Gen.Choose(0, 19).Select(i => i * 0.05)
        where validation + test < 0.999
        from seed in Gen.Choose(int.MinValue, int.MaxValue)
        select new SplitCase(labels, validation, test, seed);

    private static bool Ascending(ImmutableArray<int> part) => part.Zip(part.Skip(1)).All(pair => pair.First < pair.Second);

    [PureProperty(MaxTest = 300, Arbitrary = [typeof(SplitArbitraries)])]
    public Property PartsAreDisjointAscendingAndCoverEverySample(SplitCase c)
    {
        var split = Split.Stratified(c.Labels, c.ValidationFraction, c.TestFraction, c.Seed);
        var all = split.Train.Concat(split.Validation).Concat(split.Test).Order().ToArray();
        return (all.SequenceEqual(Enumerable.Range(0, c.Labels.Length)) && Ascending(split.Train) && Ascending(split.Validation) && Ascending(split.Test))
            .Label($"train [{string.Join(",", split.Train)}] validation [{string.Join(",", split.Validation)}] test [{string.Join(",", split.Test)}]");
    }

    [PureProperty(MaxTest = 300, Arbitrary = [typeof(SplitArbitraries)])]
    public Property EveryClassKeepsItsShareOfEveryPartToWithinOneSampleAndKeepsATrainingSample(SplitCase c)
    {
        var split = Split.Stratified(c.Labels, c.ValidationFraction, c.TestFraction, c.Seed);
        var failures = new List<string>();
        foreach (var group in c.Labels.GroupBy(label => label))
        {
            int n = group.Count();
            int Count(ImmutableArray<int> part) => part.Count(i => c.Labels[i] == group.Key);
            double trainFraction = 1 - c.ValidationFraction - c.TestFraction;
            foreach (var (name, count, fraction) in new[] { ("train", Count(split.Train), trainFraction), ("validation", Count(split.Validation), c.ValidationFraction), ("test", Count(split.Test), c.TestFraction) })
                if (Math.Abs(count - fraction * n) > 1 + 1e-9) failures.Add($"class {group.Key} (n={n}): {name} has {count}, expected {fraction * n:F2}");
            if (Count(split.Train) == 0) failures.Add($"class {group.Key} has no training sample");
            if (c.ValidationFraction == 0 && Count(split.Validation) != 0) failures.Add($"class {group.Key} in validation with fraction 0");
            if (c.TestFraction == 0 && Count(split.Test) != 0) failures.Add($"class {group.Key} in test with fraction 0");
        }
        return (failures.Count == 0).Label(string.Join("; ", failures));
    }

    [PureProperty(MaxTest = 100, Arbitrary = [typeof(SplitArbitraries)])]
    public Property TheSameSeedGivesTheSameSplitAndTheLabelsAreNotChanged(SplitCase c)
    {
        var before = c.Labels.ToArray();
        var first = Split.Stratified(c.Labels, c.ValidationFraction, c.TestFraction, c.Seed);
        var second = Split.Stratified(before.ToList(), c.ValidationFraction, c.TestFraction, c.Seed);
        return (first.Equals(second) && first.GetHashCode() == second.GetHashCode() && before.SequenceEqual(c.Labels)).ToProperty();
    }

    [PureProperty(MaxTest = 200, Arbitrary = [typeof(SplitArbitraries)])]
    public Property ShuffledIsTheStratifiedSplitOfOneClassAndWithoutValidationMatchesTheTwoWaySplitForLargeClasses(SplitCase c)
    {
        var shuffled = Split.Shuffled(c.Labels.Length, c.ValidationFraction, c.TestFraction, c.Seed);
        bool oneClass = shuffled.Equals(Split.Stratified(new int[c.Labels.Length], c.ValidationFraction, c.TestFraction, c.Seed));
        // With no validation part, the three-way split is the two-way one wherever the two-way's "at least one held out" rule does not apply.
        bool twoWay = true;
        if (c.TestFraction > 0 && c.Labels.GroupBy(l => l).All(g => Math.Round(c.TestFraction * g.Count(), MidpointRounding.AwayFromZero) is var held && held >= 1 && held <= g.Count() - 1))
        {
            var three = Split.Stratified(c.Labels, 0, c.TestFraction, c.Seed);
            var two = Split.Stratified(c.Labels, c.TestFraction, c.Seed);
            twoWay = three.Train.SequenceEqual(two.Train) && three.Test.SequenceEqual(two.Test) && three.Validation.IsEmpty;
        }
        return (oneClass && twoWay).Label($"oneClass {oneClass} twoWay {twoWay}");
    }

    [Fact]
    public void DifferentSeedsGiveDifferentSplitsAndAKnownSplitStaysTheSame()
    {
        var labels = Enumerable.Range(0, 100).Select(i => i % 3).ToArray();
        var split = Split.Stratified(labels, 0.2, 0.1, seed: 7);
        // Class 0 has 34 samples: round(6.8) = 7 validation, round(3.4) = 3 test; classes 1 and 2 have 33: round(6.6) = 7
        // and round(3.3) = 3. Rounding per class puts 21 and 9 in the held-out parts, not 20 and 10.
        Assert.Equal((70, 21, 9), (split.Train.Length, split.Validation.Length, split.Test.Length));
        Assert.Equal((7, 3), (split.Validation.Count(i => labels[i] == 0), split.Test.Count(i => labels[i] == 0)));
        Assert.Equal((7, 3), (split.Validation.Count(i => labels[i] == 2), split.Test.Count(i => labels[i] == 2)));
        Assert.NotEqual(split, Split.Stratified(labels, 0.2, 0.1, seed: 8));
    }

    [Fact]
    public void ASingleSampleClassStaysInTraining()
    {
        var split = Split.Stratified([0, 1, 1, 1, 1], 0.45, 0.45, seed: 1);
        Assert.Contains(0, split.Train);
        Assert.Equal(new[] { 0 }, Split.Shuffled(1, 0.5, 0.4, seed: 3).Train);
    }

    [Theory]
    [InlineData(-0.1, 0.2, "validationFraction")]
    [InlineData(double.NaN, 0.2, "validationFraction")]
    [InlineData(1.0, 0.0, "validationFraction")]
    [InlineData(0.2, -0.1, "testFraction")]
    [InlineData(0.2, double.PositiveInfinity, "testFraction")]
    [InlineData(0.5, 0.5, "testFraction")]
    [InlineData(0.7, 0.6, "testFraction")]
    public void BadFractionsAreRefusedNamingTheArgument(double validation, double test, string parameter)
    {
        Assert.Equal(parameter, Assert.ThrowsAny<ArgumentException>(() => Split.Stratified([0, 1, 0, 1], validation, test, seed: 1)).ParamName);
        Assert.Equal(parameter, Assert.ThrowsAny<ArgumentException>(() => Split.Shuffled(4, validation, test, seed: 1)).ParamName);
    }

    [Fact]
    public void EmptyOrNegativeLabelsAndNoSamplesAreRefused()
    {
        Assert.Equal("labels", Assert.ThrowsAny<ArgumentException>(() => Split.Stratified(Array.Empty<int>(), 0.1, 0.1, seed: 1)).ParamName);
        Assert.Equal("labels", Assert.ThrowsAny<ArgumentException>(() => Split.Stratified([0, -1, 0], 0.1, 0.1, seed: 1)).ParamName);
        Assert.Equal("count", Assert.ThrowsAny<ArgumentException>(() => Split.Shuffled(0, 0.1, 0.1, seed: 1)).ParamName);
    }
}
