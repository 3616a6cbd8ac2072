namespace Pure;

/// <summary>
/// Runs body(0), ..., body(count - 1) on the calling thread and up to threads - 1 thread-pool workers, each taking
/// the next index from a shared counter. Unlike Parallel.For, the caller waits only for indices a worker has taken:
/// a worker that starts after the caller has taken every index finds nothing to do, and nobody waits for it. On a
/// busy machine, where a woken worker may wait milliseconds for a core, the caller then does the work alone instead
/// of waiting for the worker to be scheduled. Which thread runs an index never changes what the index computes.
/// </summary>
internal sealed class ForkJoin
{
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
        for (int worker = 1; worker < Math.Min(threads, count); worker++)
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
}
