using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;
using Pure.Testing;

namespace Pure.Properties;

/// <summary>
/// The law kit (Pure.Testing) on the built-ins, where every law must hold, and on planted faults, where each law must
/// fail: derivatives wrong by a factor 1 + 1e-6 (double) and 1 + 1e-3 (float), an optimizer that ascends, a JVP that is
/// not the adjoint of Backward, a loss whose gradient depends on the batch size; and the shrinker's own result.
/// </summary>
public class LawKitTests
{
    private static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(100).WithQuietOnSuccess(true);

    private static void Holds(Property law, int maxTest = 100) => Check.One(Quick.WithMaxTest(maxTest), law);

    private static string Fails(Property law, int maxTest = 100) =>
        Assert.ThrowsAny<Exception>(() => Check.One(Quick.WithMaxTest(maxTest), law)).Message;

    private static Activation Tanh(double factor) => Activation.Custom("tanh", Math.Tanh, z => factor * (1 - Math.Tanh(z) * Math.Tanh(z)));

    private static Loss HalfSquared(double factor) => Loss.Custom("half_squared", (a, y) => 0.5 * (a - y) * (a - y), (a, y) => factor * (a - y));

    [Fact]
    public void Activation_law_holds_for_every_built_in_in_double_and_float()
    {
        foreach (var activation in Pure.Testing.Generators.HiddenActivations)
        {
            Holds(Laws.ActivationDerivative(activation));
            Holds(Laws.ActivationDerivative<float>(activation));
        }
    }

    [Fact]
    public void Loss_law_holds_for_every_built_in_in_double_and_float()
    {
        foreach (var loss in new[] { Loss.Absolute, Loss.Squared, Loss.HalfSquared, Loss.Huber(0.5), Loss.BinaryCrossEntropy, Loss.CategoricalCrossEntropy })
        {
            Holds(Laws.LossGradient(loss));
            Holds(Laws.LossGradient<float>(loss));
        }
    }

    [Fact]
    public void Derivative_wrong_by_one_part_in_a_million_is_caught_in_double()
    {
        Holds(Laws.ActivationDerivative(Tanh(1)));
        Holds(Laws.LossGradient(HalfSquared(1)));
        Holds(Laws.BackwardGradient(Tanh(1)), 50);
        Holds(Laws.BackwardGradient(HalfSquared(1)), 50);
        Assert.Contains("FAILED", Fails(Laws.ActivationDerivative(Tanh(1 + 1e-6))));
        Assert.Contains("FAILED", Fails(Laws.LossGradient(HalfSquared(1 + 1e-6))));
        Assert.Contains("FAILED", Fails(Laws.BackwardGradient(Tanh(1 + 1e-6))));
        Assert.Contains("FAILED", Fails(Laws.BackwardGradient(HalfSquared(1 + 1e-6))));

        // GradientCheck itself, on a fixed network: the wrong derivative fails with every failing coordinate listed.
        var input = ImmutableMatrix.Create<double>(3, 5, (i, j) => Math.Sin(3 * i + j + 1));
        var target = ImmutableMatrix.Create<double>(2, 5, (i, j) => Math.Cos(2 * i + j));
        for (int seed = 0; seed < 3; seed++)
        {
            var good = GradientCheck.Run(Network.Create<double>([3, 4, 2], [Tanh(1), Activation.Identity], seed), input, target, HalfSquared(1));
            var bad = GradientCheck.Run(Network.Create<double>([3, 4, 2], [Tanh(1 + 1e-6), Activation.Identity], seed), input, target, HalfSquared(1));
            var badLoss = GradientCheck.Run(Network.Create<double>([3, 4, 2], [Tanh(1), Activation.Identity], seed), input, target, HalfSquared(1 + 1e-6));
            Assert.True(good.Passed, good.ToString());
            Assert.False(bad.Passed, bad.ToString());
            Assert.All(bad.Failures, failure => Assert.Equal(0, failure.Layer)); // only layer 1's gradients pass through the wrong σ'
            Assert.True(bad.Failures.Length > 1, bad.ToString());
            Assert.Equal(bad.Failures.Length, bad.ToString().Split('\n').Length - 1);
            Assert.False(badLoss.Passed, badLoss.ToString());
            Assert.Equal(badLoss.Failures.Length, badLoss.Failures.Select(f => (f.Layer, f.Name)).Distinct().Count());
        }
    }

