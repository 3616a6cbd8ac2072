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
/// every element of a span is computed by the same instructions whatever its position. Sums accumulate whole
/// vectors in two lane-wise accumulators (even and odd vectors) in index order, add the masked tail and reduce at
/// the end, so a result depends only on the values and the length, never on the address of the data. Also the
/// vector forms of e^x, ln x and tanh x.
/// </summary>
internal static class Simd<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>True when the drivers use <see cref="Vector512{T}"/>.</summary>
    public static bool Is512 => (typeof(T) == typeof(float) || typeof(T) == typeof(double)) && Vector512.IsHardwareAccelerated;

    /// <summary>True when the drivers use <see cref="Vector256{T}"/> (and not <see cref="Vector512{T}"/>).</summary>
    public static bool Is256 => (typeof(T) == typeof(float) || typeof(T) == typeof(double)) && !Vector512.IsHardwareAccelerated && Vector256.IsHardwareAccelerated;

    /// <summary>result[i] = f(x[i]); result may be x itself.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Map<TOperation>(ReadOnlySpan<T> x, Span<T> result, TOperation operation) where TOperation : struct, IUnaryOperation<T>
    {
        int n = x.Length;
        if (result.Length < n) throw new ArgumentException("The result is shorter than the input.", nameof(result));
        ref T xs = ref MemoryMarshal.GetReference(x);
        ref T rs = ref MemoryMarshal.GetReference(result);
        if (Is512)
        {
            int whole = n - n % Vector512<T>.Count;
            for (int i = 0; i < whole; i += Vector512<T>.Count) operation.Invoke(Vector512.LoadUnsafe(ref xs, (nuint)i)).StoreUnsafe(ref rs, (nuint)i);
            if (whole < n) MapTail512(x[whole..], result[whole..n], operation);
        }
        else if (Is256)
        {
            int whole = n - n % Vector256<T>.Count;
            for (int i = 0; i < whole; i += Vector256<T>.Count) operation.Invoke(Vector256.LoadUnsafe(ref xs, (nuint)i)).StoreUnsafe(ref rs, (nuint)i);
            if (whole < n) MapTail256(x[whole..], result[whole..n], operation);
        }
        else
        {
            for (int i = 0; i < n; i++) result[i] = operation.Invoke(x[i]);
        }
    }

    /// <summary>result[i] = f(x[i], y[i]); result may be x or y itself.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Map<TOperation>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> result, TOperation operation) where TOperation : struct, IBinaryOperation<T>
    {
        int n = x.Length;
        if (y.Length != n) throw new ArgumentException("The inputs differ in length.", nameof(y));
        if (result.Length < n) throw new ArgumentException("The result is shorter than the inputs.", nameof(result));
        ref T xs = ref MemoryMarshal.GetReference(x);
        ref T ys = ref MemoryMarshal.GetReference(y);
        ref T rs = ref MemoryMarshal.GetReference(result);
        if (Is512)
        {
            int whole = n - n % Vector512<T>.Count;
            for (int i = 0; i < whole; i += Vector512<T>.Count)
                operation.Invoke(Vector512.LoadUnsafe(ref xs, (nuint)i), Vector512.LoadUnsafe(ref ys, (nuint)i)).StoreUnsafe(ref rs, (nuint)i);
            if (whole < n) MapTail512(x[whole..], y[whole..], result[whole..n], operation);
        }
        else if (Is256)
        {
            int whole = n - n % Vector256<T>.Count;
            for (int i = 0; i < whole; i += Vector256<T>.Count)
                operation.Invoke(Vector256.LoadUnsafe(ref xs, (nuint)i), Vector256.LoadUnsafe(ref ys, (nuint)i)).StoreUnsafe(ref rs, (nuint)i);
            if (whole < n) MapTail256(x[whole..], y[whole..], result[whole..n], operation);
        }
        else
        {
            for (int i = 0; i < n; i++) result[i] = operation.Invoke(x[i], y[i]);
        }
    }

    /// <summary>Writes result[i] = f(x[i]) (unless result is empty) and returns Σ_i f(x[i]); result may be x itself.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T MapSum<TOperation>(ReadOnlySpan<T> x, Span<T> result, TOperation operation) where TOperation : struct, IUnaryOperation<T>
    {
        int n = x.Length;
        bool store = !result.IsEmpty;
        if (store && result.Length < n) throw new ArgumentException("The result is shorter than the input.", nameof(result));
        if (Is512)
        {
            int whole = n - n % Vector512<T>.Count;
            var sum = MapSumBody512(x, result, whole, store, operation);
            if (whole < n) sum += MapSumTail512(x[whole..], store ? result[whole..n] : Span<T>.Empty, operation);
            return Vector512.Sum(sum);
        }
        if (Is256)
        {
            int whole = n - n % Vector256<T>.Count;
            var sum = MapSumBody256(x, result, whole, store, operation);
            if (whole < n) sum += MapSumTail256(x[whole..], store ? result[whole..n] : Span<T>.Empty, operation);
            return Vector256.Sum(sum);
        }
        T total = T.Zero;
        for (int i = 0; i < n; i++)
        {
            T value = operation.Invoke(x[i]);
            if (store) result[i] = value;
            total += value;
        }
        return total;
    }

    /// <summary>Σ_i f(x[i], y[i]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T Sum<TOperation>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, TOperation operation) where TOperation : struct, IBinaryOperation<T>
    {
        int n = x.Length;
        if (y.Length != n) throw new ArgumentException("The inputs differ in length.", nameof(y));
        if (Is512)
        {
            int whole = n - n % Vector512<T>.Count;
            var sum = SumBody512(x, y, whole, operation);
            if (whole < n) sum += SumTail512(x[whole..], y[whole..], operation);
            return Vector512.Sum(sum);
        }
        if (Is256)
        {
            int whole = n - n % Vector256<T>.Count;
            var sum = SumBody256(x, y, whole, operation);
            if (whole < n) sum += SumTail256(x[whole..], y[whole..], operation);
            return Vector256.Sum(sum);
        }
        T total = T.Zero;
        for (int i = 0; i < n; i++) total += operation.Invoke(x[i], y[i]);
        return total;
    }

    // The loops that accumulate live in methods without calls, so that the accumulators stay in registers; two
    // accumulators (even and odd vectors) hide the latency of the additions. The order is fixed by the length.
    // The drivers are compiled fully optimized at once (AggressiveOptimization): under tiered compilation their
    // loops ran unoptimized for seconds in short runs on a loaded machine.

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Vector512<T> MapSumBody512<TOperation>(ReadOnlySpan<T> x, Span<T> result, int whole, bool store, TOperation operation)
        where TOperation : struct, IUnaryOperation<T>
    {
        ref T xs = ref MemoryMarshal.GetReference(x);
        ref T rs = ref MemoryMarshal.GetReference(result);
        int count = Vector512<T>.Count;
        Vector512<T> even = Vector512<T>.Zero, odd = Vector512<T>.Zero;
        int i = 0;
        for (; i + 2 * count <= whole; i += 2 * count)
        {
            var first = operation.Invoke(Vector512.LoadUnsafe(ref xs, (nuint)i));
            var second = operation.Invoke(Vector512.LoadUnsafe(ref xs, (nuint)(i + count)));
            if (store)
            {
                first.StoreUnsafe(ref rs, (nuint)i);
                second.StoreUnsafe(ref rs, (nuint)(i + count));
            }
            even += first;
            odd += second;
        }
        if (i < whole)
        {
            var value = operation.Invoke(Vector512.LoadUnsafe(ref xs, (nuint)i));
            if (store) value.StoreUnsafe(ref rs, (nuint)i);
            even += value;
        }
        return even + odd;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Vector256<T> MapSumBody256<TOperation>(ReadOnlySpan<T> x, Span<T> result, int whole, bool store, TOperation operation)
        where TOperation : struct, IUnaryOperation<T>
    {
        ref T xs = ref MemoryMarshal.GetReference(x);
        ref T rs = ref MemoryMarshal.GetReference(result);
        int count = Vector256<T>.Count;
        Vector256<T> even = Vector256<T>.Zero, odd = Vector256<T>.Zero;
        int i = 0;
        for (; i + 2 * count <= whole; i += 2 * count)
        {
            var first = operation.Invoke(Vector256.LoadUnsafe(ref xs, (nuint)i));
            var second = operation.Invoke(Vector256.LoadUnsafe(ref xs, (nuint)(i + count)));
            if (store)
            {
                first.StoreUnsafe(ref rs, (nuint)i);
                second.StoreUnsafe(ref rs, (nuint)(i + count));
            }
            even += first;
            odd += second;
        }
        if (i < whole)
        {
            var value = operation.Invoke(Vector256.LoadUnsafe(ref xs, (nuint)i));
            if (store) value.StoreUnsafe(ref rs, (nuint)i);
            even += value;
        }
        return even + odd;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Vector512<T> SumBody512<TOperation>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, int whole, TOperation operation)
        where TOperation : struct, IBinaryOperation<T>
    {
        ref T xs = ref MemoryMarshal.GetReference(x);
        ref T ys = ref MemoryMarshal.GetReference(y);
        int count = Vector512<T>.Count;
        Vector512<T> even = Vector512<T>.Zero, odd = Vector512<T>.Zero;
        int i = 0;
        for (; i + 2 * count <= whole; i += 2 * count)
        {
            even += operation.Invoke(Vector512.LoadUnsafe(ref xs, (nuint)i), Vector512.LoadUnsafe(ref ys, (nuint)i));
            odd += operation.Invoke(Vector512.LoadUnsafe(ref xs, (nuint)(i + count)), Vector512.LoadUnsafe(ref ys, (nuint)(i + count)));
        }
        if (i < whole) even += operation.Invoke(Vector512.LoadUnsafe(ref xs, (nuint)i), Vector512.LoadUnsafe(ref ys, (nuint)i));
        return even + odd;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Vector256<T> SumBody256<TOperation>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, int whole, TOperation operation)
        where TOperation : struct, IBinaryOperation<T>
    {
        ref T xs = ref MemoryMarshal.GetReference(x);
        ref T ys = ref MemoryMarshal.GetReference(y);
        int count = Vector256<T>.Count;
        Vector256<T> even = Vector256<T>.Zero, odd = Vector256<T>.Zero;
        int i = 0;
        for (; i + 2 * count <= whole; i += 2 * count)
        {
            even += operation.Invoke(Vector256.LoadUnsafe(ref xs, (nuint)i), Vector256.LoadUnsafe(ref ys, (nuint)i));
            odd += operation.Invoke(Vector256.LoadUnsafe(ref xs, (nuint)(i + count)), Vector256.LoadUnsafe(ref ys, (nuint)(i + count)));
        }
        if (i < whole) even += operation.Invoke(Vector256.LoadUnsafe(ref xs, (nuint)i), Vector256.LoadUnsafe(ref ys, (nuint)i));
        return even + odd;
    }

    // The tails: fewer than one vector of elements, padded with zeros in a stack buffer and run through the same
    // vector code; sums keep only the lanes that hold elements.

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void MapTail512<TOperation>(ReadOnlySpan<T> x, Span<T> result, TOperation operation) where TOperation : struct, IUnaryOperation<T>
    {
        Span<T> buffer = stackalloc T[Vector512<T>.Count];
        x.CopyTo(buffer);
        operation.Invoke(Vector512.Create<T>(buffer)).CopyTo(buffer);
        buffer[..result.Length].CopyTo(result);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void MapTail256<TOperation>(ReadOnlySpan<T> x, Span<T> result, TOperation operation) where TOperation : struct, IUnaryOperation<T>
    {
        Span<T> buffer = stackalloc T[Vector256<T>.Count];
        x.CopyTo(buffer);
        operation.Invoke(Vector256.Create<T>(buffer)).CopyTo(buffer);
        buffer[..result.Length].CopyTo(result);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void MapTail512<TOperation>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> result, TOperation operation) where TOperation : struct, IBinaryOperation<T>
    {
        int count = Vector512<T>.Count;
        Span<T> buffer = stackalloc T[2 * count];
        x.CopyTo(buffer);
        y.CopyTo(buffer[count..]);
        operation.Invoke(Vector512.Create<T>(buffer), Vector512.Create<T>(buffer[count..])).CopyTo(buffer);
        buffer[..result.Length].CopyTo(result);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void MapTail256<TOperation>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> result, TOperation operation) where TOperation : struct, IBinaryOperation<T>
    {
        int count = Vector256<T>.Count;
        Span<T> buffer = stackalloc T[2 * count];
        x.CopyTo(buffer);
        y.CopyTo(buffer[count..]);
        operation.Invoke(Vector256.Create<T>(buffer), Vector256.Create<T>(buffer[count..])).CopyTo(buffer);
        buffer[..result.Length].CopyTo(result);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector512<T> MapSumTail512<TOperation>(ReadOnlySpan<T> x, Span<T> result, TOperation operation) where TOperation : struct, IUnaryOperation<T>
    {
        Span<T> buffer = stackalloc T[Vector512<T>.Count];
        x.CopyTo(buffer);
        var value = operation.Invoke(Vector512.Create<T>(buffer));
        if (!result.IsEmpty)
        {
            value.CopyTo(buffer);
            buffer[..result.Length].CopyTo(result);
        }
        return Vector512.ConditionalSelect(Vector512.LessThan(Vector512<T>.Indices, Vector512.Create(T.CreateTruncating(x.Length))), value, Vector512<T>.Zero);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector256<T> MapSumTail256<TOperation>(ReadOnlySpan<T> x, Span<T> result, TOperation operation) where TOperation : struct, IUnaryOperation<T>
    {
        Span<T> buffer = stackalloc T[Vector256<T>.Count];
        x.CopyTo(buffer);
        var value = operation.Invoke(Vector256.Create<T>(buffer));
        if (!result.IsEmpty)
        {
            value.CopyTo(buffer);
            buffer[..result.Length].CopyTo(result);
        }
        return Vector256.ConditionalSelect(Vector256.LessThan(Vector256<T>.Indices, Vector256.Create(T.CreateTruncating(x.Length))), value, Vector256<T>.Zero);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector512<T> SumTail512<TOperation>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, TOperation operation) where TOperation : struct, IBinaryOperation<T>
    {
        int count = Vector512<T>.Count;
        Span<T> buffer = stackalloc T[2 * count];
        x.CopyTo(buffer);
        y.CopyTo(buffer[count..]);
        var value = operation.Invoke(Vector512.Create<T>(buffer), Vector512.Create<T>(buffer[count..]));
        return Vector512.ConditionalSelect(Vector512.LessThan(Vector512<T>.Indices, Vector512.Create(T.CreateTruncating(x.Length))), value, Vector512<T>.Zero);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector256<T> SumTail256<TOperation>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, TOperation operation) where TOperation : struct, IBinaryOperation<T>
    {
        int count = Vector256<T>.Count;
        Span<T> buffer = stackalloc T[2 * count];
        x.CopyTo(buffer);
        y.CopyTo(buffer[count..]);
        var value = operation.Invoke(Vector256.Create<T>(buffer), Vector256.Create<T>(buffer[count..]));
        return Vector256.ConditionalSelect(Vector256.LessThan(Vector256<T>.Indices, Vector256.Create(T.CreateTruncating(x.Length))), value, Vector256<T>.Zero);
    }

    /// <summary>The index of the first NaN or infinity, or -1: x - x is 0 exactly when x is finite.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
