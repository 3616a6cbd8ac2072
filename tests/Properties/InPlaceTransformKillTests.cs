using System.Collections.Immutable;
using System.Numerics;

namespace Pure.Properties;

/// <summary>
/// Tests written to kill the mutants that Stryker.NET left alive in src/Pure/Optimizers/InPlaceTransforms.cs
/// (docs/verification.md). The training loop's fused update (<see cref="FusedUpdate{T}"/>) is driven here directly,
/// segment by segment, on segment lengths 1, 7, 17 and 51 in float and double, so that the scalar tails after the
/// SIMD loops are reached, and compared bit for bit with the pure <see cref="Optimizer.Update{T}"/>.
/// </summary>
public class InPlaceTransformKillTests
{
    // Layer sizes whose segments (W^[1], b^[1], W^[2], b^[2]) have lengths 1, 1, 7, 7 and 51, 17, 17, 1.
    private static readonly int[][] Shapes = [[1, 1, 7], [3, 17, 1]];

    private static Parameters<T> Filled<T>(Parameters<T> shape, Func<int, int, T> value) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int segment = 0;
        var layers = shape.Layers.Select(layer =>
        {
            int w = segment++, b = segment++;
            return new LayerParameters<T>(
                ImmutableMatrix.Create(layer.Weight.Rows, layer.Weight.Columns, (i, j) => value(w, j * layer.Weight.Rows + i)),
                new ImmutableVector<T>([.. Enumerable.Range(0, layer.Bias.Length).Select(i => value(b, i))]));
        });
        return new Parameters<T>(layers.ToImmutableArray());
    }

    private static Parameters<T> RandomLike<T>(Parameters<T> shape, Random random) where T : unmanaged, IFloatingPointIeee754<T> =>
        Filled(shape, (_, _) => T.CreateChecked(2 * random.NextDouble() - 1));

    /// <summary>True when a and b have the same bits up to NaN payloads: equal values and the same sign of zero.</summary>
    private static bool SameBits<T>(T a, T b) where T : unmanaged, IFloatingPointIeee754<T> =>
        (T.IsNaN(a) && T.IsNaN(b)) || (a == b && T.IsNegative(a) == T.IsNegative(b));

    private static void AssertSameBits<T>(Parameters<T> expected, Parameters<T> actual, string what) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var e = expected.Flatten();
        var a = actual.Flatten();
        Assert.Equal(e.Length, a.Length);
        for (int i = 0; i < e.Length; i++)
            Assert.True(SameBits(e[i], a[i]), $"{what} differs at element {i}: expected {e[i]} (negative: {T.IsNegative(e[i])}), got {a[i]} (negative: {T.IsNegative(a[i])}).");
    }

    private static void AssertSameState<T>(OptimizerState<T> expected, OptimizerState<T> actual) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (expected, actual)
        {
            case (ChainState<T> e, ChainState<T> a):
                Assert.Equal(e.States.Length, a.States.Length);
                for (int i = 0; i < e.States.Length; i++) AssertSameState(e.States[i], a.States[i]);
                break;
            case (MomentumState<T> e, MomentumState<T> a):
                AssertSameBits(e.Velocity, a.Velocity, "the velocity");
                break;
            case (AdamState<T> e, AdamState<T> a):
                Assert.Equal(e.Count, a.Count);
                AssertSameBits(e.FirstMoment, a.FirstMoment, "the first moment");
                AssertSameBits(e.SecondMoment, a.SecondMoment, "the second moment");
                break;
            default:
                Assert.Equal(expected.GetType(), actual.GetType());
                break;
        }
    }

    /// <summary>One step through the fused pass: θ, the state after it, and whether every sum was finite.</summary>
    private static (Parameters<T> Theta, OptimizerState<T> State, bool Finite) FusedStep<T>(
        Optimizer optimizer, OptimizerState<T> state, Parameters<T> theta, Parameters<T> gradient) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var transform = optimizer.CreateInPlace(state, theta);
        Assert.NotNull(transform);
        var leaves = transform.Leaves.ToArray();
        var fused = FusedUpdate<T>.TryCreate(leaves);
        Assert.NotNull(fused);
        var gradients = InPlaceTransform<T>.Segments(gradient);
        var parameters = InPlaceTransform<T>.Segments(theta);
        foreach (var leaf in leaves) leaf.Prepare(gradients);
        bool finite = true;
        for (int s = 0; s < parameters.Length; s++) finite &= fused.Apply(s, 0, gradients[s], parameters[s]);
        return (InPlaceTransform<T>.ToParameters(parameters, theta), transform.ToState(theta), finite);
    }

    private static Optimizer[] FusedOptimizers() =>
    [
        Optimizer.Sgd(0.1),
        Optimizer.Sgd(0.1, weightDecay: 0.01),
        Optimizer.Sgd(0.1, momentum: 0.9),
        Optimizer.Sgd(0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01),
        Optimizer.Adam(0.01),
        Optimizer.Adam(0.01, weightDecay: 0.01),
        Optimizer.Chain(Optimizer.ScaleByMomentum(0.5), Optimizer.ScaleByLearningRate(0.2)),
        Optimizer.Chain(Optimizer.AddDecayedWeights(0.1), Optimizer.ScaleByAdam(), Optimizer.ScaleByLearningRate(0.2)),
    ];

    private static void FusedStepsMatchThePureSteps<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var sizes in Shapes)
            foreach (var optimizer in FusedOptimizers())
            {
                var random = new Random(sizes.Sum());
                var theta = Network.Create<T>(sizes, Activation.Tanh, Activation.Identity, seed: 3).Parameters;
                var pureTheta = theta;
                var fusedTheta = theta;
                var pureState = optimizer.Init(theta);
                var fusedState = pureState;
                for (int step = 0; step < 3; step++)
                {
                    var gradient = RandomLike(theta, random);
                    var update = optimizer.Update(gradient, pureState, pureTheta);
                    pureTheta = pureTheta.Add(update.Updates);
                    pureState = update.State;
                    (fusedTheta, fusedState, bool finite) = FusedStep(optimizer, fusedState, fusedTheta, gradient);
                    Assert.True(finite);
                    AssertSameBits(pureTheta, fusedTheta, $"θ after step {step + 1} of {optimizer} on {string.Join("-", sizes)}");
                    AssertSameState(pureState, fusedState);
                }
            }
    }

    [Fact]
    public void The_fused_update_of_every_fused_chain_equals_the_pure_update_bit_for_bit_on_short_segments_in_float() =>
        FusedStepsMatchThePureSteps<float>();

    [Fact]
    public void The_fused_update_of_every_fused_chain_equals_the_pure_update_bit_for_bit_on_short_segments_in_double() =>
        FusedStepsMatchThePureSteps<double>();

    private static InPlaceTransform<double>[] LeavesOf(Optimizer optimizer, Parameters<double> theta) =>
        [.. optimizer.CreateInPlace(optimizer.Init(theta), theta)!.Leaves];

    [Fact]
    public void Only_decay_then_momentum_or_Adam_then_the_learning_rate_is_fused()
    {
        var theta = Network.Create<double>([2, 3, 1], Activation.Tanh, Activation.Identity, seed: 1).Parameters;
        foreach (var optimizer in FusedOptimizers())
            Assert.NotNull(FusedUpdate<double>.TryCreate(LeavesOf(optimizer, theta)));
        Assert.NotNull(FusedUpdate<double>.TryCreate(LeavesOf(Optimizer.Chain(Optimizer.AddDecayedWeights(0.1), Optimizer.ScaleByLearningRate(0.2)), theta)));

        Assert.Null(FusedUpdate<double>.TryCreate([]));
        Assert.Null(FusedUpdate<double>.TryCreate(LeavesOf(Optimizer.AddDecayedWeights(0.1), theta)));
        Assert.Null(FusedUpdate<double>.TryCreate(LeavesOf(Optimizer.ScaleByMomentum(0.9), theta)));
        Assert.Null(FusedUpdate<double>.TryCreate(LeavesOf(Optimizer.ScaleByAdam(), theta)));
        Assert.Null(FusedUpdate<double>.TryCreate(LeavesOf(Optimizer.Sgd(0.1, maxGradientNorm: 1), theta)));
        Assert.Null(FusedUpdate<double>.TryCreate(LeavesOf(Optimizer.Chain(Optimizer.ScaleByLearningRate(0.1), Optimizer.ScaleByLearningRate(0.2)), theta)));
        Assert.Null(FusedUpdate<double>.TryCreate(LeavesOf(Optimizer.Chain(Optimizer.ScaleByLearningRate(0.1), Optimizer.AddDecayedWeights(0.2)), theta)));
        Assert.Null(FusedUpdate<double>.TryCreate(LeavesOf(
            Optimizer.Chain(Optimizer.ScaleByMomentum(0.9), Optimizer.ScaleByAdam(), Optimizer.ScaleByLearningRate(0.2)), theta)));
    }

    [Fact]
    public void Only_clipping_needs_its_whole_input_and_a_chain_runs_as_its_leaves()
    {
        var theta = Network.Create<double>([2, 3, 1], Activation.Tanh, Activation.Identity, seed: 1).Parameters;
        var leaves = LeavesOf(Optimizer.Chain(
            Optimizer.ClipByGlobalNorm(1), Optimizer.AddDecayedWeights(0.1), Optimizer.ScaleByMomentum(0.9), Optimizer.ScaleByAdam(), Optimizer.ScaleByLearningRate(0.1)), theta);
        Assert.Equal([true, false, false, false, false], leaves.Select(leaf => leaf.NeedsWholeInput));

        var chain = Optimizer.Chain(Optimizer.ScaleByLearningRate(0.1)).CreateInPlace(new ChainState<double>([new EmptyState<double>()]), theta)!;
        var error = Assert.Throws<InvalidOperationException>(() => chain.Apply(0, 0, [1.0], new double[1], [0.0]));
        Assert.Equal("A chain runs as its leaves.", error.Message);
    }

    /// <summary>
    /// θ = T.MaxValue at the last element of every segment and a gradient that pushes it up by about MaxValue / 2:
    /// that sum overflows, in the scalar tail after the SIMD loop (every segment here is 1 or 17 long).
    /// </summary>
    private static void AnOverflowInTheScalarTailIsReported<T>() where T : unmanaged, IFloatingPointIeee754<T>, IMinMaxValue<T>
    {
        double rate = double.CreateChecked(T.MaxValue) / 2;
        foreach (var optimizer in new[] { Optimizer.Sgd(rate, momentum: 0.5), Optimizer.Adam(rate), Optimizer.Sgd(rate) })
            foreach (var sizes in new[] { new[] { 1, 1 }, [1, 17] })
            {
                var shape = Network.Create<T>(sizes, Activation.Identity, Activation.Identity, seed: 2).Parameters;
                var lengths = InPlaceTransform<T>.Segments(shape).Select(segment => segment.Length).ToArray();
                var gradient = Filled(shape, (s, i) => i == lengths[s] - 1 ? -T.One : T.Zero);
                var safe = Filled(shape, (_, _) => T.One);
                Assert.True(FusedStep(optimizer, optimizer.Init(safe), safe, gradient).Finite);
                var edge = Filled(shape, (s, i) => i == lengths[s] - 1 ? T.MaxValue : T.One);
                Assert.False(FusedStep(optimizer, optimizer.Init(edge), edge, gradient).Finite, $"{optimizer} on {string.Join("-", sizes)}");
            }
    }

    [Fact]
    public void An_overflow_in_the_scalar_tail_of_a_fused_step_is_reported_in_float() => AnOverflowInTheScalarTailIsReported<float>();

    [Fact]
    public void An_overflow_in_the_scalar_tail_of_a_fused_step_is_reported_in_double() => AnOverflowInTheScalarTailIsReported<double>();

    /// <summary>
    /// Without weight decay the fused step must not add λθ = 0 · θ: for θ &gt; 0 and a gradient of -0 that would turn
    /// -0 into +0 and change the sign of a zero moment (m = β1 · -0 + (1 - β1) · -0 = -0 in the pure Adam step, and
    /// v = μ · -0 + -0 = -0 in the pure momentum step).
    /// </summary>
    private static void WithoutDecayTheSignOfAZeroMomentIsKept<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var sizes in Shapes)
        {
            var theta = Filled(Network.Create<T>(sizes, Activation.Tanh, Activation.Identity, seed: 3).Parameters, (_, _) => T.CreateChecked(0.5));
            var minusZero = Filled(theta, (_, _) => -T.Zero);
            var cases = new (Optimizer Optimizer, OptimizerState<T> State, Func<OptimizerState<T>, Parameters<T>> Moment)[]
            {
                (Optimizer.Adam(0.01), new ChainState<T>([new AdamState<T>(0, minusZero, theta.ZerosLike()), new EmptyState<T>()]),
                    state => ((AdamState<T>)((ChainState<T>)state).States[0]).FirstMoment),
                (Optimizer.Sgd(0.01, momentum: 0.9), new ChainState<T>([new MomentumState<T>(minusZero), new EmptyState<T>()]),
                    state => ((MomentumState<T>)((ChainState<T>)state).States[0]).Velocity),
            };
            foreach (var (optimizer, state, moment) in cases)
            {
                var update = optimizer.Update(minusZero, state, theta);
                var (fusedTheta, fusedState, finite) = FusedStep(optimizer, state, theta, minusZero);
                Assert.True(finite);
                Assert.True(T.IsNegative(moment(update.State).Layers[0].Bias[0]), $"the pure step of {optimizer} keeps a zero moment at -0");
                AssertSameBits(theta.Add(update.Updates), fusedTheta, "θ");
                AssertSameState(update.State, fusedState);
            }
        }
    }

    [Fact]
    public void Without_decay_the_fused_Adam_and_momentum_steps_keep_the_sign_of_a_zero_moment_in_float() => WithoutDecayTheSignOfAZeroMomentIsKept<float>();

    [Fact]
    public void Without_decay_the_fused_Adam_and_momentum_steps_keep_the_sign_of_a_zero_moment_in_double() => WithoutDecayTheSignOfAZeroMomentIsKept<double>();
}
