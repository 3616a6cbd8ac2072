using System.Numerics;

namespace Pure;

/// <summary>
/// An activation σ applied to a layer's pre-activations: A^[l] = σ(Z^[l]). Element-wise activations have a
/// derivative σ'(z); a vector-valued one such as softmax maps each column (sample) as a whole, and its backward
/// pass is the Jacobian-transpose product J^T u per column. Spans hold rows x m matrices in column-major order.
/// </summary>
/// <param name="Name">The name used in model files and messages, for example "sigmoid".</param>
public abstract record Activation(string Name)
{
    /// <summary>The identity σ(z) = z, σ'(z) = 1.</summary>
    public static Activation Identity { get; } = new IdentityActivation();

    /// <summary>The logistic sigmoid σ(z) = 1 / (1 + e^-z), σ'(z) = σ(z)(1 - σ(z)).</summary>
    public static Activation Sigmoid { get; } = new SigmoidActivation();

    /// <summary>The hyperbolic tangent σ(z) = tanh z, σ'(z) = 1 - tanh^2 z.</summary>
    public static Activation Tanh { get; } = new TanhActivation();

    /// <summary>The rectifier σ(z) = max(0, z); σ'(z) = 1 for z &gt; 0 and 0 for z ≤ 0 (the subgradient 0 at exactly 0, as in PyTorch).</summary>
    public static Activation Relu { get; } = new ReluActivation();

    /// <summary>Softmax per column, σ(z)_k = e^{z_k} / Σ_i e^{z_i}, computed with the column maximum subtracted.</summary>
    public static Activation Softmax { get; } = new SoftmaxActivation();

    /// <summary>The leaky rectifier σ(z) = z for z &gt; 0 and slope · z otherwise; σ'(0) = slope.</summary>
    /// <param name="slope">The slope for z ≤ 0, finite and in [0, 1).</param>
    public static Activation LeakyRelu(double slope = 0.01) => new LeakyReluActivation(slope);

    /// <summary>
    /// A user-defined element-wise activation from its value and derivative, evaluated in double.
    /// Check it with <see cref="GradientCheck"/> before training with it.
    /// </summary>
    /// <param name="name">A name for messages and model files.</param>
    /// <param name="value">σ(z).</param>
    /// <param name="derivative">σ'(z).</param>
    public static Activation Custom(string name, Func<double, double> value, Func<double, double> derivative) =>
        new CustomActivation(name, value, derivative);

    /// <summary>True when σ acts on each element on its own, so that its Jacobian is diagonal.</summary>
    public virtual bool IsElementwise => true;

    /// <summary>Writes a = σ(z) for a rows x m matrix; <paramref name="a"/> may not overlap <paramref name="z"/>.</summary>
    /// <param name="z">The pre-activations Z^[l], column-major.</param>
    /// <param name="a">Receives A^[l], same length as z.</param>
    /// <param name="rows">n_l, the length of one column.</param>
    public abstract void Apply<T>(ReadOnlySpan<T> z, Span<T> a, int rows) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// Writes the backward product for a rows x m matrix: downstream = J_σ(z)^T · upstream per column, which for an
    /// element-wise σ is upstream ⊙ σ'(z) (the seeds' BP1/BP2 factor). <paramref name="a"/> is σ(z), already known.
    /// </summary>
    public abstract void Backward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> upstream, Span<T> downstream, int rows)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// Writes the forward-mode product result = J_σ(z) · tangent per column. The default serves element-wise
    /// activations, whose Jacobian is diagonal and so equals its transpose: it calls
    /// <see cref="Backward{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, int)"/>. A vector-valued
    /// activation must override it.
    /// </summary>
    /// <exception cref="InvalidOperationException">A vector-valued activation did not override this member.</exception>
    public virtual void Jvp<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> tangent, Span<T> result, int rows)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!IsElementwise)
            throw new InvalidOperationException($"The vector-valued activation {Name} must override Jvp: its Jacobian need not equal its transpose.");
        Backward(z, a, tangent, result, rows);
    }

    /// <summary>σ(Z) for a whole matrix (each column a sample).</summary>
    public ImmutableMatrix<T> Apply<T>(ImmutableMatrix<T> z) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(z);
        var a = new T[z.Count];
        Apply(z.AsSpan(), a, z.Rows);
        return new ImmutableMatrix<T>(z.Rows, z.Columns, a);
    }

    /// <summary>J_σ(Z)^T · U per column: the error reaching Z from the gradient U with respect to A = σ(Z).</summary>
    public ImmutableMatrix<T> Backward<T>(ImmutableMatrix<T> z, ImmutableMatrix<T> upstream) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(z);
        ArgumentNullException.ThrowIfNull(upstream);
        Guard.SameShape(z, upstream, nameof(upstream));
        var a = Apply(z);
        var result = new T[z.Count];
        Backward(z.AsSpan(), a.AsSpan(), upstream.AsSpan(), result, z.Rows);
        return new ImmutableMatrix<T>(z.Rows, z.Columns, result);
    }
}

/// <summary>σ(z) = z.</summary>
public sealed record IdentityActivation() : Activation("identity")
{
    /// <inheritdoc />
    public override void Apply<T>(ReadOnlySpan<T> z, Span<T> a, int rows) => z.CopyTo(a);

    /// <inheritdoc />
    public override void Backward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> upstream, Span<T> downstream, int rows) =>
        upstream.CopyTo(downstream);
}

