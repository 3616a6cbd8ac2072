using System.Diagnostics;
using System.Numerics;
using Microsoft.ML.OnnxRuntime;

namespace Pure.Benchmarks;

/// <summary>
/// The <c>predict</c> mode: Pure's inference (<see cref="Model{T}.Predict"/>, which is the input scaling then
/// <see cref="Backprop.Predict{T}"/>, and the reusable <see cref="Predictor{T}"/>) against ONNX Runtime on the same
/// model exported with <see cref="Onnx.ToBytes{T}"/>, in the same process, on the same random input. For each dtype
/// and batch size the timed runs are interleaved (Pure, Predictor, ONNX Runtime, then Predictor, ONNX Runtime, Pure, ...), each run a loop of
/// enough calls to last about 20 ms after a pause and a short warm-up of its engine (see <see cref="Settle"/>); one JSON line with the median time per call of each, the ratios to ONNX
/// Runtime (of the medians, and the median of the runs' own ratios, "paired") and the largest relative difference
/// of the outputs, |pure - ort| / max(|pure|, 1).
/// </summary>
internal static class PredictMode
{
    private static readonly HashSet<string> Known = ["model", "layers", "dtype", "batch", "runs", "threads", "seed", "run-ms", "settle-ms"];

    public static int Run(IReadOnlyList<string> args)
    {
        var options = new Options(args, Known);
        string? modelPath = options.String("model");
        string? layerText = options.String("layers");
        if (modelPath is not null && layerText is not null) throw new UsageException("give --model or --layers, not both");
        int[] layers = ParseList(layerText ?? "784,512,256,10", "layers", minimum: 1);
        if (layers.Length < 2) throw new UsageException($"--layers expects at least two sizes, got '{layerText}'");
        int[] batches = ParseList(options.String("batch") ?? "1,64,10000", "batch", minimum: 1);
        string? dtypeOption = options.String("dtype");
        string dtype = dtypeOption ?? "both";
        if (dtype is not ("float32" or "float64" or "both")) throw new UsageException($"--dtype expects float32, float64 or both, got '{dtype}'");
        int runs = options.Int("runs", 7);
        int runMilliseconds = options.Int("run-ms", 20);
        int settleMilliseconds = options.Int("settle-ms", 100, minimum: 0);
        int threads = options.Int("threads", Environment.ProcessorCount);
        int seed = options.Int("seed", 42, minimum: 0);
        if (modelPath is not null)
        {
            // A model file holds one dtype: measure in it, and refuse another.
            if (!File.Exists(modelPath)) throw new DataFileException($"missing model file {modelPath}");
            string stored = ModelFile.ReadDType(modelPath);
            if (dtypeOption is not null && dtypeOption != stored)
                throw new UsageException($"--dtype {dtypeOption} does not match the model file {modelPath}, which holds {stored}");
            dtype = stored;
        }
        Gemm<float>.MaxThreads = threads;
        Gemm<double>.MaxThreads = threads;
        var settings = new Settings(modelPath, layers, batches, runs, runMilliseconds, settleMilliseconds, threads, seed);
        if (dtype != "float64") Measure(settings, BuildModel<float>(settings), "float32");
        if (dtype != "float32") Measure(settings, BuildModel<double>(settings), "float64");
        return 0;
    }

    private sealed record Settings(string? ModelPath, int[] Layers, int[] Batches, int Runs, int RunMilliseconds, int SettleMilliseconds, int Threads, int Seed);

