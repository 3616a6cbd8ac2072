using System.Numerics;
using System.Text;

namespace Pure;

/// <summary>
/// An immutable dense vector, such as a layer's bias b^[l]. It owns its storage and compares by value.
/// </summary>
/// <typeparam name="T">The element type: <see cref="double"/> or <see cref="float"/>.</typeparam>
public sealed class ImmutableVector<T> : IEquatable<ImmutableVector<T>>, IReadOnlyList<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _storage;

    /// <summary>Wraps <paramref name="values"/> without copying; callers hand over ownership.</summary>
    internal ImmutableVector(T[] values) => _storage = values;

    /// <summary>The number of elements.</summary>
    public int Length => _storage.Length;

    /// <summary>The element at <paramref name="index"/> (from 0).</summary>
    public T this[int index] => (uint)index < (uint)_storage.Length
        ? _storage[index]
        : throw new ArgumentOutOfRangeException(nameof(index), $"Expected an index in [0, {Length}), got {index}.");

    /// <summary>The number of elements, as <see cref="IReadOnlyCollection{T}"/> names it; the same as <see cref="Length"/>.</summary>
    int IReadOnlyCollection<T>.Count => Length;

    /// <summary>The elements in order.</summary>
    public IEnumerator<T> GetEnumerator()
    {
        for (int i = 0; i < _storage.Length; i++) yield return _storage[i];
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>A read-only view of the elements.</summary>
    public ReadOnlySpan<T> AsSpan() => _storage;

    /// <summary>The storage for library-internal kernels; never handed to user code.</summary>
    internal T[] Storage => _storage;

    /// <summary>A new vector with <paramref name="function"/> applied to every element.</summary>
    public ImmutableVector<T> Map(Func<T, T> function)
    {
        ArgumentNullException.ThrowIfNull(function);
        var result = new T[_storage.Length];
        for (int i = 0; i < result.Length; i++) result[i] = function(_storage[i]);
        return new ImmutableVector<T>(result);
    }

    /// <summary>The dot product Σ_i this_i other_i.</summary>
    public T Dot(ImmutableVector<T> other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Length != Length) throw new ArgumentException($"Expected other to have length {Length}, got {other.Length}.", nameof(other));
        return Kernels<T>.Dot(_storage, other._storage);
    }

    /// <summary>A copy of the elements.</summary>
    public T[] ToArray() => (T[])_storage.Clone();

    /// <summary>A copy as a MathNet.Numerics dense vector.</summary>
    public MathNet.Numerics.LinearAlgebra.Vector<T> ToMathNet() => MathNet.Numerics.LinearAlgebra.Vector<T>.Build.Dense(ToArray());

    /// <summary>True when the lengths match and every pair of elements is equal (NaN equals NaN).</summary>
    public bool Equals(ImmutableVector<T>? other) => other is not null && _storage.AsSpan().SequenceEqual(other._storage);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ImmutableVector<T>);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Length);
        // Element hash codes, not raw bytes: Equals treats 0 and -0 (and all NaNs) as equal, and T.GetHashCode agrees.
        foreach (var value in _storage.AsSpan(0, Math.Min(_storage.Length, 64))) hash.Add(value);
        return hash.ToHashCode();
    }

    /// <summary>True when both are null or equal.</summary>
    public static bool operator ==(ImmutableVector<T>? left, ImmutableVector<T>? right) => left is null ? right is null : left.Equals(right);

    /// <summary>False when both are null or equal.</summary>
    public static bool operator !=(ImmutableVector<T>? left, ImmutableVector<T>? right) => !(left == right);

    /// <summary>The length and the first 16 elements.</summary>
    public override string ToString()
    {
        var text = new StringBuilder($"ImmutableVector<{typeof(T).Name}> {Length} [");
        for (int i = 0; i < Math.Min(Length, 16); i++)
            text.Append(' ').Append(_storage[i].ToString("G6", System.Globalization.CultureInfo.InvariantCulture));
        return text.Append(Length > 16 ? " ... ]" : " ]").ToString();
    }
}

/// <summary>Factories for <see cref="ImmutableVector{T}"/>; each copies its input.</summary>
public static class ImmutableVector
{
    /// <summary>A vector holding a copy of <paramref name="values"/>.</summary>
    public static ImmutableVector<T> Create<T>(params T[] values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(values);
        return new ImmutableVector<T>((T[])values.Clone());
    }

    /// <summary>A vector holding a copy of <paramref name="values"/>.</summary>
    public static ImmutableVector<T> FromSpan<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T> =>
        new(values.ToArray());

    /// <summary>A vector of <paramref name="length"/> zeros.</summary>
    public static ImmutableVector<T> Zeros<T>(int length) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), $"Expected a length of 0 or more, got {length}.");
        return new ImmutableVector<T>(new T[length]);
    }

    /// <summary>A copy of a MathNet.Numerics vector.</summary>
    public static ImmutableVector<T> FromMathNet<T>(MathNet.Numerics.LinearAlgebra.Vector<T> vector) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(vector);
        return new ImmutableVector<T>(vector.ToArray());
    }
}
