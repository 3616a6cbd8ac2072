using System.Collections.Immutable;
using System.Diagnostics;
using System.Numerics;

namespace Pure.Cli;

/// <summary>The parts of the samples: indices into the loaded data (the test part indexes the data's own test set when it has one).</summary>
internal sealed record Parts(ImmutableArray<int> Train, ImmutableArray<int> Validation, ImmutableArray<int> Test);

/// <summary>What a finished training run produced, for the result files.</summary>
internal sealed record TrainOutcome(
    Experiment Experiment, string DataName, Parts Parts, ClassEncoding Classes, IReadOnlyList<HistoryRow> History,
    ConfusionMatrix TestConfusion, double TestLoss, double TrainingSeconds, double TotalSeconds, string Architecture, int ParameterCount);

/// <summary><c>pure train</c>: fits a network to the data of a resolved experiment.</summary>
internal static class TrainJob
{
    /// <summary>Trains and prints the progress, the confusion matrix and, last, <c>test accuracy: 0.xxxx</c>.</summary>
    /// <param name="experiment">A resolved experiment.</param>
    /// <param name="terminal">Where to print.</param>
    /// <param name="output">The folder for the result files, or null to write none.</param>
    /// <param name="monitorTest">Measure the test part after each epoch when there is no validation part (the bare digits job).</param>
    public static int Run(Experiment experiment, Terminal terminal, string? output, bool monitorTest = false) =>
        experiment.DType == "float32"
            ? Run<float>(experiment, terminal, output, monitorTest)
            : Run<double>(experiment, terminal, output, monitorTest);

    private static int Run<T>(Experiment experiment, Terminal terminal, string? output, bool monitorTest) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var clock = Stopwatch.StartNew();
        var data = DataSources.Load(experiment);
        if (data.Test is not null) experiment = experiment with { TestFraction = null };
        var classes = ClassEncoding.Fit(data.Labels);
        var labels = classes.Encode(data.Labels);
        int seed = experiment.Seed!.Value;
        var parts = Split(data, labels, experiment.ValidationFraction!.Value, experiment.TestFraction, seed);
        var testData = data.Test ?? data;
        var testLabels = data.Test is null ? labels : classes.Encode(data.Test.Labels);

        var features = Convert<T>(data.Features);
        var trainX = features.SelectColumns(parts.Train.AsSpan());
        var scaling = FitScaling(experiment.Scaling!, trainX);
        ImmutableMatrix<T> Scaled(ImmutableMatrix<T> x) => scaling is null ? x : scaling.Apply(x);
        Dataset<T> Part(ImmutableMatrix<T> x, ImmutableArray<int> all, ImmutableArray<int> indices) =>
            new(Scaled(x.SelectColumns(indices.AsSpan())), Metrics.OneHot<T>([.. indices.Select(i => all[i])], classes.ClassCount));

        var training = Part(features, labels, parts.Train);
        var validation = parts.Validation.IsEmpty ? null : Part(features, labels, parts.Validation);
        var test = Part(data.Test is null ? features : Convert<T>(testData.Features), testLabels, parts.Test);

        var loss = Choices.LossNamed(experiment.Loss!);
        var optimizer = Choices.OptimizerOf(experiment);
        var network = Network.Create<T>(
            [features.Rows, .. experiment.Layers!.Value, classes.ClassCount],
            Choices.ActivationNamed(experiment.Activation!), Choices.ActivationNamed(experiment.OutputActivation!), seed);
        loss.CheckOutputActivation(network.Layers[^1].Activation);

        terminal.Line($"{data.Name}: {training.Count} training, {parts.Validation.Length} validation and {test.Count} test samples; {network}");
        terminal.Line($"{Describe(experiment)}, batch {experiment.Batch}, {experiment.Epochs} epochs, seed {seed}, {experiment.Scaling} scaling, {experiment.DType}");

