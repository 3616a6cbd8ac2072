using System.Collections.Immutable;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Pure;

/// <summary>
/// A private, mutable twin of an <see cref="Optimizer"/> and its state, used only inside the training loop, where
/// intermediate states never reach the user. Parameters, gradients, updates and moments are held as segments in
/// the order W^[1], b^[1], W^[2], b^[2], ... Every element is computed with the same operations, in the same order,
/// as the pure <see cref="Optimizer.Update{T}"/>, so the two paths agree bit for bit.
/// </summary>
internal abstract class InPlaceTransform<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The transforms to run in order: this one, or a chain's members, flattened.</summary>
    public virtual IEnumerable<InPlaceTransform<T>> Leaves => [this];

    /// <summary>True when <see cref="Prepare"/> needs this transform's whole input before any element is transformed.</summary>
    public virtual bool NeedsWholeInput => false;

    /// <summary>Called once per step, before any element, with this transform's whole input when <see cref="NeedsWholeInput"/>.</summary>
    public virtual void Prepare(T[][] input)
    {
    }

    /// <summary>
    /// output = this transform of input for elements [offset, offset + input.Length) of segment <paramref name="segment"/>;
    /// <paramref name="parameters"/> are θ for the same elements. Input and output may be the same span.
    /// </summary>
    public abstract void Apply(int segment, int offset, ReadOnlySpan<T> input, Span<T> output, ReadOnlySpan<T> parameters);

    /// <summary>A fresh immutable copy of the current state.</summary>
    public abstract OptimizerState<T> ToState(Parameters<T> shape);

    /// <summary>Copies a parameter-shaped value into new segments.</summary>
    public static T[][] Segments(Parameters<T> values)
    {
        var segments = new T[values.Layers.Length * 2][];
        for (int l = 0; l < values.Layers.Length; l++)
        {
            segments[2 * l] = values.Layers[l].Weight.ToColumnMajorArray();
            segments[2 * l + 1] = values.Layers[l].Bias.ToArray();
        }
        return segments;
    }

    /// <summary>A new immutable value shaped like <paramref name="shape"/> holding copies of <paramref name="segments"/>.</summary>
    public static Parameters<T> ToParameters(T[][] segments, Parameters<T> shape)
    {
        var layers = ImmutableArray.CreateBuilder<LayerParameters<T>>(shape.Layers.Length);
        for (int l = 0; l < shape.Layers.Length; l++)
        {
            var weight = shape.Layers[l].Weight;
            layers.Add(new LayerParameters<T>(
                new ImmutableMatrix<T>(weight.Rows, weight.Columns, (T[])segments[2 * l].Clone()),
                new ImmutableVector<T>((T[])segments[2 * l + 1].Clone())));
        }
        return new Parameters<T>(layers.MoveToImmutable());
    }
}

/// <summary>See <see cref="ChainOptimizer"/>.</summary>
internal sealed class InPlaceChain<T>(InPlaceTransform<T>[] transforms) : InPlaceTransform<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override IEnumerable<InPlaceTransform<T>> Leaves => transforms.SelectMany(transform => transform.Leaves);

    public override void Apply(int segment, int offset, ReadOnlySpan<T> input, Span<T> output, ReadOnlySpan<T> parameters) =>
        throw new InvalidOperationException("A chain runs as its leaves.");

    public override OptimizerState<T> ToState(Parameters<T> shape) =>
        new ChainState<T>(transforms.Select(transform => transform.ToState(shape)).ToImmutableArray());
}

/// <summary>See <see cref="ScaleByLearningRateTransform"/>: u = g · (-η).</summary>
internal sealed class InPlaceScale<T>(T scale) : InPlaceTransform<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The factor, -η.</summary>
    public T Factor => scale;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Apply(int segment, int offset, ReadOnlySpan<T> input, Span<T> output, ReadOnlySpan<T> parameters)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var factor = new Vector<T>(scale);
            for (; i <= input.Length - Vector<T>.Count; i += Vector<T>.Count) (new Vector<T>(input[i..]) * factor).CopyTo(output[i..]);
        }
        for (; i < input.Length; i++) output[i] = input[i] * scale;
    }

    public override OptimizerState<T> ToState(Parameters<T> shape) => new EmptyState<T>();
}

