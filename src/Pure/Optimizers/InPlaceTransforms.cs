using System.Collections.Immutable;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Pure;

/// <summary>
/// The mutable twin of an <see cref="Optimizer"/> and its state. Parameters, gradients, updates and moments are held
/// as segments in the order W^[1], b^[1], W^[2], b^[2], ... The training loop keeps one for a whole epoch and updates
/// it in place; the pure <see cref="Optimizer.Update{T}"/> of each of Pure's transforms creates one from its state,
/// runs it once on fresh arrays (<see cref="UpdateOnFreshArrays"/>) and returns copies, so the two paths run the same
/// kernel (each transform's <see cref="IUpdateRule{T}"/>, in its own file) and agree bit for bit by construction.
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

    /// <summary>
    /// The pure update of one transform: <paramref name="twin"/> (holding a copy of the state) prepared with a copy of
    /// <paramref name="gradient"/> and applied to each whole segment into a new array; returns u and the new state.
    /// <paramref name="parameters"/> (θ) is read only by transforms that use it and may be null for the others.
    /// </summary>
    public static OptimizerUpdate<T> UpdateOnFreshArrays(InPlaceTransform<T> twin, Parameters<T> gradient, Parameters<T>? parameters)
    {
        var input = Segments(gradient);
        twin.Prepare(input);
        var output = new T[input.Length][];
        for (int s = 0; s < input.Length; s++)
        {
            output[s] = new T[input[s].Length];
            twin.Apply(s, 0, input[s], output[s], parameters is null ? default : Segment(parameters, s));
        }
        return new OptimizerUpdate<T>(Wrap(output, gradient), twin.ToState(gradient));
    }

    /// <summary>Segment <paramref name="segment"/> of <paramref name="values"/> (W^[l] column-major for 2l, b^[l] for 2l + 1), read in place.</summary>
    public static ReadOnlySpan<T> Segment(Parameters<T> values, int segment)
    {
        var layer = values.Layers[segment / 2];
        return segment % 2 == 0 ? layer.Weight.AsSpan() : layer.Bias.AsSpan();
    }

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
    public static Parameters<T> ToParameters(T[][] segments, Parameters<T> shape) =>
        Wrap([.. segments.Select(segment => (T[])segment.Clone())], shape);

    /// <summary>A new immutable value shaped like <paramref name="shape"/> that takes ownership of <paramref name="segments"/> (no copy: nobody else may hold them).</summary>
    private static Parameters<T> Wrap(T[][] segments, Parameters<T> shape)
    {
        var layers = ImmutableArray.CreateBuilder<LayerParameters<T>>(shape.Layers.Length);
        for (int l = 0; l < shape.Layers.Length; l++)
        {
            var weight = shape.Layers[l].Weight;
            layers.Add(new LayerParameters<T>(new ImmutableMatrix<T>(weight.Rows, weight.Columns, segments[2 * l]), new ImmutableVector<T>(segments[2 * l + 1])));
        }
        return new Parameters<T>(layers.MoveToImmutable());
    }

    /// <summary>
    /// θ += u for one stretch of a segment, with u the leaves [begin, end) applied one after another to
    /// <paramref name="input"/> through <paramref name="scratch"/> (the training loop's general path, for any chain);
    /// with <paramref name="add"/> false, only scratch = u. False when a new θ is not finite.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TransformAndAdd(InPlaceTransform<T>[] leaves, int begin, int end, int segment, int offset, ReadOnlySpan<T> input, Span<T> scratch, Span<T> parameters, bool add)
    {
        if (begin == end) input.CopyTo(scratch);
        for (int t = begin; t < end; t++) leaves[t].Apply(segment, offset, t == begin ? input : scratch, scratch, parameters);
        return !add || Lanes<T>.Add(parameters, scratch);
    }
}

/// <summary>The twin of a transform whose state is an <see cref="EmptyState{T}"/> (scaling, weight decay, clipping).</summary>
internal abstract class StatelessInPlaceTransform<T> : InPlaceTransform<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public sealed override OptimizerState<T> ToState(Parameters<T> shape) => new EmptyState<T>();
}

/// <summary>
/// The common optimizer chains, [weight decay], [momentum or Adam], scale(-η) or scale(-η_t) by a schedule, run together with θ ← θ + u in one pass
/// over the gradient, θ and the moments (<see cref="Lanes{T}.StepAndAdd{TRule}"/>), instead of one pass per transform
/// through scratch. Each element goes through the same formulas (the transforms' own), in the same order, as the
/// transforms one after another, so the result is the same bit for bit.
/// </summary>
internal sealed class FusedUpdate<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly InPlaceTransform<T>? _rule;
    private readonly bool _decays;
    private readonly T _decay;
    private readonly IScaleLeaf<T> _scale;

    private FusedUpdate(InPlaceTransform<T>? rule, InPlaceDecay<T>? decay, IScaleLeaf<T> scale)
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
        return next == leaves.Count - 1 && leaves[next] is IScaleLeaf<T> scale ? new FusedUpdate<T>(rule, decay, scale) : null;
    }

    /// <summary>
    /// θ += u for elements [offset, offset + gradient.Length) of segment <paramref name="segment"/>; false if a sum is not
    /// finite. The scale's factor is read at each call, after the step's <see cref="InPlaceTransform{T}.Prepare"/> (a schedule's -η_t).
    /// </summary>
    public bool Apply(int segment, int offset, ReadOnlySpan<T> gradient, Span<T> parameters) => _rule switch
    {
        InPlaceMomentum<T> momentum => Lanes<T>.StepAndAdd(gradient, parameters, _decays, _decay, _scale.Factor, momentum.Rule(segment, offset, gradient.Length)),
        InPlaceAdam<T> adam => Lanes<T>.StepAndAdd(gradient, parameters, _decays, _decay, _scale.Factor, adam.Rule(segment, offset, gradient.Length)),
        _ => Lanes<T>.StepAndAdd(gradient, parameters, _decays, _decay, _scale.Factor, new IdentityRule<T>()),
    };
}