    [Fact]
    public void Derivative_wrong_by_one_part_in_a_thousand_is_caught_in_float()
    {
        Holds(Laws.ActivationDerivative<float>(Tanh(1)));
        Holds(Laws.LossGradient<float>(HalfSquared(1)));
        Assert.Contains("FAILED", Fails(Laws.ActivationDerivative<float>(Tanh(1 + 1e-3))));
        Assert.Contains("FAILED", Fails(Laws.LossGradient<float>(HalfSquared(1 + 1e-3))));

        var input = ImmutableMatrix.Create<float>(3, 5, (i, j) => MathF.Sin(3 * i + j + 1));
        var target = ImmutableMatrix.Create<float>(2, 5, (i, j) => MathF.Cos(2 * i + j));
        for (int seed = 0; seed < 3; seed++)
        {
            var good = GradientCheck.Run(Network.Create<float>([3, 4, 2], [Tanh(1), Activation.Identity], seed), input, target, HalfSquared(1));
            var bad = GradientCheck.Run(Network.Create<float>([3, 4, 2], [Tanh(1), Activation.Identity], seed), input, target, HalfSquared(1 + 1e-3));
            Assert.True(good.Passed, good.ToString());
            Assert.False(bad.Passed, bad.ToString());
        }
    }

    [Fact]
    public void Backward_law_holds_for_the_built_ins_in_double_and_float()
    {
        Holds(Laws.BackwardGradient(), 200);
        Holds(Laws.BackwardGradient(Pure.Testing.Generators.Cases<float>()), 100);
    }

    [Fact]
    public void Directional_check_passes_a_right_gradient_fails_one_wrong_by_1e_minus_6_and_refuses_a_misshapen_direction()
    {
        var network = Network.Create<double>([3, 4, 2], Activation.Tanh, Activation.Identity, seed: 3);
        var input = ImmutableMatrix.FromRows<double>([[0.5, -1.0], [0.25, 2.0], [-1.5, 0.75]]);
        var target = ImmutableMatrix.FromRows<double>([[1.0, -0.5], [0.0, 2.0]]);
        var direction = network.Parameters.Map(_ => 1.0).Unflatten([.. Enumerable.Range(0, network.ParameterCount).Select(i => Math.Sin(i + 1))]);
        var right = GradientCheck.Directional(network, input, target, HalfSquared(1), direction);
        Assert.True(right.Passed, right.ToString());
        Assert.Equal(1, right.CheckedCount);
        var wrong = GradientCheck.Directional(network, input, target, HalfSquared(1 + 1e-6), direction);
        Assert.False(wrong.Passed, wrong.ToString());
        var misshapen = Network.Create<double>([3, 5, 2], Activation.Tanh, Activation.Identity, seed: 3).Parameters;
        Assert.Equal("direction", Assert.Throws<ArgumentException>(() => GradientCheck.Directional(network, input, target, HalfSquared(1), misshapen)).ParamName);
    }

    [Fact]
    public void Backward_law_in_float_holds_at_a_saturated_tanh()
    {
        // A float tanh output near 1 makes 1 - a² lose its leading bits (seen in a generated case: every coordinate off by
        // 3.6e-2 with a correct Backward). GradientCheck allows for float Backward's rounding as measured against the same
        // gradient in double, so such a case is checked and holds, in float as in double.
        var layer = new DenseLayer<double>(ImmutableMatrix.FromRows<double>([[7]]), ImmutableVector.Create(0.0), Activation.Tanh);
        var inDouble = new NetworkCase<double>(new Network<double>([layer]), ImmutableMatrix.FromRows<double>([[1]]), ImmutableMatrix.FromRows<double>([[1.72]]), Loss.Squared);
        var saturated = new NetworkCase<float>(inDouble.Network.As<float>(), inDouble.Input.As<float>(), inDouble.Target.As<float>(), Loss.Squared);
        Holds(Laws.BackwardGradient(Arb.From(Gen.Constant(saturated))), 10);
        Holds(Laws.BackwardGradient(Arb.From(Gen.Constant(inDouble))), 10);
    }

    [Fact]
    public void Adjoint_shape_and_batch_laws_hold_for_the_built_ins()
    {
        Holds(Laws.BackwardIsAdjointOfJvp(), 200);
        Holds(Laws.BackwardIsAdjointOfJvp(Pure.Testing.Generators.Cases<float>()));
        Holds(Laws.Shapes(), 200);
        Holds(Laws.BatchGradientIsMeanOfSampleGradients(), 200);
        Holds(Laws.BatchGradientIsMeanOfSampleGradients(Pure.Testing.Generators.Cases<float>()));
    }

