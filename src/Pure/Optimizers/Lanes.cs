using System.Numerics;
using System.Runtime.CompilerServices;

namespace Pure;

/// <summary>
/// The arithmetic an optimizer's element-wise formula needs, at one width: all the lanes of a <see cref="Vector{T}"/>
/// (<see cref="VectorLanes{T}"/>) or one element (<see cref="ScalarLane{T}"/>). A formula written once as a generic
/// method over this interface runs on whole vectors and on the scalar tail after them with the same operations in the
/// same order, so every element gets the same bits whatever its position (neither width fuses a multiply and an add).
/// </summary>
internal interface ILanes<TSelf, T> : ILaneArithmetic<TSelf>
    where TSelf : struct, ILanes<TSelf, T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The number of elements one value holds.</summary>
    static abstract int Count { get; }

    /// <summary>Every lane 0.</summary>
    static abstract TSelf Zero { get; }

    /// <summary>Every lane <paramref name="value"/>.</summary>
    static abstract TSelf Broadcast(T value);

    /// <summary>Every lane <paramref name="constant"/>, read from its form at this width (no broadcast inside a loop).</summary>
    static abstract TSelf Constant(in LaneConstant<T> constant);

    /// <summary>The elements of <paramref name="source"/> from <paramref name="index"/>.</summary>
    static abstract TSelf Load(ReadOnlySpan<T> source, int index);

    /// <summary>Writes the lanes to <paramref name="destination"/> from <paramref name="index"/>.</summary>
    void Store(Span<T> destination, int index);

    /// <summary>True when every lane is 0 (so a sum of x - x over values x was taken only over finite ones).</summary>
    bool IsZero { get; }
}

/// <summary>The lane-wise operations of <see cref="ILanes{TSelf, T}"/>, apart so that a formula's element type need not be named.</summary>
internal interface ILaneArithmetic<TSelf> where TSelf : struct, ILaneArithmetic<TSelf>
{
    /// <summary>Lane-wise x + y.</summary>
    static abstract TSelf operator +(TSelf x, TSelf y);

    /// <summary>Lane-wise x - y.</summary>
    static abstract TSelf operator -(TSelf x, TSelf y);

    /// <summary>Lane-wise x · y.</summary>
    static abstract TSelf operator *(TSelf x, TSelf y);

    /// <summary>Lane-wise x / y.</summary>
    static abstract TSelf operator /(TSelf x, TSelf y);

    /// <summary>Lane-wise √x, correctly rounded.</summary>
    static abstract TSelf Sqrt(TSelf x);
}

/// <summary>A constant of a formula held at both widths, built once per stretch rather than broadcast at every vector.</summary>
internal readonly struct LaneConstant<T>(T value) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The value.</summary>
    public T Scalar { get; } = value;

    /// <summary>The value in every lane (zero for element types without vectors, which never read it).</summary>
    public Vector<T> Vector { get; } = Vector<T>.IsSupported ? new Vector<T>(value) : default;
}

