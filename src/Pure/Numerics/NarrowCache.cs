using System.Numerics;
using System.Runtime.CompilerServices;

namespace Pure;

/// <summary>
/// The weights of networks predicted one sample at a time, cut into the row blocks of the one-sample product
/// (<see cref="Gemm{T}.PackNarrow(T[], int, int)"/>), for <see cref="Backprop.Predict{T}"/> and <see cref="Model{T}.Predict"/>
/// without a <see cref="Predictor{T}"/>. A weight array gets its cut on its second one-sample prediction (a single call
/// would pay more for the copy than it gains) and keeps it for as long as the array lives: the table holds its keys
/// weakly. Weight arrays are never changed once a network holds them, so a cut never goes stale; the product from a cut
/// gives the bits of the product from the weights as stored.
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

    /// <summary>Weight arrays larger than this (2^26 elements: 256 MB of float) get no cut: the copy would double a large model's memory unasked. A <see cref="Predictor{T}"/> cuts any size.</summary>
    internal const int MaxElements = 1 << 26;

    /// <summary>The cut of <paramref name="weights"/> (rows x columns, as stored), or null on its first one-sample prediction or where no cut is made.</summary>
    public static T[]? Get(T[] weights, int rows, int columns)
    {
        if (weights.Length > MaxElements) return null;
        var entry = Entries.GetOrCreateValue(weights);
        if (Volatile.Read(ref entry.Cut) is { } cut) return cut;
        if (entry.Never || Interlocked.Increment(ref entry.Calls) < 2) return null;
        cut = Gemm<T>.PackNarrow(weights, rows, columns);
        if (cut is null) entry.Never = true;
        else Volatile.Write(ref entry.Cut, cut);
        return cut;
    }

    /// <summary>Whether <paramref name="weights"/> has a cut (for tests).</summary>
    internal static bool HasCut(T[] weights) => Entries.TryGetValue(weights, out var entry) && entry.Cut is not null;
}
