using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;
using Pure.Testing;

namespace Pure.Properties;

/// <summary>
/// The optimizers against their formulas (PyTorch's conventions for momentum and Nesterov, Kingma and Ba for Adam),
/// on known problems in the style of Optax's tests, and their purity and argument checks.
/// </summary>
public class OptimizerTests
{
    [PureProperty]
    public Property Sgd_matches_formula()
    {
        return Prop.ForAll(Generators.OptimizerCases(), c =>
        {
            // θ_t = θ_{t-1} - η g_t, the same arithmetic as the library's θ + (-η) g, so bitwise equal.
            var optimizer = Optimizer.Sgd(c.LearningRate);
            var expected = Flat(c.Theta);
            var (theta, _) = Run(optimizer, c.Theta, c.Gradients, (_, g, _) =>
            {
                var gradient = Flat(g);
                for (int i = 0; i < expected.Length; i++) expected[i] -= c.LearningRate * gradient[i];
            });
            Assert.Equal(expected, Flat(theta));

            // The same in float, with η rounded to float.
            float rate = (float)c.LearningRate;
            var expectedFloat = Flat(ToFloat(c.Theta));
            var (thetaFloat, _) = Run(optimizer, ToFloat(c.Theta), c.Gradients.Select(ToFloat).ToArray(), (_, g, _) =>
            {
                var gradient = Flat(g);
                for (int i = 0; i < expectedFloat.Length; i++) expectedFloat[i] -= rate * gradient[i];
            });
            Assert.Equal(expectedFloat, Flat(thetaFloat));
        });
    }

    [PureProperty]
    public Property Momentum_matches_pytorch_formula()
    {
        return Prop.ForAll(Generators.OptimizerCases(positiveMomentum: true), c =>
        {
            // PyTorch SGD(momentum=μ, dampening=0): v_1 = g_1, v_t = μ v_{t-1} + g_t, θ_t = θ_{t-1} - η v_t.
            var optimizer = Optimizer.Sgd(c.LearningRate, c.Momentum);
            var expected = Flat(c.Theta);
            var velocity = new double[expected.Length];
            var (theta, _) = Run(optimizer, c.Theta, c.Gradients, (t, g, state) =>
            {
                var gradient = Flat(g);
                for (int i = 0; i < expected.Length; i++)
                {
                    velocity[i] = c.Momentum * velocity[i] + gradient[i];
                    expected[i] -= c.LearningRate * velocity[i];
                }
                if (t == 1) Assert.Equal(gradient, velocity);
                Assert.Equal(velocity, Flat(StateOf<MomentumState<double>>(state).Velocity));
            });
            Assert.Equal(expected, Flat(theta));
        });
    }

    [PureProperty]
    public Property Nesterov_matches_pytorch_formula()
    {
        return Prop.ForAll(Generators.OptimizerCases(positiveMomentum: true), c =>
        {
            // PyTorch SGD(momentum=μ, nesterov=True): v_t = μ v_{t-1} + g_t, θ_t = θ_{t-1} - η (g_t + μ v_t).
            var optimizer = Optimizer.Sgd(c.LearningRate, c.Momentum, nesterov: true);
            var expected = Flat(c.Theta);
            var velocity = new double[expected.Length];
            var (theta, _) = Run(optimizer, c.Theta, c.Gradients, (t, g, state) =>
            {
                var gradient = Flat(g);
                for (int i = 0; i < expected.Length; i++)
                {
                    velocity[i] = c.Momentum * velocity[i] + gradient[i];
                    expected[i] -= c.LearningRate * (gradient[i] + c.Momentum * velocity[i]);
                }
                Assert.Equal(velocity, Flat(StateOf<MomentumState<double>>(state).Velocity));
            });
            Assert.Equal(expected, Flat(theta));
        });
    }

