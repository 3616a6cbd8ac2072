using System.Diagnostics;

namespace Pure;

/// <summary>
/// Runs body(0), ..., body(count - 1) on the calling thread and up to threads - 1 other threads, each taking the next
/// index from a shared counter. Unlike Parallel.For, the caller waits only for indices another thread has taken: a
/// thread that starts after the caller has taken every index finds nothing to do, and nobody waits for it. On a busy
/// machine, where a woken thread may wait milliseconds for a core, the caller then does the work alone instead of
/// waiting for it to be scheduled. Which thread runs an index never changes what the index computes.
/// </summary>
/// <remarks>
/// The other threads are thread-pool workers, except inside a <see cref="Spinning"/> scope (prediction), where they
/// are the process's helpers: background threads (one fewer than the processors, made when first needed) that spin
/// for <see cref="SpinMicroseconds"/> after each piece of work before they sleep, as ONNX Runtime's workers do. The
/// products of one prediction, and the predictions of a loop, then reach a thread that is already running. A sleeping
/// thread-pool worker was measured to start 430 µs after the hand-off (median, batch 64 on two cores; often not before
/// the caller had done all the work), a spinning helper 0.5 µs (docs/performance.md). In that scope the caller, done with
/// its own indices, also spins (up to <see cref="SpinMicroseconds"/>) for a helper's last one instead of blocking at once.
/// Training keeps the thread pool:
/// its products follow each other without gaps, and a spinning core would be taken from whatever runs beside it.
/// </remarks>
internal sealed class ForkJoin
{
    /// <summary>How long an idle helper spins before it sleeps.</summary>
    internal const int SpinMicroseconds = 200;

    private static readonly Lazy<Helper[]> Helpers = new(() =>
        [.. Enumerable.Range(0, Math.Max(0, Environment.ProcessorCount - 1)).Select(index => new Helper(index))]);

    [ThreadStatic] private static bool _spinning;

    private readonly Action<int> _body;
    private readonly int _count;
    private readonly ManualResetEventSlim _finished = new(false);
    private int _next;
    private int _done;
    private List<Exception>? _errors;

    private ForkJoin(Action<int> body, int count)
    {
        _body = body;
        _count = count;
    }

    /// <summary>
    /// Until the returned scope is disposed, the calling thread's <see cref="Run"/> hands work to the spinning helpers
    /// (a helper whose slot still holds a job not yet taken is passed over for a thread-pool worker). Scopes nest.
    /// </summary>
    public static SpinningScope Spinning()
    {
        bool outer = _spinning;
        _spinning = true;
        return new SpinningScope(outer);
    }

    /// <summary>True inside a <see cref="Spinning"/> scope on the calling thread.</summary>
    internal static bool IsSpinning => _spinning;

    /// <summary>Restores the calling thread's hand-off to what it was before <see cref="Spinning"/>.</summary>
    internal readonly struct SpinningScope(bool outer) : IDisposable
    {
        /// <summary>Ends the scope.</summary>
        public void Dispose() => _spinning = outer;
    }

    /// <summary>
    /// Runs body(first, end) over [0, <paramref name="count"/>) cut into min(threads, count) contiguous ranges of nearly
    /// equal length, as <see cref="Run"/> runs indices. The cut depends on the count and the threads only, so a thread
    /// that takes the same range on the next call finds that range's data still in its core's cache.
    /// </summary>
    public static void RunRanges(int count, int threads, Action<int, int> body)
    {
        if (count <= 0) return;
        int parts = Math.Max(1, Math.Min(threads, count));
        Run(parts, parts, part => body((int)((long)part * count / parts), (int)((long)(part + 1) * count / parts)));
    }

    /// <summary>Runs every index once; throws an <see cref="AggregateException"/> of the bodies' exceptions, as Parallel.For does.</summary>
    public static void Run(int count, int threads, Action<int> body)
    {
        if (count <= 0) return;
        var job = new ForkJoin(body, count);
        var helpers = _spinning ? Helpers.Value : [];
        for (int worker = 1; worker < Math.Min(threads, count); worker++)
            if (worker > helpers.Length || !helpers[worker - 1].TryPost(job))
                ThreadPool.UnsafeQueueUserWorkItem(static state => state.Work(), job, preferLocal: false);
        job.Work();
        if (Volatile.Read(ref job._done) < count && _spinning) job.SpinUntilDone();
        if (Volatile.Read(ref job._done) < count) job._finished.Wait();
        if (job._errors is { } errors) throw new AggregateException(errors);
    }

    /// <summary>
    /// Spins for up to <see cref="SpinMicroseconds"/> while a helper finishes the last indices: a spinning helper ends
    /// within microseconds, and a caller that slept would wake only after the kernel's round trip.
    /// </summary>
    private void SpinUntilDone()
    {
        long start = Stopwatch.GetTimestamp();
        while (Volatile.Read(ref _done) < _count && Stopwatch.GetElapsedTime(start).TotalMicroseconds < SpinMicroseconds)
            Thread.SpinWait(4);
    }

    private void Work()
    {
        while (true)
        {
            int index = Interlocked.Increment(ref _next) - 1;
            if (index >= _count) return;
            try
            {
                _body(index);
            }
            catch (Exception e)
            {
                lock (_finished) (_errors ??= []).Add(e);
            }
            if (Interlocked.Increment(ref _done) == _count) _finished.Set();
        }
    }

    /// <summary>A background thread with a one-job slot: it spins on the slot for a while after each job, then sleeps until a job is posted.</summary>
    private sealed class Helper
    {
        private readonly SemaphoreSlim _wake = new(0);
        private ForkJoin? _slot;
        private int _sleeping;

        public Helper(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"Pure helper {index + 1}" };
            thread.Start();
        }

        /// <summary>Hands <paramref name="job"/> to this helper unless its slot is taken; wakes it if it sleeps.</summary>
        public bool TryPost(ForkJoin job)
        {
            if (Interlocked.CompareExchange(ref _slot, job, null) is not null) return false;
            if (Interlocked.Exchange(ref _sleeping, 0) == 1) _wake.Release();
            return true;
        }

        private void Loop()
        {
            while (true) Take().Work();
        }

        private ForkJoin Take()
        {
            long start = Stopwatch.GetTimestamp();
            while (true)
            {
                if (Interlocked.Exchange(ref _slot, null) is { } job) return job;
                if (Stopwatch.GetElapsedTime(start).TotalMicroseconds < SpinMicroseconds)
                {
                    Thread.SpinWait(20);
                    continue;
                }
                // Sleep, unless a job came meanwhile. A poster that saw _sleeping = 1 releases once; that release is
                // consumed here or by the wait below, so none is left over.
                Volatile.Write(ref _sleeping, 1);
                if (Interlocked.Exchange(ref _slot, null) is { } late)
                {
                    if (Interlocked.Exchange(ref _sleeping, 0) == 0) _wake.Wait();
                    return late;
                }
                _wake.Wait();
                start = Stopwatch.GetTimestamp();
            }
        }
    }
}
