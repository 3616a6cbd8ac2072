using System.Collections.Immutable;
using System.Numerics;

namespace Pure;

/// <summary>
/// A private, mutable twin of an <see cref="Optimizer"/> and its state, used only inside the training loop, where
/// intermediate states never reach the user. Parameters, gradients, updates and moments are held as segments in
/// the order W^[1], b^[1], W^[2], b^[2], ... Every element is computed with the same operations, in the same order,
/// as the pure <see cref="Optimizer.Update{T}"/>, so the two paths agree bit for bit.
/// </summary>
internal abstract class InPlaceTransform<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Replaces the update in <paramref name="updates"/> (on entry, the previous transform's output) by this transform's output.</summary>
    public abstract void Apply(T[][] updates, T[][] parameters);

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
    public override void Apply(T[][] updates, T[][] parameters)
    {
        foreach (var transform in transforms) transform.Apply(updates, parameters);
    }

    public override OptimizerState<T> ToState(Parameters<T> shape) =>
        new ChainState<T>(transforms.Select(transform => transform.ToState(shape)).ToImmutableArray());
}

/// <summary>See <see cref="ScaleByLearningRateTransform"/>: u = g · (-η).</summary>
internal sealed class InPlaceScale<T>(T scale) : InPlaceTransform<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override void Apply(T[][] updates, T[][] parameters)
    {
        foreach (var segment in updates) Kernels<T>.Scale(segment, scale);
    }

    public override OptimizerState<T> ToState(Parameters<T> shape) => new EmptyState<T>();
}

/// <summary>See <see cref="ScaleByMomentumTransform"/>: v = μ v + g; u = v, or g + μ v for Nesterov.</summary>
internal sealed class InPlaceMomentum<T>(T momentum, bool nesterov, T[][] velocity) : InPlaceTransform<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override void Apply(T[][] updates, T[][] parameters)
    {
        for (int s = 0; s < updates.Length; s++)
        {
            Span<T> v = velocity[s], g = updates[s];
            int i = 0;
            if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
            {
                var mu = new Vector<T>(momentum);
                for (; i <= v.Length - Vector<T>.Count; i += Vector<T>.Count)
                {
                    var gi = new Vector<T>(g[i..]);
                    var vi = mu * new Vector<T>(v[i..]) + gi;
                    vi.CopyTo(v[i..]);
                    (nesterov ? gi + mu * vi : vi).CopyTo(g[i..]);
                }
            }
            for (; i < v.Length; i++)
            {
                T gi = g[i];
                v[i] = momentum * v[i] + gi;
                g[i] = nesterov ? gi + momentum * v[i] : v[i];
            }
        }
    }

    public override OptimizerState<T> ToState(Parameters<T> shape) => new MomentumState<T>(ToParameters(velocity, shape));
}

/// <summary>See <see cref="ScaleByAdamTransform"/>.</summary>
internal sealed class InPlaceAdam<T>(double beta1, double beta2, T epsilon, long count, T[][] first, T[][] second)
    : InPlaceTransform<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override void Apply(T[][] updates, T[][] parameters)
    {
        count++;
        T b1 = T.CreateChecked(beta1), b2 = T.CreateChecked(beta2);
        T firstCorrection = T.CreateChecked(1 - Math.Pow(beta1, count));
        T secondCorrection = T.CreateChecked(1 - Math.Pow(beta2, count));
        for (int s = 0; s < updates.Length; s++)
        {
            Span<T> m = first[s], v = second[s], g = updates[s];
            for (int i = 0; i < g.Length; i++)
            {
                T gi = g[i];
                m[i] = b1 * m[i] + (T.One - b1) * gi;
                v[i] = b2 * v[i] + (T.One - b2) * gi * gi;
                g[i] = m[i] / firstCorrection / (T.Sqrt(v[i] / secondCorrection) + epsilon);
            }
        }
    }

    public override OptimizerState<T> ToState(Parameters<T> shape) => new AdamState<T>(count, ToParameters(first, shape), ToParameters(second, shape));
}

/// <summary>See <see cref="AddDecayedWeightsTransform"/>: u = g + λ θ.</summary>
internal sealed class InPlaceDecay<T>(T decay) : InPlaceTransform<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override void Apply(T[][] updates, T[][] parameters)
    {
        for (int s = 0; s < updates.Length; s++)
        {
            Span<T> g = updates[s];
            ReadOnlySpan<T> p = parameters[s];
            for (int i = 0; i < g.Length; i++) g[i] = g[i] + decay * p[i];
        }
    }

    public override OptimizerState<T> ToState(Parameters<T> shape) => new EmptyState<T>();
}

/// <summary>See <see cref="ClipByGlobalNormTransform"/>: the norm summed layer by layer as <see cref="Parameters{T}.Norm"/> does.</summary>
internal sealed class InPlaceClip<T>(T maxNorm) : InPlaceTransform<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public override void Apply(T[][] updates, T[][] parameters)
    {
        T sum = T.Zero;
        for (int s = 0; s < updates.Length; s += 2)
            sum += Kernels<T>.Dot(updates[s], updates[s]) + Kernels<T>.Dot(updates[s + 1], updates[s + 1]);
        T norm = T.Sqrt(sum);
        if (!(norm > maxNorm)) return;
        T scale = maxNorm / norm;
        foreach (var segment in updates) Kernels<T>.Scale(segment, scale);
    }

    public override OptimizerState<T> ToState(Parameters<T> shape) => new EmptyState<T>();
}
