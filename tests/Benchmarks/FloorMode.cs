using System.Diagnostics;
using System.Numerics;

namespace Pure.Benchmarks;

/// <summary>
/// The <c>floor</c> mode: the least time any implementation of a momentum-SGD step on 784-256-128-10 can take on
/// this machine, whatever its arithmetic. Every such step must read and write every parameter θ and its velocity v
/// (v ← μ v + g, θ ← θ - η v); this mode does only that, with a gradient of zero, on 1 thread and on 2 threads that
/// each keep their own half of θ and v across steps (the best case for the caches), with a barrier per step as a
/// real step needs. One JSON line per (dtype, threads) with the median microseconds per step.
/// </summary>
internal static class FloorMode
{
    private static readonly HashSet<string> Known = ["steps", "runs"];

    /// <summary>The parameter count of 784-256-128-10: weights and biases.</summary>
    private const int ParameterCount = 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10;

    public static int Run(IReadOnlyList<string> args)
    {
        var options = new Options(args, Known);
        int steps = options.Int("steps", 2000);
        int runs = options.Int("runs", 15);
        foreach (int threads in new[] { 1, 2 })
        {
            Measure<float>("float32", threads, steps, runs);
            Measure<double>("float64", threads, steps, runs);
        }
        return 0;
    }

    private static void Measure<T>(string dtype, int threads, int steps, int runs) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var parameters = new T[ParameterCount];
        var velocity = new T[ParameterCount];
        Array.Fill(parameters, T.One);
        T momentum = T.CreateChecked(0.9), rate = T.CreateChecked(-0.05);
        int half = ParameterCount / 2;
        using var barrier = new Barrier(threads);
        var perStep = new List<double>();

        void Slice(int part, int count)
        {
            int start = part == 0 ? 0 : half, end = threads == 1 || part == 1 ? ParameterCount : half;
            var theta = parameters.AsSpan(start, end - start);
            var v = velocity.AsSpan(start, end - start);
            var mu = new Vector<T>(momentum);
            var eta = new Vector<T>(rate);
            for (int step = 0; step < count; step++)
            {
                int i = 0;
                for (; i <= v.Length - Vector<T>.Count; i += Vector<T>.Count)
                {
                    var vi = mu * new Vector<T>(v[i..]);
                    vi.CopyTo(v[i..]);
                    (new Vector<T>(theta[i..]) + eta * vi).CopyTo(theta[i..]);
                }
                for (; i < v.Length; i++)
                {
                    v[i] = momentum * v[i];
                    theta[i] += rate * v[i];
                }
                if (threads > 1) barrier.SignalAndWait();
            }
        }

        for (int run = 0; run <= runs; run++)
        {
            var clock = Stopwatch.StartNew();
            if (threads == 1)
                Slice(0, steps);
            else
            {
                var worker = new Thread(() => Slice(1, steps));
                worker.Start();
                Slice(0, steps);
                worker.Join();
            }
            if (run > 0) perStep.Add(clock.Elapsed.TotalMicroseconds / steps);
        }
        perStep.Sort();
        JsonLine.Write(new Dictionary<string, object?>
        {
            ["mode"] = "floor",
            ["dtype"] = dtype,
            ["threads"] = threads,
            ["parameters"] = ParameterCount,
            ["bytes_moved_per_step"] = 4L * ParameterCount * System.Runtime.CompilerServices.Unsafe.SizeOf<T>(),
            ["microseconds_per_step"] = JsonLine.Round(perStep[perStep.Count / 2], 2),
            ["steps"] = steps,
            ["runs"] = runs,
        });
    }
}
