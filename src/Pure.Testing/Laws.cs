using System.Collections.Immutable;
using System.Numerics;
using FsCheck;
using FsCheck.Fluent;

namespace Pure.Testing;

/// <summary>Settings of the gradient laws; the runner's settings (MaxTest, seed) stay with the runner.</summary>
/// <param name="KinkMargin">Cases closer than this to a kink (|z| of a ReLU or leaky-ReLU pre-activation, |a - y| of L1) are discarded, as are cases where a perturbation by h crosses a kink.</param>
/// <param name="MaxCoordinates">Per-coordinate central differences on at most this many parameters per case (a seeded sample); every one on smaller networks.</param>
/// <param name="Check">h and rtol of <see cref="GradientCheck"/>; null takes its defaults for the element type.</param>
public sealed record LawSettings(double KinkMargin = 1e-3, int MaxCoordinates = 64, GradientCheckOptions? Check = null)
{
    /// <summary>The defaults.</summary>
    public static LawSettings Default { get; } = new();
}

/// <summary>Two matrices of the same shape: a point and a direction (activation law) or an output and a target (loss law).</summary>
/// <param name="First">The point z or the output a.</param>
/// <param name="Second">The cotangent u or the target y.</param>
public sealed record MatrixPair(ImmutableMatrix<double> First, ImmutableMatrix<double> Second);

/// <summary>
/// Laws of Pure's contracts, each one call returning an FsCheck <see cref="Property"/>: run it with FsCheck.Xunit
/// (<c>[Property] public Property P() =&gt; Laws.ActivationDerivative(mine);</c>), FsCheck.NUnit or <c>Check.One</c>.
/// A failure reports the shrunk counterexample and the gradient report listing every failing coordinate; FsCheck's
/// Replay seed reproduces it. Laws that discard cases near kinks fail as "exhausted" when most cases are discarded.
/// Generic overloads take the element type (double or float); the others are double.
/// </summary>
public static class Laws
{
    /// <summary>σ's Backward (J_σ(z)^T u) matches central differences of z ↦ ⟨u, σ(z)⟩ (element-wise and vector activations); ReLU's derivative at 0 is 0 and leaky ReLU's is its slope.</summary>
    public static Property ActivationDerivative(Activation activation, LawSettings? settings = null) => ActivationDerivative<double>(activation, settings);

    /// <summary><see cref="ActivationDerivative(Activation, LawSettings?)"/> in element type T.</summary>
    public static Property ActivationDerivative<T>(Activation activation, LawSettings? settings = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(activation);
        settings ??= LawSettings.Default;
        var cases = from rows in Gen.Choose(1, 8)
                    from m in Gen.Choose(1, 4)
                    from z in Generators.Matrix(rows, m, 3)
                    from u in Generators.Matrix(rows, m, 2)
                    select new MatrixPair(z, u);
        return Prop.ForAll(Arb.From(cases, ShrinkPair), pair =>
        {
            var z = pair.First.As<T>();
            var u = pair.Second.As<T>();
            double margin = Math.Max(settings.KinkMargin, 2 * (settings.Check?.Step ?? GradientCheckOptions.DefaultStep<T>()));
            bool nearKink = !Generators.IsSmooth(activation) && pair.First.ToColumnMajorArray().Any(x => Math.Abs(x) < margin);
            return Prop.When(!nearKink, () =>
            {
                var gradient = activation.Backward(z, u).ToDouble().ToColumnMajorArray();
                var ud = u.ToDouble();
                double allowance = 16 * Epsilon<T>() * ud.ToColumnMajorArray().Select(Math.Abs).Max();
                var report = GradientCheck.Run<T>(x => activation.Apply(ImmutableMatrix.FromColumnMajor<double>(z.Rows, z.Columns, x)).Dot(ud), z.ToDouble().ToColumnMajorArray(), gradient, allowance, settings.Check,
                    activation.Apply(z.ToDouble()).ToColumnMajorArray().Zip(ud.ToColumnMajorArray(), (p, q) => Math.Abs(p * q)).Sum());
                string convention = KinkConvention<T>(activation);
                return (report.Passed && convention.Length == 0).Label($"{activation.Name}: {report}{convention}");
            });
        });
    }

