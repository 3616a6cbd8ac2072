using System.Globalization;
using System.Text.Json.Nodes;
using Pure.Cli.Tests.Support;

namespace Pure.Cli.Tests;

/// <summary>
/// <c>pure train --task regression</c> on the diabetes set (tests/Cli/Data/diabetes.csv, a copy of ../shared/data/diabetes.csv),
/// and <c>evaluate</c>, <c>predict</c> and <c>info</c> on its model: the three agree with each other and with R² computed here.
/// </summary>
public sealed class RegressionCommandTests
{
    private static readonly string Diabetes = Path.Combine(AppContext.BaseDirectory, "Data", "diabetes.csv");

    private static readonly string[] Quick = ["--task", "regression", "--layers", "8", "--epochs", "5", "--learning-rate", "0.01"];

    [Fact]
    public void TrainEvaluateAndPredictAgreeOnR2()
    {
        using var folder = new TempFolder();
        var train = CliRun.Of(["train", .. Quick, "--data", Diabetes, "--output", folder["run"]]);
        Assert.Equal(0, train.ExitCode);
        var metrics = JsonNode.Parse(File.ReadAllText(folder["run/metrics.json"]))!["test"]!;
        double trainR2 = metrics["r2"]!.GetValue<double>();
        Assert.Equal($"test R2: {trainR2.ToString("F4", CultureInfo.InvariantCulture)}", train.OutLines[^1]);
        Assert.Equal(trainR2, metrics["targets"]!["progression"]!["r2"]!.GetValue<double>());
        Assert.Equal(Math.Sqrt(metrics["mse"]!.GetValue<double>()), metrics["rmse"]!.GetValue<double>(), 12);
        Assert.Null(metrics["accuracy"]);
        Assert.False(File.Exists(folder["run/accuracy.svg"]));
        Assert.True(File.Exists(folder["run/loss.svg"]));

        // evaluate on every row of the file, and predict on the same rows: evaluate's R² is predict's output scored here.
        var evaluate = CliRun.Of("evaluate", "--model", folder["run/model.json"], "--data", Diabetes, "--output", folder["evaluate.json"]);
        Assert.Equal(0, evaluate.ExitCode);
        var predict = CliRun.Of("predict", "--model", folder["run/model.json"], "--data", Diabetes, "--target", "progression");
        Assert.Equal(0, predict.ExitCode);
        Assert.Equal("progression", predict.OutLines[0]);
        var predicted = predict.OutLines.Skip(1).Select(line => double.Parse(line, CultureInfo.InvariantCulture)).ToArray();
        var actual = Column(Diabetes, "progression");
        Assert.Equal(actual.Length, predicted.Length);
        double r2 = R2(actual, predicted);
        double evaluated = JsonNode.Parse(File.ReadAllText(folder["evaluate.json"]))!["r2"]!.GetValue<double>();
        Assert.Equal(r2, evaluated, 1e-12);
        Assert.Contains($"R2: {r2.ToString("F4", CultureInfo.InvariantCulture)}", evaluate.OutLines);
        double mae = actual.Zip(predicted, (y, p) => Math.Abs(y - p)).Average();
        Assert.Equal(mae, JsonNode.Parse(File.ReadAllText(folder["evaluate.json"]))!["mae"]!.GetValue<double>(), 1e-9);

        // gradcheck checks the network against the scaled targets it was trained on.
        var check = CliRun.Of("gradcheck", "--model", folder["run/model.json"], "--data", Diabetes);
        Assert.Equal(0, check.ExitCode);
        Assert.Contains(", half_squared", check.OutLines[0], StringComparison.Ordinal);
        Assert.StartsWith("gradient check passed", check.OutLines[1], StringComparison.Ordinal);

        var info = CliRun.Of("info", "--model", folder["run/model.json"]);
        Assert.Contains(info.OutLines, line => line.StartsWith("task: regression of 1 target, target scaling standardize (mean ", StringComparison.Ordinal));
    }

