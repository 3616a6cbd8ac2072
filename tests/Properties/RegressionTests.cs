using System.Text;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;
using Pure.Testing;

namespace Pure.Properties;

/// <summary>
/// Regression: the Huber loss, the regression metrics (MSE, RMSE, MAE, R²) against their formulas, a model's target
/// scaling (predict = inverse of the scaled network output) and its round trip through a model file.
/// </summary>
public class RegressionTests
{
    private static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(100).WithQuietOnSuccess(true);

    /// <summary>Outputs and targets of one shape (1 to 4 outputs, 1 to 10 samples): the two halves of one generated matrix.</summary>
    private static readonly Gen<(ImmutableMatrix<double> Output, ImmutableMatrix<double> Target)> Pairs =
        from size in Gen.Choose(0, 39)
        let rows = 1 + size % 4
        from both in Generators.Matrix(2 * rows, 1 + size / 4, 50)
        select (ImmutableMatrix.Create<double>(rows, both.Columns, (i, j) => both[i, j]), ImmutableMatrix.Create<double>(rows, both.Columns, (i, j) => both[rows + i, j]));

    [Fact]
    public void Huber_values_and_gradients_match_the_definition()
    {
        // δ = 1; a - y = [(0.5, -3), (2, 0)] for two outputs and two samples.
        // h(0.5) = 0.125, h(-3) = 1 (3 - 0.5) = 2.5, h(2) = 1 (2 - 0.5) = 1.5, h(0) = 0: per sample 0.125 + 1.5 = 1.625 and 2.5.
        var a = ImmutableMatrix.FromArray(new double[,] { { 1.5, 0 }, { 2, 4 } });
        var y = ImmutableMatrix.FromArray(new double[,] { { 1, 3 }, { 0, 4 } });
        Assert.Equal((1.625 + 2.5) / 2, Loss.Huber(1).Value(a, y));
        // ∂ℓ/∂a = clamp(a - y, -1, 1) = [(0.5, -1), (1, 0)].
        Assert.Equal(ImmutableMatrix.FromArray(new double[,] { { 0.5, -1 }, { 1, 0 } }), Loss.Huber(1).Gradient(a, y));
        // δ = 4: every residual is within δ, so Huber is half squared error.
        Assert.Equal(Loss.HalfSquared.Value(a, y), Loss.Huber(4).Value(a, y));
        Assert.Equal(Loss.HalfSquared.Gradient(a, y), Loss.Huber(4).Gradient(a, y));
        // δ = 0.5: h(-3) = 0.5 (3 - 0.25) = 1.375.
        Assert.Equal(1.375, Loss.Huber(0.5).Value(ImmutableMatrix.Column(0.0), ImmutableMatrix.Column(3.0)));
        Assert.Equal("huber", Loss.Huber().Name);
        Assert.Equal(Loss.Huber(2), Loss.Huber(2));
        Assert.NotEqual(Loss.Huber(2), Loss.Huber(1));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Huber_refuses_a_delta_that_is_not_positive_and_finite(double delta)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Loss.Huber(delta));
        Assert.Equal("Delta", error.ParamName);
        Assert.Contains("Expected a finite Huber δ > 0", error.Message);
    }

    [Fact]
    public void Huber_gradient_matches_central_differences_in_double_and_float()
    {
        foreach (var delta in new[] { 0.3, 1.0, 2.5 })
        {
            Check.One(Quick, Laws.LossGradient(Loss.Huber(delta)));
            Check.One(Quick, Laws.LossGradient<float>(Loss.Huber(delta)));
        }
    }

    [Fact]
    public void Regression_metrics_of_a_hand_computed_case()
    {
        // Two outputs, three samples. Output 0: y = (1, 2, 3), a = (1, 2, 5): errors (0, 0, 2).
        // Output 1: y = (0, 0, 6), a = (1, -1, 6): errors (1, -1, 0).
        var a = ImmutableMatrix.FromArray(new double[,] { { 1, 2, 5 }, { 1, -1, 6 } });
        var y = ImmutableMatrix.FromArray(new double[,] { { 1, 2, 3 }, { 0, 0, 6 } });
        // MSE: (0 + 0 + 4)/3 = 4/3 and (1 + 1 + 0)/3 = 2/3; average 1.
        Assert.Equal([4.0 / 3, 2.0 / 3], Metrics.MeanSquaredErrorPerOutput(a, y).ToArray());
        Assert.Equal(1.0, Metrics.MeanSquaredError(a, y), 15);
        // RMSE: √(4/3), √(2/3); the average of the two (not √1).
        Assert.Equal([Math.Sqrt(4.0 / 3), Math.Sqrt(2.0 / 3)], Metrics.RootMeanSquaredErrorPerOutput(a, y).ToArray());
        Assert.Equal((Math.Sqrt(4.0 / 3) + Math.Sqrt(2.0 / 3)) / 2, Metrics.RootMeanSquaredError(a, y), 15);
        // MAE: 2/3 and 2/3.
        Assert.Equal(2.0 / 3, Metrics.MeanAbsoluteError(a, y), 15);
        // R²: output 0: ȳ = 2, SS_tot = 2, SS_res = 4, R² = -1. Output 1: ȳ = 2, SS_tot = 4 + 4 + 16 = 24, SS_res = 2, R² = 1 - 1/12.
        var r2 = Metrics.R2PerOutput(a, y);
        Assert.Equal(-1.0, r2[0], 15);
        Assert.Equal(11.0 / 12, r2[1], 15);
        Assert.Equal((-1.0 + 11.0 / 12) / 2, Metrics.R2(a, y), 15);
        // Float inputs give the same values (every number above is exact in float).
        Assert.Equal(1.0, Metrics.MeanSquaredError(a.As<float>(), y.As<float>()), 6);
    }

    [PureProperty]
    public Property R2_is_one_for_perfect_predictions_and_zero_for_the_mean() => Prop.ForAll(Arb.From(Pairs), pair =>
    {
        var (_, y) = pair;
        bool Constant(int i) => Enumerable.Range(0, y.Columns).All(j => y[i, j] == y[i, 0]);
        var mean = ImmutableMatrix.Create<double>(y.Rows, y.Columns, (i, _) => Constant(i) ? y[i, 0] : Enumerable.Range(0, y.Columns).Average(j => y[i, j]));
        Assert.All(Metrics.R2PerOutput(y, y), r2 => Assert.Equal(1.0, r2));
        var r2OfMean = Metrics.R2PerOutput(mean, y);
        for (int i = 0; i < y.Rows; i++)
        {
            // A constant target (always so for one sample) is predicted exactly by its mean: R² = 1 by the constant-target rule.
            Assert.Equal(Constant(i) ? 1.0 : 0.0, r2OfMean[i], 12);
        }
        Assert.Equal(0.0, Metrics.MeanSquaredError(y, y));
        Assert.Equal(0.0, Metrics.MeanAbsoluteError(y, y));
    });

    [PureProperty]
    public Property Regression_metrics_match_reference_formulas() => Prop.ForAll(Arb.From(Pairs), pair =>
    {
        var (a, y) = pair;
        int n = a.Rows, m = a.Columns;
        for (int i = 0; i < n; i++)
        {
            var errors = Enumerable.Range(0, m).Select(j => a[i, j] - y[i, j]).ToArray();
            double mse = errors.Sum(e => e * e) / m;
            double ybar = Enumerable.Range(0, m).Sum(j => y[i, j]) / m;
            double total = Enumerable.Range(0, m).Sum(j => (y[i, j] - ybar) * (y[i, j] - ybar));
            double r2 = total == 0 ? (mse == 0 ? 1 : 0) : 1 - mse * m / total;
            Assert.Equal(mse, Metrics.MeanSquaredErrorPerOutput(a, y)[i], 1e-12);
            Assert.Equal(Math.Sqrt(mse), Metrics.RootMeanSquaredErrorPerOutput(a, y)[i], 1e-12);
            Assert.Equal(errors.Sum(Math.Abs) / m, Metrics.MeanAbsoluteErrorPerOutput(a, y)[i], 1e-12);
            Assert.Equal(r2, Metrics.R2PerOutput(a, y)[i], 1e-9);
        }
        Assert.Equal(Metrics.MeanSquaredErrorPerOutput(a, y).Average(), Metrics.MeanSquaredError(a, y));
        Assert.Equal(Metrics.R2PerOutput(a, y).Average(), Metrics.R2(a, y));
    });

    [Fact]
    public void R2_of_a_constant_target_is_one_when_exact_and_zero_otherwise()
    {
        var y = ImmutableMatrix.FromArray(new double[,] { { 3, 3, 3 } });
        Assert.Equal(1.0, Metrics.R2(y, y));
        Assert.Equal(0.0, Metrics.R2(ImmutableMatrix.FromArray(new double[,] { { 3, 3, 4 } }), y));
        // One sample: the target is always constant.
        Assert.Equal(0.0, Metrics.R2(ImmutableMatrix.Column(1.0), ImmutableMatrix.Column(2.0)));
    }

    [Fact]
    public void Regression_metrics_refuse_bad_input_naming_the_argument()
    {
        var y = ImmutableMatrix.FromArray(new double[,] { { 1, 2 } });
        Assert.Equal("target", Assert.Throws<ArgumentException>(() => Metrics.R2(y, ImmutableMatrix.FromArray(new double[,] { { 1, 2, 3 } }))).ParamName);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => Metrics.MeanSquaredError(ImmutableMatrix.FromArray(new double[,] { { 1, double.NaN } }), y)).ParamName);
        Assert.Equal("target", Assert.Throws<ArgumentException>(() => Metrics.MeanAbsoluteError(y, ImmutableMatrix.FromArray(new double[,] { { 1, double.PositiveInfinity } }))).ParamName);
        var empty = new ImmutableMatrix<double>(1, 0, []);
        Assert.Equal("output", Assert.Throws<ArgumentException>(() => Metrics.RootMeanSquaredError(empty, empty)).ParamName);
    }

    [PureProperty]
    public Property Invert_undoes_Apply_for_both_scalings() => Prop.ForAll(Arb.From(Pairs), pair =>
    {
        var (train, values) = pair;
        foreach (FeatureScaling<double> scaling in new FeatureScaling<double>[] { Standardization<double>.Fit(train), MinMaxScaling<double>.Fit(train) })
        {
            var back = scaling.Invert(scaling.Apply(values));
            for (int k = 0; k < values.Count; k++) Assert.Equal(values.AsSpan()[k], back.AsSpan()[k], 1e-9 * (1 + Math.Abs(values.AsSpan()[k])));
        }
    });

    [Fact]
    public void Predict_is_the_inverse_target_scaling_of_the_network_output()
    {
        var model = RegressionModel();
        var features = ImmutableMatrix.FromColumnMajor<double>(2, 3, [1, 2, 3, 4, -5, 6]);
        var scaled = Backprop.Predict(model.Network, model.Scaling!.Apply(features));
        var predicted = model.Predict(features);
        // y = y' scale + mean, element by element: scale (10, 0.5), mean (100, -1).
        for (int j = 0; j < 3; j++)
        {
            Assert.Equal(scaled[0, j] * 10 + 100, predicted[0, j]);
            Assert.Equal(scaled[1, j] * 0.5 - 1, predicted[1, j]);
        }
        Assert.Equal(scaled, (model with { TargetScaling = null }).Predict(features));
        Assert.Equal(model, (model with { TargetScaling = null }).WithTargetScaling(model.TargetScaling));
    }

    [Fact]
    public void Model_refuses_a_target_scaling_of_another_size()
    {
        var model = RegressionModel();
        var three = new Standardization<double>(ImmutableVector.Create(1.0, 2, 3), ImmutableVector.Create(1.0, 1, 1));
        var error = Assert.Throws<ArgumentException>(() => model with { TargetScaling = three });
        Assert.Equal("TargetScaling", error.ParamName);
        Assert.Contains("Expected a target scaling of 2 targets (the network's outputs), got 3", error.Message);
    }

    [Fact]
    public void Model_file_round_trips_a_target_scaling_and_a_Huber_loss_as_version_2()
    {
        foreach (var model in new[] { RegressionModel(), RegressionModel() with { Loss = Loss.Huber(0.1 + 0.2), TargetScaling = null },
                     RegressionModel() with { TargetScaling = new MinMaxScaling<double>(ImmutableVector.Create(-3.0, 1e-300), ImmutableVector.Create(7.0, 1e300)) } })
        {
            string text = Text(model);
            Assert.Equal(2, (int)JsonNode.Parse(text)!["version"]!);
            var loaded = ModelFile.Read<double>(new MemoryStream(Encoding.UTF8.GetBytes(text)), "memory");
            Assert.Equal(model, loaded);
            Assert.Equal(ModelFileTests.ModelBits(model), ModelFileTests.ModelBits(loaded));
        }
        var json = JsonNode.Parse(Text(RegressionModel()))!;
        Assert.Equal("standardization", (string)json["target_scaling"]!["kind"]!);
        Assert.Equal("[100,-1]", json["target_scaling"]!["mean"]!.ToJsonString());
        // A model without the new fields is written as version 1 with exactly the old properties.
        var plain = JsonNode.Parse(Text(RegressionModel() with { TargetScaling = null }))!.AsObject();
        Assert.Equal(1, (int)plain["version"]!);
        Assert.Equal(["format", "version", "dtype", "loss", "layers", "scaling", "classes"], plain.Select(property => property.Key));
    }

    [Theory]
    [InlineData("target scaling in version 1", "$.target_scaling", "'target_scaling' needs format version 2")]
    [InlineData("target scaling length", "$.target_scaling.scale", "expected an array of length 2")]
    [InlineData("target scaling zero divisor", "$.target_scaling.scale[1]", "expected a non-zero divisor, got 0")]
    [InlineData("target scaling kind", "$.target_scaling.kind", "unknown scaling \"robust\"")]
    [InlineData("target scaling not a number", "$.target_scaling.mean[0]", "expected a number")]
    [InlineData("huber without delta", "$.loss", "missing property 'huber_delta'")]
    [InlineData("huber delta negative", "$.huber_delta", "expected a Huber δ > 0, got -1")]
    [InlineData("huber delta on squared", "$.huber_delta", "unexpected property 'huber_delta'")]
    public void Load_refuses_a_bad_target_scaling_or_Huber_delta(string mutation, string path, string expected)
    {
        var json = JsonNode.Parse(Text(RegressionModel() with { Loss = Loss.Huber(1) }))!;
        switch (mutation)
        {
            case "target scaling in version 1": json["version"] = 1; json.AsObject().Remove("huber_delta"); json["loss"] = "squared"; break;
            case "target scaling length": json["target_scaling"]!["scale"]!.AsArray().Add(1.0); break;
            case "target scaling zero divisor": json["target_scaling"]!["scale"]![1] = 0.0; break;
            case "target scaling kind": json["target_scaling"]!["kind"] = "robust"; break;
            case "target scaling not a number": json["target_scaling"]!["mean"]![0] = "1"; break;
            case "huber without delta": json.AsObject().Remove("huber_delta"); break;
            case "huber delta negative": json["huber_delta"] = -1.0; break;
            case "huber delta on squared": json["loss"] = "squared"; break;
            default: throw new ArgumentException(mutation, nameof(mutation));
        }
        var error = Assert.Throws<InvalidDataException>(() => ModelFile.Read<double>(new MemoryStream(Encoding.UTF8.GetBytes(json.ToJsonString())), "bad.json"));
        Assert.StartsWith($"bad.json: {path}: ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Save_refuses_a_custom_target_scaling()
    {
        var model = RegressionModel() with { TargetScaling = new Halving() };
        var error = Assert.Throws<ArgumentException>(() => ModelFile.Write(model, new MemoryStream()));
        Assert.Contains("Cannot save the custom target scaling Halving", error.Message);
        // And a scaling without an inverse cannot predict.
        Assert.Throws<NotSupportedException>(() => model.Predict(ImmutableMatrix.Column(1.0, 2.0)));
    }

    /// <summary>A 2-3(tanh)-2(identity) regression model: standardised inputs, targets scaled by mean (100, -1) and scale (10, 0.5).</summary>
    private static Model<double> RegressionModel() => new(
        Network.FromLayers(
            new DenseLayer<double>(ImmutableMatrix.FromRowMajor<double>(3, 2, [0.1, -0.2, 0.3, 0.4, -0.5, 0.6]), ImmutableVector.Create(0.5, -1, 2), Activation.Tanh),
            new DenseLayer<double>(ImmutableMatrix.FromRowMajor<double>(2, 3, [1, 2, 3, -1, 0.5, 0.25]), ImmutableVector.Create(-1.0, 1), Activation.Identity)),
        Loss.HalfSquared,
        new Standardization<double>(ImmutableVector.Create(1.0, -2), ImmutableVector.Create(0.5, 4)))
    {
        TargetScaling = new Standardization<double>(ImmutableVector.Create(100.0, -1), ImmutableVector.Create(10.0, 0.5)),
    };

    private static string Text(Model<double> model)
    {
        using var stream = new MemoryStream();
        ModelFile.Write(model, stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>A scaling defined outside the library, with no inverse.</summary>
    private sealed record Halving : FeatureScaling<double>
    {
        public override int FeatureCount => 2;

        public override ImmutableMatrix<double> Apply(ImmutableMatrix<double> inputs) => inputs.Map(x => x / 2);
    }
}