    [PureProperty]
    public Property Adam_matches_formula()
    {
        var betas = Gen.Elements((0.9, 0.999, 1e-8), (0.5, 0.75, 1e-3), (0.0, 0.0, 0.1), (0.99, 0.9, 1e-6));
        return Prop.ForAll(Arb.From(Gen.Zip(Generators.OptimizerCase(), betas)), input =>
        {
            var (c, (beta1, beta2, epsilon)) = input;
            // m_t = β1 m + (1 - β1) g, v_t = β2 v + (1 - β2) g², m̂ = m_t / (1 - β1^t), v̂ = v_t / (1 - β2^t),
            // θ_t = θ_{t-1} - η m̂ / (sqrt(v̂) + ε).
            var optimizer = Optimizer.Adam(c.LearningRate, beta1, beta2, epsilon);
            var expected = Flat(c.Theta);
            var first = new double[expected.Length];
            var second = new double[expected.Length];
            var (theta, _) = Run(optimizer, c.Theta, c.Gradients, (t, g, state) =>
            {
                var gradient = Flat(g);
                for (int i = 0; i < expected.Length; i++)
                {
                    first[i] = beta1 * first[i] + (1 - beta1) * gradient[i];
                    second[i] = beta2 * second[i] + (1 - beta2) * gradient[i] * gradient[i];
                    double firstHat = first[i] / (1 - Math.Pow(beta1, t));
                    double secondHat = second[i] / (1 - Math.Pow(beta2, t));
                    expected[i] -= c.LearningRate * firstHat / (Math.Sqrt(secondHat) + epsilon);
                }
                var adam = StateOf<AdamState<double>>(state);
                Assert.Equal(t, adam.Count);
                AssertClose(first, Flat(adam.FirstMoment), 1e-14);
                AssertClose(second, Flat(adam.SecondMoment), 1e-14);
            });
            AssertClose(expected, Flat(theta), 1e-12);
        });
    }

    [Fact]
    public void Adam_first_step_moves_every_coordinate_by_the_learning_rate()
    {
        // At t = 1, m̂ = g and v̂ = g², so the step is -η g / (|g| + ε) ≈ -η sign(g): Adam's known first step.
        var theta = Point(0.0, 0.0, 0.0);
        var gradient = Point(4.0, -0.5, 0.0);
        var optimizer = Optimizer.Adam(0.1, epsilon: 1e-12);
        var update = optimizer.Update(gradient, optimizer.Init(theta), theta).Updates;
        AssertClose([-0.1, 0.1, 0.0], Flat(update), 1e-12);
    }

    [PureProperty]
    public Property Weight_decay_adds_lambda_theta()
    {
        return Prop.ForAll(Generators.OptimizerCases(positiveMomentum: true), c =>
        {
            // With decay λ the update for g equals the update without decay for g + λ θ, at every step.
            var pairs = new (Optimizer Decayed, Optimizer Plain)[]
            {
                (Optimizer.Sgd(c.LearningRate, weightDecay: c.WeightDecay), Optimizer.Sgd(c.LearningRate)),
                (Optimizer.Sgd(c.LearningRate, c.Momentum, weightDecay: c.WeightDecay), Optimizer.Sgd(c.LearningRate, c.Momentum)),
                (Optimizer.Sgd(c.LearningRate, c.Momentum, nesterov: true, weightDecay: c.WeightDecay), Optimizer.Sgd(c.LearningRate, c.Momentum, nesterov: true)),
                (Optimizer.Adam(c.LearningRate, weightDecay: c.WeightDecay), Optimizer.Adam(c.LearningRate)),
            };
            foreach (var (decayed, plain) in pairs)
            {
                var (theta, decayedState, plainState) = (c.Theta, decayed.Init(c.Theta), plain.Init(c.Theta));
                foreach (var gradient in c.Gradients)
                {
                    var withDecay = decayed.Update(gradient, decayedState, theta);
                    var decayedGradient = gradient.Zip(theta, (g, p) => g + c.WeightDecay * p);
                    var reference = plain.Update(decayedGradient, plainState, theta);
                    Assert.Equal(Flat(reference.Updates), Flat(withDecay.Updates));
                    (theta, decayedState, plainState) = (theta.Add(withDecay.Updates), withDecay.State, reference.State);
                }
            }
        });
    }

