using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;

namespace Pure.Properties.Support;

/// <summary>A generated network, a batch for it, and the loss to train it with.</summary>
public sealed record NetworkCase(Network<double> Network, ImmutableMatrix<double> Input, ImmutableMatrix<double> Target, Loss Loss)
{
    /// <summary>m, the number of samples.</summary>
    public int SampleCount => Input.Columns;

    /// <summary>Readable in FsCheck's failure report.</summary>
    public override string ToString() =>
        $"{Network} loss={Loss.Name} m={SampleCount}\nX={Input}\nY={Target}\n" +
        string.Join("\n", Network.Layers.Select((layer, l) => $"W{l + 1}={layer.Weight}\nb{l + 1}={layer.Bias}"));
}

/// <summary>Generators shared by the property tests: shapes first, then bounded values of those shapes.</summary>
public static class Generators
{
    /// <summary>Every activation the library offers for hidden layers.</summary>
    public static readonly Activation[] HiddenActivations =
        [Activation.Identity, Activation.Sigmoid, Activation.Tanh, Activation.Relu, Activation.LeakyRelu(0.1), Activation.Softmax];

    /// <summary>Every (output activation, loss) pairing the library accepts.</summary>
    public static readonly (Activation Output, Loss Loss)[] OutputPairings =
    [
        .. HiddenActivations.SelectMany(activation => new[] { Loss.Absolute, Loss.Squared, Loss.HalfSquared }.Select(loss => (activation, loss))),
        (Activation.Sigmoid, Loss.BinaryCrossEntropy),
        (Activation.Softmax, Loss.CategoricalCrossEntropy),
    ];

    /// <summary>A double in [-bound, bound] with three decimals (never NaN or infinite).</summary>
    public static Gen<double> Value(double bound = 2) =>
        Gen.Choose(-(int)(bound * 1000), (int)(bound * 1000)).Select(i => i / 1000.0);

    /// <summary>A rows x columns matrix of bounded values.</summary>
    public static Gen<ImmutableMatrix<double>> Matrix(int rows, int columns, double bound = 2) =>
        Gen.ArrayOf(Value(bound), rows * columns).Select(values => ImmutableMatrix.FromColumnMajor<double>(rows, columns, values));

    /// <summary>Layer sizes n_0..n_L for 1 to 4 layers of width 1 to 8.</summary>
    public static Gen<int[]> LayerSizes(int minLayers = 1, int maxLayers = 4, int maxWidth = 8) =>
        from layers in Gen.Choose(minLayers, maxLayers)
        from sizes in Gen.ArrayOf(Gen.Choose(1, maxWidth), layers + 1)
        select sizes;

    /// <summary>A network of the given sizes with these activations and bounded weights and biases.</summary>
    public static Gen<Network<double>> Network(int[] sizes, Activation[] activations, double bound = 1.5) =>
        from layers in Gen.CollectToArray(Enumerable.Range(0, activations.Length), l =>
            from weight in Matrix(sizes[l + 1], sizes[l], bound)
            from bias in Gen.ArrayOf(Value(bound), sizes[l + 1])
            select new DenseLayer<double>(weight, ImmutableVector.Create(bias), activations[l]))
        select new Network<double>(layers.ToImmutableArray());

    /// <summary>Targets valid for <paramref name="loss"/>: any values for the regression losses, [0, 1] for binary cross-entropy, distributions for categorical.</summary>
    public static Gen<ImmutableMatrix<double>> Target(Loss loss, int rows, int columns) => loss switch
    {
        BinaryCrossEntropyLoss => Gen.ArrayOf(Gen.Choose(0, 1000).Select(i => i / 1000.0), rows * columns)
            .Select(values => ImmutableMatrix.FromColumnMajor<double>(rows, columns, values)),
        CategoricalCrossEntropyLoss => Gen.ArrayOf(Gen.Choose(0, 1000), rows * columns).Select(weights =>
        {
            var values = new double[weights.Length];
            for (int j = 0; j < columns; j++)
            {
                double total = 0;
                for (int i = 0; i < rows; i++) total += weights[j * rows + i] + 1;
                for (int i = 0; i < rows; i++) values[j * rows + i] = (weights[j * rows + i] + 1) / total;
            }
            return ImmutableMatrix.FromColumnMajor<double>(rows, columns, values);
        }),
        _ => Matrix(rows, columns, 2),
    };

    /// <summary>Random architecture (1 to 4 layers, widths 1 to 8), activations, an accepted loss pairing, batch size 1 to 16 and values.</summary>
    public static Gen<NetworkCase> Case(int maxBatch = 16) =>
        from sizes in LayerSizes()
        from hidden in Gen.ArrayOf(Gen.Elements(HiddenActivations), sizes.Length - 2)
        from pairing in Gen.Elements(OutputPairings)
        from m in Gen.Choose(1, maxBatch)
        from network in Network(sizes, [.. hidden, pairing.Output])
        from input in Matrix(sizes[0], m, 3)
        from target in Target(pairing.Loss, sizes[^1], m)
        select new NetworkCase(network, input, target, pairing.Loss);

    /// <summary>Shrinks a case by dropping samples (the last half, then the last one).</summary>
    public static IEnumerable<NetworkCase> Shrink(NetworkCase value)
    {
        int m = value.SampleCount;
        if (m > 1)
        {
            int half = m / 2;
            yield return value with { Input = value.Input.SliceColumns(0, half), Target = value.Target.SliceColumns(0, half) };
            yield return value with { Input = value.Input.SliceColumns(0, m - 1), Target = value.Target.SliceColumns(0, m - 1) };
        }
    }

    /// <summary>The arbitrary of <see cref="Case"/> with shrinking.</summary>
    public static Arbitrary<NetworkCase> Cases(int maxBatch = 16) => Arb.From(Case(maxBatch), Shrink);
}