/// <summary>See <see cref="ScaleByMomentumTransform"/>: v = μ v + g; u = v, or g + μ v for Nesterov.</summary>
internal sealed class InPlaceMomentum<T>(T momentum, bool nesterov, T[][] velocity) : InPlaceTransform<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Apply(int segment, int offset, ReadOnlySpan<T> input, Span<T> output, ReadOnlySpan<T> parameters)
    {
        var v = velocity[segment].AsSpan(offset, input.Length);
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var mu = new Vector<T>(momentum);
            for (; i <= v.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var gi = new Vector<T>(input[i..]);
                var vi = mu * new Vector<T>(v[i..]) + gi;
                vi.CopyTo(v[i..]);
                (nesterov ? gi + mu * vi : vi).CopyTo(output[i..]);
            }
        }
        for (; i < v.Length; i++)
        {
            T gi = input[i];
            v[i] = momentum * v[i] + gi;
            output[i] = nesterov ? gi + momentum * v[i] : v[i];
        }
    }

    /// <summary>See <see cref="FusedUpdate{T}"/>: g' = g + λθ (when decaying), v = μ v + g', θ += scale · (v or g' + μ v); false if a sum is not finite.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool StepAndAdd(int segment, int offset, ReadOnlySpan<T> gradient, Span<T> parameters, bool decays, T decay, T scale)
    {
        var v = velocity[segment].AsSpan(offset, gradient.Length);
        int i = 0;
        bool finite = true;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            Vector<T> mu = new(momentum), lambda = new(decay), factor = new(scale), check = Vector<T>.Zero;
            for (; i <= v.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var theta = new Vector<T>(parameters[i..]);
                var gi = new Vector<T>(gradient[i..]);
                if (decays) gi += lambda * theta;
                var vi = mu * new Vector<T>(v[i..]) + gi;
                vi.CopyTo(v[i..]);
                var sum = theta + (nesterov ? gi + mu * vi : vi) * factor;
                sum.CopyTo(parameters[i..]);
                check += sum - sum;
            }
            finite = Vector.EqualsAll(check, Vector<T>.Zero);
        }
        for (; i < v.Length; i++)
        {
            T gi = decays ? gradient[i] + decay * parameters[i] : gradient[i];
            v[i] = momentum * v[i] + gi;
            parameters[i] += (nesterov ? gi + momentum * v[i] : v[i]) * scale;
            finite &= T.IsFinite(parameters[i]);
        }
        return finite;
    }

    public override OptimizerState<T> ToState(Parameters<T> shape) => new MomentumState<T>(ToParameters(velocity, shape));
}

