using System.Collections.Immutable;
using System.Numerics;
using DenseVector = MathNet.Numerics.LinearAlgebra.Vector<double>;
using MathNet.Numerics.Optimization;

namespace Pure;

/// <summary>Why <see cref="Lbfgs.Train{T}"/> stopped.</summary>
public enum LbfgsStop
{
    /// <summary>||∇J||_2 fell below <see cref="LbfgsOptions.Tolerance"/>.</summary>
    Gradient,

    /// <summary>
    /// MathNet's relative gradient test passed: max_i |∂J/∂θ_i| · max(|θ_i|, 1) / max(|J|, 1) &lt; <see cref="LbfgsOptions.Tolerance"/>.
    /// </summary>
    RelativeGradient,

    /// <summary>
    /// No progress: the step changed no θ_i by more than <see cref="LbfgsOptions.ParameterTolerance"/> (relative to
    /// max(|θ_i|, 1)), or, after 500 iterations, J fell by less than <see cref="LbfgsOptions.FunctionTolerance"/>.
    /// </summary>
    NoProgress,

    /// <summary><see cref="LbfgsOptions.MaxIterations"/> iterations were made (scikit-learn's ConvergenceWarning case).</summary>
    IterationLimit,

    /// <summary><see cref="LbfgsOptions.MaxEvaluations"/> evaluations of J were made (scikit-learn's max_fun).</summary>
    EvaluationLimit,

    /// <summary>MathNet's minimiser gave up (its line search failed, or its direction was not a descent direction).</summary>
    LineSearchFailed,

    /// <summary>
    /// SciPy's test, which scikit-learn's tol sets: max_i |∂J/∂θ_i| ≤ <see cref="LbfgsOptions.Tolerance"/> at a point
    /// that lowered J, checked at every point evaluated (the run ends there, inside MathNet, so the iterations are not known).
    /// </summary>
    MaxAbsGradient,
}

/// <summary>
/// The settings of <see cref="Lbfgs.Train{T}"/>. The defaults are scikit-learn's for <c>MLPClassifier(solver='lbfgs')</c>
/// where it has one (max_iter 200, max_fun 15000, tol 1e-4, alpha 1e-4, 10 corrections as in SciPy).
/// </summary>
public sealed record LbfgsOptions
{
    /// <summary>The most iterations (line searches), at least 1; scikit-learn's max_iter.</summary>
    public int MaxIterations { get; init => field = Check(value, nameof(MaxIterations)); } = 200;

    /// <summary>The most evaluations of (J, ∇J), at least 1; scikit-learn's max_fun.</summary>
    public int MaxEvaluations { get; init => field = Check(value, nameof(MaxEvaluations)); } = 15000;

    /// <summary>
    /// The gradient tolerance ε &gt; 0 (scikit-learn's tol): stops when max_i |∂J/∂θ_i| ≤ ε at a point that lowered J (SciPy's
    /// test, see <see cref="LbfgsStop.MaxAbsGradient"/>), when ||∇J||_2 &lt; ε, or when MathNet's relative gradient test
    /// passes (see <see cref="LbfgsStop.RelativeGradient"/>).
    /// </summary>
    public double Tolerance { get; init => field = CheckPositive(value, nameof(Tolerance)); } = 1e-4;

    /// <summary>Stops when a step changes no θ_i by more than this, relative to max(|θ_i|, 1); ≥ 0.</summary>
    public double ParameterTolerance { get; init => field = CheckNonNegative(value, nameof(ParameterTolerance)); } = 1e-10;

    /// <summary>After 500 iterations, stops when J falls by less than this in one iteration; ≥ 0 (MathNet applies it only then).</summary>
    public double FunctionTolerance { get; init => field = CheckNonNegative(value, nameof(FunctionTolerance)); } = 2.220446049250313e-9;