        var monitored = validation ?? (monitorTest ? test : null);
        string part = validation is null && monitorTest ? "test" : "validation";
        var epochs = Training.Epochs(network, optimizer, loss, training, experiment.Batch!.Value, experiment.Epochs!.Value, seed, monitored);
        EpochResult<T>? last = null;
        var trainingClock = Stopwatch.StartNew();
        IEnumerable<HistoryRow> Rows()
        {
            double previous = 0;
            foreach (var epoch in epochs)
            {
                last = epoch;
                double elapsed = trainingClock.Elapsed.TotalSeconds;
                yield return new HistoryRow(epoch.Epoch, double.CreateChecked(epoch.TrainingLoss),
                    epoch.ValidationLoss is T v ? double.CreateChecked(v) : null, epoch.ValidationAccuracy, elapsed - previous, elapsed);
                previous = elapsed;
            }
        }
        var history = EpochDisplay.Show(terminal, Rows(), experiment.Epochs!.Value, part);
        double trainingSeconds = trainingClock.Elapsed.TotalSeconds;
        var trained = last!.Network;

        var predicted = Metrics.PredictedClasses(Backprop.Predict(trained, test.Inputs));
        var confusion = Metrics.Confusion([.. parts.Test.Select(i => testLabels[i])], predicted, classes.ClassCount);
        double testLoss = double.CreateChecked(Backprop.Cost(trained, test.Inputs, test.Targets, loss));
        terminal.Out.WriteLine(confusion);
        if (output is not null)
        {
            var outcome = new TrainOutcome(experiment, data.Name, parts, classes, history, confusion, testLoss,
                trainingSeconds, clock.Elapsed.TotalSeconds, trained.ToString(), trained.ParameterCount);
            var written = RunFiles.Write(output, outcome);
            terminal.Line($"wrote {output}: {string.Join(", ", written)}");
        }
        terminal.Line($"test accuracy: {confusion.Accuracy:F4}");
        return 0;
    }

    /// <summary>"adam, learning rate 0.001" and the optional settings that are set.</summary>
    private static string Describe(Experiment e) =>
        FormattableString.Invariant($"{e.Optimizer}, learning rate {e.LearningRate}")
        + (e.Momentum is double m ? FormattableString.Invariant($", momentum {m}") : "")
        + (e.WeightDecay is > 0 ? FormattableString.Invariant($", weight decay {e.WeightDecay}") : "")
        + (e.Clip is double c ? FormattableString.Invariant($", clip {c}") : "")
        + $", {e.Activation}/{e.OutputActivation}, {e.Loss}";

    /// <summary>
    /// Seeded stratified parts: the test part first (as the digits job always held out), then the validation part
    /// from the rest, so that adding a validation part leaves the test part as it was.
    /// </summary>
    private static Parts Split(LabelledData data, ImmutableArray<int> labels, double validationFraction, double? testFraction, int seed)
    {
        ImmutableArray<int> rest, test;
        if (data.Test is not null)
        {
            rest = [.. Enumerable.Range(0, data.Count)];
            test = [.. Enumerable.Range(0, data.Test.Count)];
        }
        else
        {
            var outer = Pure.Split.Stratified(labels, testFraction!.Value, seed);
            (rest, test) = (outer.Train, outer.Test);
        }
        if (validationFraction == 0) return new Parts(rest, [], test);
        double share = data.Test is null ? validationFraction / (1 - testFraction!.Value) : validationFraction;
        var inner = Pure.Split.Stratified([.. rest.Select(i => labels[i])], share, seed);
        return new Parts([.. inner.Train.Select(i => rest[i])], [.. inner.Test.Select(i => rest[i])], test);
    }

    private static FeatureScaling<T>? FitScaling<T>(string scaling, ImmutableMatrix<T> trainX) where T : unmanaged, IFloatingPointIeee754<T> => scaling switch
    {
        "standardize" => Standardization<T>.Fit(trainX),
        "min-max" => MinMaxScaling<T>.Fit(trainX),
        _ => null,
    };

    /// <summary>The values of <paramref name="values"/> as <typeparamref name="T"/> (rounded to nearest for float).</summary>
    public static ImmutableMatrix<T> Convert<T>(ImmutableMatrix<double> values) where T : unmanaged, IFloatingPointIeee754<T> =>
        values is ImmutableMatrix<T> same ? same
        : ImmutableMatrix.FromColumnMajor(values.Rows, values.Columns, values.AsSpan().ToArray().Select(T.CreateChecked).ToArray());
}
