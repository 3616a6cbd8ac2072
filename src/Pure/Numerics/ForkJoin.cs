using System.Diagnostics;

namespace Pure;

/// <summary>
/// Runs body(0), ..., body(count - 1) on the calling thread and up to threads - 1 helpers, each taking the next index
/// from a shared counter. Unlike Parallel.For, the caller waits only for indices a helper has taken: a helper that
/// starts after the caller has taken every index finds nothing to do, and nobody waits for it. On a busy machine,
/// where a woken thread may wait milliseconds for a core, the caller then does the work alone instead of waiting for
/// it to be scheduled. Which thread runs an index never changes what the index computes.
/// </summary>
/// <remarks>
/// The helpers are background threads of the process (one fewer than the processors, made when first needed), which
/// spin for <see cref="SpinMicroseconds"/> after each piece of work before they sleep, as ONNX Runtime's workers do:
/// the products of one prediction, and the predictions of a loop, then reach a thread that is already running
/// instead of one that takes tens of microseconds to wake. A helper whose slot still holds a job not yet taken is
/// passed over for a thread-pool worker.
/// </remarks>
internal sealed class ForkJoin
{
    /// <summary>How long an idle helper spins before it sleeps.</summary>
    internal const int SpinMicroseconds = 200;

    private static readonly Lazy<Helper[]> Helpers = new(() =>
        [.. Enumerable.Range(0, Math.Max(0, Environment.ProcessorCount - 1)).Select(index => new Helper(index))]);

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

    /// <summary>Runs every index once; throws an <see cref="AggregateException"/> of the bodies' exceptions, as Parallel.For does.</summary>
    public static void Run(int count, int threads, Action<int> body)
    {
        if (count <= 0) return;
        var job = new ForkJoin(body, count);
        var helpers = Helpers.Value;
        for (int worker = 1; worker < Math.Min(threads, count); worker++)
            if (worker > helpers.Length || !helpers[worker - 1].TryPost(job))
                ThreadPool.UnsafeQueueUserWorkItem(static state => state.Work(), job, preferLocal: false);
        job.Work();
        if (Volatile.Read(ref job._done) < count) job._finished.Wait();
        if (job._errors is { } errors) throw new AggregateException(errors);
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
