using System.Collections.Immutable;
using System.Numerics;

namespace Pure.Cli;

/// <summary>A model measured on labelled samples.</summary>
/// <param name="Confusion">Counts of (actual, predicted) classes; null for regression.</param>
/// <param name="Loss">The cost (the mean loss) on the samples; for regression, against the scaled targets, as in training.</param>
/// <param name="Scores">For regression, the scores in the targets' units; null for classification.</param>
internal sealed record Measurement(ConfusionMatrix? Confusion, double Loss, RegressionScores? Scores = null);

/// <summary>Regression scores of predictions against targets, in the targets' units: averaged over the targets and per target.</summary>
/// <param name="Targets">The target names.</param>
/// <param name="MeanSquaredError">MSE per target.</param>
/// <param name="RootMeanSquaredError">RMSE per target.</param>
/// <param name="MeanAbsoluteError">MAE per target.</param>
/// <param name="R2">R² per target.</param>
internal sealed record RegressionScores(
    ImmutableArray<string> Targets, ImmutableArray<double> MeanSquaredError, ImmutableArray<double> RootMeanSquaredError,
    ImmutableArray<double> MeanAbsoluteError, ImmutableArray<double> R2)
{
    /// <summary>The scores of <paramref name="predicted"/> against <paramref name="targets"/> (k x m each).</summary>
    public static RegressionScores Of<T>(ImmutableMatrix<T> predicted, ImmutableMatrix<T> targets, ImmutableArray<string> names) where T : unmanaged, IFloatingPointIeee754<T> =>
        new(names, Metrics.MeanSquaredErrorPerOutput(predicted, targets), Metrics.RootMeanSquaredErrorPerOutput(predicted, targets),
            Metrics.MeanAbsoluteErrorPerOutput(predicted, targets), Metrics.R2PerOutput(predicted, targets));

    /// <summary>The four averages over the targets (scikit-learn's multioutput='uniform_average'), by name.</summary>
    public IEnumerable<(string Name, double Value, ImmutableArray<double> PerTarget)> Averages() =>
    [
        ("mse", MeanSquaredError.Average(), MeanSquaredError), ("rmse", RootMeanSquaredError.Average(), RootMeanSquaredError),
        ("mae", MeanAbsoluteError.Average(), MeanAbsoluteError), ("r2", R2.Average(), R2),
    ];
}

/// <summary>The one way the commands scale features and measure a model: <c>pure train</c>'s test part and <c>pure evaluate</c>.</summary>
internal static class Evaluation
{
    /// <summary>The network's inputs for features as loaded: scaled when there is a scaling, else the features themselves.</summary>
    public static ImmutableMatrix<T> Inputs<T>(FeatureScaling<T>? scaling, ImmutableMatrix<T> features) where T : unmanaged, IFloatingPointIeee754<T> =>
        scaling is null ? features : scaling.Apply(features);

    /// <summary>The model's confusion matrix and cost on <paramref name="features"/> (as loaded, n_0 x m) labelled with <paramref name="labels"/>.</summary>
    public static Measurement Measure<T>(Model<T> model, ImmutableMatrix<T> features, ImmutableArray<int> labels, int classCount)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        MeasureInputs(model, Inputs(model.Scaling, features), labels, classCount);

    /// <summary>The same as <see cref="Measure"/> on features already scaled with the model's scaling (the network's inputs, n_0 x m).</summary>
    public static Measurement MeasureInputs<T>(Model<T> model, ImmutableMatrix<T> inputs, ImmutableArray<int> labels, int classCount)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var trace = Backprop.Forward(model.Network, inputs);
        var confusion = Metrics.Confusion(labels, Metrics.PredictedClasses(trace.Output), classCount);
        double loss = double.CreateChecked(Backprop.Cost(model.Network, trace, Metrics.OneHot<T>(labels, classCount), model.Loss));
        return new Measurement(confusion, loss);
    }

    /// <summary>
    /// A regression model measured on inputs already scaled with its scaling (n_0 x m) against targets in their own
    /// units (k x m): the loss of the network's outputs against the scaled targets, and the scores of the predictions
    /// (the outputs with the target scaling inverted) against the targets.
    /// </summary>
    public static Measurement MeasureRegressionInputs<T>(Model<T> model, ImmutableMatrix<T> inputs, ImmutableMatrix<T> targets, ImmutableArray<string> names)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var output = Backprop.Predict(model.Network, inputs);
        var scaledTargets = model.TargetScaling is null ? targets : model.TargetScaling.Apply(targets);
        var predicted = model.TargetScaling is null ? output : model.TargetScaling.Invert(output);
        return new Measurement(null, double.CreateChecked(model.Loss.Value(output, scaledTargets)), RegressionScores.Of(predicted, targets, names));
    }

    /// <summary>Prints "{prefix}MSE: ...", RMSE, MAE and, last, "{prefix}R2: 0.xxxx" (R²) (the averages), with the per-target values when there are several targets.</summary>
    public static void Show(Terminal terminal, string prefix, RegressionScores scores)
    {
        foreach (var (name, value, perTarget) in scores.Averages())
        {
            string each = perTarget.Length < 2 ? "" : " (" + string.Join(", ", scores.Targets.Zip(perTarget, (target, v) => FormattableString.Invariant($"{target} {v:G6}"))) + ")";
            if (name == "r2") terminal.Line($"{prefix}R2: {value:F4}{each}");
            else terminal.Line($"{prefix}{name.ToUpperInvariant()}: {value:G6}{each}");
        }
    }
}