    /// <summary>A loss's Gradient (∂ℓ/∂a per sample, divided by m) matches central differences of its Value, for outputs and targets valid for the loss.</summary>
    public static Property LossGradient(Loss loss, LawSettings? settings = null) => LossGradient<double>(loss, settings);

    /// <summary><see cref="LossGradient(Loss, LawSettings?)"/> in element type T.</summary>
    public static Property LossGradient<T>(Loss loss, LawSettings? settings = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(loss);
        settings ??= LawSettings.Default;
        var cases = from rows in loss is BinaryCrossEntropyLoss ? Gen.Choose(1, 8) : Gen.Choose(loss is CategoricalCrossEntropyLoss ? 2 : 1, 8)
                    from m in Gen.Choose(1, 4)
                    from output in Output(loss, rows, m)
                    from target in Generators.Target(loss, rows, m)
                    select new MatrixPair(output, target);
        return Prop.ForAll(Arb.From(cases), pair =>
        {
            var a = pair.First.As<T>();
            var y = pair.Second.As<T>();
            double margin = Math.Max(settings.KinkMargin, 2 * (settings.Check?.Step ?? GradientCheckOptions.DefaultStep<T>()));
            // L1 has a kink at a = y; Huber's second derivative jumps at |a - y| = δ, where central differences lose accuracy.
            bool nearKink = loss switch
            {
                AbsoluteLoss => pair.First.ToColumnMajorArray().Zip(pair.Second.ToColumnMajorArray(), (p, q) => Math.Abs(p - q)).Any(d => d < margin),
                HuberLoss huber => pair.First.ToColumnMajorArray().Zip(pair.Second.ToColumnMajorArray(), (p, q) => Math.Abs(Math.Abs(p - q) - huber.Delta)).Any(d => d < margin),
                _ => false,
            };
            return Prop.When(!nearKink, () =>
            {
                double m = a.Columns;
                var gradient = loss.Gradient(a, y).ToDouble().ToColumnMajorArray().Select(g => g / m).ToArray();
                var yd = y.ToDouble();
                double allowance = 16 * Epsilon<T>() * gradient.Select(Math.Abs).DefaultIfEmpty(0).Max();
                var report = GradientCheck.Run<T>(x => loss.Value(ImmutableMatrix.FromColumnMajor<double>(a.Rows, a.Columns, x), yd), a.ToDouble().ToColumnMajorArray(), gradient, allowance, settings.Check,
                    a.ToDouble().ToColumnMajorArray().Zip(gradient, (p, q) => Math.Abs(p * q)).Sum());
                return report.Passed.Label($"{loss.Name}: {report}");
            });
        });
    }

    /// <summary>Backward over generated cases of every built-in activation and loss: see <see cref="BackwardGradient(Arbitrary{NetworkCase}, LawSettings?)"/>.</summary>
    public static Property BackwardGradient(LawSettings? settings = null) => BackwardGradient(Generators.Cases(), settings);

    /// <summary>Backward with <paramref name="activation"/> in the hidden layers (and as the output of a half-squared loss).</summary>
    public static Property BackwardGradient(Activation activation, LawSettings? settings = null) => BackwardGradient<double>(activation, settings);

    /// <summary><see cref="BackwardGradient(Activation, LawSettings?)"/> in element type T.</summary>
    public static Property BackwardGradient<T>(Activation activation, LawSettings? settings = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(activation);
        return BackwardGradient(Generators.Cases<T>(Generators.Cases([activation], [.. Generators.SmoothPairings, new OutputPairing(activation, Loss.HalfSquared)])), settings);
    }