    [Fact]
    public void Weight_decay_matches_hand_computed_step()
    {
        // η = 0.5, λ = 0.1, θ = (2, -4 | 10), g = (1, 1 | 0): u = -0.5 (g + 0.1 θ) = -0.5 (1.2, 0.6 | 1) = (-0.6, -0.3 | -0.5).
        var theta = Point(2.0, -4.0, 10.0);
        var optimizer = Optimizer.Sgd(0.5, weightDecay: 0.1);
        var update = optimizer.Update(Point(1.0, 1.0, 0.0), optimizer.Init(theta), theta).Updates;
        AssertClose([-0.6, -0.3, -0.5], Flat(update), 1e-15);
    }

    [PureProperty]
    public Property Clipping_limits_global_norm()
    {
        // max norm = ||g|| times a factor in [0.1, 3], away from 1 so that the rounding of ||g|| cannot decide the branch.
        var factors = Gen.Choose(100, 2980).Select(i => (i < 990 ? i : i + 20) / 1000.0);
        return Prop.ForAll(Arb.From(Gen.Zip(Generators.OptimizerCase(), factors)), input =>
        {
            var (c, factor) = input;
            var gradient = c.Gradients[0];
            var values = Flat(gradient);
            double norm = Math.Sqrt(values.Sum(v => v * v)); // over every layer, weights and biases together
            if (norm == 0) return;
            double maxNorm = norm * factor;
            // The transform alone returns the clipped gradient; SGD with η = 1 returns minus it.
            foreach (var (optimizer, sign) in new[] { (Optimizer.ClipByGlobalNorm(maxNorm), 1.0), (Optimizer.Sgd(1.0, maxGradientNorm: maxNorm), -1.0) })
            {
                var update = Flat(optimizer.Update(gradient, optimizer.Init(c.Theta), c.Theta).Updates).Select(u => sign * u).ToArray();
                if (norm > maxNorm)
                {
                    AssertClose([maxNorm], [Math.Sqrt(update.Sum(u => u * u))], 1e-12);
                    AssertClose(values.Select(v => v * maxNorm / norm).ToArray(), update, 1e-12);
                }
                else Assert.Equal(values, update);
            }
        });
    }

    [Fact]
    public void Clipping_uses_the_norm_over_all_layers()
    {
        // Layer 1 has gradient norm 3 and layer 2 norm 4, each below 4.5, but the global norm sqrt(9 + 16) = 5 is above:
        // everything is scaled by 4.5 / 5 = 0.9, to (2.7 | 0) and (0 | 3.6). A per-layer clip would change nothing.
        var gradient = TwoLayers(3.0, 0.0, 0.0, 4.0);
        var theta = TwoLayers(0.0, 0.0, 0.0, 0.0);
        var clip = Optimizer.ClipByGlobalNorm(4.5);
        AssertClose([2.7, 0, 0, 3.6], Flat(clip.Update(gradient, clip.Init(theta), theta).Updates), 1e-15);

        // At exactly the limit (norm 5 = 5) and for a zero gradient nothing changes (and no 0/0 appears).
        var atLimit = Optimizer.ClipByGlobalNorm(5);
        Assert.Equal([3.0, 0, 0, 4.0], Flat(atLimit.Update(gradient, atLimit.Init(theta), theta).Updates));
        Assert.Equal([0.0, 0, 0, 0], Flat(clip.Update(theta, clip.Init(theta), theta).Updates));
    }

    public static TheoryData<string, double, double> Problems => new()
    {
        // optimizer, learning rate, momentum: the rates of the table are shared by both problems, as in Optax's tests.
        { "sgd", 2e-3, 0 },
        { "momentum", 1e-3, 0.9 },
        { "nesterov", 1e-3, 0.9 },
        { "adam", 1e-2, 0 },
    };