    /// <summary>The number of (s, y) pairs kept for the inverse Hessian approximation, at least 1.</summary>
    public int Memory { get; init => field = Check(value, nameof(Memory)); } = 10;

    /// <summary>
    /// α ≥ 0, scikit-learn's alpha: J(θ) = C(θ) + (α / 2m) Σ_l ||W^[l]||_F^2 over the weights only (biases are not
    /// penalised), m the number of samples.
    /// </summary>
    public double Alpha { get; init => field = CheckNonNegative(value, nameof(Alpha)); } = 1e-4;

    private static int Check(int value, string name)
    {
        Guard.Positive(value, name);
        return value;
    }

    private static double CheckPositive(double value, string name)
    {
        Guard.Positive(value, name);
        return value;
    }

    private static double CheckNonNegative(double value, string name)
    {
        Guard.NonNegative(value, name);
        return value;
    }
}

/// <summary>What happened in <see cref="Lbfgs.Train{T}"/>.</summary>
/// <param name="Iterations">The iterations made, or null when MathNet stopped with an exception (it does not say how many it made).</param>
/// <param name="Evaluations">The evaluations of (J, ∇J) MathNet asked for, the one at the start included.</param>
/// <param name="Reason">Why it stopped.</param>
/// <param name="Message">The reason in words, with MathNet's own message when it threw.</param>
/// <param name="InitialCost">J at the initial network.</param>
/// <param name="FinalCost">J at the returned network.</param>
/// <param name="GradientNorm">||∇J||_2 at the returned network.</param>
public sealed record LbfgsReport(int? Iterations, int Evaluations, LbfgsStop Reason, string Message, double InitialCost, double FinalCost, double GradientNorm);

/// <summary>What <see cref="Lbfgs.Train{T}"/> returns.</summary>
/// <param name="Network">The trained network, a new value.</param>
/// <param name="Report">Iterations, evaluations, why it stopped, and the cost.</param>
public sealed record LbfgsResult<T>(Network<T> Network, LbfgsReport Report) where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>One value of the L-BFGS objective.</summary>
/// <param name="Cost">J(θ).</param>
/// <param name="Gradient">∇J(θ), in the order of <see cref="Parameters{T}.Flatten"/>.</param>
public sealed record LbfgsEvaluation(double Cost, ImmutableArray<double> Gradient)
{
    private readonly ValueArray<double> _gradient = Gradient;

    /// <summary>∇J(θ); equality compares it element by element.</summary>
    public ImmutableArray<double> Gradient { get => _gradient.Items; init => _gradient = value; }
}

