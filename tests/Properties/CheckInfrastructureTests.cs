using System.Text.RegularExpressions;
using FsCheck.Fluent;
using Pure.Properties.Support;

namespace Pure.Properties;

/// <summary>The property-test harness itself: a failing property must fail the test and print how to replay it.</summary>
public class CheckInfrastructureTests
{
    [Fact]
    public void Failing_property_throws_with_replay_seed_and_shrunk_case()
    {
        var error = Assert.ThrowsAny<Exception>(() => Checks.Run(Prop.ForAll(Generators.Cases(), c => c.SampleCount < 3)));
        Assert.Matches(new Regex(@"Falsifiable, after \d+ tests? \(\d+ shrinks?\) \(\d+,\d+\)"), error.Message);
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
}