    [Theory]
    [MemberData(nameof(Problems))]
    public void Optimizers_minimise_parabola_and_rosenbrock(string name, double learningRate, double momentum)
    {
        var optimizer = name switch
        {
            "sgd" => Optimizer.Sgd(learningRate),
            "momentum" => Optimizer.Sgd(learningRate, momentum),
            "nesterov" => Optimizer.Sgd(learningRate, momentum, nesterov: true),
            _ => Optimizer.Adam(learningRate),
        };
        const int Steps = 10_000;

        // Parabola f(θ) = ||θ - c||², ∇f = 2 (θ - c), θ = (W[0,0], W[0,1] | b[0]) from (-1, 10 | 3); minimum at c = (1, -1 | -2).
        var minimum = Point(1.0, -1.0, -2.0);
        var parabola = Minimise(optimizer, Point(-1.0, 10.0, 3.0), Steps, theta => theta.Zip(minimum, (t, c) => 2 * (t - c)));
        AssertClose(Flat(minimum), Flat(parabola), 1e-3);

        var minimumFloat = Point(1f, -1f, -2f);
        var parabolaFloat = Minimise(optimizer, Point(-1f, 10f, 3f), Steps, theta => theta.Zip(minimumFloat, (t, c) => 2 * (t - c)));
        AssertClose(Flat(minimumFloat).Select(v => (double)v).ToArray(), Flat(parabolaFloat).Select(v => (double)v).ToArray(), 1e-3);

        // Rosenbrock f(x, y) = (1 - x)² + 100 (y - x²)², ∇f = (-2 (1 - x) - 400 x (y - x²), 200 (y - x²)), from (0, 0);
        // minimum at (1, 1). The bias is not part of f: its gradient is 0 and it must stay 0.
        var rosenbrock = Minimise(optimizer, Point(0.0, 0.0, 0.0), Steps, theta =>
        {
            double x = theta.Layers[0].Weight[0, 0], y = theta.Layers[0].Weight[0, 1];
            return Point(-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x), 0.0);
        });
        AssertClose([1.0, 1.0, 0.0], Flat(rosenbrock), 1e-2);
    }

    [PureProperty]
    public Property Chain_applies_transforms_in_order()
    {
        // g = (3, 4 | 0), ||g|| = 5. Clip to 1 then scale by -2: (0.6, 0.8 | 0) · -2 = (-1.2, -1.6 | 0).
        // Scale by -2 then clip to 1: (-6, -8 | 0) has norm 10, scaled by 1/10 to (-0.6, -0.8 | 0).
        var gradient = Point(3.0, 4.0, 0.0);
        var theta = Point(0.0, 0.0, 0.0);
        var clipThenScale = Optimizer.Chain(Optimizer.ClipByGlobalNorm(1), Optimizer.ScaleByLearningRate(2));
        var scaleThenClip = Optimizer.Chain(Optimizer.ScaleByLearningRate(2), Optimizer.ClipByGlobalNorm(1));
        AssertClose([-1.2, -1.6, 0], Flat(clipThenScale.Update(gradient, clipThenScale.Init(theta), theta).Updates), 1e-15);
        AssertClose([-0.6, -0.8, 0], Flat(scaleThenClip.Update(gradient, scaleThenClip.Init(theta), theta).Updates), 1e-15);

        // An empty chain is the identity.
        var empty = Optimizer.Chain();
        Assert.Equal(gradient, empty.Update(gradient, empty.Init(theta), theta).Updates);

        return Prop.ForAll(Generators.OptimizerCases(positiveMomentum: true), c =>
        {
            // chain(a, b, c) feeds each transform the previous one's output and keeps their states in order.
            Optimizer[] transforms =
                [Optimizer.AddDecayedWeights(c.WeightDecay), Optimizer.ScaleByMomentum(c.Momentum), Optimizer.ScaleByLearningRate(c.LearningRate)];
            var chain = Optimizer.Chain(transforms);
            var chainState = chain.Init(c.Theta);
            var states = transforms.Select(t => t.Init(c.Theta)).ToArray();
            var theta = c.Theta;
            foreach (var gradient in c.Gradients)
            {
                var chained = chain.Update(gradient, chainState, theta);
                var current = gradient;
                for (int i = 0; i < transforms.Length; i++)
                {
                    var step = transforms[i].Update(current, states[i], theta);
                    (current, states[i]) = (step.Updates, step.State);
                }
                Assert.Equal(current, chained.Updates);
                Assert.Equal(new ChainState<double>([.. states]), chained.State);
                (theta, chainState) = (theta.Add(chained.Updates), chained.State);
            }
        });
    }

    [PureProperty]
    public Property Optimizer_state_is_immutable_and_update_is_pure()
    {
        return Prop.ForAll(Generators.OptimizerCases(positiveMomentum: true), c =>
        {
            Optimizer[] optimizers =
            [
                Optimizer.Sgd(c.LearningRate),
                Optimizer.Sgd(c.LearningRate, c.Momentum),
                Optimizer.Sgd(c.LearningRate, c.Momentum, nesterov: true),
                Optimizer.Adam(c.LearningRate),
                Optimizer.Adam(c.LearningRate, weightDecay: c.WeightDecay, maxGradientNorm: 1),
            ];
            foreach (var optimizer in optimizers)
            {
                // Two states reached independently by the same updates: equal values, separate storage.
                var state = Advance(optimizer, c);
                var twin = Advance(optimizer, c);
                Assert.Equal(twin, state);
                var gradient = c.Gradients[^1];
                var gradientCopy = Copy(gradient);
                var thetaCopy = Copy(c.Theta);

                var first = optimizer.Update(gradient, state, c.Theta);
                var second = optimizer.Update(gradient, state, c.Theta);

                Assert.Equal(first, second);
                Assert.Equal(twin, state);
                Assert.Equal(gradientCopy, gradient);
                Assert.Equal(thetaCopy, c.Theta);
                Assert.Equal(optimizer.Init(c.Theta), optimizer.Init(c.Theta));
            }
        });
    }

    [Theory]
    [InlineData("sgd", "learningRate", 0.0)]
    [InlineData("sgd", "learningRate", -0.1)]
    [InlineData("sgd", "learningRate", double.NaN)]
    [InlineData("sgd", "learningRate", double.PositiveInfinity)]
    [InlineData("adam", "learningRate", 0.0)]
    [InlineData("adam", "learningRate", double.NegativeInfinity)]
    [InlineData("sgd", "momentum", -0.1)]
    [InlineData("sgd", "momentum", 1.0)]
    [InlineData("sgd", "momentum", 1.5)]
    [InlineData("sgd", "momentum", double.NaN)]
    [InlineData("nesterov", "momentum", 0.0)]
    [InlineData("sgd", "weightDecay", -0.01)]
    [InlineData("sgd", "weightDecay", double.NaN)]
    [InlineData("adam", "weightDecay", -1.0)]
    [InlineData("sgd", "maxGradientNorm", 0.0)]
    [InlineData("sgd", "maxGradientNorm", -1.0)]
    [InlineData("adam", "maxGradientNorm", double.NaN)]
    [InlineData("adam", "beta1", 1.0)]
    [InlineData("adam", "beta1", -0.1)]
    [InlineData("adam", "beta1", double.NaN)]
    [InlineData("adam", "beta2", 1.0)]
    [InlineData("adam", "beta2", 2.0)]
    [InlineData("adam", "epsilon", 0.0)]
    [InlineData("adam", "epsilon", -1e-8)]
    [InlineData("adam", "epsilon", double.NaN)]
    [InlineData("scaleByLearningRate", "learningRate", 0.0)]
    [InlineData("scaleByMomentum", "momentum", 1.0)]
    [InlineData("scaleByAdam", "beta1", 1.0)]
    [InlineData("addDecayedWeights", "weightDecay", -1.0)]
    [InlineData("clipByGlobalNorm", "maxNorm", 0.0)]
    public void Optimizer_rejects_bad_hyper_parameters(string factory, string argument, double value)
    {
        double Pick(string name, double fallback) => name == argument ? value : fallback;
        Func<Optimizer> create = factory switch
        {
            "sgd" => () => Optimizer.Sgd(Pick("learningRate", 0.1), Pick("momentum", 0.5), weightDecay: Pick("weightDecay", 0),
                maxGradientNorm: Pick("maxGradientNorm", 1)),
            "nesterov" => () => Optimizer.Sgd(0.1, Pick("momentum", 0.5), nesterov: true),
            "adam" => () => Optimizer.Adam(Pick("learningRate", 0.1), Pick("beta1", 0.9), Pick("beta2", 0.999), Pick("epsilon", 1e-8),
                Pick("weightDecay", 0), Pick("maxGradientNorm", 1)),
            "scaleByLearningRate" => () => Optimizer.ScaleByLearningRate(value),
            "scaleByMomentum" => () => Optimizer.ScaleByMomentum(value),
            "scaleByAdam" => () => Optimizer.ScaleByAdam(beta1: value),
            "addDecayedWeights" => () => Optimizer.AddDecayedWeights(value),
            _ => () => Optimizer.ClipByGlobalNorm(value),
        };
        var error = Assert.ThrowsAny<ArgumentException>(() => create());
        Assert.Equal(argument, error.ParamName);
        Assert.Contains(argument, error.Message);
        Assert.Contains(value.ToString(CultureInfo.CurrentCulture), error.Message);
    }

    /// <summary>Steps θ with <paramref name="optimizer"/> over the gradients, calling <paramref name="check"/>(t, g_t, new state) after each step.</summary>
    private static (Parameters<T> Theta, OptimizerState<T> State) Run<T>(
        Optimizer optimizer, Parameters<T> theta, IReadOnlyList<Parameters<T>> gradients, Action<int, Parameters<T>, OptimizerState<T>> check)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var state = optimizer.Init(theta);
        for (int t = 1; t <= gradients.Count; t++)
        {
            var update = optimizer.Update(gradients[t - 1], state, theta);
            (theta, state) = (theta.Add(update.Updates), update.State);
            check(t, gradients[t - 1], state);
        }
        return (theta, state);
    }

    /// <summary>The state after every gradient of <paramref name="c"/> but the last.</summary>
    private static OptimizerState<double> Advance(Optimizer optimizer, OptimizerCase c) =>
        Run(optimizer, c.Theta, c.Gradients[..^1], (_, _, _) => { }).State;

    private static Parameters<T> Minimise<T>(Optimizer optimizer, Parameters<T> theta, int steps, Func<Parameters<T>, Parameters<T>> gradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var state = optimizer.Init(theta);
        for (int t = 0; t < steps; t++)
        {
            var update = optimizer.Update(gradient(theta), state, theta);
            (theta, state) = (theta.Add(update.Updates), update.State);
        }
        return theta;
    }

    /// <summary>The only state of type <typeparamref name="TState"/> inside a chain's state.</summary>
    private static TState StateOf<TState>(OptimizerState<double> state) where TState : OptimizerState<double> =>
        Assert.IsType<ChainState<double>>(state).States.OfType<TState>().Single();

    /// <summary>One layer with a 1 x 2 weight (x, y) and a bias (z).</summary>
    internal static Parameters<T> Point<T>(T x, T y, T z) where T : unmanaged, IFloatingPointIeee754<T> =>
        new([new LayerParameters<T>(ImmutableMatrix.FromRowMajor<T>(1, 2, [x, y]), ImmutableVector.Create(z))]);

    /// <summary>Two 1 x 1 layers: (w1 | b1), (w2 | b2).</summary>
    private static Parameters<double> TwoLayers(double w1, double b1, double w2, double b2) =>
        new([
            new LayerParameters<double>(ImmutableMatrix.FromRowMajor<double>(1, 1, [w1]), ImmutableVector.Create(b1)),
            new LayerParameters<double>(ImmutableMatrix.FromRowMajor<double>(1, 1, [w2]), ImmutableVector.Create(b2)),
        ]);

    private static Parameters<float> ToFloat(Parameters<double> parameters) =>
        new(parameters.Layers.Select(layer => new LayerParameters<float>(
            ImmutableMatrix.FromColumnMajor<float>(layer.Weight.Rows, layer.Weight.Columns, layer.Weight.AsSpan().ToArray().Select(v => (float)v).ToArray()),
            ImmutableVector.Create(layer.Bias.ToArray().Select(v => (float)v).ToArray()))).ToImmutableArray());

    /// <summary>A deep copy with separate storage.</summary>
    private static Parameters<double> Copy(Parameters<double> parameters) => parameters.Unflatten(Flat(parameters));

    internal static T[] Flat<T>(Parameters<T> parameters) where T : unmanaged, IFloatingPointIeee754<T> => [.. parameters.Flatten()];

    internal static void AssertClose(double[] expected, double[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (!(Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i]))))
                Assert.Fail($"Element {i}: expected {expected[i]:R}, got {actual[i]:R} (tolerance {tolerance:E1}).\nexpected [{string.Join(", ", expected)}]\nactual   [{string.Join(", ", actual)}]");
    }
}