    [Fact]
    public void Adjoint_law_fails_for_a_jvp_that_is_not_the_transpose_of_backward()
    {
        var cases = Pure.Testing.Generators.Cases([new DoubledJvp()], Pure.Testing.Generators.SmoothPairings);
        var message = Fails(Laws.BackwardIsAdjointOfJvp(Arb.From(cases.Generator.Where(c => c.Network.Layers.Length > 1), Pure.Testing.Shrinkers.Shrink)));
        Assert.Contains("<J v, u>", message);
    }

    [Fact]
    public void Batch_law_fails_for_a_loss_whose_gradient_depends_on_the_batch_size()
    {
        var cases = Pure.Testing.Generators.Cases(Pure.Testing.Generators.HiddenActivations, [new OutputPairing(Activation.Identity, new BatchScaledLoss())]);
        Assert.Contains("mean of samples", Fails(Laws.BatchGradientIsMeanOfSampleGradients(cases)));
    }

    [Fact]
    public void Optimizer_law_holds_for_the_built_ins_and_fails_for_an_ascending_optimizer()
    {
        foreach (var optimizer in new[] { Optimizer.Sgd(0.1), Optimizer.Sgd(0.5, momentum: 0.9, nesterov: true), Optimizer.Adam(0.01), Optimizer.Chain(Optimizer.ClipByGlobalNorm(1), Optimizer.ScaleByAdam(), Optimizer.ScaleByLearningRate(0.1)) })
        {
            Holds(Laws.OptimizerStep(optimizer));
            Holds(Laws.OptimizerStep<float>(optimizer));
        }
        Assert.Contains("no descent", Fails(Laws.OptimizerStep(new Ascent())));
    }

    [Fact]
    public void Checkpoint_law_holds_for_the_built_ins_and_fails_for_an_optimizer_the_file_cannot_hold()
    {
        Holds(Laws.CheckpointRoundTrip(Optimizer.Adam(0.01)), 50);
        Holds(Laws.CheckpointRoundTrip(Optimizer.Sgd(0.1, momentum: 0.9), Pure.Testing.Generators.Cases<float>()), 50);
        Fails(Laws.CheckpointRoundTrip(new Ascent()), 10);
    }

    [Fact]
    public void Activation_law_fails_for_relu_with_a_derivative_at_0_other_than_0()
    {
        // The seeds' ReLU slide gives 0.5 or 1 at exactly 0; Pure documents 0 (the left slope) and the law checks it.
        var halfAtZero = Activation.Custom("relu-half", z => Math.Max(0, z), z => z > 0 ? 1 : z == 0 ? 0.5 : 0);
        Holds(Laws.ActivationDerivative(Activation.Relu));
        Holds(Laws.ActivationDerivative(halfAtZero)); // a custom activation has no documented convention: only central differences apply
    }

    [Fact]
    public void A_failing_case_shrinks_to_at_most_2_layers_of_width_at_most_2()
    {
        // The planted fault: a loss whose derivative is twice the right one. Every network of 1 layer or more trips it.
        var wrong = Loss.Custom("double_gradient", (a, y) => 0.5 * (a - y) * (a - y), (a, y) => 2 * (a - y));
        var cases = Pure.Testing.Generators.Cases(Pure.Testing.Generators.HiddenActivations, Pure.Testing.Generators.PairingsFor(wrong));
        NetworkCase? last = null;
        var property = Prop.ForAll(cases, c =>
        {
            bool passed = GradientCheck.Run(c.Network, c.Input, c.Target, c.Loss).Passed;
            if (!passed) last = c;
            return passed;
        });
        var message = Assert.ThrowsAny<Exception>(() => Check.One(Quick, property)).Message;
        Assert.Contains("shrink", message);
        Assert.NotNull(last);
        Assert.True(last.Network.Layers.Length <= 2, last.ToString());
        Assert.All(last.Network.LayerSizes, width => Assert.True(width <= 2, last.ToString()));
        Assert.True(last.SampleCount <= 2, last.ToString());
    }