/// <summary>See <see cref="ScaleByAdamTransform"/>.</summary>
internal sealed class InPlaceAdam<T>(double beta1, double beta2, T epsilon, long count, T[][] first, T[][] second)
    : InPlaceTransform<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _beta1 = T.CreateChecked(beta1);
    private readonly T _beta2 = T.CreateChecked(beta2);
    private T _firstCorrection = T.One;
    private T _secondCorrection = T.One;

    public override void Prepare(T[][] input)
    {
        count++;
        _firstCorrection = T.CreateChecked(1 - Math.Pow(beta1, count));
        _secondCorrection = T.CreateChecked(1 - Math.Pow(beta2, count));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Apply(int segment, int offset, ReadOnlySpan<T> input, Span<T> output, ReadOnlySpan<T> parameters)
    {
        var m = first[segment].AsSpan(offset, input.Length);
        var v = second[segment].AsSpan(offset, input.Length);
        T b1 = _beta1, b2 = _beta2;
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            Vector<T> vb1 = new(b1), vb2 = new(b2), c1 = new(T.One - b1), c2 = new(T.One - b2);
            Vector<T> first = new(_firstCorrection), second = new(_secondCorrection), eps = new(epsilon);
            for (; i <= input.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var gi = new Vector<T>(input[i..]);
                var mi = vb1 * new Vector<T>(m[i..]) + c1 * gi;
                var vi = vb2 * new Vector<T>(v[i..]) + c2 * gi * gi;
                mi.CopyTo(m[i..]);
                vi.CopyTo(v[i..]);
                (mi / first / (Vector.SquareRoot(vi / second) + eps)).CopyTo(output[i..]);
            }
        }
        for (; i < input.Length; i++)
        {
            T gi = input[i];
            m[i] = b1 * m[i] + (T.One - b1) * gi;
            v[i] = b2 * v[i] + (T.One - b2) * gi * gi;
            output[i] = m[i] / _firstCorrection / (T.Sqrt(v[i] / _secondCorrection) + epsilon);
        }
    }

    /// <summary>See <see cref="FusedUpdate{T}"/>: g' = g + λθ (when decaying), the moments of g', θ += scale · m̂ / (√v̂ + ε); false if a sum is not finite.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool StepAndAdd(int segment, int offset, ReadOnlySpan<T> gradient, Span<T> parameters, bool decays, T decay, T scale)
    {
        var m = first[segment].AsSpan(offset, gradient.Length);
        var v = second[segment].AsSpan(offset, gradient.Length);
        T b1 = _beta1, b2 = _beta2;
        int i = 0;
        bool finite = true;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            Vector<T> vb1 = new(b1), vb2 = new(b2), c1 = new(T.One - b1), c2 = new(T.One - b2), lambda = new(decay), factor = new(scale);
            Vector<T> first = new(_firstCorrection), second = new(_secondCorrection), eps = new(epsilon), check = Vector<T>.Zero;
            for (; i <= gradient.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var theta = new Vector<T>(parameters[i..]);
                var gi = new Vector<T>(gradient[i..]);
                if (decays) gi += lambda * theta;
                var mi = vb1 * new Vector<T>(m[i..]) + c1 * gi;
                var vi = vb2 * new Vector<T>(v[i..]) + c2 * gi * gi;
                mi.CopyTo(m[i..]);
                vi.CopyTo(v[i..]);
                var sum = theta + mi / first / (Vector.SquareRoot(vi / second) + eps) * factor;
                sum.CopyTo(parameters[i..]);
                check += sum - sum;
            }
            finite = Vector.EqualsAll(check, Vector<T>.Zero);
        }
        for (; i < gradient.Length; i++)
        {
            T gi = decays ? gradient[i] + decay * parameters[i] : gradient[i];
            m[i] = b1 * m[i] + (T.One - b1) * gi;
            v[i] = b2 * v[i] + (T.One - b2) * gi * gi;
            parameters[i] += m[i] / _firstCorrection / (T.Sqrt(v[i] / _secondCorrection) + epsilon) * scale;
            finite &= T.IsFinite(parameters[i]);
        }
        return finite;
    }

    public override OptimizerState<T> ToState(Parameters<T> shape) => new AdamState<T>(count, ToParameters(first, shape), ToParameters(second, shape));
}

/// <summary>See <see cref="AddDecayedWeightsTransform"/>: u = g + λ θ.</summary>
internal sealed class InPlaceDecay<T>(T decay) : InPlaceTransform<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>λ.</summary>
    public T Decay => decay;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Apply(int segment, int offset, ReadOnlySpan<T> input, Span<T> output, ReadOnlySpan<T> parameters)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var factor = new Vector<T>(decay);
            for (; i <= input.Length - Vector<T>.Count; i += Vector<T>.Count)
                (new Vector<T>(input[i..]) + factor * new Vector<T>(parameters[i..])).CopyTo(output[i..]);
        }
        for (; i < input.Length; i++) output[i] = input[i] + decay * parameters[i];
    }

    public override OptimizerState<T> ToState(Parameters<T> shape) => new EmptyState<T>();
}

