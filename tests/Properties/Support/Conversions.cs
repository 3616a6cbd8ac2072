using System.Collections.Immutable;
using System.Numerics;

namespace Pure.Properties.Support;

/// <summary>A generated network, a batch for it, and the loss to train it with, in element type T.</summary>
public sealed record NetworkCase<T>(Network<T> Network, ImmutableMatrix<T> Input, ImmutableMatrix<T> Target, Loss Loss)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>m, the number of samples.</summary>
    public int SampleCount => Input.Columns;

    /// <summary>Readable in FsCheck's failure report.</summary>
    public override string ToString() =>
        $"{Network} loss={Loss.Name} m={SampleCount}\nX={Input}\nY={Target}\n" +
        string.Join("\n", Network.Layers.Select((layer, l) => $"W{l + 1}={layer.Weight}\nb{l + 1}={layer.Bias}"));
}

/// <summary>
/// Values generated in double, carried to another element type: every number rounded once to T (exact for double),
/// and back to double (always exact), so that a float network can be checked against double arithmetic on the very
/// same numbers.
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

    /// <summary>The case with every value rounded to T.</summary>
    public static NetworkCase<T> As<T>(this NetworkCase value) where T : unmanaged, IFloatingPointIeee754<T> =>
        new(value.Network.As<T>(), value.Input.As<T>(), value.Target.As<T>(), value.Loss);

    /// <summary>The case in double (exact).</summary>
    public static NetworkCase ToDouble<T>(this NetworkCase<T> value) where T : unmanaged, IFloatingPointIeee754<T> =>
        new(value.Network.ToDouble(), value.Input.ToDouble(), value.Target.ToDouble(), value.Loss);
}