/// <summary>σ(z) = 1 / (1 + e^-z); for z &lt; 0 computed as e^z / (1 + e^z) so that it never overflows.</summary>
public sealed record SigmoidActivation() : Activation("sigmoid")
{
    /// <inheritdoc />
    public override void Apply<T>(ReadOnlySpan<T> z, Span<T> a, int rows) => Kernels<T>.Logistic(z, a);

    /// <inheritdoc />
    public override void Backward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> upstream, Span<T> downstream, int rows) =>
        Kernels<T>.LogisticBackward(a, upstream, downstream);
}

/// <summary>σ(z) = tanh z, σ'(z) = 1 - tanh^2 z.</summary>
public sealed record TanhActivation() : Activation("tanh")
{
    /// <inheritdoc />
    public override void Apply<T>(ReadOnlySpan<T> z, Span<T> a, int rows) => Kernels<T>.Tanh(z, a);

    /// <inheritdoc />
    public override void Backward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> upstream, Span<T> downstream, int rows) =>
        Kernels<T>.TanhBackward(a, upstream, downstream);
}

/// <summary>σ(z) = max(0, z); σ'(z) = 1 for z &gt; 0, and 0 for z ≤ 0, including exactly 0.</summary>
public sealed record ReluActivation() : Activation("relu")
{
    /// <inheritdoc />
    public override void Apply<T>(ReadOnlySpan<T> z, Span<T> a, int rows) => Kernels<T>.Rectify(z, a, T.Zero);

    /// <inheritdoc />
    public override void Backward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> upstream, Span<T> downstream, int rows) =>
        Kernels<T>.RectifyBackward(z, upstream, downstream, T.Zero);
}

/// <summary>σ(z) = z for z &gt; 0 and Slope · z otherwise; σ'(z) = 1 for z &gt; 0 and Slope for z ≤ 0.</summary>
public sealed record LeakyReluActivation : Activation
{
    /// <summary>Creates a leaky rectifier with the given slope for z ≤ 0.</summary>
    /// <param name="slope">Finite and in [0, 1).</param>
    public LeakyReluActivation(double slope) : base("leaky_relu")
    {
        if (!double.IsFinite(slope) || slope < 0 || slope >= 1)
            throw new ArgumentOutOfRangeException(nameof(slope), $"Expected a finite slope in [0, 1), got {slope}.");
        Slope = slope;
    }

    /// <summary>The slope for z ≤ 0; finite and in [0, 1), also in a with-expression.</summary>
    public double Slope
    {
        get;
        init => field = double.IsFinite(value) && value >= 0 && value < 1 ? value
            : throw new ArgumentOutOfRangeException(nameof(Slope), $"Expected a finite slope in [0, 1), got {value}.");
    }

    /// <inheritdoc />
    public override void Apply<T>(ReadOnlySpan<T> z, Span<T> a, int rows) => Kernels<T>.Rectify(z, a, T.CreateChecked(Slope));

    /// <inheritdoc />
    public override void Backward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> upstream, Span<T> downstream, int rows) =>
        Kernels<T>.RectifyBackward(z, upstream, downstream, T.CreateChecked(Slope));
}

/// <summary>
/// Softmax per column: a_k = e^{z_k - max z} / Σ_i e^{z_i - max z}. Its Jacobian is diag(a) - a a^T, so the
/// backward product is J^T u = a ⊙ (u - (a · u)).
/// </summary>
public sealed record SoftmaxActivation() : Activation("softmax")
{
    /// <inheritdoc />
    public override bool IsElementwise => false;

    /// <inheritdoc />
    public override void Apply<T>(ReadOnlySpan<T> z, Span<T> a, int rows) => Kernels<T>.SoftmaxColumns(z, a, rows);

    /// <summary>J t = (diag(a) - a a^T) t = a ⊙ (t - (a · t)) per column; softmax's Jacobian is symmetric, so this is the backward product's formula.</summary>
    public override void Jvp<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> tangent, Span<T> result, int rows) =>
        Kernels<T>.SoftmaxBackwardColumns(a, tangent, result, rows);

    /// <inheritdoc />
    public override void Backward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> upstream, Span<T> downstream, int rows) =>
        Kernels<T>.SoftmaxBackwardColumns(a, upstream, downstream, rows);
}

/// <summary>A user-defined element-wise activation, evaluated in double and converted to the element type.</summary>
public sealed record CustomActivation : Activation
{
    /// <summary>Creates the activation from σ and σ'.</summary>
    public CustomActivation(string name, Func<double, double> value, Func<double, double> derivative) : base(name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(derivative);
        Value = value;
        Derivative = derivative;
    }

    /// <summary>σ(z).</summary>
    public Func<double, double> Value { get; init => field = value ?? throw new ArgumentNullException(nameof(Value)); }

    /// <summary>σ'(z).</summary>
    public Func<double, double> Derivative { get; init => field = value ?? throw new ArgumentNullException(nameof(Derivative)); }

    /// <inheritdoc />
    public override void Apply<T>(ReadOnlySpan<T> z, Span<T> a, int rows)
    {
        for (int i = 0; i < z.Length; i++) a[i] = T.CreateChecked(Value(double.CreateChecked(z[i])));
    }

    /// <inheritdoc />
    public override void Backward<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> upstream, Span<T> downstream, int rows)
    {
        for (int i = 0; i < z.Length; i++) downstream[i] = upstream[i] * T.CreateChecked(Derivative(double.CreateChecked(z[i])));
    }
}