    [Fact]
    public void TheTestPartOfTrainIsWhatEvaluateMeasuresOnTheTestFile()
    {
        using var folder = new TempFolder();
        var lines = File.ReadAllLines(Diabetes);
        File.WriteAllLines(folder["train.csv"], lines.Take(331));
        File.WriteAllLines(folder["test.csv"], [lines[0], .. lines.Skip(331)]);
        var train = CliRun.Of(["train", .. Quick, "--data", folder["train.csv"], "--test-data", folder["test.csv"], "--output", folder["run"]]);
        Assert.Equal(0, train.ExitCode);
        var metrics = JsonNode.Parse(File.ReadAllText(folder["run/metrics.json"]))!;
        Assert.Equal(lines.Length - 331, metrics["samples"]!["test"]!.GetValue<int>());
        var evaluate = CliRun.Of("evaluate", "--model", folder["run/model.json"], "--data", folder["test.csv"], "--output", folder["evaluate.json"]);
        Assert.Equal(0, evaluate.ExitCode);
        var evaluated = JsonNode.Parse(File.ReadAllText(folder["evaluate.json"]))!;
        foreach (string score in new[] { "loss", "mse", "rmse", "mae", "r2" })
            Assert.Equal(metrics["test"]![score]!.GetValue<double>(), evaluated[score]!.GetValue<double>());
    }