    private static int[] ParseList(string text, string name, int minimum)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out values[i]) || values[i] < minimum)
                throw new UsageException($"--{name} expects comma-separated integers of at least {minimum}, got '{text}'");
        return values;
    }

    /// <summary>
    /// The model of --model, or a 784-512-256-10-like network of --layers (ReLU hidden layers, softmax output, He
    /// initialization from the seed) with a standardization of raw pixel-like features, as <c>pure train</c> makes.
    /// </summary>
    private static Model<T> BuildModel<T>(Settings settings) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (settings.ModelPath is not null) return ModelFile.Load<T>(settings.ModelPath);
        var network = Network.Create<T>(settings.Layers, Activation.Relu, Activation.Softmax, settings.Seed);
        var random = new Random(settings.Seed);
        int n0 = settings.Layers[0];
        var mean = new T[n0];
        var scale = new T[n0];
        for (int i = 0; i < n0; i++)
        {
            mean[i] = T.CreateChecked(40 + 80 * random.NextDouble());
            scale[i] = T.CreateChecked(30 + 60 * random.NextDouble());
        }
        return new Model<T>(network, Loss.CategoricalCrossEntropy, new Standardization<T>(ImmutableVector.Create<T>(mean), ImmutableVector.Create<T>(scale)));
    }

    private static void Measure<T>(Settings settings, Model<T> model, string dtype) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n0 = model.Network.InputSize, nL = model.Network.OutputSize;
        using var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = settings.Threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        using var session = new InferenceSession(Onnx.ToBytes(model), sessionOptions);
        string outputName = session.OutputMetadata.Keys.Single();
        using var runOptions = new RunOptions();
        var random = new Random(settings.Seed + 1);
        foreach (int batch in settings.Batches)
        {
            // Raw pixel-like features in [0, 255]; one sample per column in Pure is one sample per row in ONNX: the same memory.
            var values = new T[(long)batch * n0 > int.MaxValue ? throw new UsageException($"--batch {batch} is too large") : batch * n0];
            for (int i = 0; i < values.Length; i++) values[i] = T.CreateChecked(Math.Round(255 * random.NextDouble()));
            var features = ImmutableMatrix.FromColumnMajor<T>(n0, batch, values);
            var predictor = new Predictor<T>(model, batch);
            var predicted = new T[batch * nL];
            var onnxOutput = new T[batch * nL];
            using var input = OrtValue.CreateTensorValueFromMemory(values, [batch, n0]);
            using var output = OrtValue.CreateTensorValueFromMemory(onnxOutput, [batch, nL]);
            IReadOnlyCollection<string> inputNames = ["input"], outputNames = [outputName];
            IReadOnlyCollection<OrtValue> inputValues = [input], outputValues = [output];

            ImmutableMatrix<T>? pureOutput = null;
            Action pure = () => pureOutput = model.Predict(features);
            Action reusable = () => predictor.Predict(values, predicted);
            Action onnx = () => session.Run(runOptions, inputNames, inputValues, outputNames, outputValues);
            var timed = new[] { pure, reusable, onnx };
            var repetitions = timed.Select(action => Repetitions(action, settings.RunMilliseconds)).ToArray();
            var perCall = timed.Select(_ => new List<double>()).ToArray();
            long allocatedBefore = 0, allocatedPure = 0, allocatedReusable = 0;
            // The order turns from run to run, so that each follows ONNX Runtime (whose idle workers spin for a while
            // after a call, taking a core from whatever runs next) in one run of three.
            for (int run = 0; run < settings.Runs; run++)
                for (int turn = 0; turn < timed.Length; turn++)
                {
                    int which = (turn + run) % timed.Length;
                    Settle(timed[which], settings.SettleMilliseconds);
                    allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                    long start = Stopwatch.GetTimestamp();
                    for (int r = 0; r < repetitions[which]; r++) timed[which]();
                    perCall[which].Add(Stopwatch.GetElapsedTime(start).TotalSeconds / repetitions[which] * 1e6);
                    long allocated = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / repetitions[which];
                    if (which == 0) allocatedPure = allocated;
                    if (which == 1) allocatedReusable = allocated;
                }

            pure();
            reusable();
            onnx();
            var expected = pureOutput!.AsSpan();
            bool identical = expected.SequenceEqual(predicted);
            double worst = 0;
            for (int i = 0; i < expected.Length; i++)
            {
                double p = double.CreateChecked(expected[i]), o = double.CreateChecked(onnxOutput[i]);
                worst = Math.Max(worst, Math.Abs(o - p) / Math.Max(Math.Abs(p), 1));
            }
            double pureMedian = JsonLine.Median(perCall[0]), reusableMedian = JsonLine.Median(perCall[1]), onnxMedian = JsonLine.Median(perCall[2]);
            JsonLine.Write(new Dictionary<string, object?>
            {
                ["mode"] = "predict",
                ["dtype"] = dtype,
                ["architecture"] = model.Network.Architecture,
                ["batch"] = batch,
                ["pure_us"] = JsonLine.Round(pureMedian, 2),
                ["predictor_us"] = JsonLine.Round(reusableMedian, 2),
                ["ort_us"] = JsonLine.Round(onnxMedian, 2),
                ["pure_over_ort"] = JsonLine.Round(pureMedian / onnxMedian, 3),
                ["predictor_over_ort"] = JsonLine.Round(reusableMedian / onnxMedian, 3),
                ["pure_over_ort_paired"] = JsonLine.Round(PairedRatio(perCall[0], perCall[2]), 3),
                ["predictor_over_ort_paired"] = JsonLine.Round(PairedRatio(perCall[1], perCall[2]), 3),
                ["max_relative_difference"] = worst,
                ["predictor_bitwise_equal"] = identical,
                ["pure_allocated_bytes_per_call"] = allocatedPure,
                ["predictor_allocated_bytes_per_call"] = allocatedReusable,
                ["calls_per_run"] = repetitions,
                ["runs"] = settings.Runs,
                ["pure_us_all"] = perCall[0].Select(v => JsonLine.Round(v, 2)).ToArray(),
                ["predictor_us_all"] = perCall[1].Select(v => JsonLine.Round(v, 2)).ToArray(),
                ["ort_us_all"] = perCall[2].Select(v => JsonLine.Round(v, 2)).ToArray(),
                ["settle_ms"] = settings.SettleMilliseconds,
                ["threads"] = settings.Threads,
                ["ort_intra_op_threads"] = settings.Threads,
                ["ort_optimization"] = "ORT_ENABLE_ALL",
                ["kernel"] = Gemm<T>.KernelName,
                ["seed"] = settings.Seed,
                ["runtime"] = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
            });
        }
    }

    /// <summary>
    /// Before a timed run: a pause of <paramref name="settleMilliseconds"/>, then calls of the engine about to be
    /// timed for 10 ms (at least two). ONNX Runtime's idle workers spin for about 50 ms after its last call (measured
    /// here: a whole core of CPU time in the 50 ms after a loop of calls, none after that), which took a core from a
    /// run that followed within that time; after the pause neither engine's leftover threads run, and the warm-up
    /// wakes the threads of the engine about to be timed, so each run measures that engine's steady state alone.
    /// With 0 there is neither pause nor warm-up.
    /// </summary>
    private static void Settle(Action action, int settleMilliseconds)
    {
        if (settleMilliseconds == 0) return;
        Thread.Sleep(settleMilliseconds);
        var clock = Stopwatch.StartNew();
        for (int calls = 0; calls < 2 || clock.Elapsed.TotalMilliseconds < 10; calls++) action();
    }

    /// <summary>The median over the runs of each run's ratio (runs next to each other share the state of a busy machine).</summary>
    private static double PairedRatio(IReadOnlyList<double> numerator, IReadOnlyList<double> denominator) =>
        JsonLine.Median(numerator.Select((value, run) => value / denominator[run]).ToArray());

    /// <summary>
    /// The calls per timed run: after a warm-up of at least 200 ms (tiering, caches, thread pools), enough calls to
    /// last <paramref name="runMilliseconds"/> at the speed of a further timed block of at least 5 calls and 20 ms.
    /// </summary>
    private static int Repetitions(Action action, int runMilliseconds)
    {
        var clock = Stopwatch.StartNew();
        int calls = 0;
        while (calls < 5 || clock.Elapsed.TotalMilliseconds < 200) { action(); calls++; }
        clock.Restart();
        calls = 0;
        while (calls < 5 || clock.Elapsed.TotalMilliseconds < 20) { action(); calls++; }
        double seconds = clock.Elapsed.TotalSeconds / calls;
        return Math.Max(1, (int)Math.Ceiling(runMilliseconds / 1000.0 / seconds));
    }
}
