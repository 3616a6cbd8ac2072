using System.Collections.Immutable;
using System.Diagnostics;
using System.Numerics;

namespace Pure.Cli;

/// <summary>The parts of the samples: indices into the loaded data (the test part indexes the data's own test set when it has one).</summary>
internal sealed record Parts(ImmutableArray<int> Train, ImmutableArray<int> Validation, ImmutableArray<int> Test);

/// <summary>Everything a run needs before its first epoch: the data cut into parts and scaled, the network and the optimizer.</summary>
/// <param name="Experiment">The resolved experiment, its target and test fraction as the data have them.</param>
/// <param name="DataName">The data's short name.</param>
/// <param name="DataHashes">The SHA-256 of each data file read, by path ("embedded" for the embedded digits).</param>
/// <param name="Parts">The split.</param>
/// <param name="Classes">The class labels.</param>
/// <param name="Training">The training part, scaled.</param>
/// <param name="Validation">The validation part, scaled, or null.</param>
/// <param name="TestInputs">The test part, scaled (the network's inputs: scaled once, for monitoring and for the final measurement).</param>
/// <param name="TestLabels">The test part's encoded labels.</param>
/// <param name="Scaling">The feature scaling, fitted on the training part or taken from the checkpoint.</param>
/// <param name="Network">The network to start from (the checkpoint's when resuming).</param>
/// <param name="Checkpoint">The checkpoint resumed from, or null.</param>
/// <param name="Loss">The loss.</param>
/// <param name="Optimizer">The optimizer.</param>
/// <param name="FirstEpoch">The number of the first epoch to train.</param>
/// <param name="LastEpoch">The number of the last epoch to train.</param>
internal sealed record PreparedRun<T>(
    Experiment Experiment, string DataName, IReadOnlyDictionary<string, string> DataHashes, Parts Parts, ClassEncoding Classes,
    Dataset<T> Training, Dataset<T>? Validation, ImmutableMatrix<T> TestInputs, ImmutableArray<int> TestLabels, FeatureScaling<T>? Scaling,
    Network<T> Network, Checkpoint<T>? Checkpoint, Loss Loss, Optimizer Optimizer, int FirstEpoch, int LastEpoch)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The seed of the run.</summary>
    public int Seed => Experiment.Get(Settings.Seed)!.Value;

    /// <summary>The mini-batch size of the run.</summary>
    public int Batch => Experiment.Get(Settings.Batch)!.Value;

    /// <summary>The dropout of --dropout, or null for none.</summary>
    public Dropout? Dropout => TrainJob.DropoutOf(Experiment);
}

/// <summary>What the training loop produced: one history row per epoch and the last epoch's network and optimizer state.</summary>
internal sealed record TrainedRun<T>(IReadOnlyList<HistoryRow> History, EpochResult<T> Last, double Seconds) where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>What a finished training run produced, for the result files.</summary>
internal sealed record TrainOutcome<T>(
    PreparedRun<T> Run, Model<T> Model, Checkpoint<T> Checkpoint, IReadOnlyList<HistoryRow> History, Measurement Test,
    double TrainingSeconds, double TotalSeconds)
    where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary><c>pure train</c>: prepares, trains, evaluates and publishes a run of a resolved experiment.</summary>
internal static class TrainJob
{
    /// <summary>Trains and prints the progress, the confusion matrix and, last, <c>test accuracy: 0.xxxx</c>.</summary>
    /// <param name="experiment">A resolved experiment.</param>
    /// <param name="terminal">Where to print.</param>
    /// <param name="output">The folder for the result files, or null to write none.</param>
    /// <param name="monitorTest">Measure the test part after each epoch when there is no validation part (the bare digits job).</param>
    public static int Run(Experiment experiment, Terminal terminal, string? output, bool monitorTest = false) =>
        experiment.Get(Settings.DType) == "float32"
            ? Run<float>(experiment, terminal, output, monitorTest)
            : Run<double>(experiment, terminal, output, monitorTest);