    [Fact]
    public void SeveralTargetsAreTrainedScoredAndPredictedByName()
    {
        using var folder = new TempFolder();
        var train = CliRun.Of(["train", .. Quick, "--data", Diabetes, "--target", "bmi,progression", "--output", folder["run"]]);
        Assert.Equal(0, train.ExitCode);
        Assert.Contains(train.OutLines, line => line.StartsWith("test R2: ", StringComparison.Ordinal) && line.Contains("(bmi ", StringComparison.Ordinal) && line.Contains(", progression ", StringComparison.Ordinal));
        var test = JsonNode.Parse(File.ReadAllText(folder["run/metrics.json"]))!["test"]!;
        double bmi = test["targets"]!["bmi"]!["r2"]!.GetValue<double>(), progression = test["targets"]!["progression"]!["r2"]!.GetValue<double>();
        Assert.Equal((bmi + progression) / 2, test["r2"]!.GetValue<double>(), 15);
        Assert.Equal("bmi,progression", JsonNode.Parse(File.ReadAllText(folder["run/experiment.json"]))!["target"]!.GetValue<string>());

        // predict leaves both columns out and names them (from --target, or from the run's experiment.json).
        var predict = CliRun.Of("predict", "--model", folder["run/model.json"], "--data", Diabetes, "--target", "bmi,progression");
        Assert.Equal(0, predict.ExitCode);
        Assert.Equal("bmi,progression", predict.OutLines[0]);
        Assert.Equal(443, predict.OutLines.Length);
        Assert.Equal(2, predict.OutLines[1].Split(',').Length);
        var evaluate = CliRun.Of("evaluate", "--model", folder["run/model.json"], "--data", Diabetes, "--target", "bmi,progression", "--output", folder["evaluate.json"]);
        Assert.Equal(0, evaluate.ExitCode);
        var predictedBmi = predict.OutLines.Skip(1).Select(line => double.Parse(line.Split(',')[0], CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(R2(Column(Diabetes, "bmi"), predictedBmi), JsonNode.Parse(File.ReadAllText(folder["evaluate.json"]))!["targets"]!["bmi"]!["r2"]!.GetValue<double>(), 1e-12);
    }

    [Fact]
    public void WithoutTargetScalingTheModelPredictsTheNetworkOutputAndSaysSo()
    {
        using var folder = new TempFolder();
        Assert.Equal(0, CliRun.Of(["train", .. Quick, "--data", Diabetes, "--target-scaling", "none", "--output", folder["run"]]).ExitCode);
        var model = JsonNode.Parse(File.ReadAllText(folder["run/model.json"]))!;
        Assert.Equal("[0]", model["target_scaling"]!["mean"]!.ToJsonString());
        Assert.Equal("[1]", model["target_scaling"]!["scale"]!.ToJsonString());
        Assert.Contains("task: regression of 1 target, target scaling none", CliRun.Of("info", "--model", folder["run/model.json"]).OutLines);
    }

    [Fact]
    public void TheHuberDeltaReachesTheLossTheModelFileAndTheExperimentFile()
    {
        using var folder = new TempFolder();
        Assert.Equal(0, CliRun.Of(["train", .. Quick, "--data", Diabetes, "--loss", "huber", "--huber-delta", "0.25", "--output", folder["quarter"]]).ExitCode);
        Assert.Equal(0, CliRun.Of(["train", .. Quick, "--data", Diabetes, "--loss", "huber", "--output", folder["one"]]).ExitCode);

        Assert.Equal(0.25, JsonNode.Parse(File.ReadAllText(folder["quarter/model.json"]))!["huber_delta"]!.GetValue<double>());
        Assert.Equal(0.25, JsonNode.Parse(File.ReadAllText(folder["quarter/experiment.json"]))!["huber-delta"]!.GetValue<double>());
        Assert.Equal(1.0, JsonNode.Parse(File.ReadAllText(folder["one/experiment.json"]))!["huber-delta"]!.GetValue<double>());
        Assert.Contains("loss: huber (δ = 0.25)", CliRun.Of("info", "--model", folder["quarter/model.json"]).OutLines);
        // δ changes the gradient wherever |a - y| > δ: the two runs train to different networks.
        Assert.NotEqual(File.ReadAllText(folder["quarter/model.json"]), File.ReadAllText(folder["one/model.json"]));

        // The resolved experiment file repeats the run bit for bit, δ included.
        Assert.Equal(0, CliRun.Of("train", "--experiment", folder["quarter/experiment.json"], "--output", folder["again"]).ExitCode);
        Assert.Equal(File.ReadAllBytes(folder["quarter/model.json"]), File.ReadAllBytes(folder["again/model.json"]));
    }

    [Theory]
    [InlineData("--target-scaling applies to --task regression, not to classification", "train", "--target-scaling", "none")]
    [InlineData("--task regression: expected a CSV file", "train", "--task", "regression")]
    [InlineData("--loss: expected a regression loss", "train", "--task", "regression", "--data", "DIABETES", "--loss", "binary_cross_entropy")]
    [InlineData("--target: expected column names or indices", "train", "--task", "regression", "--data", "DIABETES", "--target", "glucose")]
    [InlineData("--target: the column 'bmi' is named twice", "train", "--task", "regression", "--data", "DIABETES", "--target", "bmi,2")]
    [InlineData("--huber-delta applies to --loss huber, not to half_squared", "train", "--task", "regression", "--data", "DIABETES", "--huber-delta", "2")]
    [InlineData("--huber-delta: expected a finite value above 0, got 0", "train", "--task", "regression", "--data", "DIABETES", "--loss", "huber", "--huber-delta", "0")]
    public void RegressionSettingsThatCannotWorkAreRefusedWithExitCode2(string expected, params string[] args)
    {
        using var folder = new TempFolder();
        var run = CliRun.Of([.. args.Select(arg => arg == "DIABETES" ? Diabetes : arg), "--output", folder["run"]]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(expected, Assert.Single(run.ErrorLines), StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder["run"]));
    }

    /// <summary>The values of the CSV column <paramref name="name"/>.</summary>
    private static double[] Column(string path, string name)
    {
        var lines = File.ReadAllLines(path);
        int column = Array.IndexOf(lines[0].Split(','), name);
        return [.. lines.Skip(1).Select(line => double.Parse(line.Split(',')[column], CultureInfo.InvariantCulture))];
    }

    /// <summary>R² = 1 - Σ(y - p)² / Σ(y - ȳ)², written out here as the reference.</summary>
    private static double R2(double[] actual, double[] predicted)
    {
        double mean = actual.Average();
        return 1 - actual.Zip(predicted, (y, p) => (y - p) * (y - p)).Sum() / actual.Sum(y => (y - mean) * (y - mean));
    }
}
