using System.Collections.Immutable;
using System.Numerics;

namespace Pure.Testing;

/// <summary>A generated network, a batch for it, and the loss to train it with, in double.</summary>
/// <param name="Network">The network.</param>
/// <param name="Input">X, n_0 x m.</param>
/// <param name="Target">Y, n_L x m, valid for <paramref name="Loss"/>.</param>
/// <param name="Loss">The loss, accepted with the network's output activation.</param>
public sealed record NetworkCase(Network<double> Network, ImmutableMatrix<double> Input, ImmutableMatrix<double> Target, Loss Loss)
{
    /// <summary>m, the number of samples.</summary>
    public int SampleCount => Input.Columns;

    /// <summary>Readable in FsCheck's failure report.</summary>
    public override string ToString() => Describe(Network, Input, Target, Loss);

    internal static string Describe<T>(Network<T> network, ImmutableMatrix<T> input, ImmutableMatrix<T> target, Loss loss) where T : unmanaged, IFloatingPointIeee754<T> =>
        $"{network} loss={loss.Name} m={input.Columns}\nX={input}\nY={target}\n" +
        string.Join("\n", network.Layers.Select((layer, l) => $"W{l + 1}={layer.Weight}\nb{l + 1}={layer.Bias}"));
}

/// <summary>A generated network, a batch for it, and the loss, in element type <typeparamref name="T"/>.</summary>
/// <typeparam name="T">double or float.</typeparam>
/// <param name="Network">The network.</param>
/// <param name="Input">X, n_0 x m.</param>
/// <param name="Target">Y, n_L x m, valid for <paramref name="Loss"/>.</param>
/// <param name="Loss">The loss, accepted with the network's output activation.</param>
public sealed record NetworkCase<T>(Network<T> Network, ImmutableMatrix<T> Input, ImmutableMatrix<T> Target, Loss Loss)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>m, the number of samples.</summary>
    public int SampleCount => Input.Columns;

    /// <summary>Readable in FsCheck's failure report.</summary>
    public override string ToString() => NetworkCase.Describe(Network, Input, Target, Loss);
}

/// <summary>Parameters θ, a sequence of gradients g_1..g_k shaped like them, and hyper-parameters, in double.</summary>
/// <param name="Theta">θ.</param>
/// <param name="Gradients">g_1..g_k, each shaped like θ (at least one).</param>
/// <param name="LearningRate">η in [0.001, 1].</param>
/// <param name="Momentum">μ in [0, 0.99].</param>
/// <param name="WeightDecay">λ in [0, 0.5].</param>
public sealed record OptimizerCase(Parameters<double> Theta, ImmutableArray<Parameters<double>> Gradients, double LearningRate, double Momentum, double WeightDecay)
{
    /// <summary>True when θ, the gradients (in order) and the hyper-parameters are equal by value.</summary>
    public bool Equals(OptimizerCase? other) =>
        other is not null && Theta.Equals(other.Theta) && Gradients.AsSpan().SequenceEqual(other.Gradients.AsSpan())
        && LearningRate.Equals(other.LearningRate) && Momentum.Equals(other.Momentum) && WeightDecay.Equals(other.WeightDecay);

    /// <summary>A hash of θ, every gradient and the hyper-parameters, consistent with <see cref="Equals(OptimizerCase?)"/>.</summary>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Theta);
        if (!Gradients.IsDefault) foreach (var gradient in Gradients) hash.Add(gradient);
        hash.Add(LearningRate);
        hash.Add(Momentum);
        hash.Add(WeightDecay);
        return hash.ToHashCode();
    }

    /// <summary>Readable in FsCheck's failure report.</summary>
    public override string ToString() =>
        $"η={LearningRate} μ={Momentum} λ={WeightDecay} steps={Gradients.Length}\nθ=[{string.Join(", ", Theta.Flatten())}]\n" +
        string.Join("\n", Gradients.Select((g, t) => $"g{t + 1}=[{string.Join(", ", g.Flatten())}]"));
}

/// <summary>An optimizer state reached from θ by some steps of an optimizer, with the parameters it belongs to.</summary>
/// <typeparam name="T">double or float.</typeparam>
/// <param name="Optimizer">The optimizer.</param>
/// <param name="Parameters">The parameters after the steps.</param>
/// <param name="State">The optimizer's state after the steps.</param>
/// <param name="Steps">How many steps were taken (0: the state of Init).</param>
public sealed record OptimizerStateCase<T>(Optimizer Optimizer, Parameters<T> Parameters, OptimizerState<T> State, int Steps)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Readable in FsCheck's failure report.</summary>
    public override string ToString() => $"{Optimizer} after {Steps} steps; θ=[{string.Join(", ", Parameters.Flatten())}]; state={State}";
}

/// <summary>
/// Values generated in double carried to another element type: every number rounded once to T (exact for double),
/// and back to double (always exact), so that a float network can be checked against double arithmetic on the same numbers.
/// </summary>
public static class Conversions
{
    /// <summary>The matrix with every element rounded to T.</summary>
    public static ImmutableMatrix<T> As<T>(this ImmutableMatrix<double> matrix) where T : unmanaged, IFloatingPointIeee754<T> =>
        ImmutableMatrix.FromColumnMajor<T>(matrix.Rows, matrix.Columns, [.. matrix.ToColumnMajorArray().Select(T.CreateChecked)]);

    /// <summary>The matrix in double (exact).</summary>
    public static ImmutableMatrix<double> ToDouble<T>(this ImmutableMatrix<T> matrix) where T : unmanaged, IFloatingPointIeee754<T> =>
        ImmutableMatrix.FromColumnMajor<double>(matrix.Rows, matrix.Columns, [.. matrix.ToColumnMajorArray().Select(double.CreateChecked)]);

    /// <summary>The network with every weight and bias rounded to T, the same activations.</summary>
    public static Network<T> As<T>(this Network<double> network) where T : unmanaged, IFloatingPointIeee754<T> =>
        new(network.Layers.Select(layer => new DenseLayer<T>(
            layer.Weight.As<T>(), ImmutableVector.Create([.. layer.Bias.ToArray().Select(T.CreateChecked)]), layer.Activation)).ToImmutableArray());

    /// <summary>The network in double (exact).</summary>
    public static Network<double> ToDouble<T>(this Network<T> network) where T : unmanaged, IFloatingPointIeee754<T> =>
        new(network.Layers.Select(layer => new DenseLayer<double>(
            layer.Weight.ToDouble(), ImmutableVector.Create([.. layer.Bias.ToArray().Select(double.CreateChecked)]), layer.Activation)).ToImmutableArray());

    /// <summary>The parameters with every value rounded to T.</summary>
    public static Parameters<T> As<T>(this Parameters<double> parameters) where T : unmanaged, IFloatingPointIeee754<T> =>
        new(parameters.Layers.Select(layer => new LayerParameters<T>(layer.Weight.As<T>(), ImmutableVector.Create([.. layer.Bias.ToArray().Select(T.CreateChecked)]))).ToImmutableArray());

    /// <summary>The case with every value rounded to T.</summary>
    public static NetworkCase<T> As<T>(this NetworkCase value) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(value.Network.As<T>(), value.Input.As<T>(), value.Target.As<T>(), value.Loss);
    }

    /// <summary>The case in double (exact).</summary>
    public static NetworkCase ToDouble<T>(this NetworkCase<T> value) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(value.Network.ToDouble(), value.Input.ToDouble(), value.Target.ToDouble(), value.Loss);
    }
}
