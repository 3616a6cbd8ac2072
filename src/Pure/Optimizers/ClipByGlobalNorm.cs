using System.Numerics;
using System.Runtime.CompilerServices;

namespace Pure;

/// <summary>See <see cref="Optimizer.ClipByGlobalNorm"/>: u = g · min(1, c / ||g||). Its state is an <see cref="EmptyState{T}"/>.</summary>
internal sealed record ClipByGlobalNormTransform : KernelTransform
{
    public ClipByGlobalNormTransform(double maxNorm)
    {
        Guard.Positive(maxNorm, nameof(maxNorm));
        MaxNorm = maxNorm;
    }

    public double MaxNorm { get; }

    public override OptimizerState<T> Init<T>(Parameters<T> parameters) => new EmptyState<T>();

    internal override InPlaceClip<T> CreateInPlace<T>(OptimizerState<T> state, Parameters<T> parameters)
    {
        Expect<EmptyState<T>>(state, "clipping");
        return new InPlaceClip<T>(T.CreateChecked(MaxNorm));
    }

    /// <summary>The checkpoint kind "clip_by_global_norm": {"max_norm"}.</summary>
    internal static readonly TransformCheckpointKind Checkpoint =
        TransformCheckpointKind.OneNumber<ClipByGlobalNormTransform>("clip_by_global_norm", "max_norm", transform => transform.MaxNorm, Optimizer.ClipByGlobalNorm);
}

/// <summary>
/// The in-place twin of <see cref="ClipByGlobalNormTransform"/>. It needs its whole input first: <see cref="Prepare"/>
/// sums the squared norm layer by layer as <see cref="Parameters{T}.Norm"/> does, and the rule is then
/// <see cref="ScaleRule{T}"/> with c / ||g|| (or a copy when ||g|| ≤ c).
/// </summary>
internal sealed class InPlaceClip<T>(T maxNorm) : StatelessInPlaceTransform<T> where T : unmanaged, IFloatingPointIeee754<T>
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

    public override void Apply(int segment, int offset, ReadOnlySpan<T> input, Span<T> output, ReadOnlySpan<T> parameters)
    {
        if (_clipping) Lanes<T>.Apply(input, output, default, new ScaleRule<T>(_scale));
        else input.CopyTo(output);
    }
}
