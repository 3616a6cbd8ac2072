using System.Numerics;

namespace Pure.Testing;

/// <summary>
/// Helpers of the gradient laws: kinks of a case's cost, numeric gradients, and Pure's <see cref="GradientCheck"/>
/// (the kit's checker is that one: relative tolerance per element type above an estimated noise floor, every failing
/// coordinate reported).
/// </summary>
public static class GradientChecking
{
    /// <summary>
    /// The distance of the case from the kinks of its cost: the smallest |z| over the pre-activations of ReLU and
    /// leaky-ReLU layers and, for the L1 loss, the smallest |a - y|; infinity when there is no kink.
    /// </summary>
    public static double DistanceToKinks<T>(Network<T> network, ImmutableMatrix<T> input, ImmutableMatrix<T> target, Loss loss)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(target);
        var trace = Backprop.Forward(network, input);
        double distance = double.PositiveInfinity;
        for (int l = 0; l < network.Layers.Length; l++)
            if (!Generators.IsSmooth(network.Layers[l].Activation))
                foreach (var z in trace.PreActivations[l].ToColumnMajorArray()) distance = Math.Min(distance, Math.Abs(double.CreateChecked(z)));
        if (loss is AbsoluteLoss)
        {
            var output = trace.Output.ToColumnMajorArray();
            var y = target.ToColumnMajorArray();
            for (int i = 0; i < y.Length; i++) distance = Math.Min(distance, Math.Abs(double.CreateChecked(output[i] - y[i])));
        }
        return distance;
    }

    /// <summary>
    /// True when moving some single parameter by ±<paramref name="step"/> (or ±step/2) puts a ReLU or leaky-ReLU
    /// pre-activation on the other side of 0, or changes the sign of an L1 residual a - y: the central difference over
    /// that parameter then straddles a kink and measures no derivative.
    /// </summary>
    public static bool PerturbationCrossesKink<T>(Network<T> network, ImmutableMatrix<T> input, ImmutableMatrix<T> target, Loss loss, T step)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        var reference = KinkSides(network, input, target, loss);
        if (reference.Length == 0) return false;
        var parameters = network.Parameters.Flatten().ToArray();
        for (int i = 0; i < parameters.Length; i++)
            foreach (var offset in new[] { step, -step })
            {
                var perturbed = (T[])parameters.Clone();
                perturbed[i] += offset;
                var moved = network.WithParameters(network.Parameters.Unflatten(perturbed));
                if (!KinkSides(moved, input, target, loss).AsSpan().SequenceEqual(reference)) return true;
            }
        return false;
    }

    /// <summary>True when θ ± step · direction lies on another side of some kink than θ (see <see cref="PerturbationCrossesKink{T}"/>).</summary>
    public static bool DirectionCrossesKink<T>(Network<T> network, ImmutableMatrix<T> input, ImmutableMatrix<T> target, Loss loss, Parameters<T> direction, T step)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(direction);
        var reference = KinkSides(network, input, target, loss);
        if (reference.Length == 0) return false;
        foreach (var offset in new[] { step, -step })
        {
            var moved = network.WithParameters(network.Parameters.Add(direction.Scale(offset)));
            if (!KinkSides(moved, input, target, loss).AsSpan().SequenceEqual(reference)) return true;
        }
        return false;
    }

    /// <summary>
    /// Central differences (C(θ + h e_i) - C(θ - h e_i)) / 2h of the cost for every parameter, in the order of
    /// <see cref="Parameters{T}.Flatten"/>: independent of the analytic gradient.
    /// </summary>
    public static double[] NumericGradient<T>(Network<T> network, ImmutableMatrix<T> input, ImmutableMatrix<T> target, Loss loss, T step)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        var parameters = network.Parameters.Flatten().ToArray();
        var result = new double[parameters.Length];
        for (int i = 0; i < parameters.Length; i++)
        {
            var perturbed = (T[])parameters.Clone();
            perturbed[i] = parameters[i] + step;
            T plus = Backprop.Cost(network.WithParameters(network.Parameters.Unflatten(perturbed)), input, target, loss);
            perturbed[i] = parameters[i] - step;
            T minus = Backprop.Cost(network.WithParameters(network.Parameters.Unflatten(perturbed)), input, target, loss);
            result[i] = double.CreateChecked(plus - minus) / (2 * double.CreateChecked(step));
        }
        return result;
    }

    /// <summary>For every kink of the cost, on which side of it the case lies (-1, 0 or 1), in a fixed order.</summary>
    private static int[] KinkSides<T>(Network<T> network, ImmutableMatrix<T> input, ImmutableMatrix<T> target, Loss loss)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var trace = Backprop.Forward(network, input);
        var sides = new List<int>();
        for (int l = 0; l < network.Layers.Length; l++)
            if (!Generators.IsSmooth(network.Layers[l].Activation))
                foreach (var z in trace.PreActivations[l].ToColumnMajorArray()) sides.Add(z > T.Zero ? 1 : -1);
        if (loss is AbsoluteLoss)
        {
            var output = trace.Output.ToColumnMajorArray();
            var y = target.ToColumnMajorArray();
            for (int i = 0; i < y.Length; i++) sides.Add(T.Sign(output[i] - y[i]));
        }
        return [.. sides];
    }
}
