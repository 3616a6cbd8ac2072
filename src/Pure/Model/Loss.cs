using System.Numerics;

namespace Pure;

/// <summary>
/// A loss ℓ(a, y) of one sample's output column a against its target column y. The cost of a batch is the mean
/// over its m samples, C = (1/m) Σ_i ℓ(a^(i), y^(i)), where ℓ sums over the n_L outputs of a sample, or their sum
/// C = Σ_i ℓ(a^(i), y^(i)) when <see cref="Reduction"/> is <see cref="Pure.Reduction.Sum"/>; with sample weights w_i,
/// C = Σ_i w_i ℓ_i / Σ_i w_i (mean) or Σ_i w_i ℓ_i (sum).
/// <see cref="Gradient{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, int)"/> is the per-sample ∂ℓ/∂a (no 1/m: the
/// mean is taken in dW and db, as in the seeds' tables).
/// </summary>
/// <param name="Name">The name used in model files and messages, for example "categorical_cross_entropy".</param>
public abstract record Loss(string Name)
{
    /// <summary>How the per-sample losses reduce to the cost: <see cref="Pure.Reduction.Mean"/> (the default) or <see cref="Pure.Reduction.Sum"/>.</summary>
    public Reduction Reduction
    {
        get;
        init => field = Enum.IsDefined(value) ? value
            : throw new ArgumentOutOfRangeException(nameof(Reduction), $"Expected Reduction.Mean or Reduction.Sum, got {(int)value}.");
    }

    /// <summary>This loss with <paramref name="reduction"/> (for F#, which has no with-expression on this type): <c>Loss.Squared.WithReduction(Reduction.Sum)</c>.</summary>
    public Loss WithReduction(Reduction reduction) => this with { Reduction = reduction };

    /// <summary>L1 (absolute) loss ℓ = Σ_j |a_j - y_j|; ∂ℓ/∂a_j = sign(a_j - y_j), 0 where a_j = y_j.</summary>
    public static Loss Absolute { get; } = new AbsoluteLoss();

    /// <summary>L2 (squared) loss ℓ = Σ_j (a_j - y_j)^2; ∂ℓ/∂a_j = 2(a_j - y_j) (seed 002's C0).</summary>
    public static Loss Squared { get; } = new SquaredLoss();

    /// <summary>Half squared error ℓ = ½ ||a - y||^2 (seed 004's cost 1/(2m) Σ ||h(x) - y||^2); ∂ℓ/∂a = a - y.</summary>
    public static Loss HalfSquared { get; } = new HalfSquaredLoss();

    /// <summary>
    /// Huber loss ℓ = Σ_j h(a_j - y_j) with h(r) = ½ r² for |r| ≤ δ and δ (|r| - ½ δ) beyond (PyTorch's HuberLoss):
    /// half squared error near the target, absolute error (slope δ) far from it; ∂ℓ/∂a_j = clamp(a_j - y_j, -δ, δ).
    /// </summary>
    /// <param name="delta">δ &gt; 0, finite: where the loss turns from quadratic to linear.</param>
    /// <exception cref="ArgumentOutOfRangeException">δ is not finite or not positive.</exception>
    public static Loss Huber(double delta = 1.0) => new HuberLoss(delta);

    /// <summary>
    /// Binary cross-entropy ℓ = -Σ_j [y_j log a_j + (1 - y_j) log(1 - a_j)], targets in [0, 1]; the output layer
    /// must be sigmoid. ∂ℓ/∂a_j = -[y_j/a_j - (1 - y_j)/(1 - a_j)]; fused with the sigmoid, δ^[L] = a - y and
    /// ℓ is computed from z as max(z, 0) - z y + log(1 + e^-|z|), never log(0).
    /// </summary>
    public static Loss BinaryCrossEntropy { get; } = new BinaryCrossEntropyLoss();

    /// <summary>
    /// Categorical cross-entropy ℓ = -Σ_j y_j log a_j, each target column a distribution (one-hot or soft); the
    /// output layer must be softmax. ∂ℓ/∂a_j = -y_j / a_j; fused with the softmax, δ^[L] = a - y and
    /// ℓ = logsumexp(z) Σ_j y_j - Σ_j y_j z_j, never log(0).
    /// </summary>
    public static Loss CategoricalCrossEntropy { get; } = new CategoricalCrossEntropyLoss();

    /// <summary>A user-defined loss that sums an element-wise term ℓ = Σ_j f(a_j, y_j), with ∂ℓ/∂a_j = g(a_j, y_j), in double.</summary>
    /// <param name="name">A name for messages and model files.</param>
    /// <param name="value">f(a, y).</param>
    /// <param name="derivative">g(a, y) = ∂f/∂a.</param>
    public static Loss Custom(string name, Func<double, double, double> value, Func<double, double, double> derivative) =>
        new CustomLoss(name, value, derivative);

