using System.Numerics;

namespace Pure;

/// <summary>Argument checks shared by the public functions; each message names the argument, the expected and the actual value.</summary>
internal static class Guard
{
    public static void SameShape<T>(ImmutableMatrix<T> expected, ImmutableMatrix<T> actual, string parameterName) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (expected.Rows != actual.Rows || expected.Columns != actual.Columns)
            throw new ArgumentException($"Expected {parameterName} to be {expected.Shape}, got {actual.Shape}.", parameterName);
    }

    public static void AtLeastOneSample<T>(ImmutableMatrix<T> batch, string parameterName) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (batch.Columns == 0)
            throw new ArgumentException($"Expected {parameterName} to hold at least one sample (column), got an empty batch of shape {batch.Shape}.", parameterName);
    }

    public static void Finite<T>(ImmutableMatrix<T> values, string parameterName) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int index = Kernels<T>.IndexOfNonFinite(values.AsSpan());
        if (index >= 0)
            throw new ArgumentException(
                $"Expected finite values in {parameterName}, got {values.AsSpan()[index]} at row {index % values.Rows}, column {index / values.Rows}.", parameterName);
    }

    public static void Finite<T>(ReadOnlySpan<T> values, string parameterName, string what) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int index = Kernels<T>.IndexOfNonFinite(values);
        if (index >= 0)
            throw new ArgumentException($"Expected finite values in {parameterName}, got {values[index]} at element {index} of {what}.", parameterName);
    }

    public static void Positive(double value, string parameterName)
    {
        if (!double.IsFinite(value) || value <= 0)
            throw new ArgumentOutOfRangeException(parameterName, $"Expected {parameterName} to be finite and greater than 0, got {value}.");
    }

    public static void NonNegative(double value, string parameterName)
    {
        if (!double.IsFinite(value) || value < 0)
            throw new ArgumentOutOfRangeException(parameterName, $"Expected {parameterName} to be finite and 0 or more, got {value}.");
    }

    public static void Positive(int value, string parameterName)
    {
        if (value <= 0)
            throw new ArgumentOutOfRangeException(parameterName, $"Expected {parameterName} to be at least 1, got {value}.");
    }

    public static void InUnitInterval(double value, string parameterName)
    {
        if (!double.IsFinite(value) || value < 0 || value >= 1)
            throw new ArgumentOutOfRangeException(parameterName, $"Expected {parameterName} in [0, 1), got {value}.");
    }

    /// <summary>Equality of two immutable arrays element by element (ImmutableArray's own Equals compares references).</summary>
    public static bool SequenceEqual<TItem>(System.Collections.Immutable.ImmutableArray<TItem> left, System.Collections.Immutable.ImmutableArray<TItem> right)
    {
        if (left.IsDefault || right.IsDefault) return left.IsDefault && right.IsDefault;
        return left.AsSpan().SequenceEqual(right.AsSpan(), EqualityComparer<TItem>.Default);
    }

    public static int SequenceHash<TItem>(System.Collections.Immutable.ImmutableArray<TItem> items)
    {
        var hash = new HashCode();
        if (!items.IsDefault)
            foreach (var item in items) hash.Add(item);
        return hash.ToHashCode();
    }
}
