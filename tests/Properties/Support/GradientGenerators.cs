using System.Collections.Immutable;
using System.Numerics;
using FsCheck;
using FsCheck.Fluent;

namespace Pure.Properties.Support;

/// <summary>Generators and helpers for the gradient, adjoint, batch, softmax and descent properties.</summary>
public static class GradientGenerators
{
    /// <summary>The activations with a continuous derivative everywhere (no ReLU, no leaky ReLU).</summary>
    public static readonly Activation[] SmoothActivations = [.. Generators.HiddenActivations.Where(IsSmooth)];

    /// <summary>The accepted (output activation, loss) pairings whose cost is smooth (no ReLU output, no L1).</summary>
    public static readonly (Activation Output, Loss Loss)[] SmoothPairings =
        [.. Generators.OutputPairings.Where(pairing => IsSmooth(pairing.Output) && pairing.Loss is not AbsoluteLoss)];

    /// <summary>True unless the activation has a kink (ReLU, leaky ReLU).</summary>
    public static bool IsSmooth(Activation activation) => activation is not (ReluActivation or LeakyReluActivation);

    /// <summary>Like <see cref="Generators.Case"/>, from the given layer sizes, hidden activations and output pairings.</summary>
    public static Gen<NetworkCase> Case(Gen<int[]> layerSizes, Activation[] hiddenActivations, (Activation Output, Loss Loss)[] pairings, int maxBatch = 16) =>
        from sizes in layerSizes
        from hidden in Gen.ArrayOf(Gen.Elements(hiddenActivations), sizes.Length - 2)
        from pairing in Gen.Elements(pairings)
        from m in Gen.Choose(1, maxBatch)
        from network in Generators.Network(sizes, [.. hidden, pairing.Output])
        from input in Generators.Matrix(sizes[0], m, 3)
        from target in Generators.Target(pairing.Loss, sizes[^1], m)
        select new NetworkCase(network, input, target, pairing.Loss);

    /// <summary>Cases whose cost is a smooth function of the parameters (smooth activations, no L1), with shrinking.</summary>
    public static Arbitrary<NetworkCase> SmoothCases() =>
        Arb.From(Case(Generators.LayerSizes(), SmoothActivations, SmoothPairings), Generators.Shrink);

    /// <summary>Cases like <see cref="Generators.Cases"/> but with at least <paramref name="minLayers"/> layers.</summary>
    public static Gen<NetworkCase> CaseWithLayers(int minLayers) =>
        Case(Generators.LayerSizes(minLayers), Generators.HiddenActivations, Generators.OutputPairings);

    /// <summary>
    /// The distance of the case from the kinks of its cost: the smallest |z| over the pre-activations of ReLU and
    /// leaky-ReLU layers and, for the L1 loss, the smallest |a - y|; infinity when there is no kink.
    /// </summary>
    public static double DistanceToKinks<T>(Network<T> network, ImmutableMatrix<T> input, ImmutableMatrix<T> target, Loss loss)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var trace = Backprop.Forward(network, input);
        double distance = double.PositiveInfinity;
        for (int l = 0; l < network.Layers.Length; l++)
            if (!IsSmooth(network.Layers[l].Activation))
                foreach (var z in trace.PreActivations[l].AsSpan()) distance = Math.Min(distance, Math.Abs(double.CreateChecked(z)));
        if (loss is AbsoluteLoss)
            for (int i = 0; i < target.Count; i++)
                distance = Math.Min(distance, Math.Abs(double.CreateChecked(trace.Output.AsSpan()[i] - target.AsSpan()[i])));
        return distance;
    }

    /// <summary>
    /// True when moving some single parameter by ±<paramref name="step"/> puts a ReLU or leaky-ReLU pre-activation
    /// on the other side of 0, or changes the sign of an L1 residual a - y: the central difference over that
    /// parameter then straddles a kink and measures no derivative.
    /// </summary>
    public static bool PerturbationCrossesKink<T>(Network<T> network, ImmutableMatrix<T> input, ImmutableMatrix<T> target, Loss loss, T step)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var reference = KinkSides(network, input, target, loss);
        if (reference.Length == 0) return false;
        var parameters = network.Parameters.Flatten().ToArray();
        for (int i = 0; i < parameters.Length; i++)
            foreach (var sign in new[] { T.One, -T.One })
            {
                var perturbed = (T[])parameters.Clone();
                perturbed[i] += sign * step;
                var moved = network.WithParameters(network.Parameters.Unflatten(perturbed));
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
            if (!IsSmooth(network.Layers[l].Activation))
                foreach (var z in trace.PreActivations[l].AsSpan()) sides.Add(z > T.Zero ? 1 : -1);
        if (loss is AbsoluteLoss)
            for (int i = 0; i < target.Count; i++) sides.Add(T.Sign(trace.Output.AsSpan()[i] - target.AsSpan()[i]));
        return [.. sides];
    }

    /// <summary>The Frobenius norm sqrt(Σ x_ij^2).</summary>
    public static double Norm(ImmutableMatrix<double> matrix) => Math.Sqrt(matrix.Dot(matrix));

    /// <summary>The element-wise absolute value.</summary>
    public static ImmutableMatrix<double> Abs(ImmutableMatrix<double> matrix) => matrix.Map(Math.Abs);
}