    /// <summary>Σ over all samples of ℓ(a, y) for rows x m matrices (divide by m for the cost).</summary>
    public abstract T Sum<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> target, int rows) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Writes ∂ℓ/∂a for every sample of rows x m matrices.</summary>
    public abstract void Gradient<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> target, Span<T> gradient, int rows) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Throws when this loss cannot follow <paramref name="outputActivation"/> (cross-entropies need sigmoid or softmax).</summary>
    public virtual void CheckOutputActivation(Activation outputActivation)
    {
        ArgumentNullException.ThrowIfNull(outputActivation);
        if (OutputActivationMismatch(outputActivation) is string message) throw new ArgumentException(message, nameof(outputActivation));
    }

    /// <summary>
    /// The same check for a function whose argument <paramref name="parameterName"/> (usually the loss) is at fault, so that
    /// the exception names that argument; then runs <see cref="CheckOutputActivation(Activation)"/>, which a derived loss may override.
    /// </summary>
    internal void CheckOutputActivation(Activation outputActivation, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(outputActivation);
        if (OutputActivationMismatch(outputActivation) is string message) throw new ArgumentException(message, parameterName);
        CheckOutputActivation(outputActivation);
    }

    /// <summary>Why this loss cannot follow <paramref name="outputActivation"/> (expected and actual), or null when it can.</summary>
    internal virtual string? OutputActivationMismatch(Activation outputActivation) => null;

    /// <summary>Throws when a target value is outside what this loss accepts; the caller has already rejected non-finite values.</summary>
    internal virtual void CheckTargets<T>(ImmutableMatrix<T> target, string parameterName) where T : unmanaged, IFloatingPointIeee754<T>
    {
    }

    /// <summary>
    /// The stable fused path from the pre-activations: writes δ^[L] = ∂ℓ/∂z into <paramref name="delta"/> (when
    /// not empty; it may serve as scratch first, so it must not overlap z, a or y) and returns Σ over samples of ℓ,
    /// or returns false when this loss has no fused path for <paramref name="outputActivation"/>.
    /// </summary>
    internal virtual bool TryFused<T>(Activation outputActivation, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, Span<T> delta, int rows, out T sum)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        sum = T.Zero;
        return false;
    }

    /// <summary>
    /// The cost of an output matrix against a target matrix of the same shape: C = (1/m) Σ_i ℓ(a^(i), y^(i)) for
    /// <see cref="Pure.Reduction.Mean"/>, Σ_i ℓ(a^(i), y^(i)) for <see cref="Pure.Reduction.Sum"/>; with
    /// <paramref name="weights"/>, Σ_i w_i ℓ_i / Σ_i w_i or Σ_i w_i ℓ_i.
    /// </summary>
    /// <param name="output">A, n_L x m, finite, m ≥ 1.</param>
    /// <param name="target">Y, the shape of A.</param>
    /// <param name="weights">w, m finite weights ≥ 0, not all 0; null for none.</param>
    public T Value<T>(ImmutableMatrix<T> output, ImmutableMatrix<T> target, ImmutableVector<T>? weights = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(target);
        CheckPair(output, target);
        Guard.AtLeastOneSample(output, nameof(output));
        if (weights is not null) SampleWeights.Check(weights, output.Columns, nameof(weights));
        if (weights is null)
        {
            T sum = Sum(output.AsSpan(), target.AsSpan(), output.Rows);
            return Reduction == Reduction.Sum ? sum : sum / T.CreateChecked(output.Columns);
        }
        int rows = output.Rows;
        T weighted = T.Zero, total = T.Zero;
        for (int j = 0; j < output.Columns; j++)
        {
            total += weights[j];
            if (weights[j] != T.Zero) weighted += weights[j] * Sum(output.ColumnSpan(j), target.ColumnSpan(j), rows);
        }
        return Reduction == Reduction.Sum ? weighted : weighted / total;
    }

    /// <summary>∂ℓ/∂a for every sample (column), the same shape as the output.</summary>
    public ImmutableMatrix<T> Gradient<T>(ImmutableMatrix<T> output, ImmutableMatrix<T> target) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(target);
        CheckPair(output, target);
        var result = new T[output.Count];
        Gradient(output.AsSpan(), target.AsSpan(), result, output.Rows);
        return new ImmutableMatrix<T>(output.Rows, output.Columns, result);
    }

    private void CheckPair<T>(ImmutableMatrix<T> output, ImmutableMatrix<T> target) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Guard.SameShape(output, target, nameof(target));
        Guard.Finite(output, nameof(output));
        Guard.Finite(target, nameof(target));
        CheckTargets(target, nameof(target));
    }

    /// <summary>Throws unless every target lies in [0, 1].</summary>
    private protected static void CheckUnitInterval<T>(ImmutableMatrix<T> target, string parameterName, string lossName) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = target.AsSpan();
        for (int k = 0; k < values.Length; k++)
            if (values[k] < T.Zero || values[k] > T.One)
                throw new ArgumentOutOfRangeException(parameterName, $"Expected {lossName} targets in [0, 1], got {values[k]} at row {k % target.Rows}, column {k / target.Rows}.");
    }
}