    [PureProperty(MaxTest = 100)]
    public Property Shrinker_candidates_are_valid_and_simpler() =>
        Prop.ForAll(Pure.Testing.Generators.Cases(), c =>
        {
            foreach (var candidate in Pure.Testing.Shrinkers.Shrink(c))
            {
                // Valid: the cost is defined (shapes chain, targets valid for the loss).
                double cost = Backprop.Cost(candidate.Network, candidate.Input, candidate.Target, candidate.Loss);
                bool simpler = candidate.Network.Layers.Length < c.Network.Layers.Length
                    || candidate.Network.ParameterCount < c.Network.ParameterCount
                    || candidate.SampleCount < c.SampleCount
                    || candidate.Network.Layers.Zip(c.Network.Layers).Any(pair => pair.First.Activation != pair.Second.Activation)
                    || candidate != c;
                if (!simpler || double.IsNaN(cost)) return false.Label(candidate.ToString());
            }
            return true.Label("");
        });

    /// <summary>
    /// The one convention the gradient laws cannot see (they keep away from kinks): ReLU'(0) = 0 and leaky ReLU'(0) =
    /// slope, on the kit's generated matrices with about a third of the entries set to exactly ±0 (at least 16
    /// elements, so that the vectorised kernels run): Backward scales the upstream by σ'(z) element by element.
    /// </summary>
    [PureProperty]
    public Property Rectifier_subgradient_at_the_kink_is_the_documented_one()
    {
        var cases =
            from rows in Gen.Choose(4, 8)
            from columns in Gen.Choose(4, 16)
            from z in Pure.Testing.Generators.Matrix(rows, columns)
            from upstream in Pure.Testing.Generators.Matrix(rows, columns)
            from zeros in Gen.ArrayOf(Gen.Elements(0, 1, 2, 3), rows * columns)
            select (Z: ImmutableMatrix.Create<double>(rows, columns, (i, j) => zeros[j * rows + i] switch { 0 => 0.0, 1 => -0.0, _ => z[i, j] }), Upstream: upstream);
        return Prop.ForAll(Arb.From(cases), c =>
        {
            var relu = Activation.Relu.Backward(c.Z, c.Upstream);
            var leaky = Activation.LeakyRelu(0.25).Backward(c.Z, c.Upstream);
            var expectedRelu = ImmutableMatrix.Create<double>(c.Z.Rows, c.Z.Columns, (i, j) => c.Z[i, j] > 0 ? c.Upstream[i, j] : 0.0);
            var expectedLeaky = ImmutableMatrix.Create<double>(c.Z.Rows, c.Z.Columns, (i, j) => c.Z[i, j] > 0 ? c.Upstream[i, j] : 0.25 * c.Upstream[i, j]);
            return (relu == expectedRelu && leaky == expectedLeaky).Label($"z={c.Z}\nrelu'={relu}\nleaky'={leaky}");
        });
    }

    /// <summary>Tanh with a Jvp twice the right one: Backward stays right, so only the adjoint law sees it.</summary>
    private sealed record DoubledJvp() : Activation("tanh-doubled-jvp")
    {
        public override void Apply<T>(ReadOnlySpan<T> z, Span<T> a, int rows) => Activation.Tanh.Apply(z, a, rows);

        public override void Backward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> upstream, Span<T> downstream, int rows) =>
            Activation.Tanh.Backward(z, a, upstream, downstream, rows);

        public override void Jvp<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> tangent, Span<T> result, int rows)
        {
            Activation.Tanh.Backward(z, a, tangent, result, rows);
            for (int i = 0; i < result.Length; i++) result[i] += result[i];
        }
    }

    /// <summary>Half-squared error whose gradient is scaled by the number of samples in the call: right for one sample, wrong for a batch.</summary>
    private sealed record BatchScaledLoss() : Loss("batch_scaled")
    {
        public override T Sum<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> target, int rows) => Loss.HalfSquared.Sum(output, target, rows);

        public override void Gradient<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> target, Span<T> gradient, int rows)
        {
            T m = T.CreateChecked(output.Length / rows);
            for (int i = 0; i < output.Length; i++) gradient[i] = (output[i] - target[i]) * m;
        }
    }

    /// <summary>Gradient ascent: θ + η g.</summary>
    private sealed record Ascent() : Optimizer
    {
        public override OptimizerState<T> Init<T>(Parameters<T> parameters) => new EmptyState<T>();

        public override OptimizerUpdate<T> Update<T>(Parameters<T> gradient, OptimizerState<T> state, Parameters<T> parameters) =>
            new(gradient.Scale(T.CreateChecked(0.1)), state);
    }
}