    private static int Run<T>(Experiment experiment, Terminal terminal, string? output, bool monitorTest) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var clock = Stopwatch.StartNew();
        var run = Prepare<T>(experiment);
        Announce(run, terminal);
        var trained = Train(run, terminal, monitorTest);
        var model = new Model<T>(trained.Last.Network, run.Loss, run.Scaling, run.Classes);
        var test = Evaluate(run, model, trained.Last);
        terminal.Out.WriteLine(test.Confusion);
        if (output is not null)
        {
            var checkpoint = new Checkpoint<T>(model, run.Optimizer, trained.Last.State, trained.Last.Epoch, run.Seed, run.Batch) { Dropout = run.Dropout }
                .WithTrainingData(run.DataHashes.Select(file => new DataSource(file.Key, file.Value)));
            var outcome = new TrainOutcome<T>(run, model, checkpoint, trained.History, test, trained.Seconds, clock.Elapsed.TotalSeconds);
            RunFolder.Publish(output, staging => RunFiles.Write(staging, outcome));
            terminal.Line($"wrote {output}: {string.Join(", ", RunFiles.Names)}");
        }
        terminal.Line($"test accuracy: {test.Confusion.Accuracy:F4}");
        return 0;
    }

    /// <summary>Loads the data, splits it, fits or resumes the scaling, and builds the network and optimizer; checks the sizes before allocating the network.</summary>
    private static PreparedRun<T> Prepare<T>(Experiment experiment) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var checkpoint = experiment.Get(Settings.Resume) is string resume ? CheckpointFile.Load<T>(resume, LimitOptions.Current) : null;
        if (checkpoint is not null) CheckResumeData(checkpoint, experiment);
        var data = DataSources.Load<T>(experiment.Get(Settings.Data), experiment.Get(Settings.Target), classes: checkpoint?.Model.Classes,
            testData: experiment.Get(Settings.TestData));
        var hashes = DataSources.Hashes(data);
        experiment = experiment.Set(Settings.Target, data.Target).Set(Settings.TestFraction, data.Test is null ? experiment.Get(Settings.TestFraction) : null);
        string labelSource = DataSources.LabelSource(data);
        var classes = checkpoint?.Model.Classes ?? Labelled(labelSource, data.Labels, ClassEncoding.Fit);
        var labels = Labelled(labelSource, data.Labels, classes.Encode);
        var testLabels = data.Test is null ? labels : Labelled(DataSources.LabelSource(data.Test), data.Test.Labels, classes.Encode);
        int seed = experiment.Get(Settings.Seed)!.Value;
        var parts = Split(data, labels, experiment.Get(Settings.ValidationFraction)!.Value, experiment.Get(Settings.TestFraction), seed);

        // Each part is gathered from the samples (an IDX file read once, item by item) straight into an array of its final
        // size, the scaling fitted on the training part and applied in place: one allocation per part, no copy of the data.
        int n = data.Features.Rows;
        var gathered = data.Test is null
            ? data.Features.Gather([parts.Train, parts.Validation, parts.Test])
            : [.. data.Features.Gather([parts.Train, parts.Validation]), .. data.Test.Features.Gather([parts.Test])];
        // Read by the fit only, before the array is scaled; the matrices handed on wrap the scaled arrays.
        FeatureScaling<T>? scaling;
        try { scaling = checkpoint is null ? FitScaling(experiment.Get(Settings.Scaling)!, new ImmutableMatrix<T>(n, parts.Train.Length, gathered[0]), data.FeatureNames) : checkpoint.Model.Scaling; }
        catch (ArgumentException problem) { throw new InvalidDataException($"{data.Files?[0] ?? "digits.csv"}: {Program.WithoutParameter(problem)}", problem); }
        ImmutableMatrix<T> Inputs(T[] values, int count)
        {
            scaling?.ApplyInPlace(n, count, values);
            return new ImmutableMatrix<T>(n, count, values);
        }
        Dataset<T> Part(T[] values, ImmutableArray<int> indices) =>
            new(Inputs(values, indices.Length), Metrics.OneHot<T>([.. indices.Select(i => labels[i])], classes.ClassCount));
        var training = Part(gathered[0], parts.Train);
        var validation = parts.Validation.IsEmpty ? null : Part(gathered[1], parts.Validation);
        var testInputs = Inputs(gathered[2], parts.Test.Length);

        var loss = Choices.LossNamed(experiment.Get(Settings.Loss)!);
        var optimizer = Choices.OptimizerOf(experiment);
        ImmutableArray<int> sizes = [n, .. experiment.Get(Settings.Layers)!.Value, classes.ClassCount];
        Sizes.CheckNetwork(sizes, LimitOptions.Current);
        int firstEpoch = Sizes.FirstEpoch(checkpoint?.Epoch ?? 0, experiment.Get(Settings.Epochs)!.Value, experiment.Get(Settings.Resume));
        var network = Network.Create<T>(sizes, Choices.ActivationNamed(experiment.Get(Settings.Activation)!), Choices.ActivationNamed(experiment.Get(Settings.OutputActivation)!), seed);
        if (checkpoint is not null)
        {
            CheckResumable(checkpoint, network, experiment);
            network = checkpoint.Model.Network;
        }
        try { loss.CheckOutputActivation(network.Layers[^1].Activation); }
        catch (ArgumentException problem) { throw new UsageException($"--loss {experiment.Get(Settings.Loss)}: {Program.WithoutParameter(problem)}"); }
        return new PreparedRun<T>(experiment, data.Name, hashes, parts, classes, training, validation, testInputs,
            [.. parts.Test.Select(i => testLabels[i])], scaling, network, checkpoint, loss, optimizer, firstEpoch, firstEpoch + experiment.Get(Settings.Epochs)!.Value - 1);
    }

    private static void Announce<T>(PreparedRun<T> run, Terminal terminal) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var e = run.Experiment;
        terminal.Line($"{run.DataName}: {run.Training.Count} training, {run.Parts.Validation.Length} validation and {run.Parts.Test.Length} test samples; {run.Network}");
        terminal.Line($"{Describe(e)}, batch {e.Get(Settings.Batch)}, seed {run.Seed}, {e.Get(Settings.Scaling)} scaling, {e.Get(Settings.DType)}");
        if (run.Checkpoint is null) return;
        terminal.Line($"resuming from {e.Get(Settings.Resume)} after epoch {run.Checkpoint.Epoch}: epochs {run.FirstEpoch} to {run.LastEpoch}");
        if (DataDifference(run.Checkpoint.TrainingData, run.DataHashes) is string difference) terminal.Error.WriteLine(difference);
    }

    /// <summary>Runs the epochs, showing each; stops with <see cref="TrainingDivergedException"/> at the first non-finite loss or parameter.</summary>
    private static TrainedRun<T> Train<T>(PreparedRun<T> run, Terminal terminal, bool monitorTest) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var monitored = run.Validation ?? (monitorTest ? new Dataset<T>(run.TestInputs,
            Metrics.OneHot<T>(run.TestLabels, run.Classes.ClassCount)) : null);
        string part = run.Validation is null && monitorTest ? "test" : "validation";
        var epochs = Training.Epochs(run.Network, run.Optimizer, run.Loss, run.Training, run.Batch, run.LastEpoch - run.FirstEpoch + 1, run.Seed, monitored,
            run.Checkpoint?.State, run.FirstEpoch, run.Dropout);
        int steps = StepsPerEpoch(run);
        EpochResult<T>? last = null;
        var clock = Stopwatch.StartNew();
        IEnumerable<HistoryRow> Rows()
        {
            double previous = 0;
            double? lastFiniteLoss = null;
            using var enumerator = epochs.GetEnumerator();
            while (true)
            {
                int number = (last?.Epoch ?? run.FirstEpoch - 1) + 1;
                try
                {
                    if (!enumerator.MoveNext()) yield break;
                }
                catch (ArgumentException problem) when (problem.ParamName == "trace")
                {
                    throw new TrainingDivergedException(number, steps, "trace", lastFiniteLoss);
                }
                var epoch = enumerator.Current;
                double trainingLoss = double.CreateChecked(epoch.TrainingLoss);
                if (!double.IsFinite(trainingLoss)) throw new TrainingDivergedException(epoch.Epoch, steps, "loss", lastFiniteLoss);
                if (!AllFinite(epoch.Network)) throw new TrainingDivergedException(epoch.Epoch, steps, "parameters", trainingLoss);
                lastFiniteLoss = trainingLoss;
                last = epoch;
                double elapsed = clock.Elapsed.TotalSeconds;
                yield return new HistoryRow(epoch.Epoch, trainingLoss,
                    epoch.ValidationLoss is T v ? double.CreateChecked(v) : null, epoch.ValidationAccuracy, elapsed - previous, elapsed);
                previous = elapsed;
            }
        }
        var history = EpochDisplay.Show(terminal, Rows(), run.LastEpoch, part);
        return new TrainedRun<T>(history, last ?? throw new InvalidOperationException("Training ran no epoch."), clock.Elapsed.TotalSeconds);
    }

    /// <summary>The trained model measured on the test part; a network whose outputs are not finite has diverged.</summary>
    private static Measurement Evaluate<T>(PreparedRun<T> run, Model<T> model, EpochResult<T> last) where T : unmanaged, IFloatingPointIeee754<T>
    {
        try { return Evaluation.MeasureInputs(model, run.TestInputs, run.TestLabels, run.Classes.ClassCount); }
        catch (ArgumentException problem) when (problem.ParamName == "trace")
        {
            throw new TrainingDivergedException(last.Epoch, StepsPerEpoch(run), "test outputs", double.CreateChecked(last.TrainingLoss));
        }
    }

    /// <summary>The mini-batch steps of one epoch (the step a divergence seen only at the end of an epoch is reported at).</summary>
    private static int StepsPerEpoch<T>(PreparedRun<T> run) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int batch = Math.Min(run.Batch, run.Training.Count);
        return (run.Training.Count + batch - 1) / batch;
    }

    private static bool AllFinite<T>(Network<T> network) where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var layer in network.Layers)
            if (Kernels<T>.IndexOfNonFinite(layer.Weight.AsSpan()) >= 0 || Kernels<T>.IndexOfNonFinite(layer.Bias.AsSpan()) >= 0) return false;
        return true;
    }

    /// <summary>Applies <paramref name="use"/> to the labels read from <paramref name="source"/>, reporting a problem with them (one class only, an unknown label) as bad data in that file.</summary>
    public static TResult Labelled<TResult>(string source, ImmutableArray<string> labels, Func<IReadOnlyList<string>, TResult> use)
    {
        try { return use(labels); }
        catch (ArgumentException problem) { throw new InvalidDataException($"{source}: class labels: {Program.WithoutParameter(problem)}", problem); }
    }

    /// <summary>
    /// Throws <see cref="UsageException"/> when the checkpoint records data other than the embedded digits but the
    /// experiment names no data (no --data and no experiment.json beside the checkpoint): resuming needs the data it was trained on.
    /// </summary>
    private static void CheckResumeData<T>(Checkpoint<T> checkpoint, Experiment experiment) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (experiment.Get(Settings.Data) is not null || checkpoint.TrainingData.IsEmpty || checkpoint.TrainingData.Any(file => file.Name == "digits")) return;
        throw new UsageException($"--resume: the checkpoint {experiment.Get(Settings.Resume)} was trained on {string.Join(" and ", checkpoint.TrainingData.Select(file => file.Name))}, "
            + "but no data are named (no --data and no experiment.json beside the checkpoint); give --data.");
    }

    /// <summary>A line saying how the data now differ from those the checkpoint records (by SHA-256), or null when they are the same or none are recorded.</summary>
    internal static string? DataDifference(ImmutableArray<DataSource> recorded, IReadOnlyDictionary<string, string> now)
    {
        if (recorded.IsEmpty) return null;
        var recordedHashes = recorded.Select(file => file.Sha256).Order(StringComparer.Ordinal);
        if (recordedHashes.SequenceEqual(now.Values.Order(StringComparer.Ordinal), StringComparer.Ordinal)) return null;
        static string Describe(IEnumerable<(string Name, string Sha256)> files) =>
            string.Join(", ", files.Select(file => $"{file.Name} (sha256 {file.Sha256[..Math.Min(12, file.Sha256.Length)]})"));
        return $"warning: the data differ from those the checkpoint was trained on: {Describe(recorded.Select(file => (file.Name, file.Sha256)))}; now {Describe(now.Select(file => (file.Key, file.Value)))}.";
    }

    /// <summary>The dropout of the experiment's --dropout, or null for none.</summary>
    internal static Dropout? DropoutOf(Experiment experiment) => experiment.Get(Settings.Dropout) is { } rates ? new Dropout(rates) : null;

    /// <summary>Throws unless the checkpoint's network has the architecture the experiment asks for and was trained with its seed.</summary>
    private static void CheckResumable<T>(Checkpoint<T> checkpoint, Network<T> planned, Experiment experiment) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (checkpoint.Model.Network.Architecture != planned.Architecture)
            throw new UsageException($"--resume: the checkpoint's network is {checkpoint.Model.Network.Architecture}, but the data and settings ask for {planned.Architecture}.");
        if (checkpoint.BatchSize != experiment.Get(Settings.Batch))
            throw new UsageException($"--resume: the checkpoint was trained with batch {checkpoint.BatchSize}, but --batch is {experiment.Get(Settings.Batch)} (the steps would differ from an uninterrupted run); give --batch {checkpoint.BatchSize}.");
        if (checkpoint.Seed != experiment.Get(Settings.Seed))
            throw new UsageException($"--resume: the checkpoint was trained with seed {checkpoint.Seed}, but --seed is {experiment.Get(Settings.Seed)} (the split and the shuffles would differ).");
        string trained = checkpoint.Dropout?.ToString() ?? "none", asked = DropoutOf(experiment)?.ToString() ?? "none";
        if (trained != asked)
            throw new UsageException($"--resume: the checkpoint was trained with dropout {trained}, but --dropout is {asked} (the steps would differ from an uninterrupted run).");
    }

    /// <summary>"adam, learning rate 0.001" and the optional settings that are set.</summary>
    private static string Describe(Experiment e) =>
        FormattableString.Invariant($"{e.Get(Settings.Optimizer)}, learning rate {e.Get(Settings.LearningRate)}")
        + (e.Get(Settings.Momentum) is double m ? FormattableString.Invariant($", momentum {m}") : "")
        + (e.Get(Settings.WeightDecay) is > 0 ? FormattableString.Invariant($", weight decay {e.Get(Settings.WeightDecay)}") : "")
        + (e.Get(Settings.Clip) is double c ? FormattableString.Invariant($", clip {c}") : "")
        + (e.Get(Settings.Dropout) is { } rates ? FormattableString.Invariant($", dropout {string.Join(",", rates)}") : "")
        + $", {e.Get(Settings.Activation)}/{e.Get(Settings.OutputActivation)}, {e.Get(Settings.Loss)}";

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

    private static FeatureScaling<T>? FitScaling<T>(string scaling, ImmutableMatrix<T> trainX, IReadOnlyList<string>? columnNames)
        where T : unmanaged, IFloatingPointIeee754<T> => scaling switch
    {
        "standardize" => Standardization<T>.Fit(trainX, columnNames),
        "min-max" => MinMaxScaling<T>.Fit(trainX, columnNames),
        _ => null,
    };
}