/// <summary>ℓ = Σ_j |a_j - y_j|.</summary>
public sealed record AbsoluteLoss() : Loss("absolute")
{
    /// <inheritdoc />
    public override T Sum<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> target, int rows) => Kernels<T>.SumOfAbsoluteDifferences(output, target);

    /// <inheritdoc />
    public override void Gradient<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> target, Span<T> gradient, int rows) =>
        Kernels<T>.SignOfDifference(output, target, gradient);
}

/// <summary>ℓ = Σ_j (a_j - y_j)^2.</summary>
public sealed record SquaredLoss() : Loss("squared")
{
    /// <inheritdoc />
    public override T Sum<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> target, int rows) => Kernels<T>.SumOfSquaredDifferences(output, target);

    /// <inheritdoc />
    public override void Gradient<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> target, Span<T> gradient, int rows) =>
        Kernels<T>.ScaledDifference(output, target, T.CreateChecked(2), gradient);
}

/// <summary>ℓ = ½ Σ_j (a_j - y_j)^2.</summary>
public sealed record HalfSquaredLoss() : Loss("half_squared")
{
    /// <inheritdoc />
    public override T Sum<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> target, int rows) =>
        Kernels<T>.SumOfSquaredDifferences(output, target) / T.CreateChecked(2);

    /// <inheritdoc />
    public override void Gradient<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> target, Span<T> gradient, int rows) =>
        Kernels<T>.Subtract(output, target, gradient);
}

/// <summary>ℓ = Σ_j h(a_j - y_j), h(r) = ½ r² for |r| ≤ δ, δ (|r| - ½ δ) beyond; ∂ℓ/∂a_j = clamp(a_j - y_j, -δ, δ).</summary>
/// <param name="Delta">δ &gt; 0, finite.</param>
public sealed record HuberLoss(double Delta) : Loss("huber")
{
    /// <summary>δ &gt; 0, finite: where the loss turns from quadratic to linear.</summary>
    public double Delta { get; init => field = Check(value); } = Check(Delta);

    private static double Check(double delta) => double.IsFinite(delta) && delta > 0 ? delta
        : throw new ArgumentOutOfRangeException(nameof(Delta), $"Expected a finite Huber δ > 0, got {delta.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}.");

    /// <inheritdoc />
    public override T Sum<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> target, int rows)
    {
        T delta = T.CreateChecked(Delta), half = T.CreateChecked(0.5), sum = T.Zero;
        for (int i = 0; i < output.Length; i++)
        {
            T r = T.Abs(output[i] - target[i]);
            sum += r <= delta ? half * r * r : delta * (r - half * delta);
        }
        return sum;
    }

    /// <inheritdoc />
    public override void Gradient<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> target, Span<T> gradient, int rows)
    {
        T delta = T.CreateChecked(Delta);
        for (int i = 0; i < output.Length; i++) gradient[i] = T.Clamp(output[i] - target[i], -delta, delta);
    }
}