/// <summary>See <see cref="ClipByGlobalNormTransform"/>: the norm summed layer by layer as <see cref="Parameters{T}.Norm"/> does.</summary>
internal sealed class InPlaceClip<T>(T maxNorm) : InPlaceTransform<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private T _scale = T.One;
    private bool _clipping;

    public override bool NeedsWholeInput => true;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Prepare(T[][] input)
    {
        T sum = T.Zero;
        for (int s = 0; s < input.Length; s += 2)
            sum += Kernels<T>.Dot(input[s], input[s]) + Kernels<T>.Dot(input[s + 1], input[s + 1]);
        T norm = T.Sqrt(sum);
        _clipping = norm > maxNorm;
        _scale = _clipping ? maxNorm / norm : T.One;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Apply(int segment, int offset, ReadOnlySpan<T> input, Span<T> output, ReadOnlySpan<T> parameters)
    {
        if (!_clipping)
        {
            input.CopyTo(output);
            return;
        }
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var factor = new Vector<T>(_scale);
            for (; i <= input.Length - Vector<T>.Count; i += Vector<T>.Count) (new Vector<T>(input[i..]) * factor).CopyTo(output[i..]);
        }
        for (; i < input.Length; i++) output[i] = input[i] * _scale;
    }

    public override OptimizerState<T> ToState(Parameters<T> shape) => new EmptyState<T>();
}

/// <summary>
/// The common optimizer chains, [weight decay], [momentum or Adam], scale(-η), run together with θ ← θ + u in one pass
/// over the gradient, θ and the moments, instead of one pass per transform through scratch. Each element goes through the
/// same operations, in the same order, as the transforms one after another, so the result is the same bit for bit.
/// </summary>
internal sealed class FusedUpdate<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly InPlaceTransform<T>? _rule;
    private readonly bool _decays;
    private readonly T _decay;
    private readonly T _scale;

    private FusedUpdate(InPlaceTransform<T>? rule, InPlaceDecay<T>? decay, T scale)
    {
        _rule = rule;
        _decays = decay is not null;
        _decay = decay is null ? T.Zero : decay.Decay;
        _scale = scale;
    }

    /// <summary>The fused pass for <paramref name="leaves"/>, or null when they are not one of the chains it covers.</summary>
    public static FusedUpdate<T>? TryCreate(IReadOnlyList<InPlaceTransform<T>> leaves)
    {
        int next = 0;
        var decay = leaves.Count > 0 ? leaves[0] as InPlaceDecay<T> : null;
        if (decay is not null) next++;
        InPlaceTransform<T>? rule = next < leaves.Count && leaves[next] is InPlaceMomentum<T> or InPlaceAdam<T> ? leaves[next++] : null;
        return next == leaves.Count - 1 && leaves[next] is InPlaceScale<T> scale ? new FusedUpdate<T>(rule, decay, scale.Factor) : null;
    }

    /// <summary>θ += u for elements [offset, offset + gradient.Length) of segment <paramref name="segment"/>; false if a sum is not finite.</summary>
    public bool Apply(int segment, int offset, ReadOnlySpan<T> gradient, Span<T> parameters) => _rule switch
    {
        InPlaceMomentum<T> momentum => momentum.StepAndAdd(segment, offset, gradient, parameters, _decays, _decay, _scale),
        InPlaceAdam<T> adam => adam.StepAndAdd(segment, offset, gradient, parameters, _decays, _decay, _scale),
        _ => ScaleAndAdd(gradient, parameters),
    };

    /// <summary>Plain SGD: θ += scale · g'.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool ScaleAndAdd(ReadOnlySpan<T> gradient, Span<T> parameters)
    {
        int i = 0;
        bool finite = true;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            Vector<T> lambda = new(_decay), factor = new(_scale), check = Vector<T>.Zero;
            for (; i <= gradient.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var theta = new Vector<T>(parameters[i..]);
                var gi = new Vector<T>(gradient[i..]);
                if (_decays) gi += lambda * theta;
                var sum = theta + gi * factor;
                sum.CopyTo(parameters[i..]);
                check += sum - sum;
            }
            finite = Vector.EqualsAll(check, Vector<T>.Zero);
        }
        for (; i < gradient.Length; i++)
        {
            parameters[i] += (_decays ? gradient[i] + _decay * parameters[i] : gradient[i]) * _scale;
            finite &= T.IsFinite(parameters[i]);
        }
        return finite;
    }
}
