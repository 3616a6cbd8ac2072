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
/// <param name="Classes">The class labels; null for regression.</param>
/// <param name="Training">The training part, scaled.</param>
/// <param name="Validation">The validation part, scaled, or null.</param>
/// <param name="TestInputs">The test part, scaled (the network's inputs: scaled once, for monitoring and for the final measurement).</param>
/// <param name="TestLabels">The test part's encoded labels.</param>
/// <param name="Scaling">The feature scaling, fitted on the training part or taken from the checkpoint.</param>
/// <param name="Network">The network to start from (the checkpoint's when resuming).</param>
/// <param name="Checkpoint">The checkpoint resumed from, or null.</param>
/// <param name="Loss">The loss.</param>
/// <param name="Optimizer">The optimizer, or null for L-BFGS (<see cref="LbfgsJob"/>).</param>
/// <param name="FirstEpoch">The number of the first epoch to train.</param>
/// <param name="LastEpoch">The number of the last epoch to train.</param>
/// <remarks>For regression, <see cref="TestTargets"/> holds the test part's targets in their own units and
/// <see cref="TargetScaling"/> the scaling of the training and validation targets; TestLabels is empty.</remarks>
internal sealed record PreparedRun<T>(
    Experiment Experiment, string DataName, IReadOnlyDictionary<string, string> DataHashes, Parts Parts, ClassEncoding? Classes,
    Dataset<T> Training, Dataset<T>? Validation, ImmutableMatrix<T> TestInputs, ImmutableArray<int> TestLabels, FeatureScaling<T>? Scaling,
    Network<T> Network, Checkpoint<T>? Checkpoint, Loss Loss, Optimizer? Optimizer, int FirstEpoch, int LastEpoch)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The seed of the run.</summary>
    public int Seed => Experiment.Get(Settings.Seed)!.Value;

    /// <summary>The mini-batch size of the run.</summary>
    public int Batch => Experiment.Get(Settings.Batch)!.Value;

    /// <summary>Regression: the test part's targets (k x m, in their own units), or null for classification.</summary>
    public ImmutableMatrix<T>? TestTargets { get; init; }

    /// <summary>Regression: the scaling fitted on the training targets (null for none or for classification).</summary>
    public FeatureScaling<T>? TargetScaling { get; init; }

    /// <summary>Regression: the names of the target columns.</summary>
    public ImmutableArray<string> TargetNames { get; init; } = [];

    /// <summary>True for a regression run.</summary>
    public bool Regression => TestTargets is not null;

    /// <summary>The dropout of --dropout, or null for none.</summary>
    public Dropout? Dropout => TrainJob.DropoutOf(Experiment);
}

/// <summary>What the training loop produced: one history row per epoch, the last epoch's network and optimizer state, where early stopping stands (null when off), and the L-BFGS report (null for gradient descent).</summary>
internal sealed record TrainedRun<T>(IReadOnlyList<HistoryRow> History, EpochResult<T> Last, double Seconds, EarlyStoppingState<T>? Stopping = null)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The network to keep: early stopping's (the best epoch's when it restores it), else the last epoch's.</summary>
    public Network<T> Network => Stopping?.Network ?? Last.Network;

    /// <summary>The L-BFGS report, or null for the gradient-descent optimizers.</summary>
    public LbfgsReport? Lbfgs { get; init; }
}

