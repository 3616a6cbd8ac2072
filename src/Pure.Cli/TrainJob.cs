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
        var data = DataSources.Load<T>(experiment.Data, experiment.Target);
        experiment = experiment with { Target = data.Target, TestFraction = data.Test is null ? experiment.TestFraction : null };
        var checkpoint = experiment.Resume is string resume ? CheckpointFile.Load<T>(resume) : null;
        var classes = checkpoint?.Model.Classes ?? Labelled(data.Labels, ClassEncoding.Fit);
        var labels = Labelled(data.Labels, classes.Encode);
        var testLabels = data.Test is null ? labels : Labelled(data.Test.Labels, classes.Encode);
        int seed = experiment.Seed!.Value;
        var parts = Split(data, labels, experiment.ValidationFraction!.Value, experiment.TestFraction, seed);

        var features = data.Features;
        var trainX = features.SelectColumns(parts.Train.AsSpan());
        var scaling = checkpoint is null ? FitScaling(experiment.Scaling!, trainX) : checkpoint.Model.Scaling;
        Dataset<T> Part(ImmutableMatrix<T> selected, ImmutableArray<int> all, ImmutableArray<int> indices) =>
            new(scaling is null ? selected : scaling.Apply(selected), Metrics.OneHot<T>([.. indices.Select(i => all[i])], classes.ClassCount));
        var training = Part(trainX, labels, parts.Train);
        var validation = parts.Validation.IsEmpty ? null : Part(features.SelectColumns(parts.Validation.AsSpan()), labels, parts.Validation);
        var test = Part((data.Test?.Features ?? features).SelectColumns(parts.Test.AsSpan()), testLabels, parts.Test);

        var loss = Choices.LossNamed(experiment.Loss!);
        var optimizer = Choices.OptimizerOf(experiment);
        ImmutableArray<int> sizes = [features.Rows, .. experiment.Layers!.Value, classes.ClassCount];
        var network = Network.Create<T>(sizes, Choices.ActivationNamed(experiment.Activation!), Choices.ActivationNamed(experiment.OutputActivation!), seed);
        if (checkpoint is not null)
        {
            CheckResumable(checkpoint, network, experiment);
            network = checkpoint.Model.Network;
        }
        loss.CheckOutputActivation(network.Layers[^1].Activation);
        int firstEpoch = (checkpoint?.Epoch ?? 0) + 1, lastEpoch = firstEpoch + experiment.Epochs!.Value - 1;

        terminal.Line($"{data.Name}: {training.Count} training, {parts.Validation.Length} validation and {test.Count} test samples; {network}");
        terminal.Line($"{Describe(experiment)}, batch {experiment.Batch}, seed {seed}, {experiment.Scaling} scaling, {experiment.DType}");
        if (checkpoint is not null) terminal.Line($"resuming from {experiment.Resume} after epoch {checkpoint.Epoch}: epochs {firstEpoch} to {lastEpoch}");

        var monitored = validation ?? (monitorTest ? test : null);
        string part = validation is null && monitorTest ? "test" : "validation";
        var epochs = Training.Epochs(network, optimizer, loss, training, experiment.Batch!.Value, experiment.Epochs!.Value, seed, monitored,
            checkpoint?.State, firstEpoch);
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
        var history = EpochDisplay.Show(terminal, Rows(), lastEpoch, part);
        double trainingSeconds = trainingClock.Elapsed.TotalSeconds;
        var model = new Model<T>(last!.Network, loss, scaling, classes);

        var trace = Backprop.Forward(model.Network, test.Inputs);
        var confusion = Metrics.Confusion([.. parts.Test.Select(i => testLabels[i])], Metrics.PredictedClasses(trace.Output), classes.ClassCount);
        double testLoss = double.CreateChecked(Backprop.Cost(model.Network, trace, test.Targets, loss));
        terminal.Out.WriteLine(confusion);
        if (output is not null)
        {
            var outcome = new TrainOutcome(experiment, data.Name, parts, classes, history, confusion, testLoss,
                trainingSeconds, clock.Elapsed.TotalSeconds, model.Network.ToString(), model.Network.ParameterCount);
            Directory.CreateDirectory(output);
            ModelFile.Save(model, Path.Combine(output, RunFiles.ModelName));
            CheckpointFile.Save(new Checkpoint<T>(model, optimizer, last.State, last.Epoch, seed, experiment.Batch!.Value), Path.Combine(output, RunFiles.CheckpointName));
            Npz.Export(model.Network, Path.Combine(output, RunFiles.WeightsName));
            var written = RunFiles.Write(output, outcome);
            terminal.Line($"wrote {output}: {string.Join(", ", [RunFiles.ModelName, RunFiles.CheckpointName, RunFiles.WeightsName, .. written])}");
        }
        terminal.Line($"test accuracy: {confusion.Accuracy:F4}");
        return 0;
    }

    /// <summary>Applies <paramref name="use"/> to the labels of the data, reporting a problem with them (one class only, an unknown label) as bad data.</summary>
    public static TResult Labelled<TResult>(ImmutableArray<string> labels, Func<IReadOnlyList<string>, TResult> use)
    {
        try { return use(labels); }
        catch (ArgumentException problem) { throw new InvalidDataException($"class labels: {Program.WithoutParameter(problem)}", problem); }
    }

    /// <summary>Throws unless the checkpoint's network has the architecture the experiment asks for and was trained with its seed.</summary>
    private static void CheckResumable<T>(Checkpoint<T> checkpoint, Network<T> planned, Experiment experiment) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (checkpoint.Model.Network.Architecture != planned.Architecture)
            throw new UsageException($"--resume: the checkpoint's network is {checkpoint.Model.Network.Architecture}, but the data and settings ask for {planned.Architecture}.");
        if (checkpoint.Seed != experiment.Seed)
            throw new UsageException($"--resume: the checkpoint was trained with seed {checkpoint.Seed}, but --seed is {experiment.Seed} (the split and the shuffles would differ).");
    }

    /// <summary>"adam, learning rate 0.001" and the optional settings that are set.</summary>
    private static string Describe(Experiment e) =>
        FormattableString.Invariant($"{e.Optimizer}, learning rate {e.LearningRate}")
        + (e.Momentum is double m ? FormattableString.Invariant($", momentum {m}") : "")
        + (e.WeightDecay is > 0 ? FormattableString.Invariant($", weight decay {e.WeightDecay}") : "")
        + (e.Clip is double c ? FormattableString.Invariant($", clip {c}") : "")
        + $", {e.Activation}/{e.OutputActivation}, {e.Loss}";

    /// <summary>
    /// The seeded stratified parts. Without a validation part the test part is the one the digits job always held
    /// out (the three-way split's test part is the two-way split's).
    /// </summary>
    private static Parts Split<T>(LabelledData<T> data, ImmutableArray<int> labels, double validationFraction, double? testFraction, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var split = Pure.Split.Stratified(labels, validationFraction, testFraction ?? 0, seed);
        if (data.Test is not null) return new Parts(split.Train, split.Validation, [.. Enumerable.Range(0, data.Test.Count)]);
        if (split.Test.IsEmpty) throw new InvalidDataException($"{data.Name}: {data.Count} samples leave no test part at --test-fraction {testFraction}.");
        return new Parts(split.Train, split.Validation, split.Test);
    }

    private static FeatureScaling<T>? FitScaling<T>(string scaling, ImmutableMatrix<T> trainX) where T : unmanaged, IFloatingPointIeee754<T> => scaling switch
    {
        "standardize" => Standardization<T>.Fit(trainX),
        "min-max" => MinMaxScaling<T>.Fit(trainX),
        _ => null,
    };
}
