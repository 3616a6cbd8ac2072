using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Pure;

/// <summary>An element-wise function of one argument, at the widths the drivers of <see cref="Simd{T}"/> use.</summary>
internal interface IUnaryOperation<T> where T : unmanaged
{
    /// <summary>f(x) for one element (the path for element types other than float and double).</summary>
    T Invoke(T x);

    /// <summary>f(x) per lane.</summary>
    Vector256<T> Invoke(Vector256<T> x);

    /// <summary>f(x) per lane.</summary>
    Vector512<T> Invoke(Vector512<T> x);
}

/// <summary>An element-wise function of two arguments, at the widths the drivers of <see cref="Simd{T}"/> use.</summary>
internal interface IBinaryOperation<T> where T : unmanaged
{
    /// <summary>f(x, y) for one element (the path for element types other than float and double).</summary>
    T Invoke(T x, T y);

    /// <summary>f(x, y) per lane.</summary>
    Vector256<T> Invoke(Vector256<T> x, Vector256<T> y);

    /// <summary>f(x, y) per lane.</summary>
    Vector512<T> Invoke(Vector512<T> x, Vector512<T> y);
}

/// <summary>
/// Drivers that apply an element-wise operation over spans with <see cref="Vector512{T}"/> (when the hardware accelerates
/// it) or <see cref="Vector256{T}"/> for float and double, and one element at a time for any other element type. The
/// elements after the last whole vector go through the same vector code, padded with zeros in a stack buffer, so that
/// every element of a span is computed by the same instructions whatever its position. Sums accumulate one vector
/// at a time in index order and are reduced at the end, so a result depends only on the values and the length,
/// never on the address of the data. Also the vector forms of e^x, ln x and tanh x.
/// </summary>
internal static class Simd<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>True when the drivers use <see cref="Vector512{T}"/>.</summary>
    public static bool Is512 => (typeof(T) == typeof(float) || typeof(T) == typeof(double)) && Vector512.IsHardwareAccelerated;

    /// <summary>True when the drivers use <see cref="Vector256{T}"/> (and not <see cref="Vector512{T}"/>).</summary>
    public static bool Is256 => (typeof(T) == typeof(float) || typeof(T) == typeof(double)) && !Vector512.IsHardwareAccelerated && Vector256.IsHardwareAccelerated;

    /// <summary>result[i] = f(x[i]); result may be x itself.</summary>
    public static void Map<TOperation>(ReadOnlySpan<T> x, Span<T> result, TOperation operation) where TOperation : struct, IUnaryOperation<T>
    {
        int n = x.Length;
        if (result.Length < n) throw new ArgumentException("The result is shorter than the input.", nameof(result));
        ref T xs = ref MemoryMarshal.GetReference(x);
        ref T rs = ref MemoryMarshal.GetReference(result);
        int i = 0;
        if (Is512)
        {
            int count = Vector512<T>.Count;
            for (; i <= n - count; i += count) operation.Invoke(Vector512.LoadUnsafe(ref xs, (nuint)i)).StoreUnsafe(ref rs, (nuint)i);
            if (i < n)
            {
                Span<T> buffer = stackalloc T[count];
                x[i..].CopyTo(buffer);
                operation.Invoke(Vector512.Create<T>(buffer)).CopyTo(buffer);
                buffer[..(n - i)].CopyTo(result[i..]);
            }
        }
        else if (Is256)
        {
            int count = Vector256<T>.Count;
            for (; i <= n - count; i += count) operation.Invoke(Vector256.LoadUnsafe(ref xs, (nuint)i)).StoreUnsafe(ref rs, (nuint)i);
            if (i < n)
            {
                Span<T> buffer = stackalloc T[count];
                x[i..].CopyTo(buffer);
                operation.Invoke(Vector256.Create<T>(buffer)).CopyTo(buffer);
                buffer[..(n - i)].CopyTo(result[i..]);
            }
        }
        else
        {
            for (; i < n; i++) result[i] = operation.Invoke(x[i]);
        }
    }

    /// <summary>result[i] = f(x[i], y[i]); result may be x or y itself.</summary>
    public static void Map<TOperation>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> result, TOperation operation) where TOperation : struct, IBinaryOperation<T>
    {
        int n = x.Length;
        if (y.Length != n) throw new ArgumentException("The inputs differ in length.", nameof(y));
        if (result.Length < n) throw new ArgumentException("The result is shorter than the inputs.", nameof(result));
        ref T xs = ref MemoryMarshal.GetReference(x);
        ref T ys = ref MemoryMarshal.GetReference(y);
        ref T rs = ref MemoryMarshal.GetReference(result);
        int i = 0;
        if (Is512)
        {
            int count = Vector512<T>.Count;
            for (; i <= n - count; i += count)
                operation.Invoke(Vector512.LoadUnsafe(ref xs, (nuint)i), Vector512.LoadUnsafe(ref ys, (nuint)i)).StoreUnsafe(ref rs, (nuint)i);
            if (i < n)
            {
                Span<T> buffer = stackalloc T[2 * count];
                x[i..].CopyTo(buffer);
                y[i..].CopyTo(buffer[count..]);
                operation.Invoke(Vector512.Create<T>(buffer), Vector512.Create<T>(buffer[count..])).CopyTo(buffer);
                buffer[..(n - i)].CopyTo(result[i..]);
            }
        }
        else if (Is256)
        {
            int count = Vector256<T>.Count;
            for (; i <= n - count; i += count)
                operation.Invoke(Vector256.LoadUnsafe(ref xs, (nuint)i), Vector256.LoadUnsafe(ref ys, (nuint)i)).StoreUnsafe(ref rs, (nuint)i);
            if (i < n)
            {
                Span<T> buffer = stackalloc T[2 * count];
                x[i..].CopyTo(buffer);
                y[i..].CopyTo(buffer[count..]);
                operation.Invoke(Vector256.Create<T>(buffer), Vector256.Create<T>(buffer[count..])).CopyTo(buffer);
                buffer[..(n - i)].CopyTo(result[i..]);
            }
        }
        else
        {
            for (; i < n; i++) result[i] = operation.Invoke(x[i], y[i]);
        }
    }

    /// <summary>Writes result[i] = f(x[i]) (unless result is empty) and returns Σ_i f(x[i]); result may be x itself.</summary>
    public static T MapSum<TOperation>(ReadOnlySpan<T> x, Span<T> result, TOperation operation) where TOperation : struct, IUnaryOperation<T>
    {
        int n = x.Length;
        bool store = !result.IsEmpty;
        if (store && result.Length < n) throw new ArgumentException("The result is shorter than the input.", nameof(result));
        ref T xs = ref MemoryMarshal.GetReference(x);
        ref T rs = ref MemoryMarshal.GetReference(result);
        int i = 0;
        if (Is512)
        {
            int count = Vector512<T>.Count;
            var sum = Vector512<T>.Zero;
            for (; i <= n - count; i += count)
            {
                var value = operation.Invoke(Vector512.LoadUnsafe(ref xs, (nuint)i));
                if (store) value.StoreUnsafe(ref rs, (nuint)i);
                sum += value;
            }
            if (i < n)
            {
                Span<T> buffer = stackalloc T[count];
                x[i..].CopyTo(buffer);
                var value = operation.Invoke(Vector512.Create<T>(buffer));
                if (store)
                {
                    value.CopyTo(buffer);
                    buffer[..(n - i)].CopyTo(result[i..]);
                }
                sum += Vector512.ConditionalSelect(Vector512.LessThan(Vector512<T>.Indices, Vector512.Create(T.CreateTruncating(n - i))), value, Vector512<T>.Zero);
            }
            return Vector512.Sum(sum);
        }
        if (Is256)
        {
            int count = Vector256<T>.Count;
            var sum = Vector256<T>.Zero;
            for (; i <= n - count; i += count)
            {
                var value = operation.Invoke(Vector256.LoadUnsafe(ref xs, (nuint)i));
                if (store) value.StoreUnsafe(ref rs, (nuint)i);
                sum += value;
            }
            if (i < n)
            {
                Span<T> buffer = stackalloc T[count];
                x[i..].CopyTo(buffer);
                var value = operation.Invoke(Vector256.Create<T>(buffer));
                if (store)
                {
                    value.CopyTo(buffer);
                    buffer[..(n - i)].CopyTo(result[i..]);
                }
                sum += Vector256.ConditionalSelect(Vector256.LessThan(Vector256<T>.Indices, Vector256.Create(T.CreateTruncating(n - i))), value, Vector256<T>.Zero);
            }
            return Vector256.Sum(sum);
        }
        T total = T.Zero;
        for (; i < n; i++)
        {
            T value = operation.Invoke(x[i]);
            if (store) result[i] = value;
            total += value;
        }
        return total;
    }

    /// <summary>Σ_i f(x[i], y[i]).</summary>
    public static T Sum<TOperation>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, TOperation operation) where TOperation : struct, IBinaryOperation<T>
    {
        int n = x.Length;
        if (y.Length != n) throw new ArgumentException("The inputs differ in length.", nameof(y));
        ref T xs = ref MemoryMarshal.GetReference(x);
        ref T ys = ref MemoryMarshal.GetReference(y);
        int i = 0;
        if (Is512)
        {
            int count = Vector512<T>.Count;
            var sum = Vector512<T>.Zero;
            for (; i <= n - count; i += count) sum += operation.Invoke(Vector512.LoadUnsafe(ref xs, (nuint)i), Vector512.LoadUnsafe(ref ys, (nuint)i));
            if (i < n)
            {
                Span<T> buffer = stackalloc T[2 * count];
                x[i..].CopyTo(buffer);
                y[i..].CopyTo(buffer[count..]);
                var value = operation.Invoke(Vector512.Create<T>(buffer), Vector512.Create<T>(buffer[count..]));
                sum += Vector512.ConditionalSelect(Vector512.LessThan(Vector512<T>.Indices, Vector512.Create(T.CreateTruncating(n - i))), value, Vector512<T>.Zero);
            }
            return Vector512.Sum(sum);
        }
        if (Is256)
        {
            int count = Vector256<T>.Count;
            var sum = Vector256<T>.Zero;
            for (; i <= n - count; i += count) sum += operation.Invoke(Vector256.LoadUnsafe(ref xs, (nuint)i), Vector256.LoadUnsafe(ref ys, (nuint)i));
            if (i < n)
            {
                Span<T> buffer = stackalloc T[2 * count];
                x[i..].CopyTo(buffer);
                y[i..].CopyTo(buffer[count..]);
                var value = operation.Invoke(Vector256.Create<T>(buffer), Vector256.Create<T>(buffer[count..]));
                sum += Vector256.ConditionalSelect(Vector256.LessThan(Vector256<T>.Indices, Vector256.Create(T.CreateTruncating(n - i))), value, Vector256<T>.Zero);
            }
            return Vector256.Sum(sum);
        }
        T total = T.Zero;
        for (; i < n; i++) total += operation.Invoke(x[i], y[i]);
        return total;
    }

    /// <summary>The index of the first NaN or infinity, or -1: x - x is 0 exactly when x is finite.</summary>
    public static int IndexOfNonFinite(ReadOnlySpan<T> values)
    {
        int n = values.Length;
        ref T xs = ref MemoryMarshal.GetReference(values);
        int i = 0;
        if (Is512)
        {
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var x = Vector512.LoadUnsafe(ref xs, (nuint)i);
                ulong bad = (~Vector512.Equals(x - x, Vector512<T>.Zero)).ExtractMostSignificantBits();
                if (bad != 0) return i + BitOperations.TrailingZeroCount(bad);
            }
        }
        else if (Is256)
        {
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var x = Vector256.LoadUnsafe(ref xs, (nuint)i);
                uint bad = (~Vector256.Equals(x - x, Vector256<T>.Zero)).ExtractMostSignificantBits();
                if (bad != 0) return i + BitOperations.TrailingZeroCount(bad);
            }
        }
        for (; i < n; i++)
            if (!T.IsFinite(values[i])) return i;
        return -1;
    }

    /// <summary>e^x per lane (float or double).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Exp(Vector512<T> x)
    {
        if (typeof(T) == typeof(double)) return Vector512.Exp(x.AsDouble()).As<double, T>();
        if (typeof(T) == typeof(float)) return Vector512.Exp(x.AsSingle()).As<float, T>();
        throw new NotSupportedException();
    }

    /// <summary>e^x per lane (float or double).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Exp(Vector256<T> x)
    {
        if (typeof(T) == typeof(double)) return Vector256.Exp(x.AsDouble()).As<double, T>();
        if (typeof(T) == typeof(float)) return Vector256.Exp(x.AsSingle()).As<float, T>();
        throw new NotSupportedException();
    }

    /// <summary>ln x per lane (float or double).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Log(Vector512<T> x)
    {
        if (typeof(T) == typeof(double)) return Vector512.Log(x.AsDouble()).As<double, T>();
        if (typeof(T) == typeof(float)) return Vector512.Log(x.AsSingle()).As<float, T>();
        throw new NotSupportedException();
    }

    /// <summary>ln x per lane (float or double).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Log(Vector256<T> x)
    {
        if (typeof(T) == typeof(double)) return Vector256.Log(x.AsDouble()).As<double, T>();
        if (typeof(T) == typeof(float)) return Vector256.Log(x.AsSingle()).As<float, T>();
        throw new NotSupportedException();
    }

    /// <summary>
    /// tanh x per lane, after Cephes: for |x| &lt; 0.625 x + x·x^2·R(x^2) (a rational function in double, a polynomial
    /// in float), otherwise 1 - 2 / (e^{2|x|} + 1) with the sign of x, which is ±1 once e^{2|x|} overflows (never NaN
    /// for finite x). tanh 0 = 0 exactly.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Tanh(Vector512<T> x)
    {
        var magnitude = Vector512.Abs(x);
        var square = magnitude * magnitude;
        Vector512<T> ratio;
        if (typeof(T) == typeof(double))
        {
            var s = square.AsDouble();
            var p = (Vector512.Create(-9.64399179425052238628E-1) * s + Vector512.Create(-9.92877231001918586564E1)) * s + Vector512.Create(-1.61468768441708447952E3);
            var q = ((s + Vector512.Create(1.12811678491632931402E2)) * s + Vector512.Create(2.23548839060100448583E3)) * s + Vector512.Create(4.84406305325125486048E3);
            ratio = (p / q).As<double, T>();
        }
        else
        {
            var s = square.AsSingle();
            ratio = ((((Vector512.Create(-5.70498872745E-3f) * s + Vector512.Create(2.06390887954E-2f)) * s + Vector512.Create(-5.37397155531E-2f)) * s
                + Vector512.Create(1.33314422036E-1f)) * s + Vector512.Create(-3.33332819422E-1f)).As<float, T>();
        }
        var small = magnitude + magnitude * square * ratio;
        var large = Vector512<T>.One - Vector512.Create(T.CreateTruncating(2)) / (Exp(magnitude + magnitude) + Vector512<T>.One);
        var result = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(magnitude, Vector512.Create(T.CreateTruncating(0.625))), large, small);
        return Vector512.CopySign(result, x);
    }

    /// <summary>tanh x per lane; see <see cref="Tanh(Vector512{T})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Tanh(Vector256<T> x)
    {
        var magnitude = Vector256.Abs(x);
        var square = magnitude * magnitude;
        Vector256<T> ratio;
        if (typeof(T) == typeof(double))
        {
            var s = square.AsDouble();
            var p = (Vector256.Create(-9.64399179425052238628E-1) * s + Vector256.Create(-9.92877231001918586564E1)) * s + Vector256.Create(-1.61468768441708447952E3);
            var q = ((s + Vector256.Create(1.12811678491632931402E2)) * s + Vector256.Create(2.23548839060100448583E3)) * s + Vector256.Create(4.84406305325125486048E3);
            ratio = (p / q).As<double, T>();
        }
        else
        {
            var s = square.AsSingle();
            ratio = ((((Vector256.Create(-5.70498872745E-3f) * s + Vector256.Create(2.06390887954E-2f)) * s + Vector256.Create(-5.37397155531E-2f)) * s
                + Vector256.Create(1.33314422036E-1f)) * s + Vector256.Create(-3.33332819422E-1f)).As<float, T>();
        }
        var small = magnitude + magnitude * square * ratio;
        var large = Vector256<T>.One - Vector256.Create(T.CreateTruncating(2)) / (Exp(magnitude + magnitude) + Vector256<T>.One);
        var result = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(magnitude, Vector256.Create(T.CreateTruncating(0.625))), large, small);
        return Vector256.CopySign(result, x);
    }
}
