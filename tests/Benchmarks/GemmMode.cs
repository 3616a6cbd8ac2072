using System.Diagnostics;
using System.Numerics;

namespace Pure.Benchmarks;

/// <summary>
/// The <c>gemm</c> mode: a quick Stopwatch harness, one JSON line per (dtype, form, shape) with the median GFLOP/s
/// of Pure's GEMM and of MathNet's managed product over timed runs after a warm-up. Each run repeats the product
/// enough times to last about <c>--run-ms</c> milliseconds, so that small shapes are not timer noise.
/// </summary>
internal static class GemmMode
{
    private static readonly HashSet<string> Known = ["runs", "run-ms", "threads", "dtype", "mathnet", "touch"];

    public static int Run(IReadOnlyList<string> args)
    {
        var options = new Options(args, Known);
        int runs = options.Int("runs", 21, minimum: 15);
        int runMilliseconds = options.Int("run-ms", 20);
        int threads = options.Int("threads", Environment.ProcessorCount);
        string dtype = options.String("dtype") ?? "both";
        if (dtype is not ("float32" or "float64" or "both")) throw new UsageException($"--dtype expects float32, float64 or both, got '{dtype}'");
        string mathnet = options.String("mathnet") ?? "yes";
        string touch = options.String("touch") ?? "no";
        if (touch is not ("yes" or "no")) throw new UsageException($"--touch expects yes or no, got '{touch}'");
        if (mathnet is not ("yes" or "no")) throw new UsageException($"--mathnet expects yes or no, got '{mathnet}'");
        MathNet.Numerics.Control.UseManaged();
        Gemm<float>.MaxThreads = threads;
        Gemm<double>.MaxThreads = threads;
        if (dtype != "float64") Measure<float>("float32", runs, runMilliseconds, mathnet == "yes", touch == "yes");
        if (dtype != "float32") Measure<double>("float64", runs, runMilliseconds, mathnet == "yes", touch == "yes");
        return 0;
    }

    private static void Measure<T>(string dtype, int runs, int runMilliseconds, bool withMathNet, bool touched) where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var shape in GemmShape.All)
        {
            var operands = new GemmOperands<T>(shape, 1);
            double difference = operands.RelativeDifference();
            double pure = Gflops(shape, touched ? operands.TouchedPure : operands.Pure, runs, runMilliseconds);
            double? other = withMathNet ? Gflops(shape, operands.MathNet, runs, runMilliseconds) : null;
            JsonLine.Write(new Dictionary<string, object?>
            {
                ["mode"] = "gemm",
                ["library"] = "pure",
                ["dtype"] = dtype,
                ["form"] = shape.Form.ToString(),
                ["m"] = shape.M,
                ["k"] = shape.K,
                ["n"] = shape.N,
                ["role"] = shape.Role,
                ["gflops"] = JsonLine.Round(pure, 2),
                ["mathnet_gflops"] = other is double value ? JsonLine.Round(value, 2) : null,
                ["relative_difference_to_mathnet"] = difference,
                ["runs"] = runs,
                ["threads"] = Gemm<T>.MaxThreads,
                ["kernel"] = Gemm<T>.KernelName,
                ["touched"] = touched,
            });
        }
    }

    /// <summary>The median GFLOP/s of <paramref name="runs"/> timed runs of <paramref name="product"/> after a warm-up.</summary>
    private static double Gflops(GemmShape shape, Action product, int runs, int runMilliseconds)
    {
        // Warm-up (tiering, caches, thread pool), then choose the repetitions per run from the warm time.
        var clock = Stopwatch.StartNew();
        int warm = 0;
        while (warm < 5 || clock.Elapsed.TotalMilliseconds < 200) { product(); warm++; }
        double seconds = clock.Elapsed.TotalSeconds / warm;
        int repetitions = Math.Max(1, (int)(runMilliseconds / 1000.0 / seconds));
        var rates = new double[runs];
        for (int run = 0; run < runs; run++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int r = 0; r < repetitions; r++) product();
            double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            rates[run] = shape.Flops * repetitions / elapsed / 1e9;
        }
        return JsonLine.Median(rates);
    }
}
