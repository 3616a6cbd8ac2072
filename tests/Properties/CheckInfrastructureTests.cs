using System.Globalization;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;
using Pure.Properties.Support;
using Pure.Testing;

namespace Pure.Properties;

/// <summary>The property-test harness itself: a failing property must fail the test and print how to replay it.</summary>
public class CheckInfrastructureTests
{
    [Fact]
    public void Failing_property_throws_with_replay_seed_and_shrunk_case()
    {
        var error = Assert.ThrowsAny<Exception>(() => Check.One(Config.QuickThrowOnFailure, Prop.ForAll(Generators.Cases(), c => c.SampleCount < 3)));
        Assert.Matches(new Regex(@"Falsifiable, after \d+ tests? \(\d+ shrinks?\) \(\d+,\d+\)"), error.Message);
    }

    /// <summary>
    /// Cases a property discards with <c>Prop.When</c> do not count toward MaxTest; when more than MaxRejected are
    /// discarded the run ends as <see cref="TestResult.Exhausted"/>, which FsCheck.Xunit reports as a failed test
    /// ("Arguments exhausted after N tests"). So a passing property with MaxTest = n really checked n cases.
    /// </summary>
    [Fact]
    public void Property_that_discards_every_case_is_exhausted_and_fails()
    {
        var discardsAll = Prop.ForAll(Generators.Cases(), c => Prop.When(c.SampleCount < 0, () => true));
        var runner = new ResultRecorder();
        Check.One(Config.Quick.WithMaxTest(PurePropertyAttribute.DefaultMaxTest).WithRunner(runner), discardsAll);
        Assert.True(runner.Result is TestResult.Exhausted, $"expected Exhausted, got {runner.Result}");

        var error = Assert.ThrowsAny<Exception>(() => Check.One(Config.QuickThrowOnFailure.WithMaxTest(PurePropertyAttribute.DefaultMaxTest), discardsAll));
        Assert.Contains("Arguments exhausted after 0 tests", error.Message);
    }

    /// <summary>A property that discards some cases still passes only after MaxTest cases that were not discarded.</summary>
    [Fact]
    public void Discarded_cases_do_not_count_toward_max_test()
    {
        int checkedCases = 0;
        var runner = new ResultRecorder();
        var halfDiscarded = Prop.ForAll(Arb.From(Gen.Choose(0, 1)), x => Prop.When(x == 1, () => { checkedCases++; return true; }));
        Check.One(Config.Quick.WithMaxTest(150).WithRunner(runner), halfDiscarded);
        Assert.True(runner.Result is TestResult.Passed, $"expected Passed, got {runner.Result}");
        Assert.Equal(150, checkedCases);
    }

    [Fact]
    public void Generated_cases_cover_every_accepted_pairing_and_batch_sizes_1_to_16()
    {
        var samples = FsCheck.Fluent.Gen.Sample(Generators.Case(), 2000);
        Assert.All(samples, c => Assert.InRange(c.SampleCount, 1, 16));
        Assert.All(samples, c => Assert.InRange(c.Network.Layers.Length, 1, 4));
        foreach (var (output, loss) in Generators.OutputPairings)
            Assert.Contains(samples, c => c.Loss == loss && c.Network.Layers[^1].Activation == output);
    }

    /// <summary>Keeps the final result of a run, as FsCheck.Xunit's runner does before it decides pass or fail.</summary>
    private sealed class ResultRecorder : IRunner
    {
        public TestResult? Result { get; private set; }

        public void OnStartFixture(Type type) { }

        public void OnArguments(int test, FSharpList<object> arguments, FSharpFunc<int, FSharpFunc<FSharpList<object>, string>> every) { }

        public void OnShrink(FSharpList<object> arguments, FSharpFunc<FSharpList<object>, string> everyShrink) { }

        public void OnFinished(string name, TestResult result) => Result = result;
    }
}

/// <summary>
/// <see cref="PurePropertyAttribute"/> takes its replay seed from PURE_FSCHECK_REPLAY. This class sets that process-wide
/// variable for a moment, so it runs in the non-parallel collection (no property reads its attribute meanwhile).
/// </summary>
[Collection(nameof(MathNetGlobals))]
public class ReplayEnvironmentTests
{
    [Fact]
    public void Replay_from_the_environment_is_applied_and_pins_the_generated_cases()
    {
        Assert.Null(new PurePropertyAttribute { Replay = null }.Replay);
        string? first = AttributeReplayWith("(12345,67891)");
        string? second = AttributeReplayWith(" 54321,67891 ");
        Assert.Equal("(12345,67891)", first);
        Assert.Equal("54321,67891", second);
        Assert.Null(AttributeReplayWith(" "));

        // A Replay named on the attribute wins over the environment.
        Environment.SetEnvironmentVariable(PurePropertyAttribute.ReplayVariable, "1,3");
        try { Assert.Equal("7,9", new PurePropertyAttribute { Replay = "7,9" }.Replay); }
        finally { Environment.SetEnvironmentVariable(PurePropertyAttribute.ReplayVariable, null); }

        // The same replay generates the same cases; another replay generates others.
        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Equal(FirstValues(first), FirstValues(first));
        Assert.NotEqual(FirstValues(first), FirstValues(second));
    }

    private static string? AttributeReplayWith(string value)
    {
        string? before = Environment.GetEnvironmentVariable(PurePropertyAttribute.ReplayVariable);
        Environment.SetEnvironmentVariable(PurePropertyAttribute.ReplayVariable, value);
        try { return new PurePropertyAttribute().Replay; }
        finally { Environment.SetEnvironmentVariable(PurePropertyAttribute.ReplayVariable, before); }
    }

    /// <summary>The first 20 values a property sees when run from the replay "seed,gamma" (with or without parentheses).</summary>
    private static List<int> FirstValues(string replay)
    {
        var parts = replay.Trim('(', ')', ' ').Split(',');
        var rnd = new Rnd(ulong.Parse(parts[0], CultureInfo.InvariantCulture), ulong.Parse(parts[1], CultureInfo.InvariantCulture));
        var seen = new List<int>();
        var config = Config.QuickThrowOnFailure.WithMaxTest(20).WithQuietOnSuccess(true).WithReplay(FSharpOption<Replay>.Some(new Replay(rnd, FSharpOption<int>.None)));
        Check.One(config, Prop.ForAll(Arb.From(Gen.Choose(0, 1_000_000)), x => { seen.Add(x); return true; }));
        return seen;
    }
}