    /// <summary>Backward with <paramref name="loss"/> after every output activation it accepts.</summary>
    public static Property BackwardGradient(Loss loss, LawSettings? settings = null) => BackwardGradient<double>(loss, settings);

    /// <summary><see cref="BackwardGradient(Loss, LawSettings?)"/> in element type T.</summary>
    public static Property BackwardGradient<T>(Loss loss, LawSettings? settings = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(loss);
        return BackwardGradient(Generators.Cases<T>(Generators.Cases(Generators.HiddenActivations, Generators.PairingsFor(loss))), settings);
    }

    /// <summary>
    /// A whole network's Backward matches the cost: the directional derivative ⟨∇C, v⟩ along a random direction v
    /// against (C(θ + hv) - C(θ - hv)) / 2h (as JAX's check_grads), and per-coordinate central differences on up to
    /// <see cref="LawSettings.MaxCoordinates"/> parameters, by <see cref="GradientCheck"/>'s rule. Cases near a kink are discarded.
    /// </summary>
    public static Property BackwardGradient(Arbitrary<NetworkCase> cases, LawSettings? settings = null) => BackwardGradient(Generators.Cases<double>(cases), settings);

    /// <summary><see cref="BackwardGradient(Arbitrary{NetworkCase}, LawSettings?)"/> in element type T.</summary>
    public static Property BackwardGradient<T>(Arbitrary<NetworkCase<T>> cases, LawSettings? settings = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(cases);
        settings ??= LawSettings.Default;
        var options = settings.Check ?? new GradientCheckOptions();
        T step = T.CreateChecked(options.Step ?? GradientCheckOptions.DefaultStep<T>());
        return Prop.ForAll(cases, Seeds(), (c, seed) =>
        {
            var direction = Direction(c.Network.Parameters, seed);
            bool checkable = GradientChecking.DistanceToKinks(c.Network, c.Input, c.Target, c.Loss) >= settings.KinkMargin
                && !GradientChecking.PerturbationCrossesKink(c.Network, c.Input, c.Target, c.Loss, step)
                && !GradientChecking.DirectionCrossesKink(c.Network, c.Input, c.Target, c.Loss, direction, step);
            return Prop.When(checkable, () =>
            {
                var directional = GradientCheck.Directional(c.Network, c.Input, c.Target, c.Loss, direction, options);
                var coordinates = GradientCheck.Run(c.Network, c.Input, c.Target, c.Loss, options with { MaxParameters = settings.MaxCoordinates, Seed = seed });
                return (directional.Passed && coordinates.Passed).Label($"directional: {directional}\nper coordinate: {coordinates}");
            });
        });
    }

    /// <summary>Backward is the adjoint of the forward JVP: ⟨J v, u⟩ = ⟨v, J^T u⟩ for random v and u (Backprop.Jvp and Backprop.Vjp), up to rounding.</summary>
    public static Property BackwardIsAdjointOfJvp(Arbitrary<NetworkCase>? cases = null) => BackwardIsAdjointOfJvp(Generators.Cases<double>(cases ?? Generators.Cases()));

