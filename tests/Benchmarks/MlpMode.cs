using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Pure.Benchmarks;

/// <summary>
/// The <c>mlp</c> mode: trains 784-256-128-10 (ReLU hidden layers, softmax output, categorical cross-entropy, SGD
/// with momentum) on Fashion-MNIST through the public <see cref="Training"/> API and prints one JSON line: time per
/// epoch, throughput, allocation per step, peak working set and test accuracy.
/// </summary>
internal static class MlpMode
{
    /// <summary>
    /// The default learning rate: with it, 15 epochs at batch 128 reach at least 0.88 test accuracy in both dtypes
    /// (measured; see docs/performance.md).
    /// </summary>
    public const double DefaultLearningRate = 0.05;

    private static readonly int[] LayerSizes = [784, 256, 128, 10];
    private static readonly HashSet<string> Known = ["data", "dtype", "batch", "epochs", "steps", "samples", "seed", "learning-rate", "momentum", "threads"];

    public static int Run(IReadOnlyList<string> args)
    {
        var options = new Options(args, Known);
        var settings = new Settings(
            Data: options.String("data") ?? throw new UsageException("mlp needs --data DIR (the folder of train-images-idx3-ubyte.gz and the others)"),
            DType: options.String("dtype") ?? "float32",
            Batch: options.Int("batch", 128),
            Epochs: options.Int("epochs", options.Has("steps") ? 3 : 15),
            Steps: options.Has("steps") ? options.Int("steps", 0) : null,
            Samples: options.Int("samples", 60000),
            Seed: options.Int("seed", 42, minimum: 0),
            LearningRate: options.Double("learning-rate", DefaultLearningRate, 0, double.PositiveInfinity),
            Momentum: options.Double("momentum", 0.9, -double.Epsilon, 1),
            Threads: options.Int("threads", Environment.ProcessorCount));
        if (settings.DType is not ("float32" or "float64"))
            throw new UsageException($"--dtype expects float32 or float64, got '{settings.DType}'");
        if (!Directory.Exists(settings.Data)) throw new DataFileException($"missing data folder {settings.Data}");

        var training = ImageSet.Load(settings.Data, training: true);
        var test = ImageSet.Load(settings.Data, training: false);
        if (settings.Samples > training.Count)
            throw new UsageException($"--samples {settings.Samples} exceeds the {training.Count} training samples");
        if (settings.Steps is int steps && (long)steps * settings.Batch > settings.Samples)
            throw new UsageException($"--steps {steps} at --batch {settings.Batch} needs {(long)steps * settings.Batch} samples, more than --samples {settings.Samples}");
        Gemm<float>.MaxThreads = settings.Threads;
        Gemm<double>.MaxThreads = settings.Threads;
        return settings.DType == "float32" ? Train<float>(settings, training, test) : Train<double>(settings, training, test);
    }

    private sealed record Settings(
        string Data, string DType, int Batch, int Epochs, int? Steps, int Samples, int Seed, double LearningRate, double Momentum, int Threads);

    private static int Train<T>(Settings settings, ImageSet trainingImages, ImageSet testImages) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var network = Network.Create<T>(LayerSizes, Activation.Relu, Activation.Softmax, settings.Seed);
        var optimizer = Optimizer.Sgd(settings.LearningRate, settings.Momentum);
        var loss = Loss.CategoricalCrossEntropy;
        var test = testImages.ToDataset<T>(0, testImages.Count);
        int parameterBytes = network.ParameterCount * Unsafe.SizeOf<T>();
        var fields = new Dictionary<string, object?>
        {
            ["mode"] = settings.Steps is null ? "mlp" : "mlp-steps",
            ["library"] = "pure",
            ["dtype"] = settings.DType,
            ["batch"] = settings.Batch,
        };

