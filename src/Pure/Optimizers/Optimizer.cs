using System.Collections.Immutable;
using System.Numerics;

namespace Pure;

/// <summary>
/// A gradient transformation in the style of Optax: a pure pair <see cref="Init{T}(Parameters{T})"/> (parameters → state) and
/// <see cref="Update{T}"/> (gradient, state, parameters → update, new state). Transforms compose with
/// <see cref="Chain"/>; <see cref="Sgd(double, double, bool, double, double?)"/> and <see cref="Adam(double, double, double, double, double, double?)"/> (and their overloads taking a <see cref="Schedule"/>) are short chains of them. The final update is
/// added to the parameters (θ ← θ + u), so the learning-rate transform multiplies by minus the rate.
/// </summary>
public abstract record Optimizer
{
    /// <summary>The initial state for parameters shaped like <paramref name="parameters"/>.</summary>
    public abstract OptimizerState<T> Init<T>(Parameters<T> parameters) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Transforms <paramref name="gradient"/> into an update and a new state; changes none of its arguments.</summary>
    /// <param name="gradient">g, shaped like the parameters.</param>
    /// <param name="state">This optimizer's state from <see cref="Init{T}(Parameters{T})"/> or the previous update.</param>
    /// <param name="parameters">θ, the current parameters (used by weight decay).</param>
    public abstract OptimizerUpdate<T> Update<T>(Parameters<T> gradient, OptimizerState<T> state, Parameters<T> parameters) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// The private, mutable twin of this optimizer holding a copy of <paramref name="state"/>, for the training loop;
    /// null when there is none (an optimizer defined outside the library), and the loop then takes pure steps. Pure's own
    /// transforms also run their <see cref="Update{T}"/> through it, on fresh arrays, so both paths share one kernel.
    /// </summary>
    internal virtual InPlaceTransform<T>? CreateInPlace<T>(OptimizerState<T> state, Parameters<T> parameters) where T : unmanaged, IFloatingPointIeee754<T> => null;