    /// <summary><see cref="BackwardIsAdjointOfJvp(Arbitrary{NetworkCase}?)"/> in element type T.</summary>
    public static Property BackwardIsAdjointOfJvp<T>(Arbitrary<NetworkCase<T>> cases) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(cases);
        return Prop.ForAll(cases, Seeds(), (c, seed) =>
        {
            var random = new Random(seed);
            var v = RandomMatrix<T>(c.Input.Rows, c.Input.Columns, random);
            var u = RandomMatrix<T>(c.Network.OutputSize, c.Input.Columns, random);
            double left = double.CreateChecked(Backprop.Jvp(c.Network, c.Input, v).Dot(u));
            var pulled = Backprop.Vjp(c.Network, Backprop.Forward(c.Network, c.Input), u);
            double right = double.CreateChecked(v.Dot(pulled));
            // Every term of both sums is bounded by Π_l ‖W_l‖ max|σ'_l| ‖v‖ ‖u‖; each is rounded O(depth · width) times.
            double magnitude = Norm(v) * Norm(u);
            var trace = Backprop.Forward(c.Network, c.Input);
            for (int l = 0; l < c.Network.Layers.Length; l++)
                magnitude *= Norm(c.Network.Layers[l].Weight) * Math.Max(1, MaxSlope(c.Network.Layers[l].Activation, trace.PreActivations[l]));
            int width = c.Network.LayerSizes.Max();
            double tolerance = 32 * (c.Network.Layers.Length + 1) * width * Epsilon<T>() * magnitude;
            return (pulled.Rows == c.Input.Rows && pulled.Columns == c.Input.Columns && Math.Abs(left - right) <= tolerance)
                .Label($"<J v, u> = {left:R}, <v, J^T u> = {right:R}, tolerance {tolerance:E3}");
        });
    }

    /// <summary>Shapes: Forward's Z^[l] and A^[l] are n_l x m, Predict is n_L x m, the gradient has the network's layer shapes, Jvp is n_L x m and Vjp n_0 x m.</summary>
    public static Property Shapes(Arbitrary<NetworkCase>? cases = null) => Shapes(Generators.Cases<double>(cases ?? Generators.Cases()));

    /// <summary><see cref="Shapes(Arbitrary{NetworkCase}?)"/> in element type T.</summary>
    public static Property Shapes<T>(Arbitrary<NetworkCase<T>> cases) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(cases);
        return Prop.ForAll(cases, c =>
        {
            int m = c.SampleCount;
            var sizes = c.Network.LayerSizes;
            var trace = Backprop.Forward(c.Network, c.Input);
            var gradient = Backprop.Backward(c.Network, trace, c.Target, c.Loss).Gradient;
            var problems = new List<string>();
            for (int l = 0; l < c.Network.Layers.Length; l++)
            {
                if (trace.PreActivations[l].Rows != sizes[l + 1] || trace.PreActivations[l].Columns != m) problems.Add($"Z{l + 1} is {trace.PreActivations[l].Shape}");
                if (trace.Activations[l].Rows != sizes[l + 1] || trace.Activations[l].Columns != m) problems.Add($"A{l + 1} is {trace.Activations[l].Shape}");
                var layer = c.Network.Layers[l];
                var g = gradient.Layers[l];
                if (g.Weight.Rows != layer.Weight.Rows || g.Weight.Columns != layer.Weight.Columns) problems.Add($"dW{l + 1} is {g.Weight.Shape}, W{l + 1} {layer.Weight.Shape}");
                if (g.Bias.Length != layer.Bias.Length) problems.Add($"db{l + 1} has {g.Bias.Length} entries, b{l + 1} {layer.Bias.Length}");
            }
            if (gradient.Layers.Length != c.Network.Layers.Length) problems.Add($"{gradient.Layers.Length} gradient layers for {c.Network.Layers.Length} layers");
            var predicted = Backprop.Predict(c.Network, c.Input);
            if (predicted.Rows != sizes[^1] || predicted.Columns != m) problems.Add($"Predict is {predicted.Shape}");
            var jvp = Backprop.Jvp(c.Network, c.Input, c.Input);
            if (jvp.Rows != sizes[^1] || jvp.Columns != m) problems.Add($"Jvp is {jvp.Shape}");
            var vjp = Backprop.Vjp(c.Network, trace, trace.Output);
            if (vjp.Rows != sizes[0] || vjp.Columns != m) problems.Add($"Vjp is {vjp.Shape}");
            return (problems.Count == 0).Label(string.Join("; ", problems));
        });
    }

    /// <summary>The gradient of a batch is the mean of the per-sample gradients, and its loss the mean of theirs, up to rounding.</summary>
    public static Property BatchGradientIsMeanOfSampleGradients(Arbitrary<NetworkCase>? cases = null) =>
        BatchGradientIsMeanOfSampleGradients(Generators.Cases<double>(cases ?? Generators.Cases()));

    /// <summary><see cref="BatchGradientIsMeanOfSampleGradients(Arbitrary{NetworkCase}?)"/> in element type T.</summary>
    public static Property BatchGradientIsMeanOfSampleGradients<T>(Arbitrary<NetworkCase<T>> cases) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(cases);
        return Prop.ForAll(cases, c =>
        {
            int m = c.SampleCount;
            var batch = Backprop.Gradient(c.Network, c.Input, c.Target, c.Loss);
            var samples = Enumerable.Range(0, m)
                .Select(j => Backprop.Gradient(c.Network, c.Input.SliceColumns(j, 1), c.Target.SliceColumns(j, 1), c.Loss)).ToArray();
            var flat = batch.Gradient.Flatten();
            var perSample = samples.Select(s => s.Gradient.Flatten()).ToArray();
            double largest = perSample.SelectMany(g => g).Select(x => Math.Abs(double.CreateChecked(x))).DefaultIfEmpty(0).Max();
            double epsilon = Epsilon<T>();
            var failures = new List<string>();
            for (int i = 0; i < flat.Length; i++)
            {
                double mean = perSample.Average(g => double.CreateChecked(g[i]));
                double size = perSample.Average(g => Math.Abs(double.CreateChecked(g[i])));
                double tolerance = 1024 * epsilon * (m + 8) * Math.Max(size, 1e-3 * largest);
                double actual = double.CreateChecked(flat[i]);
                if (!(Math.Abs(actual - mean) <= tolerance)) failures.Add($"parameter {i}: batch {actual:R}, mean of samples {mean:R} (tolerance {tolerance:E2})");
            }
            double meanLoss = samples.Average(s => double.CreateChecked(s.Loss));
            double loss = double.CreateChecked(batch.Loss);
            if (!(Math.Abs(loss - meanLoss) <= 1024 * epsilon * (m + 8) * Math.Max(1e-300, samples.Average(s => Math.Abs(double.CreateChecked(s.Loss))))))
                failures.Add($"loss: batch {loss:R}, mean of samples {meanLoss:R}");
            return (failures.Count == 0).Label(string.Join("\n", failures));
        });
    }

    /// <summary>
    /// An optimizer's Update (the step's core) is pure (θ, g and the state unchanged; two calls agree), deterministic,
    /// shape-preserving, and its first step from Init descends on the convex quadratic f(θ) = ½‖θ - θ*‖² with
    /// gradient θ - θ*, θ* at a distance of 1 to 2 in every coordinate.
    /// </summary>
    public static Property OptimizerStep(Optimizer optimizer) => OptimizerStep<double>(optimizer);

    /// <summary><see cref="OptimizerStep(Optimizer)"/> in element type T.</summary>
    public static Property OptimizerStep<T>(Optimizer optimizer) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        return Prop.ForAll(Generators.OptimizerStates<T>(optimizer), Seeds(), (s, seed) =>
        {
            var random = new Random(seed);
            var gradient = s.Parameters.Map(_ => T.CreateChecked(Math.Round(random.NextDouble() * 4 - 2, 3)));
            var thetaBefore = s.Parameters.Flatten().ToArray();
            var gradientBefore = gradient.Flatten().ToArray();
            var first = optimizer.Update(gradient, s.State, s.Parameters);
            var second = optimizer.Update(gradient, s.State, s.Parameters);
            var problems = new List<string>();
            if (!s.Parameters.Flatten().SequenceEqual(thetaBefore)) problems.Add("Update changed θ");
            if (!gradient.Flatten().SequenceEqual(gradientBefore)) problems.Add("Update changed the gradient");
            if (first.Updates != second.Updates || first.State != second.State) problems.Add("two calls with the same arguments disagree (state mutated or not deterministic)");
            if (!SameShape(first.Updates, s.Parameters)) problems.Add("the update's shapes differ from θ's");
            if (first.State.GetType() != s.State.GetType()) problems.Add($"the state changed type from {s.State.GetType().Name} to {first.State.GetType().Name}");
            // Descent on f(θ) = ½‖θ - θ*‖² from Init.
            var optimum = s.Parameters.Map(x => x + T.CreateChecked((random.Next(2) * 2 - 1) * (1 + random.NextDouble())));
            var residual = s.Parameters.Zip(optimum, (x, o) => x - o);
            var step = optimizer.Update(residual, optimizer.Init(s.Parameters), s.Parameters);
            var moved = s.Parameters.Add(step.Updates);
            double before = 0.5 * double.CreateChecked(residual.Dot(residual));
            var after = moved.Zip(optimum, (x, o) => x - o);
            double afterValue = 0.5 * double.CreateChecked(after.Dot(after));
            if (!(afterValue < before)) problems.Add($"no descent on ½‖θ - θ*‖²: {before:R} before the step, {afterValue:R} after");
            return (problems.Count == 0).Label($"{optimizer}: {string.Join("; ", problems)}");
        });
    }

    /// <summary>A checkpoint saved to a temporary file and loaded back is equal: model (network, loss), optimizer, state, epoch, seed and batch size.</summary>
    public static Property CheckpointRoundTrip(Optimizer optimizer, Arbitrary<NetworkCase>? cases = null) =>
        CheckpointRoundTrip(optimizer, Generators.Cases<double>(cases ?? Generators.Cases()));

    /// <summary><see cref="CheckpointRoundTrip(Optimizer, Arbitrary{NetworkCase}?)"/> in element type T.</summary>
    public static Property CheckpointRoundTrip<T>(Optimizer optimizer, Arbitrary<NetworkCase<T>> cases) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(cases);
        return Prop.ForAll(cases, Seeds(), (c, seed) =>
        {
            var state = optimizer.Init(c.Network);
            var stepped = Backprop.Step(optimizer, state, c.Network, Backprop.Gradient(c.Network, c.Input, c.Target, c.Loss));
            var checkpoint = new Checkpoint<T>(new Model<T>(stepped.Network, c.Loss), optimizer, stepped.State, Math.Abs(seed % 100), seed, 1 + Math.Abs(seed % 64));
            string path = Path.Combine(Path.GetTempPath(), $"pure-testing-{Guid.NewGuid():N}.checkpoint");
            try
            {
                CheckpointFile.Save(checkpoint, path);
                var loaded = CheckpointFile.Load<T>(path);
                var problems = new List<string>();
                if (loaded.Model.Network != checkpoint.Model.Network) problems.Add("network differs");
                if (loaded.Model.Loss != checkpoint.Model.Loss) problems.Add($"loss {loaded.Model.Loss.Name} instead of {checkpoint.Model.Loss.Name}");
                if (loaded.Optimizer != optimizer) problems.Add($"optimizer {loaded.Optimizer} instead of {optimizer}");
                if (loaded.State != checkpoint.State) problems.Add("optimizer state differs");
                if (loaded.Epoch != checkpoint.Epoch || loaded.Seed != checkpoint.Seed || loaded.BatchSize != checkpoint.BatchSize)
                    problems.Add($"epoch/seed/batch {loaded.Epoch}/{loaded.Seed}/{loaded.BatchSize} instead of {checkpoint.Epoch}/{checkpoint.Seed}/{checkpoint.BatchSize}");
                return (problems.Count == 0).Label(string.Join("; ", problems));
            }
            finally
            {
                File.Delete(path);
            }
        });
    }

    private static Arbitrary<int> Seeds() => Arb.From(Gen.Choose(0, int.MaxValue - 1), _ => []);

    private static IEnumerable<MatrixPair> ShrinkPair(MatrixPair pair)
    {
        if (pair.First.Columns > 1) yield return new MatrixPair(pair.First.SliceColumns(0, pair.First.Columns - 1), pair.Second.SliceColumns(0, pair.Second.Columns - 1));
        foreach (var simpler in Shrinkers.ShrinkValues(pair.First)) yield return pair with { First = simpler };
    }

    private static Gen<ImmutableMatrix<double>> Output(Loss loss, int rows, int columns) => loss switch
    {
        BinaryCrossEntropyLoss => Gen.ArrayOf(Gen.Choose(50, 950).Select(i => i / 1000.0), rows * columns).Select(values => ImmutableMatrix.FromColumnMajor<double>(rows, columns, values)),
        CategoricalCrossEntropyLoss => Gen.ArrayOf(Gen.Choose(100, 1000), rows * columns).Select(weights => Generators.Distributions(weights, rows, columns)),
        _ => Generators.Matrix(rows, columns, 2),
    };

    /// <summary>Empty when σ is not ReLU or leaky ReLU or follows Pure's documented convention σ'(0) = the left slope (0 for ReLU); else a line saying what it gave.</summary>
    private static string KinkConvention<T>(Activation activation) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double slope;
        if (activation is ReluActivation) slope = 0;
        else if (activation is LeakyReluActivation leaky) slope = leaky.Slope;
        else return "";
        // 32 zeros: long enough for every vector width of the kernels.
        var zeros = ImmutableMatrix.Zeros<T>(32, 1);
        var upstream = ImmutableMatrix.Create<T>(32, 1, (i, _) => T.CreateChecked(i + 1));
        var downstream = activation.Backward(zeros, upstream);
        for (int i = 0; i < 32; i++)
            if (downstream[i, 0] != T.CreateChecked(slope) * upstream[i, 0])
                return $"\n{activation.Name}'(0) gave {downstream[i, 0]} for upstream {upstream[i, 0]}; Pure's convention is σ'(0) = {slope} (the left slope).";
        return "";
    }

    private static Parameters<T> Direction<T>(Parameters<T> like, int seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        return like.Map(_ => T.CreateChecked(Math.Round(random.NextDouble() * 2 - 1, 3)));
    }

    private static ImmutableMatrix<T> RandomMatrix<T>(int rows, int columns, Random random) where T : unmanaged, IFloatingPointIeee754<T> =>
        ImmutableMatrix.Create<T>(rows, columns, (_, _) => T.CreateChecked(Math.Round(random.NextDouble() * 4 - 2, 3)));

    private static double Norm<T>(ImmutableMatrix<T> matrix) where T : unmanaged, IFloatingPointIeee754<T> =>
        Math.Sqrt(matrix.ToColumnMajorArray().Sum(x => double.CreateChecked(x) * double.CreateChecked(x)));

    private static double MaxSlope<T>(Activation activation, ImmutableMatrix<T> z) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!activation.IsElementwise) return 1;
        var ones = ImmutableMatrix.Create<T>(z.Rows, z.Columns, (_, _) => T.One);
        return activation.Backward(z, ones).ToColumnMajorArray().Select(x => Math.Abs(double.CreateChecked(x))).DefaultIfEmpty(0).Max();
    }

    private static bool SameShape<T>(Parameters<T> left, Parameters<T> right) where T : unmanaged, IFloatingPointIeee754<T> =>
        left.Layers.Length == right.Layers.Length && left.Layers.Zip(right.Layers).All(pair =>
            pair.First.Weight.Rows == pair.Second.Weight.Rows && pair.First.Weight.Columns == pair.Second.Weight.Columns && pair.First.Bias.Length == pair.Second.Bias.Length);

    private static double Epsilon<T>() where T : unmanaged, IFloatingPointIeee754<T> => double.CreateChecked(T.BitIncrement(T.One) - T.One);
}