/// <summary>What a finished training run produced, for the result files.</summary>
internal sealed record TrainOutcome<T>(
    PreparedRun<T> Run, Model<T> Model, Checkpoint<T>? Checkpoint, IReadOnlyList<HistoryRow> History, Measurement Test,
    double TrainingSeconds, double TotalSeconds, EarlyStoppingState<T>? Stopping = null, LbfgsReport? Lbfgs = null)
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
        var trained = run.Optimizer is null ? LbfgsJob.Train(run, Choices.LbfgsOf(run.Experiment), terminal) : Train(run, terminal, monitorTest);
        var model = new Model<T>(trained.Network, run.Loss, run.Scaling, run.Classes) { TargetScaling = run.TargetScaling };
        var test = Evaluate(run, model, trained.Last);
        if (test.Confusion is not null) terminal.Out.WriteLine(test.Confusion);
        if (output is not null)
        {
            var checkpoint = run.Optimizer is null ? null : new Checkpoint<T>(model with { Network = trained.Last.Network }, run.Optimizer, trained.Last.State, trained.Last.Epoch, run.Seed, run.Batch) { Dropout = run.Dropout }
                .WithTrainingData(run.DataHashes.Select(file => new DataSource(file.Key, file.Value)));
            var outcome = new TrainOutcome<T>(run, model, checkpoint, trained.History, test, trained.Seconds, clock.Elapsed.TotalSeconds, trained.Stopping, trained.Lbfgs);
            RunFolder.Publish(output, staging => RunFiles.Write(staging, outcome));
            terminal.Line($"wrote {output}: {string.Join(", ", RunFiles.NamesFor(run.Regression).Where(name => checkpoint is not null || name != RunFiles.CheckpointName))}");
        }
        if (test.Scores is RegressionScores scores) Evaluation.Show(terminal, "test ", scores);
        else terminal.Line($"test accuracy: {test.Confusion!.Accuracy:F4}");
        return 0;
    }

    /// <summary>Loads the data, splits it, fits or resumes the scaling, and builds the network and optimizer; checks the sizes before allocating the network.</summary>
    private static PreparedRun<T> Prepare<T>(Experiment experiment) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var checkpoint = experiment.Get(Settings.Resume) is string resume ? CheckpointFile.Load<T>(resume, LimitOptions.Current) : null;
        if (checkpoint is not null) CheckResumeData(checkpoint, experiment);
        bool regression = experiment.Get(Settings.Task) == "regression";
        if (regression && experiment.Get(Settings.SampleWeight) is not null) throw new UsageException("--sample-weight applies to classification; regression takes no sample weights yet.");
        var data = regression ? DataSources.LoadRegression<T>(experiment.Get(Settings.Data), experiment.Get(Settings.Target), experiment.Get(Settings.TestData))
            : DataSources.Load<T>(experiment.Get(Settings.Data), experiment.Get(Settings.Target), classes: checkpoint?.Model.Classes,
                testData: experiment.Get(Settings.TestData), sampleWeight: experiment.Get(Settings.SampleWeight));
        var hashes = DataSources.Hashes(data);
        experiment = experiment.Set(Settings.Target, data.Target).Set(Settings.TestFraction, data.Test is null ? experiment.Get(Settings.TestFraction) : null);
        string labelSource = DataSources.LabelSource(data);
        var classes = regression ? null : checkpoint?.Model.Classes ?? Labelled(labelSource, data.Labels, ClassEncoding.Fit);
        var labels = classes is null ? [] : Labelled(labelSource, data.Labels, classes.Encode);
        var testLabels = data.Test is null || classes is null ? labels : Labelled(DataSources.LabelSource(data.Test), data.Test.Labels, classes.Encode);
        int seed = experiment.Get(Settings.Seed)!.Value;
        var parts = regression ? Shuffled(data, experiment.Get(Settings.ValidationFraction)!.Value, experiment.Get(Settings.TestFraction), seed)
            : Split(data, labels, experiment.Get(Settings.ValidationFraction)!.Value, experiment.Get(Settings.TestFraction), seed);

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
        (ImmutableMatrix<T>[] Parts, FeatureScaling<T>? Scaling)? targets = regression ? RegressionTargets(data, parts, checkpoint, experiment.Get(Settings.TargetScaling)!) : null;
        Dataset<T> Part(T[] values, ImmutableArray<int> indices, int partIndex)
        {
            var part = new Dataset<T>(Inputs(values, indices.Length), targets?.Parts[partIndex] ?? Metrics.OneHot<T>([.. indices.Select(i => labels[i])], classes!.ClassCount));
            if (data.SampleWeights is not { } weights) return part;
            try { return part.WithWeights(ImmutableVector.Create([.. indices.Select(i => T.CreateChecked(weights[i]))])); }
            catch (ArgumentException problem) { throw new InvalidDataException($"{data.Files![0]}: column '{experiment.Get(Settings.SampleWeight)}': {Program.WithoutParameter(problem)} (in a part of {indices.Length} samples)", problem); }
        }
        var training = Part(gathered[0], parts.Train, 0);
        var validation = parts.Validation.IsEmpty ? null : Part(gathered[1], parts.Validation, 1);
        var testInputs = Inputs(gathered[2], parts.Test.Length);

        var loss = Choices.LossNamed(experiment.Get(Settings.Loss)!, experiment.Get(Settings.HuberDelta) ?? 1.0).WithReduction(experiment.Get(Settings.Reduction) == "sum" ? Reduction.Sum : Reduction.Mean);
        if (experiment.Get(Settings.ClassWeight) == "balanced")
        {
            // Fitted on the training part, as scikit-learn fits on the y it trains on; the validation part is weighted alike.
            ImmutableVector<T> classWeights;
            try { classWeights = ClassWeights.Balanced(training.Targets); }
            catch (ArgumentException problem) { throw new UsageException($"--class-weight balanced: {Program.WithoutParameter(problem)}"); }
            training = training.WithWeights(Times(training.Weights, ClassWeights.ToSampleWeights(classWeights, training.Targets)));
            validation = validation?.WithWeights(Times(validation.Weights, ClassWeights.ToSampleWeights(classWeights, validation.Targets)));
        }
        int batch = Math.Min(experiment.Get(Settings.Batch)!.Value, training.Count);
        var optimizer = Choices.OptimizerOf(experiment, (training.Count + batch - 1) / batch, training.Count, validation is not null);
        ImmutableArray<int> sizes = [n, .. experiment.Get(Settings.Layers)!.Value, classes?.ClassCount ?? data.Targets!.Rows];
        Sizes.CheckNetwork(sizes, LimitOptions.Current);
        int firstEpoch = Sizes.FirstEpoch(checkpoint?.Epoch ?? 0, experiment.Get(Settings.Epochs)!.Value, experiment.Get(Settings.Resume));
        var network = Network.Create<T>(sizes, Choices.ActivationNamed(experiment.Get(Settings.Activation)!), Choices.ActivationNamed(experiment.Get(Settings.OutputActivation)!), seed,
            Choices.InitializationNamed(experiment.Get(Settings.Initialization)!));
        if (checkpoint is not null)
        {
            CheckResumable(checkpoint, network, experiment);
            network = checkpoint.Model.Network;
        }
        try { loss.CheckOutputActivation(network.Layers[^1].Activation); }
        catch (ArgumentException problem) { throw new UsageException($"--loss {experiment.Get(Settings.Loss)}: {Program.WithoutParameter(problem)}"); }
        return new PreparedRun<T>(experiment, data.Name, hashes, parts, classes, training, validation, testInputs,
            classes is null ? [] : [.. parts.Test.Select(i => testLabels[i])], scaling, network, checkpoint, loss, optimizer, firstEpoch, firstEpoch + experiment.Get(Settings.Epochs)!.Value - 1)
        { TestTargets = targets?.Parts[2], TargetScaling = targets?.Scaling, TargetNames = data.TargetNames };
    }

    /// <summary>
    /// Regression targets of the three parts: the training and validation parts scaled with the scaling fitted on the
    /// training targets (or the checkpoint's), the test part in its own units.
    /// </summary>
    private static (ImmutableMatrix<T>[] Parts, FeatureScaling<T>? Scaling) RegressionTargets<T>(LabelledData<T> data, Parts parts, Checkpoint<T>? checkpoint, string targetScaling)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var all = data.Targets!;
        int k = all.Rows;
        var gathered = data.Test is null ? new MatrixSamples<T>(all).Gather([parts.Train, parts.Validation, parts.Test])
            : [.. new MatrixSamples<T>(all).Gather([parts.Train, parts.Validation]), data.Test.Targets!.ToColumnMajorArray()];
        var train = new ImmutableMatrix<T>(k, parts.Train.Length, gathered[0]);
        FeatureScaling<T>? scaling;
        // "none" stores the identity (mean 0, scale 1), exact both ways: a model with a target scaling is a regression model.
        try
        {
            scaling = checkpoint is not null ? checkpoint.Model.TargetScaling
                : targetScaling == "standardize" ? Standardization<T>.Fit(train, data.TargetNames)
                : new Standardization<T>(new ImmutableVector<T>(new T[k]), new ImmutableVector<T>(Enumerable.Repeat(T.One, k).ToArray()));
        }
        catch (ArgumentException problem) { throw new InvalidDataException($"{data.Files![0]}: {Program.WithoutParameter(problem)}", problem); }
        scaling?.ApplyInPlace(k, parts.Train.Length, gathered[0]);
        scaling?.ApplyInPlace(k, parts.Validation.Length, gathered[1]);
        return ([new ImmutableMatrix<T>(k, parts.Train.Length, gathered[0]), new ImmutableMatrix<T>(k, parts.Validation.Length, gathered[1]), new ImmutableMatrix<T>(k, parts.Test.Length, gathered[2])], scaling);
    }

    /// <summary>The seeded shuffled (not stratified) parts of a regression run; the test part is the --test-data file's when there is one.</summary>
    private static Parts Shuffled<T>(LabelledData<T> data, double validationFraction, double? testFraction, int seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var split = Pure.Split.Shuffled(data.Count, validationFraction, testFraction ?? 0, seed);
        if (data.Test is not null) return new Parts(split.Train, split.Validation, [.. Enumerable.Range(0, data.Test.Count)]);
        if (split.Test.IsEmpty) throw new InvalidDataException($"{data.Name}: {data.Count} samples leave no test part at --test-fraction {testFraction}.");
        return new Parts(split.Train, split.Validation, split.Test);
    }

    /// <summary>The sample weights times the class weights of the samples, as scikit-learn combines sample_weight and class_weight.</summary>
    private static ImmutableVector<T> Times<T>(ImmutableVector<T>? sampleWeights, ImmutableVector<T> classWeights) where T : unmanaged, IFloatingPointIeee754<T> =>
        sampleWeights is null ? classWeights : ImmutableVector.Create([.. sampleWeights.Zip(classWeights, (s, c) => s * c)]);

    private static void Announce<T>(PreparedRun<T> run, Terminal terminal) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var e = run.Experiment;
        terminal.Line($"{run.DataName}: {run.Training.Count} training, {run.Parts.Validation.Length} validation and {run.Parts.Test.Length} test samples; {run.Network}");
        terminal.Line($"{Describe(e)}, {(run.Optimizer is null ? "full batch" : $"batch {e.Get(Settings.Batch)}")}, seed {run.Seed}, {e.Get(Settings.Scaling)} scaling, {e.Get(Settings.DType)}");
        if (run.Checkpoint is null) return;
        terminal.Line($"resuming from {e.Get(Settings.Resume)} after epoch {run.Checkpoint.Epoch}: epochs {run.FirstEpoch} to {run.LastEpoch}");
        if (DataDifference(run.Checkpoint.TrainingData, run.DataHashes) is string difference) terminal.Error.WriteLine(difference);
    }

    /// <summary>Runs the epochs, showing each; stops with <see cref="TrainingDivergedException"/> at the first non-finite loss or parameter.</summary>
    private static TrainedRun<T> Train<T>(PreparedRun<T> run, Terminal terminal, bool monitorTest) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var monitored = run.Validation ?? (monitorTest && run.Classes is not null ? new Dataset<T>(run.TestInputs,
            Metrics.OneHot<T>(run.TestLabels, run.Classes.ClassCount)) : null);
        string part = run.Validation is null && monitorTest ? "test" : "validation";
        var epochs = Training.Epochs(run.Network, run.Optimizer!, run.Loss, run.Training, run.Batch, run.LastEpoch - run.FirstEpoch + 1, run.Seed, monitored,
            run.Checkpoint?.State, run.FirstEpoch, run.Dropout);
        var rule = Choices.EarlyStoppingOf(run.Experiment);
        EarlyStoppingState<T>? stopping = null;
        if (rule is not null) epochs = Training.WithEarlyStopping(epochs, rule).Select(state => (stopping = state).Last!);
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
                    epoch.ValidationLoss is T v ? double.CreateChecked(v) : null, run.Regression ? null : epoch.ValidationAccuracy, elapsed - previous, elapsed);
                previous = elapsed;
            }
        }
        var history = EpochDisplay.Show(terminal, Rows(), run.LastEpoch, part);
        if (stopping is not null) terminal.Out.WriteLine(EarlyStoppingLine(stopping));
        return new TrainedRun<T>(history, last ?? throw new InvalidOperationException("Training ran no epoch."), clock.Elapsed.TotalSeconds, stopping);
    }

    /// <summary>"early stopping: ..." saying where and why the run stopped and which network is kept.</summary>
    private static string EarlyStoppingLine<T>(EarlyStoppingState<T> stopping) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rule = stopping.Rule;
        string monitor = Choices.MonitorName(rule.Monitor).Replace('_', ' ');
        string end = stopping.Stopped
            ? FormattableString.Invariant($"stopped after epoch {stopping.Last!.Epoch}: the {monitor} did not improve by {rule.Tolerance} for {stopping.EpochsWithoutImprovement} epochs (patience {rule.Patience})")
            : FormattableString.Invariant($"ran every epoch, to {stopping.Last!.Epoch}");
        string best = FormattableString.Invariant($"best {monitor} {stopping.BestValue:G6} at epoch {stopping.BestEpoch}");
        return $"early stopping: {end}; {best}; " + (rule.RestoreBest && stopping.BestNetwork is not null
            ? $"the model is the network of epoch {stopping.BestEpoch}" : "the model is the last epoch's network");
    }

    /// <summary>The trained model measured on the test part; a network whose outputs are not finite has diverged.</summary>
    private static Measurement Evaluate<T>(PreparedRun<T> run, Model<T> model, EpochResult<T> last) where T : unmanaged, IFloatingPointIeee754<T>
    {
        try
        {
            return run.TestTargets is { } targets ? Evaluation.MeasureRegressionInputs(model, run.TestInputs, targets, run.TargetNames)
                : Evaluation.MeasureInputs(model, run.TestInputs, run.TestLabels, run.Classes!.ClassCount);
        }
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
        string reduction = checkpoint.Model.Loss.Reduction == Reduction.Sum ? "sum" : "mean";
        if (reduction != experiment.Get(Settings.Reduction))
            throw new UsageException($"--resume: the checkpoint was trained with reduction {reduction}, but --reduction is {experiment.Get(Settings.Reduction)}; give --reduction {reduction}.");
        string trainedDropout = checkpoint.Dropout?.ToString() ?? "none", asked = DropoutOf(experiment)?.ToString() ?? "none";
        if (trainedDropout != asked)
            throw new UsageException($"--resume: the checkpoint was trained with dropout {trainedDropout}, but --dropout is {asked} (the steps would differ from an uninterrupted run).");
    }

    /// <summary>"adam, learning rate 0.001" and the optional settings that are set.</summary>
    private static string Describe(Experiment e) =>
        e.Get(Settings.Optimizer) + (e.Get(Settings.LearningRate) is double rate ? FormattableString.Invariant($", learning rate {rate}") : "")
        + (e.Get(Settings.Momentum) is double m ? FormattableString.Invariant($", momentum {m}") : "")
        + (e.Get(Settings.WeightDecay) is > 0 ? FormattableString.Invariant($", weight decay {e.Get(Settings.WeightDecay)}") : "")
        + (e.Get(Settings.Clip) is double c ? FormattableString.Invariant($", clip {c}") : "")
        + (e.Get(Settings.Dropout) is { } rates ? FormattableString.Invariant($", dropout {string.Join(",", rates)}") : "")
        + (e.Get(Settings.Schedule) is "constant" ? "" : $", {e.Get(Settings.Schedule)} schedule")
        + $", {e.Get(Settings.Activation)}/{e.Get(Settings.OutputActivation)}, {e.Get(Settings.Loss)}"
        + (e.Get(Settings.Reduction) == "sum" ? " (sum)" : "") + (e.Get(Settings.ClassWeight) == "balanced" ? ", balanced class weights" : "")
        + (e.Get(Settings.Task) == "regression" ? $", regression, {e.Get(Settings.TargetScaling)} target scaling" : "");

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
