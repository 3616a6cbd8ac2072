using System.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace Pure;

/// <summary>What <see cref="SecondOrder.NewtonStep{T}"/> returns.</summary>
/// <param name="Network">The network after the step θ - (H + λI)^-1 g.</param>
/// <param name="Loss">The cost before the step.</param>
/// <param name="GradientNorm">||g|| before the step.</param>
public sealed record NewtonResult<T>(Network<T> Network, T Loss, T GradientNorm) where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>
/// Second-order methods (seed 004: "besides gradient descent, second-order techniques such as Newton's method").
/// The Hessian H = ∇²C of the cost with respect to all parameters (in the order of <see cref="Parameters{T}.Flatten"/>)
/// is built from central differences of the analytic gradient: H v ≈ (∇C(θ + εv) - ∇C(θ - εv)) / (2ε), exact up to
/// rounding where the gradient is linear in θ. A full Hessian costs 2P backward passes and P^2 memory, so it is
/// meant for small networks (at most 4096 parameters).
/// </summary>
public static class SecondOrder
{
    /// <summary>The largest parameter count <see cref="Hessian{T}"/> and <see cref="NewtonStep{T}"/> accept.</summary>
    public const int MaxParameters = 4096;

    /// <summary>H v, shaped like the parameters, by a central difference of gradients along <paramref name="direction"/>.</summary>
    /// <param name="network">The network (θ).</param>
    /// <param name="input">X, n_0 x m.</param>
    /// <param name="target">Y, n_L x m.</param>
    /// <param name="loss">The loss.</param>
    /// <param name="direction">v, shaped like the parameters, finite.</param>
    /// <param name="step">ε; by default 2^-14 for double and 2^-6 for float, divided by max(1, ||v||).</param>
    public static Parameters<T> HessianVectorProduct<T>(Network<T> network, ImmutableMatrix<T> input, ImmutableMatrix<T> target, Loss loss, Parameters<T> direction, double? step = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        var parameters = network.Parameters;
        parameters.CheckSameShape(direction, nameof(direction));
        var values = direction.Flatten();
        Guard.Finite(values.AsSpan(), nameof(direction), "the direction");
        double norm = double.CreateChecked(direction.Norm());
        double epsilon = (step ?? DefaultStep<T>()) / Math.Max(1, norm);
        Guard.Positive(epsilon, nameof(step));
        T scaled = T.CreateChecked(epsilon);
        var plus = Backprop.Gradient(network.WithParameters(parameters.Zip(direction, (p, v) => p + scaled * v)), input, target, loss).Gradient;
        var minus = Backprop.Gradient(network.WithParameters(parameters.Zip(direction, (p, v) => p - scaled * v)), input, target, loss).Gradient;
        T twoEpsilon = T.CreateChecked(2 * epsilon);
        return plus.Zip(minus, (a, b) => (a - b) / twoEpsilon);
    }

    /// <summary>The P x P Hessian of the cost, symmetrised as (H + H^T) / 2; column i is H e_i.</summary>
    public static ImmutableMatrix<T> Hessian<T>(Network<T> network, ImmutableMatrix<T> input, ImmutableMatrix<T> target, Loss loss, double? step = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        int count = network.ParameterCount;
        if (count > MaxParameters)
            throw new ArgumentException($"Expected a network of at most {MaxParameters} parameters for a full Hessian, got {count}.", nameof(network));
        var parameters = network.Parameters;
        var columns = new T[count * count];
        var unit = new T[count];
        for (int i = 0; i < count; i++)
        {
            unit[i] = T.One;
            var column = HessianVectorProduct(network, input, target, loss, parameters.Unflatten(unit), step).Flatten();
            column.AsSpan().CopyTo(columns.AsSpan(i * count, count));
            unit[i] = T.Zero;
        }
        T half = T.CreateChecked(0.5);
        for (int j = 0; j < count; j++)
            for (int i = j + 1; i < count; i++)
            {
                T mean = half * (columns[j * count + i] + columns[i * count + j]);
                columns[j * count + i] = mean;
                columns[i * count + j] = mean;
            }
        return new ImmutableMatrix<T>(count, count, columns);
    }

    /// <summary>
    /// One damped Newton step θ' = θ - (H + λI)^-1 g (λ = 0 is Newton's method, λ &gt; 0 Levenberg-Marquardt
    /// damping for Hessians that are not positive definite), solved in double by LU decomposition.
    /// </summary>
    /// <param name="network">The network (θ), at most <see cref="MaxParameters"/> parameters.</param>
    /// <param name="input">X, n_0 x m.</param>
    /// <param name="target">Y, n_L x m.</param>
    /// <param name="loss">The loss.</param>
    /// <param name="damping">λ ≥ 0.</param>
    /// <exception cref="InvalidOperationException">H + λI is singular or the step is not finite; a larger damping may help.</exception>
    public static NewtonResult<T> NewtonStep<T>(Network<T> network, ImmutableMatrix<T> input, ImmutableMatrix<T> target, Loss loss, double damping = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Guard.NonNegative(damping, nameof(damping));
        var gradients = Backprop.Gradient(network, input, target, loss);
        var hessian = Hessian(network, input, target, loss);
        int count = hessian.Rows;
        var system = Matrix<double>.Build.Dense(count, count, (i, j) => double.CreateChecked(hessian[i, j]) + (i == j ? damping : 0));
        var gradient = MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(gradients.Gradient.Flatten().Select(g => double.CreateChecked(g)).ToArray());
        var solution = system.LU().Solve(gradient);
        if (solution.Any(x => !double.IsFinite(x)))
            throw new InvalidOperationException($"The Newton system H + {damping}I is singular or ill-conditioned at this point; use a larger damping.");
        var parameters = network.Parameters;
        var update = parameters.Unflatten(solution.Select(x => T.CreateChecked(-x)).ToArray());
        return new NewtonResult<T>(network.WithParameters(parameters.Add(update)), gradients.Loss, gradients.Gradient.Norm());
    }

    private static double DefaultStep<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(double) ? Math.Pow(2, -14) : Math.Pow(2, -6);
}