/// <summary>The lanes of one <see cref="Vector{T}"/>.</summary>
internal readonly struct VectorLanes<T>(Vector<T> value) : ILanes<VectorLanes<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Vector<T> _value = value;

    public static int Count => Vector<T>.Count;

    public static VectorLanes<T> Zero
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(Vector<T>.Zero);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorLanes<T> Broadcast(T value) => new(new Vector<T>(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorLanes<T> Constant(in LaneConstant<T> constant) => new(constant.Vector);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorLanes<T> Load(ReadOnlySpan<T> source, int index) => new(new Vector<T>(source[index..]));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(Span<T> destination, int index) => _value.CopyTo(destination[index..]);

    public bool IsZero => Vector.EqualsAll(_value, Vector<T>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorLanes<T> operator +(VectorLanes<T> x, VectorLanes<T> y) => new(x._value + y._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorLanes<T> operator -(VectorLanes<T> x, VectorLanes<T> y) => new(x._value - y._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorLanes<T> operator *(VectorLanes<T> x, VectorLanes<T> y) => new(x._value * y._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorLanes<T> operator /(VectorLanes<T> x, VectorLanes<T> y) => new(x._value / y._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static VectorLanes<T> Sqrt(VectorLanes<T> x) => new(Vector.SquareRoot(x._value));
}

/// <summary>One element, for the tail after the last whole vector and for element types without vectors.</summary>
internal readonly struct ScalarLane<T>(T value) : ILanes<ScalarLane<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _value = value;

    public static int Count => 1;

    public static ScalarLane<T> Zero
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(T.Zero);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarLane<T> Broadcast(T value) => new(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarLane<T> Constant(in LaneConstant<T> constant) => new(constant.Scalar);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarLane<T> Load(ReadOnlySpan<T> source, int index) => new(source[index]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(Span<T> destination, int index) => destination[index] = _value;

    public bool IsZero => _value == T.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarLane<T> operator +(ScalarLane<T> x, ScalarLane<T> y) => new(x._value + y._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarLane<T> operator -(ScalarLane<T> x, ScalarLane<T> y) => new(x._value - y._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarLane<T> operator *(ScalarLane<T> x, ScalarLane<T> y) => new(x._value * y._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarLane<T> operator /(ScalarLane<T> x, ScalarLane<T> y) => new(x._value / y._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ScalarLane<T> Sqrt(ScalarLane<T> x) => new(T.Sqrt(x._value));
}

/// <summary>
/// One transform's element-wise rule, u_i = f(g_i, θ_i, state_i), over the elements of one stretch of a segment; the
/// rule updates its own state (moments) at the same indices. Each transform's file holds its rule, and its formula once.
/// </summary>
internal interface IUpdateRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>u for elements [index, index + TLanes.Count) given their input g and parameters θ.</summary>
    TLanes Update<TLanes>(TLanes input, TLanes parameters, int index) where TLanes : struct, ILanes<TLanes, T>;
}

/// <summary>The rule that passes its input through (u = g): the middle of a fused chain without momentum or Adam.</summary>
internal readonly ref struct IdentityRule<T> : IUpdateRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TLanes Update<TLanes>(TLanes input, TLanes parameters, int index) where TLanes : struct, ILanes<TLanes, T> => input;
}

/// <summary>
/// The two loops through which every optimizer kernel runs, each over whole vectors and then over the scalar tail with
/// the same generic formula: <see cref="Apply{TRule}"/> (output = rule(input), one transform of a chain) and
/// <see cref="StepAndAdd{TRule}"/> (θ += scale · rule(g + λθ), a whole common chain and the addition in one pass).
/// </summary>
internal static class Lanes<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static bool Vectorised => Vector.IsHardwareAccelerated && Vector<T>.IsSupported;

    /// <summary>output[i] = rule(input[i], parameters[i]); <paramref name="parameters"/> may be empty when the rule ignores θ. Output may be input.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply<TRule>(ReadOnlySpan<T> input, Span<T> output, ReadOnlySpan<T> parameters, TRule rule)
        where TRule : IUpdateRule<T>, allows ref struct
    {
        int i = 0, n = input.Length;
        bool hasParameters = !parameters.IsEmpty;
        if (Vectorised)
            for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
                rule.Update(VectorLanes<T>.Load(input, i), hasParameters ? VectorLanes<T>.Load(parameters, i) : VectorLanes<T>.Zero, i).Store(output, i);
        for (; i < n; i++)
            rule.Update(ScalarLane<T>.Load(input, i), hasParameters ? ScalarLane<T>.Load(parameters, i) : ScalarLane<T>.Zero, i).Store(output, i);
    }

    /// <summary>
    /// θ_i += scale · rule(g'_i, θ_i) with g' = g + λθ when <paramref name="decays"/> (else g, so that no 0 · θ changes the
    /// sign of a zero); false when a new θ_i is not finite.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool StepAndAdd<TRule>(ReadOnlySpan<T> gradient, Span<T> parameters, bool decays, T decay, T scale, TRule rule)
        where TRule : IUpdateRule<T>, allows ref struct
    {
        int i = 0, n = gradient.Length;
        bool finite = true;
        if (Vectorised)
        {
            VectorLanes<T> check = VectorLanes<T>.Zero, lambda = VectorLanes<T>.Broadcast(decay), factor = VectorLanes<T>.Broadcast(scale);
            for (; i <= n - Vector<T>.Count; i += Vector<T>.Count) check += StepAndAddAt(gradient, parameters, decays, lambda, factor, rule, i);
            finite = check.IsZero;
        }
        ScalarLane<T> tailCheck = ScalarLane<T>.Zero, tailLambda = ScalarLane<T>.Broadcast(decay), tailFactor = ScalarLane<T>.Broadcast(scale);
        for (; i < n; i++) tailCheck += StepAndAddAt(gradient, parameters, decays, tailLambda, tailFactor, rule, i);
        return finite && tailCheck.IsZero;
    }

    /// <summary>parameters += updates (θ + u, as <see cref="Parameters{T}.Add"/>); false when a sum is not finite.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool Add(Span<T> parameters, ReadOnlySpan<T> updates)
    {
        int i = 0, n = parameters.Length;
        bool finite = true;
        if (Vectorised)
        {
            var check = VectorLanes<T>.Zero;
            for (; i <= n - Vector<T>.Count; i += Vector<T>.Count) check += AddAt<VectorLanes<T>>(parameters, updates, i);
            finite = check.IsZero;
        }
        var tailCheck = ScalarLane<T>.Zero;
        for (; i < n; i++) tailCheck += AddAt<ScalarLane<T>>(parameters, updates, i);
        return finite && tailCheck.IsZero;
    }

    /// <summary>One width of <see cref="StepAndAdd{TRule}"/>; returns sum - sum, 0 where the new θ is finite and NaN elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TLanes StepAndAddAt<TLanes, TRule>(ReadOnlySpan<T> gradient, Span<T> parameters, bool decays, TLanes decay, TLanes scale, TRule rule, int i)
        where TLanes : struct, ILanes<TLanes, T>
        where TRule : IUpdateRule<T>, allows ref struct
    {
        var theta = TLanes.Load(parameters, i);
        var g = TLanes.Load(gradient, i);
        if (decays) g = AddDecayedWeightsTransform.Decayed(g, theta, decay);
        var sum = theta + ScaleByLearningRateTransform.Scaled(rule.Update(g, theta, i), scale);
        sum.Store(parameters, i);
        return sum - sum;
    }

    /// <summary>One width of <see cref="Add"/>; returns sum - sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TLanes AddAt<TLanes>(Span<T> parameters, ReadOnlySpan<T> updates, int i) where TLanes : struct, ILanes<TLanes, T>
    {
        var sum = TLanes.Load(parameters, i) + TLanes.Load(updates, i);
        sum.Store(parameters, i);
        return sum - sum;
    }
}
