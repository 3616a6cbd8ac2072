using Pure.Cli.Tests.Support;

namespace Pure.Cli.Tests;

/// <summary>Wrong arguments and bad files: one line on standard error naming the problem, and the documented exit code.</summary>
public sealed class ErrorTests
{
    [Theory]
    [InlineData("unknown option", "--bogus", "train", "--bogus")]
    [InlineData("bad integer", "'abc'", "train", "--epochs", "abc")]
    [InlineData("fractional integer", "--batch", "train", "--batch", "2.5")]
    [InlineData("bad number", "--learning-rate", "train", "--learning-rate", "fast")]
    [InlineData("negative rate", "--learning-rate", "train", "--learning-rate", "-1")]
    [InlineData("unknown choice", "'swish'", "train", "--activation", "swish")]
    [InlineData("bad layers", "--layers", "train", "--layers", "64,,32")]
    [InlineData("zero epochs", "--epochs", "train", "--epochs", "0")]
    [InlineData("momentum with adam", "--momentum", "train", "--momentum", "0.5")]
    [InlineData("fractions too large", "--test-fraction", "train", "--validation-fraction", "0.5", "--test-fraction", "0.5")]
    [InlineData("loss without its output activation", "softmax", "train", "--output-activation", "sigmoid", "--loss", "categorical_cross_entropy", "--epochs", "1")]
    [InlineData("unknown command", "'fly'", "fly")]
    [InlineData("bad option of the digits job", "--epochs", "--epochs", "x")]
    public void AWrongArgumentIsOneLineAndExitCodeTwo(string why, string named, params string[] args)
    {
        var run = CliRun.Of(args);

        Assert.True(run.ExitCode == 2, $"{why}: exit code {run.ExitCode}, error '{run.Error}'");
        AssertOneErrorLine(run, named);
    }

    [Fact]
    public void AMissingExperimentFileIsExitCodeOne()
    {
        using var folder = new TempFolder();
        var run = CliRun.Of("train", "--experiment", folder["missing.json"], "--output", folder["out"]);

        Assert.Equal(1, run.ExitCode);
        AssertOneErrorLine(run, "missing.json");
    }

    [Theory]
    [InlineData("unknown member", "{\"epochz\": 3}", "epochz")]
    [InlineData("wrong type", "{\"epochs\": \"three\"}", "$.epochs")]
    [InlineData("not JSON", "epochs = 3", "experiment.json")]
    [InlineData("truncated", "{\"epochs\": 3", "experiment.json")]
    public void ABadExperimentFileIsOneLineNamingTheFileAndExitCodeOne(string why, string content, string named)
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder["experiment.json"], content);
        var run = CliRun.Of("train", "--experiment", folder["experiment.json"], "--output", folder["out"]);

        Assert.True(run.ExitCode == 1, $"{why}: exit code {run.ExitCode}, error '{run.Error}'");
        AssertOneErrorLine(run, named);
        Assert.Contains("experiment.json", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void ABadValueInTheExperimentFileIsABadFileNotAUsageError()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder["experiment.json"], "{\"optimizer\": \"rmsprop\"}");
        var run = CliRun.Of("train", "--experiment", folder["experiment.json"], "--output", folder["out"]);

        Assert.Equal(1, run.ExitCode);
        AssertOneErrorLine(run, "rmsprop");
        Assert.Contains("experiment.json", run.Error, StringComparison.Ordinal);
    }

    private static void AssertOneErrorLine(CliRun run, string named)
    {
        var line = Assert.Single(run.ErrorLines);
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains(named, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }
}
