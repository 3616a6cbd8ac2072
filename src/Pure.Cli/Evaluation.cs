using System.Collections.Immutable;
using System.Numerics;

namespace Pure.Cli;

/// <summary>A model measured on labelled samples.</summary>
/// <param name="Confusion">Counts of (actual, predicted) classes.</param>
/// <param name="Loss">The cost (the mean loss) on the samples.</param>
internal sealed record Measurement(ConfusionMatrix Confusion, double Loss);

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
}