/// <summary>
/// Full-batch training by L-BFGS through MathNet.Numerics' <see cref="LimitedMemoryBfgsMinimizer"/>, as scikit-learn's
/// <c>solver='lbfgs'</c> trains: J(θ) = C(θ) + (α / 2m) Σ_l ||W^[l]||_F^2 is one pure function of the flattened
/// parameters θ (<see cref="Parameters{T}.Flatten"/>), minimised over all m samples at once. Everything is computed in
/// double, for float networks too (the network and the data are converted once, and the result back at the end);
/// double networks are not converted. No randomness: the same inputs give the same bits.
/// </summary>
public static class Lbfgs
{
    /// <summary>
    /// θ ↦ (J(θ), ∇J(θ)) for <paramref name="network"/>'s architecture on all of <paramref name="data"/>, in double:
    /// ∇J = ∇C from <see cref="Backprop.Gradient{T}"/> plus (α/m) W on the weights. A pure function; the arguments are
    /// captured, converted to double once, and not changed.
    /// </summary>
    /// <param name="network">The architecture (its parameters are not used, only their shapes and the activations).</param>
    /// <param name="loss">The loss ℓ of C = (1/m) Σ_i ℓ(a^(i), y^(i)).</param>
    /// <param name="data">The m training samples; with <see cref="Dataset{T}.Weights"/>, C is the weighted cost of <see cref="Backprop.Cost{T}(Network{T}, ImmutableMatrix{T}, ImmutableMatrix{T}, Loss, ImmutableVector{T})"/>.</param>
    /// <param name="alpha">α ≥ 0, as <see cref="LbfgsOptions.Alpha"/>.</param>
    /// <returns>A function of θ (as many finite values as the network has parameters).</returns>
    public static Func<IReadOnlyList<double>, LbfgsEvaluation> Objective<T>(Network<T> network, Loss loss, Dataset<T> data, double alpha)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var problem = Problem.Create(network, loss, data, alpha);
        return theta =>
        {
            var values = ImmutableMatrix.ToArray(theta, nameof(theta));
            if (values.Length != problem.Count)
                throw new ArgumentException($"Expected θ of {problem.Count} values (the network's parameters), got {values.Length}.", nameof(theta));
            Guard.Finite<double>(values, nameof(theta), "θ");
            var (cost, gradient) = problem.Evaluate(values);
            return new LbfgsEvaluation(cost, ImmutableArray.Create(gradient));
        };
    }

    /// <summary>
    /// Minimises J from <paramref name="network"/>'s parameters with MathNet's L-BFGS and returns the network at the
    /// minimiser's point (or at the lowest J it evaluated, when that is lower) with a report. When MathNet throws (a
    /// failed line search, say), the lowest J evaluated so far is returned and the report says why; the evaluation
    /// limit is enforced the same way.
    /// </summary>
    /// <param name="network">The initial network (θ_0); not changed.</param>
    /// <param name="loss">The loss.</param>
    /// <param name="data">All training samples (full batch).</param>
    /// <param name="options">The settings, or null for the defaults.</param>
    public static LbfgsResult<T> Train<T>(Network<T> network, Loss loss, Dataset<T> data, LbfgsOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        options ??= new LbfgsOptions();
        var problem = Problem.Create(network, loss, data, options.Alpha);
        var start = network.Parameters.Flatten().Select(double.CreateChecked).ToArray();
        double initialCost = problem.Evaluate(start).Cost;
        var counter = new Counter(problem, options.MaxEvaluations, start, initialCost, options.Tolerance);
        var minimizer = new LimitedMemoryBfgsMinimizer(options.Tolerance, options.ParameterTolerance, options.FunctionTolerance, options.Memory, options.MaxIterations);
        var objective = ObjectiveFunction.Gradient(point =>
        {
            var (cost, gradient) = counter.Evaluate(point.AsArray() ?? point.ToArray());
            return (cost, DenseVector.Build.Dense(gradient));
        });
        double[] final;
        int? iterations;
        LbfgsStop reason;
        string message;
        try
        {
            var result = minimizer.FindMinimum(objective, DenseVector.Build.Dense(start));
            // MathNet's point, unless a point it evaluated on the way was lower (or its own is not finite: J = +∞ stands for that).
            double value = result.FunctionInfoAtMinimum.Value;
            final = double.IsFinite(value) && value <= counter.BestCost ? result.MinimizingPoint.ToArray() : counter.Best;
            (iterations, reason) = Classify(result.Iterations, problem.Evaluate(final), final, options);
            message = Describe(reason, options);
        }
        catch (GradientReachedException)
        {
            (final, iterations, reason) = (counter.Best, null, LbfgsStop.MaxAbsGradient);
            message = Describe(reason, options);
        }
        catch (EvaluationLimitException)
        {
            (final, iterations, reason) = (counter.Best, null, LbfgsStop.EvaluationLimit);
            message = Describe(reason, options);
        }
        catch (MaximumIterationsException)
        {
            // MathNet 5.0.0 throws this, instead of returning, when ||∇J|| fell below the tolerance after MaxIterations - 1 iterations.
            (final, iterations, reason) = (counter.Best, options.MaxIterations - 1, LbfgsStop.Gradient);
            message = Describe(reason, options);
        }
        catch (OptimizationException exception)
        {
            (final, iterations, reason) = (counter.Best, null, LbfgsStop.LineSearchFailed);
            message = $"MathNet's L-BFGS stopped: {exception.Message}{(exception.InnerException is { } inner ? " " + inner.Message : "")} The lowest cost evaluated is returned.";
        }
        var (finalCost, finalGradient) = problem.Evaluate(final);
        var report = new LbfgsReport(iterations, counter.Count, reason, message, initialCost, finalCost, Norm(finalGradient));
        return new LbfgsResult<T>(network.WithParameters(network.Parameters.Unflatten(final.Select(T.CreateChecked).ToArray())), report);
    }

    /// <summary>
    /// The reason from MathNet's result: its ReasonForExit is always AbsoluteGradient, and its Iterations is one more
    /// than the line searches made when it left its loop on the gradient or the iteration limit.
    /// </summary>
    private static (int Iterations, LbfgsStop Reason) Classify(int reported, (double Cost, double[] Gradient) at, double[] point, LbfgsOptions options)
    {
        if (reported == 0)
            return (0, Norm(at.Gradient) < options.Tolerance ? LbfgsStop.Gradient : LbfgsStop.RelativeGradient);
        if (reported > options.MaxIterations)
            return (options.MaxIterations, LbfgsStop.IterationLimit);
        if (Norm(at.Gradient) < options.Tolerance)
            return (reported - 1, LbfgsStop.Gradient);
        double normaliser = Math.Max(Math.Abs(at.Cost), 1);
        double relative = 0;
        for (int i = 0; i < point.Length; i++)
            relative = Math.Max(relative, Math.Abs(at.Gradient[i]) * Math.Max(Math.Abs(point[i]), 1) / normaliser);
        return (reported, relative < options.Tolerance ? LbfgsStop.RelativeGradient : LbfgsStop.NoProgress);
    }

    private static string Describe(LbfgsStop reason, LbfgsOptions options) => reason switch
    {
        LbfgsStop.Gradient => $"Converged: ||∇J|| < tolerance {options.Tolerance}.",
        LbfgsStop.RelativeGradient => $"Converged: the relative gradient is below tolerance {options.Tolerance}.",
        LbfgsStop.NoProgress => $"Stopped: no progress (step below {options.ParameterTolerance} relative, or cost change below {options.FunctionTolerance} after 500 iterations).",
        LbfgsStop.IterationLimit => $"Not converged: reached the iteration limit {options.MaxIterations}.",
        LbfgsStop.MaxAbsGradient => $"Converged: max |∂J/∂θ_i| <= tolerance {options.Tolerance} (SciPy's test, as scikit-learn's tol).",
        _ => $"Not converged: reached the evaluation limit {options.MaxEvaluations}; the lowest cost evaluated is returned.",
    };

    private static double Norm(double[] values)
    {
        double sum = 0;
        foreach (double value in values) sum += value * value;
        return Math.Sqrt(sum);
    }

    /// <summary>The problem in double: the network's shape, the data and α; <see cref="Evaluate"/> is pure.</summary>
    private sealed class Problem(Network<double> network, Loss loss, ImmutableMatrix<double> inputs, ImmutableMatrix<double> targets, ImmutableVector<double>? weights, double alpha, bool[] isWeight)
    {
        public int Count => isWeight.Length;

        public static Problem Create<T>(Network<T> network, Loss loss, Dataset<T> data, double alpha) where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(network);
            ArgumentNullException.ThrowIfNull(loss);
            ArgumentNullException.ThrowIfNull(data);
            Guard.NonNegative(alpha, nameof(alpha));
            if (data.Inputs.Rows != network.InputSize)
                throw new ArgumentException($"Expected data with {network.InputSize} input rows (the network's input size), got {data.Inputs.Shape}.", nameof(data));
            if (data.Targets.Rows != network.OutputSize)
                throw new ArgumentException($"Expected data with {network.OutputSize} target rows (the network's output size), got {data.Targets.Shape}.", nameof(data));
            var converted = ToDouble(network);
            var isWeight = new bool[network.ParameterCount];
            int offset = 0;
            foreach (var layer in network.Layers)
            {
                isWeight.AsSpan(offset, layer.Weight.Count).Fill(true);
                offset += layer.Weight.Count + layer.Bias.Length;
            }
            return new Problem(converted, loss, ToDouble(data.Inputs), ToDouble(data.Targets), data.Weights is null ? null : ToDouble(data.Weights), alpha, isWeight);
        }

        public (double Cost, double[] Gradient) Evaluate(double[] theta)
        {
            var parameters = network.Parameters.Unflatten(theta);
            var gradients = Backprop.Gradient(network.WithParameters(parameters), inputs, targets, loss, weights);
            var gradient = gradients.Gradient.Flatten().ToArray();
            double cost = gradients.Loss;
            if (alpha > 0)
            {
                double scale = alpha / inputs.Columns, squares = 0;
                for (int i = 0; i < theta.Length; i++)
                    if (isWeight[i])
                    {
                        squares += theta[i] * theta[i];
                        gradient[i] += scale * theta[i];
                    }
                cost += 0.5 * scale * squares;
            }
            return (cost, gradient);
        }

        private static Network<double> ToDouble<T>(Network<T> network) where T : unmanaged, IFloatingPointIeee754<T> =>
            network is Network<double> same ? same
            : new Network<double>(network.Layers.Select(layer => new DenseLayer<double>(ToDouble(layer.Weight), ToDouble(layer.Bias), layer.Activation)).ToImmutableArray());

        private static ImmutableMatrix<double> ToDouble<T>(ImmutableMatrix<T> matrix) where T : unmanaged, IFloatingPointIeee754<T> =>
            matrix is ImmutableMatrix<double> same ? same : new ImmutableMatrix<double>(matrix.Rows, matrix.Columns, Convert(matrix.AsSpan()));

        private static ImmutableVector<double> ToDouble<T>(ImmutableVector<T> vector) where T : unmanaged, IFloatingPointIeee754<T> =>
            vector is ImmutableVector<double> same ? same : new ImmutableVector<double>(Convert(vector.AsSpan()));

        private static double[] Convert<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var result = new double[values.Length];
            for (int i = 0; i < values.Length; i++) result[i] = double.CreateChecked(values[i]);
            return result;
        }
    }

    /// <summary>
    /// Counts the evaluations MathNet asks for, keeps the lowest-cost point, ends the run when that point passes SciPy's max-abs gradient test, and stands in (∞, 0) for points whose θ
    /// or J is not finite, so that MathNet's line search shortens its step there. Local to one <see cref="Train{T}"/> call.
    /// </summary>
    private sealed class Counter(Problem problem, int limit, double[] start, double startCost, double gradientTolerance)
    {
        public int Count { get; private set; }

        public double BestCost { get; private set; } = double.IsFinite(startCost) ? startCost : double.PositiveInfinity;

        public double[] Best { get; private set; } = start;

        public (double Cost, double[] Gradient) Evaluate(double[] theta)
        {
            if (Count >= limit) throw new EvaluationLimitException();
            Count++;
            if (!theta.All(double.IsFinite)) return (double.PositiveInfinity, new double[theta.Length]);
            var (cost, gradient) = problem.Evaluate(theta);
            if (!double.IsFinite(cost) || !gradient.All(double.IsFinite)) return (double.PositiveInfinity, new double[theta.Length]);
            if (cost < BestCost)
            {
                BestCost = cost;
                Best = (double[])theta.Clone();
                if (gradient.Max(Math.Abs) <= gradientTolerance) throw new GradientReachedException();
            }
            return (cost, gradient);
        }
    }

    private sealed class EvaluationLimitException : Exception;

    private sealed class GradientReachedException : Exception;
}
