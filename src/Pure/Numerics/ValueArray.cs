using System.Collections;
using System.Collections.Immutable;

namespace Pure;

/// <summary>
/// An <see cref="ImmutableArray{T}"/> that compares and hashes element by element (ImmutableArray's own Equals
/// compares references). Records keep one as the backing field of a public ImmutableArray property, so that the
/// compiler-synthesised record Equals and GetHashCode compare values. Elements compare with
/// <see cref="EqualityComparer{T}.Default"/> (so double NaN equals NaN and 0.0 equals -0.0, as double.Equals does);
/// a default array equals only another default array.
/// </summary>
internal readonly struct ValueArray<T> : IReadOnlyList<T>, IEquatable<ValueArray<T>>
{
    public ValueArray(ImmutableArray<T> items) => Items = items;

    /// <summary>The array itself.</summary>
    public ImmutableArray<T> Items { get; }

    public int Count => Items.Length;

    public T this[int index] => Items[index];

    public bool Equals(ValueArray<T> other)
    {
        if (Items.IsDefault || other.Items.IsDefault) return Items.IsDefault && other.Items.IsDefault;
        return Items.AsSpan().SequenceEqual(other.Items.AsSpan(), EqualityComparer<T>.Default);
    }

    public override bool Equals(object? obj) => obj is ValueArray<T> other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        if (Items.IsDefault) return hash.ToHashCode();
        hash.Add(Items.Length);
        foreach (var item in Items) hash.Add(item);
        return hash.ToHashCode();
    }

    public override string ToString() => Items.IsDefault ? "default" : $"[{string.Join(", ", Items)}]";

    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)(Items.IsDefault ? ImmutableArray<T>.Empty : Items)).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public static implicit operator ValueArray<T>(ImmutableArray<T> items) => new(items);

    public static bool operator ==(ValueArray<T> left, ValueArray<T> right) => left.Equals(right);

    public static bool operator !=(ValueArray<T> left, ValueArray<T> right) => !left.Equals(right);
}