    /// <summary>
    /// The state after an epoch, for the transforms that act between epochs (<see cref="ScaleByPlateau"/>); the other
    /// transforms return <paramref name="state"/> itself, so a chain without such a transform returns the same reference.
    /// <see cref="Training.Epochs{T}"/> calls it after each epoch with that epoch's losses; a loop of one's own calls it likewise.
    /// </summary>
    /// <param name="state">This optimizer's state after the epoch's last step.</param>
    /// <param name="trainingLoss">The epoch's training loss (the mean of its mini-batch losses).</param>
    /// <param name="validationLoss">The loss on the validation set after the epoch, or null when there is none.</param>
    public virtual OptimizerState<T> EndEpoch<T>(OptimizerState<T> state, double trainingLoss, double? validationLoss) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(state);
        return state;
    }

    /// <summary>The initial state for a network's parameters.</summary>
    public OptimizerState<T> Init<T>(Network<T> network) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        return Init(network.Parameters);
    }

    /// <summary>
    /// Stochastic gradient descent, with optional momentum, weight decay and clipping:
    /// chain(clip_by_global_norm, add_decayed_weights, momentum, scale(-learningRate)).
    /// </summary>
    /// <param name="learningRate">η &gt; 0.</param>
    /// <param name="momentum">μ in [0, 1); 0 for plain SGD. Classical: v = μ v + g, u = -η v.</param>
    /// <param name="nesterov">Nesterov momentum: u = -η (g + μ v) with the updated v, as in PyTorch.</param>
    /// <param name="weightDecay">λ ≥ 0: adds λ θ to the gradient (L2 regularisation of strength λ/2 ||θ||^2).</param>
    /// <param name="maxGradientNorm">When set (&gt; 0), gradients whose global norm exceeds it are scaled down to it.</param>
    public static Optimizer Sgd(double learningRate, double momentum = 0, bool nesterov = false, double weightDecay = 0, double? maxGradientNorm = null)
    {
        Guard.Positive(learningRate, nameof(learningRate));
        return SgdChain(ScaleByLearningRate(learningRate), momentum, nesterov, weightDecay, maxGradientNorm, null);
    }

    /// <summary>
    /// <see cref="Sgd(double, double, bool, double, double?)"/> with a scheduled rate η_t and, optionally, reduce-on-plateau:
    /// chain(clip_by_global_norm, add_decayed_weights, momentum, scale_by_schedule, scale_by_plateau).
    /// </summary>
    /// <param name="learningRate">The schedule η_t of the step count t.</param>
    /// <param name="momentum">μ in [0, 1); 0 for plain SGD.</param>
    /// <param name="nesterov">Nesterov momentum.</param>
    /// <param name="weightDecay">λ ≥ 0.</param>
    /// <param name="maxGradientNorm">When set (&gt; 0), the clipping norm.</param>
    /// <param name="plateau">When set, the updates are also scaled by this policy's scale, reduced between epochs.</param>
    public static Optimizer Sgd(Schedule learningRate, double momentum = 0, bool nesterov = false, double weightDecay = 0, double? maxGradientNorm = null, ReduceOnPlateau? plateau = null)
    {
        ArgumentNullException.ThrowIfNull(learningRate);
        return SgdChain(ScaleBySchedule(learningRate), momentum, nesterov, weightDecay, maxGradientNorm, plateau);
    }

    private static Optimizer SgdChain(Optimizer scale, double momentum, bool nesterov, double weightDecay, double? maxGradientNorm, ReduceOnPlateau? plateau)
    {
        Guard.InUnitInterval(momentum, nameof(momentum));
        if (nesterov && momentum == 0)
            throw new ArgumentException("Expected a momentum greater than 0 for Nesterov momentum, got 0.", nameof(momentum));
        var transforms = Preconditioning(weightDecay, maxGradientNorm);
        if (momentum > 0) transforms.Add(ScaleByMomentum(momentum, nesterov));
        transforms.Add(scale);
        if (plateau is not null) transforms.Add(ScaleByPlateau(plateau));
        return Chain([.. transforms]);
    }

    /// <summary>
    /// Adam (Kingma and Ba, 2015) with optional weight decay and clipping:
    /// chain(clip_by_global_norm, add_decayed_weights, scale_by_adam, scale(-learningRate)).
    /// </summary>
    /// <param name="learningRate">η &gt; 0.</param>
    /// <param name="beta1">β1 in [0, 1).</param>
    /// <param name="beta2">β2 in [0, 1).</param>
    /// <param name="epsilon">ε &gt; 0.</param>
    /// <param name="weightDecay">λ ≥ 0: adds λ θ to the gradient before the moments (L2, as in PyTorch's Adam).</param>
    /// <param name="maxGradientNorm">When set (&gt; 0), gradients whose global norm exceeds it are scaled down to it.</param>
    public static Optimizer Adam(double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0, double? maxGradientNorm = null)
    {
        Guard.Positive(learningRate, nameof(learningRate));
        return AdamChain(ScaleByLearningRate(learningRate), beta1, beta2, epsilon, weightDecay, maxGradientNorm, null);
    }

    /// <summary>
    /// <see cref="Adam(double, double, double, double, double, double?)"/> with a scheduled rate η_t and, optionally,
    /// reduce-on-plateau: chain(clip_by_global_norm, add_decayed_weights, scale_by_adam, scale_by_schedule, scale_by_plateau).
    /// </summary>
    /// <param name="learningRate">The schedule η_t of the step count t.</param>
    /// <param name="beta1">β1 in [0, 1).</param>
    /// <param name="beta2">β2 in [0, 1).</param>
    /// <param name="epsilon">ε &gt; 0.</param>
    /// <param name="weightDecay">λ ≥ 0.</param>
    /// <param name="maxGradientNorm">When set (&gt; 0), the clipping norm.</param>
    /// <param name="plateau">When set, the updates are also scaled by this policy's scale, reduced between epochs.</param>
    public static Optimizer Adam(Schedule learningRate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0, double? maxGradientNorm = null, ReduceOnPlateau? plateau = null)
    {
        ArgumentNullException.ThrowIfNull(learningRate);
        return AdamChain(ScaleBySchedule(learningRate), beta1, beta2, epsilon, weightDecay, maxGradientNorm, plateau);
    }

    private static Optimizer AdamChain(Optimizer scale, double beta1, double beta2, double epsilon, double weightDecay, double? maxGradientNorm, ReduceOnPlateau? plateau)
    {
        var transforms = Preconditioning(weightDecay, maxGradientNorm);
        transforms.Add(ScaleByAdam(beta1, beta2, epsilon));
        transforms.Add(scale);
        if (plateau is not null) transforms.Add(ScaleByPlateau(plateau));
        return Chain([.. transforms]);
    }

    /// <summary>Applies <paramref name="transforms"/> in order, each to the previous one's output; the state is a <see cref="ChainState{T}"/>.</summary>
    public static Optimizer Chain(params Optimizer[] transforms) => new ChainOptimizer(transforms);

    /// <summary>u = -η g.</summary>
    public static Optimizer ScaleByLearningRate(double learningRate) => new ScaleByLearningRateTransform(learningRate);

    /// <summary>u = -η_t g with η_t = <paramref name="schedule"/>.ValueAt(t), t the updates made so far (held in a <see cref="ScheduleState{T}"/>).</summary>
    public static Optimizer ScaleBySchedule(Schedule schedule) => new ScaleByScheduleTransform(schedule);

    /// <summary>
    /// u = s · g with s the scale of <paramref name="policy"/>'s <see cref="PlateauState"/> (held in a <see cref="PlateauScaleState{T}"/>),
    /// reduced between epochs by <see cref="EndEpoch{T}"/>; put it after the learning rate, as the Sgd and Adam overloads do.
    /// </summary>
    public static Optimizer ScaleByPlateau(ReduceOnPlateau policy) => new ScaleByPlateauTransform(policy);

    /// <summary>Momentum: v = μ v + g; u = v, or g + μ v for Nesterov.</summary>
    public static Optimizer ScaleByMomentum(double momentum, bool nesterov = false) => new ScaleByMomentumTransform(momentum, nesterov);

    /// <summary>Adam's scaling: u = m̂ / (sqrt(v̂) + ε) with bias-corrected moments m̂ = m / (1 - β1^t), v̂ = v / (1 - β2^t).</summary>
    public static Optimizer ScaleByAdam(double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8) => new ScaleByAdamTransform(beta1, beta2, epsilon);

    /// <summary>u = g + λ θ.</summary>
    public static Optimizer AddDecayedWeights(double weightDecay) => new AddDecayedWeightsTransform(weightDecay);

    /// <summary>u = g · min(1, maxNorm / ||g||), where ||g|| is the Euclidean norm over all parameters.</summary>
    public static Optimizer ClipByGlobalNorm(double maxNorm) => new ClipByGlobalNormTransform(maxNorm);

    private static List<Optimizer> Preconditioning(double weightDecay, double? maxGradientNorm)
    {
        Guard.NonNegative(weightDecay, nameof(weightDecay));
        var transforms = new List<Optimizer>();
        if (maxGradientNorm is double maxNorm)
        {
            Guard.Positive(maxNorm, nameof(maxGradientNorm));
            transforms.Add(ClipByGlobalNorm(maxNorm));
        }
        if (weightDecay > 0) transforms.Add(AddDecayedWeights(weightDecay));
        return transforms;
    }

    /// <summary>Returns <paramref name="state"/> as <typeparamref name="TState"/> or throws naming both types.</summary>
    private protected static TState Expect<TState>(object state, string optimizerName) where TState : class =>
        state as TState ?? throw new ArgumentException(
            $"Expected a {typeof(TState).Name.Split('`')[0]} for {optimizerName}, got {state?.GetType().Name.Split('`')[0] ?? "null"}.", nameof(state));
}

/// <summary>
/// One of Pure's transforms: its pure <see cref="Update{T}"/> is its in-place twin run once on fresh arrays
/// (<see cref="InPlaceTransform{T}.UpdateOnFreshArrays"/>), so the pure path and the training loop share one kernel.
/// </summary>
internal abstract record KernelTransform : Optimizer
{
    /// <summary>True when the update reads θ (weight decay); θ must then be shaped like the gradient.</summary>
    private protected virtual bool ReadsParameters => false;

    public sealed override OptimizerUpdate<T> Update<T>(Parameters<T> gradient, OptimizerState<T> state, Parameters<T> parameters)
    {
        ArgumentNullException.ThrowIfNull(gradient);
        var twin = CreateInPlace(state, gradient);
        if (ReadsParameters) gradient.CheckSameShape(parameters, nameof(parameters));
        return InPlaceTransform<T>.UpdateOnFreshArrays(twin, gradient, parameters);
    }

    /// <summary>The twin holding a copy of <paramref name="state"/>; <paramref name="shape"/> (θ, or g in the pure update) must share the state's shape.</summary>
    internal abstract override InPlaceTransform<T> CreateInPlace<T>(OptimizerState<T> state, Parameters<T> shape);
}