        var seconds = new List<double>();
        var allocated = new List<double>();
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        T lastLoss;
        int stepsPerRun;
        int samples;
        if (settings.Steps is int steps)
        {
            // S single steps: a warm-up epoch on samples that are not timed, then the same S-step epoch repeated.
            samples = steps * settings.Batch;
            stepsPerRun = steps;
            var timed = trainingImages.ToDataset<T>(0, samples);
            int warmCount = Math.Min(samples, trainingImages.Count - samples);
            var warm = warmCount > 0 ? trainingImages.ToDataset<T>(samples, warmCount) : timed;
            var state = optimizer.Init(network);
            var warmed = Training.Epoch(network, state, optimizer, loss, warm, settings.Batch, settings.Seed, 1);
            (network, state) = (warmed.Network, warmed.State);
            gen0 = GC.CollectionCount(0); gen1 = GC.CollectionCount(1); gen2 = GC.CollectionCount(2);
            lastLoss = warmed.TrainingLoss;
            for (int run = 0; run < settings.Epochs; run++)
            {
                long before = GC.GetTotalAllocatedBytes(true);
                long start = Stopwatch.GetTimestamp();
                var result = Training.Epoch(network, state, optimizer, loss, timed, settings.Batch, settings.Seed, run + 2);
                seconds.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
                allocated.Add(GC.GetTotalAllocatedBytes(true) - before);
                (network, state, lastLoss) = (result.Network, result.State, result.TrainingLoss);
            }
            double perRun = JsonLine.Median(seconds);
            fields["steps"] = steps;
            fields["runs"] = settings.Epochs;
            fields["warmup_samples"] = warm.Count;
            fields["steps_per_second"] = JsonLine.Round(steps / perRun, 1);
            fields["microseconds_per_step"] = JsonLine.Round(perRun / steps * 1e6, 2);
            fields["samples_per_second"] = JsonLine.Round(samples / perRun, 1);
            fields["seconds_per_run_all"] = seconds.Select(s => JsonLine.Round(s, 4)).ToArray();
        }
        else
        {
            samples = settings.Samples;
            var training = trainingImages.ToDataset<T>(0, samples);
            stepsPerRun = (samples + settings.Batch - 1) / settings.Batch;
            lastLoss = T.NaN;
            using var epochs = Training.Epochs(network, optimizer, loss, training, settings.Batch, settings.Epochs, settings.Seed).GetEnumerator();
            while (true)
            {
                long before = GC.GetTotalAllocatedBytes(true);
                long start = Stopwatch.GetTimestamp();
                if (!epochs.MoveNext()) break;
                seconds.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
                allocated.Add(GC.GetTotalAllocatedBytes(true) - before);
                (network, lastLoss) = (epochs.Current.Network, epochs.Current.TrainingLoss);
            }
            // The median over the epochs after the first (which includes JIT tiering); the only epoch if there is one.
            var timed = seconds.Count > 1 ? seconds.Skip(1).ToList() : seconds;
            double perEpoch = JsonLine.Median(timed);
            fields["epochs"] = settings.Epochs;
            fields["steps_per_epoch"] = stepsPerRun;
            fields["seconds_per_epoch"] = JsonLine.Round(perEpoch, 4);
            fields["samples_per_second"] = JsonLine.Round(samples / perEpoch, 1);
            fields["seconds_per_epoch_all"] = seconds.Select(s => JsonLine.Round(s, 4)).ToArray();
        }

        var allocatedTimed = settings.Steps is null && allocated.Count > 1 ? allocated.Skip(1).ToList() : allocated;
        double allocatedPerRun = JsonLine.Median(allocatedTimed);
        var output = Backprop.Predict(network, test.Inputs);
        fields["samples"] = samples;
        fields["allocated_bytes_per_step"] = JsonLine.Round(allocatedPerRun / stepsPerRun, 0);
        fields["allocated_bytes_per_run"] = JsonLine.Round(allocatedPerRun, 0);
        fields["allocated_bytes_per_step_over_parameter_bytes"] = JsonLine.Round(allocatedPerRun / stepsPerRun / parameterBytes, 3);
        fields["parameter_bytes"] = parameterBytes;
        fields["peak_working_set_bytes"] = Process.GetCurrentProcess().PeakWorkingSet64;
        fields["gc_collections"] = new[] { GC.CollectionCount(0) - gen0, GC.CollectionCount(1) - gen1, GC.CollectionCount(2) - gen2 };
        fields["test_accuracy"] = JsonLine.Round(Metrics.Accuracy(output, test.Targets), 4);
        fields["train_loss_last"] = JsonLine.Round(double.CreateChecked(lastLoss), 5);
        fields["learning_rate"] = settings.LearningRate;
        fields["momentum"] = settings.Momentum;
        fields["seed"] = settings.Seed;
        fields["threads"] = Gemm<T>.MaxThreads;
        fields["kernel"] = Gemm<T>.KernelName;
        fields["runtime"] = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;
        JsonLine.Write(fields);
        return 0;
    }
}