/// <summary>ℓ = -Σ_j [y_j log a_j + (1 - y_j) log(1 - a_j)] after a sigmoid output layer.</summary>
public sealed record BinaryCrossEntropyLoss() : Loss("binary_cross_entropy")
{
    /// <inheritdoc />
    public override T Sum<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> target, int rows)
    {
        T sum = T.Zero;
        for (int i = 0; i < output.Length; i++)
        {
            // 0 · ln 0 = 0: skip a term whose weight is 0, so that a saturated output that is right costs 0, not NaN.
            T term = T.Zero;
            if (target[i] != T.Zero) term += target[i] * T.Log(output[i]);
            if (target[i] != T.One) term += (T.One - target[i]) * T.Log(T.One - output[i]);
            sum -= term;
        }
        return sum;
    }

    /// <inheritdoc />
    public override void Gradient<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> target, Span<T> gradient, int rows)
    {
        for (int i = 0; i < output.Length; i++)
            gradient[i] = -(target[i] / output[i] - (T.One - target[i]) / (T.One - output[i]));
    }

    internal override string? OutputActivationMismatch(Activation outputActivation) =>
        outputActivation is SigmoidActivation ? null : $"Expected a sigmoid output layer for binary cross-entropy, got {outputActivation.Name}.";

    internal override void CheckTargets<T>(ImmutableMatrix<T> target, string parameterName) =>
        CheckUnitInterval(target, parameterName, "binary cross-entropy");

    internal override bool TryFused<T>(Activation outputActivation, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, Span<T> delta, int rows, out T sum)
    {
        sum = T.Zero;
        if (outputActivation is not SigmoidActivation) return false;
        // -[y log σ(z) + (1 - y) log(1 - σ(z))] = max(z, 0) - z y + log(1 + e^-|z|)
        sum = Kernels<T>.LogisticCrossEntropySum(z, y);
        if (!delta.IsEmpty) Kernels<T>.Subtract(a, y, delta); // δ = a - y after the sigmoid
        return true;
    }
}

/// <summary>ℓ = -Σ_j y_j log a_j after a softmax output layer.</summary>
public sealed record CategoricalCrossEntropyLoss() : Loss("categorical_cross_entropy")
{
    /// <inheritdoc />
    public override T Sum<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> target, int rows)
    {
        T sum = T.Zero;
        for (int i = 0; i < output.Length; i++)
            if (target[i] != T.Zero) sum -= target[i] * T.Log(output[i]);
        return sum;
    }

    /// <inheritdoc />
    public override void Gradient<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> target, Span<T> gradient, int rows)
    {
        for (int i = 0; i < output.Length; i++) gradient[i] = -target[i] / output[i];
    }

    internal override string? OutputActivationMismatch(Activation outputActivation) =>
        outputActivation is SoftmaxActivation ? null : $"Expected a softmax output layer for categorical cross-entropy, got {outputActivation.Name}.";

    internal override void CheckTargets<T>(ImmutableMatrix<T> target, string parameterName)
    {
        CheckUnitInterval(target, parameterName, "categorical cross-entropy");
        T tolerance = T.CreateChecked(1e-6 * Math.Max(1, target.Rows));
        for (int j = 0; j < target.Columns; j++)
        {
            T total = T.Zero;
            foreach (var value in target.ColumnSpan(j)) total += value;
            if (T.Abs(total - T.One) > tolerance)
                throw new ArgumentException($"Expected each categorical cross-entropy target column to sum to 1 (a one-hot or probability vector), but column {j} sums to {total}.", parameterName);
        }
    }

    internal override bool TryFused<T>(Activation outputActivation, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, Span<T> delta, int rows, out T sum)
    {
        sum = T.Zero;
        if (outputActivation is not SoftmaxActivation) return false;
        // Σ_j [logsumexp(z_:j) Σ_i y_ij - Σ_i y_ij z_ij]; δ serves as scratch before it receives a - y.
        sum = Kernels<T>.CategoricalCrossEntropySum(z, y, rows, delta);
        if (!delta.IsEmpty) Kernels<T>.Subtract(a, y, delta);
        return true;
    }
}

/// <summary>A user-defined loss ℓ = Σ_j f(a_j, y_j) with ∂ℓ/∂a_j = g(a_j, y_j), evaluated in double.</summary>
public sealed record CustomLoss : Loss
{
    /// <summary>Creates the loss from f and g.</summary>
    public CustomLoss(string name, Func<double, double, double> value, Func<double, double, double> derivative) : base(name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(derivative);
        ElementValue = value;
        ElementDerivative = derivative;
    }

    /// <summary>f(a, y).</summary>
    public Func<double, double, double> ElementValue { get; init => field = value ?? throw new ArgumentNullException(nameof(ElementValue)); }

    /// <summary>g(a, y) = ∂f/∂a.</summary>
    public Func<double, double, double> ElementDerivative { get; init => field = value ?? throw new ArgumentNullException(nameof(ElementDerivative)); }

    /// <inheritdoc />
    public override T Sum<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> target, int rows)
    {
        double sum = 0;
        for (int i = 0; i < output.Length; i++) sum += ElementValue(double.CreateChecked(output[i]), double.CreateChecked(target[i]));
        return T.CreateChecked(sum);
    }

    /// <inheritdoc />
    public override void Gradient<T>(ReadOnlySpan<T> output, ReadOnlySpan<T> target, Span<T> gradient, int rows)
    {
        for (int i = 0; i < output.Length; i++)
            gradient[i] = T.CreateChecked(ElementDerivative(double.CreateChecked(output[i]), double.CreateChecked(target[i])));
    }
}
