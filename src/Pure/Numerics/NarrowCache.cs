using System.Numerics;
using System.Runtime.CompilerServices;

namespace Pure;

/// <summary>
/// Weight arrays cut into the row blocks of the one-sample product (<see cref="Gemm{T}.PackNarrow(T[], int, int)"/>),
/// one cut per array, shared by every one-sample prediction with it: <see cref="Predictor{T}"/> cuts its network's
/// weights when it is made (<see cref="Prepare"/>); <see cref="Backprop.Predict{T}"/> and <see cref="Model{T}.Predict"/>
/// cut a weight array on its second one-sample prediction (a single call would pay more for the copy than it gains).
/// A cut lives as long as its array: the table holds its keys weakly. Weight arrays are never changed once a network
/// holds them, so a cut never goes stale; the product from a cut gives the bits of the product from the weights as stored.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
internal static class NarrowCache<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private sealed class Entry
    {
        public int Calls;
        public T[]? Cut;
        public bool Never;
    }

    private static readonly ConditionalWeakTable<T[], Entry> Entries = new();

    /// <summary>Weight arrays larger than this (2^26 elements: 256 MB of float) are not cut unasked: the copy would double a large model's memory. <see cref="Prepare"/> cuts any size.</summary>
    internal const int MaxElements = 1 << 26;

    /// <summary>The cut of <paramref name="weights"/> (rows x columns, as stored) for a one-sample prediction, or null on its first one-sample prediction or where no cut is made.</summary>
    public static T[]? Get(T[] weights, int rows, int columns)
    {
        var entry = Entries.GetOrCreateValue(weights);
        if (Volatile.Read(ref entry.Cut) is { } cut) return cut;
        if (entry.Never || weights.Length > MaxElements || Interlocked.Increment(ref entry.Calls) < 2) return null;
        return Make(entry, weights, rows, columns);
    }

    /// <summary>Cuts <paramref name="weights"/> now, whatever its size, unless it is cut already (a predictor's weights); null where no cut is made.</summary>
    public static T[]? Prepare(T[] weights, int rows, int columns)
    {
        var entry = Entries.GetOrCreateValue(weights);
        return Volatile.Read(ref entry.Cut) ?? (entry.Never ? null : Make(entry, weights, rows, columns));
    }

    private static T[]? Make(Entry entry, T[] weights, int rows, int columns)
    {
        var cut = Gemm<T>.PackNarrow(weights, rows, columns);
        if (cut is null)
        {
            entry.Never = true;
            return null;
        }
        // Two threads may cut the same array at once: the first cut published is the one kept.
        return Interlocked.CompareExchange(ref entry.Cut, cut, null) ?? cut;
    }

    /// <summary>Whether <paramref name="weights"/> has a cut (for tests).</summary>
    internal static bool HasCut(T[] weights) => Entries.TryGetValue(weights, out var entry) && entry.Cut is not null;
}
