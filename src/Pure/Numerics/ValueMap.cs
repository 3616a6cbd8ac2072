using System.Collections.ObjectModel;

namespace Pure;

/// <summary>
/// A read-only copy of a dictionary with string keys (compared ordinally) that compares and hashes by content, whatever
/// the order of its entries: the map counterpart of <see cref="ValueArray{T}"/> for records. Enumeration keeps the
/// order of the dictionary copied.
/// </summary>
internal readonly struct ValueMap<TValue> : IEquatable<ValueMap<TValue>>
{
    private ValueMap(IReadOnlyDictionary<string, TValue> items) => Items = items;

    /// <summary>The copy.</summary>
    public IReadOnlyDictionary<string, TValue> Items { get; }

    /// <summary>Copies <paramref name="source"/>; throws, naming <paramref name="parameterName"/>, when it or one of its values is null.</summary>
    public static ValueMap<TValue> Copy(IReadOnlyDictionary<string, TValue> source, string parameterName)
    {
        if (source is null) throw new ArgumentNullException(parameterName);
        var copy = new Dictionary<string, TValue>(source.Count, StringComparer.Ordinal);
        foreach (var (key, value) in source)
        {
            if (value is null) throw new ArgumentNullException(parameterName, $"Expected a value for every name in {parameterName}, got null for \"{key}\".");
            if (!copy.TryAdd(key, value))
                throw new ArgumentException($"Expected distinct names in {parameterName}, got \"{key}\" twice.", parameterName);
        }
        return new ValueMap<TValue>(new ReadOnlyDictionary<string, TValue>(copy));
    }

    public bool Equals(ValueMap<TValue> other)
    {
        if (Items is null || other.Items is null) return Items is null && other.Items is null;
        if (Items.Count != other.Items.Count) return false;
        foreach (var (key, value) in Items)
            if (!other.Items.TryGetValue(key, out var otherValue) || !EqualityComparer<TValue>.Default.Equals(value, otherValue)) return false;
        return true;
    }

    public override bool Equals(object? obj) => obj is ValueMap<TValue> other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        if (Items is null) return hash.ToHashCode();
        hash.Add(Items.Count);
        foreach (var key in Items.Keys.Order(StringComparer.Ordinal))
        {
            hash.Add(key, StringComparer.Ordinal);
            hash.Add(Items[key]);
        }
        return hash.ToHashCode();
    }

    public override string ToString() => Items is null ? "default" : "{" + string.Join(", ", Items.Select(pair => $"{pair.Key}: {pair.Value}")) + "}";

    public static bool operator ==(ValueMap<TValue> left, ValueMap<TValue> right) => left.Equals(right);

    public static bool operator !=(ValueMap<TValue> left, ValueMap<TValue> right) => !left.Equals(right);
}
