using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;

namespace Pure.Properties;

/// <summary>
/// <see cref="ForkJoin"/> with the thread pool (training) and with the spinning helpers (prediction): every index runs
/// exactly once, the bodies' exceptions come back together after the other indices ran, scopes nest, and many threads
/// handing work to the same helpers at once all finish.
/// </summary>
public class ForkJoinTests
{
    [PureProperty(MaxTest = 100)]
    public Property EveryIndexRunsExactlyOnceWithOrWithoutTheSpinningHelpers() =>
        Prop.ForAll(Arb.From(from count in Gen.Choose(1, 300) from threads in Gen.Choose(1, 4) from spinning in Gen.Elements(false, true) select (count, threads, spinning)), c =>
        {
            var runs = new int[c.count];
            using (c.spinning ? ForkJoin.Spinning() : default(ForkJoin.SpinningScope?))
                ForkJoin.Run(c.count, c.threads, index => Interlocked.Increment(ref runs[index]));
            return runs.All(r => r == 1).Label($"count {c.count}, threads {c.threads}, spinning {c.spinning}: [{string.Join(",", runs)}]");
        });

    [PureProperty(MaxTest = 100)]
    public Property RunRangesCutsTheIndicesIntoOneContiguousRangePerThreadTheSameOnEveryCall() =>
        Prop.ForAll(Arb.From(from count in Gen.Choose(0, 300) from threads in Gen.Choose(1, 4) from spinning in Gen.Elements(false, true) select (count, threads, spinning)), c =>
        {
            List<(int First, int End)> Ranges()
            {
                var ranges = new List<(int, int)>();
                using (c.spinning ? ForkJoin.Spinning() : default(ForkJoin.SpinningScope?))
                    ForkJoin.RunRanges(c.count, c.threads, (first, end) => { lock (ranges) ranges.Add((first, end)); });
                return [.. ranges.Order()];
            }
            var ranges = Ranges();
            int expectedParts = Math.Min(c.threads, c.count);
            bool contiguous = ranges.Count == expectedParts
                && (ranges.Count == 0 || (ranges[0].First == 0 && ranges[^1].End == c.count))
                && ranges.Zip(ranges.Skip(1)).All(pair => pair.First.End == pair.Second.First)
                && ranges.All(range => range.End - range.First >= c.count / expectedParts && range.End - range.First <= c.count / expectedParts + 1);
            return (contiguous && ranges.SequenceEqual(Ranges())).Label($"count {c.count}, threads {c.threads}: {string.Join(" ", ranges)}");
        });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TheBodiesExceptionsComeBackTogetherAfterTheOtherIndicesRan(bool spinning)
    {
        var runs = new int[40];
        using (spinning ? ForkJoin.Spinning() : default(ForkJoin.SpinningScope?))
        {
            var error = Assert.Throws<AggregateException>(() => ForkJoin.Run(40, 2, index =>
            {
                Interlocked.Increment(ref runs[index]);
                if (index % 10 == 3) throw new InvalidOperationException($"index {index}");
            }));
            Assert.Equal(["index 13", "index 23", "index 3", "index 33"], error.InnerExceptions.Select(e => e.Message).Order(StringComparer.Ordinal));
        }
        Assert.All(runs, r => Assert.Equal(1, r));
    }

    [Fact]
    public void ScopesNestAndRestoreTheHandOffTheyFound()
    {
        Assert.False(ForkJoin.IsSpinning);
        using (ForkJoin.Spinning())
        {
            using (ForkJoin.Spinning()) Assert.True(ForkJoin.IsSpinning);
            Assert.True(ForkJoin.IsSpinning);
        }
        Assert.False(ForkJoin.IsSpinning);
    }

    [Fact]
    public void EightThreadsHandingWorkToTheSameHelpersAllFinish()
    {
        var totals = new long[8];
        var threads = Enumerable.Range(0, 8).Select(t => new Thread(() =>
        {
            using var spinning = ForkJoin.Spinning();
            for (int job = 0; job < 300; job++)
            {
                var runs = new int[16];
                ForkJoin.Run(16, 3, index => Interlocked.Increment(ref runs[index]));
                totals[t] += runs.Sum();
            }
        })).ToArray();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) Assert.True(thread.Join(TimeSpan.FromMinutes(2)), "a thread did not finish within two minutes");
        Assert.All(totals, total => Assert.Equal(300L * 16, total));
    }
}
