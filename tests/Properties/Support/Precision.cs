using System.Numerics;
using System.Runtime.InteropServices;

namespace Pure.Properties.Support;

/// <summary>Machine epsilon per element type, tolerances carried from double to float, and bitwise comparison of arrays.</summary>
public static class Precision
{
    /// <summary>ε, the distance from 1 to the next larger value of T: 2^-52 for double, 2^-23 for float.</summary>
    public static double Epsilon<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
        double.CreateChecked(T.BitIncrement(T.One) - T.One);

    /// <summary>
    /// A tolerance written for double, carried to T as the same number of ulps: <paramref name="forDouble"/> · ε_T / ε_double
    /// (unchanged for double, times 2^29 for float). Right wherever the error bound is a fixed multiple of ε times a
    /// magnitude that does not depend on the element type.
    /// </summary>
    public static double Scaled<T>(double forDouble) where T : unmanaged, IFloatingPointIeee754<T> =>
        forDouble * (Epsilon<T>() / Epsilon<double>());

    /// <summary>True when the two arrays hold the same bits (unlike ==, which equates 0 and -0 and never NaN).</summary>
    public static bool BitwiseEqual<T>(ReadOnlySpan<T> left, ReadOnlySpan<T> right) where T : unmanaged =>
        MemoryMarshal.AsBytes(left).SequenceEqual(MemoryMarshal.AsBytes(right));
}
