using System.Collections.Immutable;
using System.Numerics;
using FsCheck;
using FsCheck.Fluent;

namespace Pure.Testing;

/// <summary>An output activation and a loss the library accepts together.</summary>
/// <param name="Output">The output layer's activation.</param>
/// <param name="Loss">The loss.</param>
public sealed record OutputPairing(Activation Output, Loss Loss);

/// <summary>The shape of one layer's weight matrix.</summary>
/// <param name="Rows">n_l, the layer's output size.</param>
/// <param name="Columns">n_{l-1}, the layer's input size.</param>
public sealed record LayerShape(int Rows, int Columns);

/// <summary>
/// FsCheck generators and arbitraries of Pure values, bounded and finite: shapes first, then values of those shapes
/// (three decimals). Every arbitrary shrinks with <see cref="Shrinkers"/>. Element type double unless a method takes T.
/// </summary>
public static class Generators
{
    /// <summary>Every activation the library offers for hidden layers.</summary>
    public static ImmutableArray<Activation> HiddenActivations { get; } =
        [Activation.Identity, Activation.Sigmoid, Activation.Tanh, Activation.Relu, Activation.LeakyRelu(0.1), Activation.Softmax];

    /// <summary>The activations with a continuous derivative everywhere (no ReLU, no leaky ReLU).</summary>
    public static ImmutableArray<Activation> SmoothActivations { get; } = [.. HiddenActivations.Where(IsSmooth)];

    /// <summary>Every (output activation, loss) pairing the library accepts, with the built-in losses.</summary>
    public static ImmutableArray<OutputPairing> OutputPairings { get; } =
    [
        .. HiddenActivations.SelectMany(activation => new[] { Loss.Absolute, Loss.Squared, Loss.HalfSquared }.Select(loss => new OutputPairing(activation, loss))),
        new OutputPairing(Activation.Sigmoid, Loss.BinaryCrossEntropy),
        new OutputPairing(Activation.Softmax, Loss.CategoricalCrossEntropy),
    ];

    /// <summary>The pairings whose cost is smooth (no ReLU output, no L1).</summary>
    public static ImmutableArray<OutputPairing> SmoothPairings { get; } =
        [.. OutputPairings.Where(pairing => IsSmooth(pairing.Output) && pairing.Loss is not AbsoluteLoss)];

    /// <summary>True unless the activation has a kink (ReLU, leaky ReLU).</summary>
    public static bool IsSmooth(Activation activation) => activation is not (ReluActivation or LeakyReluActivation);

    /// <summary>Pairings of every built-in output activation with <paramref name="loss"/> (a custom loss is treated as a regression loss).</summary>
    public static ImmutableArray<OutputPairing> PairingsFor(Loss loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        return loss switch
        {
            BinaryCrossEntropyLoss => [new OutputPairing(Activation.Sigmoid, loss)],
            CategoricalCrossEntropyLoss => [new OutputPairing(Activation.Softmax, loss)],
            _ => [.. HiddenActivations.Select(activation => new OutputPairing(activation, loss))],
        };
    }

    /// <summary>A double in [-bound, bound] with three decimals (never NaN or infinite).</summary>
    public static Gen<double> Value(double bound = 2) =>
        Gen.Choose(-(int)(bound * 1000), (int)(bound * 1000)).Select(i => i / 1000.0);

    /// <summary>A rows x columns matrix of bounded values.</summary>
    public static Gen<ImmutableMatrix<double>> Matrix(int rows, int columns, double bound = 2) =>
        Gen.ArrayOf(Value(bound), rows * columns).Select(values => ImmutableMatrix.FromColumnMajor<double>(rows, columns, values));

    /// <summary>Layer sizes n_0..n_L for <paramref name="minLayers"/> to <paramref name="maxLayers"/> layers of width 1 to <paramref name="maxWidth"/>.</summary>
    public static Gen<int[]> LayerSizes(int minLayers = 1, int maxLayers = 4, int maxWidth = 8) =>
        from layers in Gen.Choose(minLayers, maxLayers)
        from sizes in Gen.ArrayOf(Gen.Choose(1, maxWidth), layers + 1)
        select sizes;

    /// <summary>A network of the given sizes with these activations and weights and biases in [-bound, bound].</summary>
    public static Gen<Network<double>> Network(IReadOnlyList<int> sizes, IReadOnlyList<Activation> activations, double bound = 1.5)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        ArgumentNullException.ThrowIfNull(activations);
        if (sizes.Count != activations.Count + 1)
            throw new ArgumentException($"Expected {activations.Count + 1} layer sizes for {activations.Count} activations, got {sizes.Count}.", nameof(sizes));
        return from layers in Gen.CollectToArray(Enumerable.Range(0, activations.Count), l =>
                   from weight in Matrix(sizes[l + 1], sizes[l], bound)
                   from bias in Gen.ArrayOf(Value(bound), sizes[l + 1])
                   select new DenseLayer<double>(weight, ImmutableVector.Create(bias), activations[l]))
               select new Network<double>(layers.ToImmutableArray());
    }

    /// <summary>Targets valid for <paramref name="loss"/>: any values for regression losses, [0, 1] for binary cross-entropy, distributions (columns summing to 1) for categorical.</summary>
    public static Gen<ImmutableMatrix<double>> Target(Loss loss, int rows, int columns) => loss switch
    {
        BinaryCrossEntropyLoss => Gen.ArrayOf(Gen.Choose(0, 1000).Select(i => i / 1000.0), rows * columns)
            .Select(values => ImmutableMatrix.FromColumnMajor<double>(rows, columns, values)),
        CategoricalCrossEntropyLoss => Gen.ArrayOf(Gen.Choose(0, 1000), rows * columns).Select(weights => Distributions(weights, rows, columns)),
        _ => Matrix(rows, columns, 2),
    };

    internal static ImmutableMatrix<double> Distributions(IReadOnlyList<int> weights, int rows, int columns)
    {
        var values = new double[rows * columns];
        for (int j = 0; j < columns; j++)
        {
            double total = 0;
            for (int i = 0; i < rows; i++) total += weights[j * rows + i] + 1;
            for (int i = 0; i < rows; i++) values[j * rows + i] = (weights[j * rows + i] + 1) / total;
        }
        return ImmutableMatrix.FromColumnMajor<double>(rows, columns, values);
    }

    /// <summary>A case from the given layer sizes, hidden activations and output pairings, batch size 1 to <paramref name="maxBatch"/>, inputs in [-3, 3].</summary>
    public static Gen<NetworkCase> Case(Gen<int[]> layerSizes, IReadOnlyList<Activation> hiddenActivations, IReadOnlyList<OutputPairing> pairings, int maxBatch = 16)
    {
        ArgumentNullException.ThrowIfNull(layerSizes);
        Guard(hiddenActivations, pairings, maxBatch);
        return from sizes in layerSizes
               from hidden in Gen.ArrayOf(Gen.Elements(hiddenActivations.ToArray()), sizes.Length - 2)
               from pairing in Gen.Elements(pairings.ToArray())
               from m in Gen.Choose(1, maxBatch)
               from network in Network(sizes, [.. hidden, pairing.Output])
               from input in Matrix(sizes[0], m, 3)
               from target in Target(pairing.Loss, sizes[^1], m)
               select new NetworkCase(network, input, target, pairing.Loss);
    }

    /// <summary>Random architecture (1 to 4 layers, widths 1 to 8), hidden activations, an accepted pairing, batch size 1 to <paramref name="maxBatch"/> and values.</summary>
    public static Gen<NetworkCase> Case(int maxBatch = 16) => Case(LayerSizes(), HiddenActivations, OutputPairings, maxBatch);

    /// <summary>Like <see cref="Case(int)"/> with at least <paramref name="minLayers"/> layers.</summary>
    public static Gen<NetworkCase> CaseWithLayers(int minLayers) => Case(LayerSizes(minLayers), HiddenActivations, OutputPairings);

    /// <summary>The arbitrary of <see cref="Case(int)"/>, shrinking with <see cref="Shrinkers.Shrink(NetworkCase)"/>.</summary>
    public static Arbitrary<NetworkCase> Cases(int maxBatch = 16) => Arb.From(Case(maxBatch), Shrinkers.Shrink);

    /// <summary>The arbitrary of cases from these activations and pairings, shrinking with <see cref="Shrinkers.Shrink(NetworkCase)"/>.</summary>
    public static Arbitrary<NetworkCase> Cases(IReadOnlyList<Activation> hiddenActivations, IReadOnlyList<OutputPairing> pairings, int maxLayers = 4, int maxWidth = 8, int maxBatch = 16) =>
        Arb.From(Case(LayerSizes(1, maxLayers, maxWidth), hiddenActivations, pairings, maxBatch), Shrinkers.Shrink);

    /// <summary>Cases whose cost is a smooth function of the parameters (smooth activations, no L1).</summary>
    public static Arbitrary<NetworkCase> SmoothCases() => Cases(SmoothActivations, SmoothPairings);

    /// <summary>The arbitrary of cases in element type T: generated in double, rounded to T; shrinks through double.</summary>
    public static Arbitrary<NetworkCase<T>> Cases<T>(Arbitrary<NetworkCase> cases) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(cases);
        return Arb.From(cases.Generator.Select(c => c.As<T>()), c => Shrinkers.Shrink(c.ToDouble()).Select(s => s.As<T>()));
    }

    /// <summary><see cref="Cases(int)"/> in element type T.</summary>
    public static Arbitrary<NetworkCase<T>> Cases<T>(int maxBatch = 16) where T : unmanaged, IFloatingPointIeee754<T> => Cases<T>(Cases(maxBatch));

    /// <summary>Batches (inputs) for a network with <paramref name="inputSize"/> inputs: n_0 x m, m in 1..<paramref name="maxBatch"/>, values in [-bound, bound]; shrinks by dropping samples and toward 0.</summary>
    public static Arbitrary<ImmutableMatrix<double>> Batches(int inputSize, int maxBatch = 16, double bound = 3) =>
        Arb.From(from m in Gen.Choose(1, maxBatch) from input in Matrix(inputSize, m, bound) select input, Shrinkers.ShrinkBatch);

    /// <summary>Targets for <paramref name="loss"/> with <paramref name="rows"/> outputs and <paramref name="columns"/> samples; shrinks toward 0 (regression losses only).</summary>
    public static Arbitrary<ImmutableMatrix<double>> Targets(Loss loss, int rows, int columns) =>
        Arb.From(Target(loss, rows, columns), target => loss is BinaryCrossEntropyLoss or CategoricalCrossEntropyLoss ? [] : Shrinkers.ShrinkValues(target));

    /// <summary>Layer shapes for 1 to 3 layers of 1 to 4 x 1 to 4.</summary>
    public static Gen<LayerShape[]> Shapes() =>
        from layers in Gen.Choose(1, 3)
        from shapes in Gen.ArrayOf(Gen.Zip(Gen.Choose(1, 4), Gen.Choose(1, 4)).Select(shape => new LayerShape(shape.Item1, shape.Item2)), layers)
        select shapes;

    /// <summary>Parameters of the given layer shapes with values in [-bound, bound].</summary>
    public static Gen<Parameters<double>> Parameters(IReadOnlyList<LayerShape> shapes, double bound = 2)
    {
        ArgumentNullException.ThrowIfNull(shapes);
        return from layers in Gen.CollectToArray(shapes, shape =>
                   from weight in Matrix(shape.Rows, shape.Columns, bound)
                   from bias in Gen.ArrayOf(Value(bound), shape.Rows)
                   select new LayerParameters<double>(weight, ImmutableVector.Create(bias)))
               select new Parameters<double>(layers.ToImmutableArray());
    }

    /// <summary>Parameters of random shapes (<see cref="Shapes"/>), shrinking toward 0.</summary>
    public static Arbitrary<Parameters<double>> ParameterSets(double bound = 2) =>
        Arb.From(from shapes in Shapes() from parameters in Parameters(shapes, bound) select parameters, Shrinkers.ShrinkParameters);

    /// <summary>θ and 1 to 5 gradients, η in [0.001, 1], μ in [0, 0.99] (or (0, 0.99] when <paramref name="positiveMomentum"/>), λ in [0, 0.5].</summary>
    public static Gen<OptimizerCase> OptimizerCase(bool positiveMomentum = false) =>
        from shapes in Shapes()
        from theta in Parameters(shapes)
        from steps in Gen.Choose(1, 5)
        from gradients in Gen.ArrayOf(Parameters(shapes), steps)
        from learningRate in Gen.Choose(1, 1000).Select(i => i / 1000.0)
        from momentum in Gen.Choose(positiveMomentum ? 1 : 0, 99).Select(i => i / 100.0)
        from weightDecay in Gen.Choose(0, 500).Select(i => i / 1000.0)
        select new OptimizerCase(theta, [.. gradients], learningRate, momentum, weightDecay);

    /// <summary>The arbitrary of <see cref="OptimizerCase"/>, shrinking with <see cref="Shrinkers.Shrink(Testing.OptimizerCase)"/>.</summary>
    public static Arbitrary<OptimizerCase> OptimizerCases(bool positiveMomentum = false) => Arb.From(OptimizerCase(positiveMomentum), Shrinkers.Shrink);

    /// <summary>States of <paramref name="optimizer"/> reached by 0 to 5 updates (with the updates applied) from random parameters and gradients.</summary>
    public static Arbitrary<OptimizerStateCase<T>> OptimizerStates<T>(Optimizer optimizer) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var gen = from shapes in Shapes()
                  from theta in Parameters(shapes)
                  from steps in Gen.Choose(0, 5)
                  from gradients in Gen.ArrayOf(Parameters(shapes), steps)
                  select Run(optimizer, theta.As<T>(), gradients.Select(g => g.As<T>()).ToArray());
        return Arb.From(gen, value => value.Steps == 0 ? [] : [Run(optimizer, value.Parameters, [])]);
    }

    private static OptimizerStateCase<T> Run<T>(Optimizer optimizer, Parameters<T> theta, Parameters<T>[] gradients) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var state = optimizer.Init(theta);
        foreach (var gradient in gradients)
        {
            var update = optimizer.Update(gradient, state, theta);
            theta = theta.Add(update.Updates);
            state = update.State;
        }
        return new OptimizerStateCase<T>(optimizer, theta, state, gradients.Length);
    }

    private static void Guard(IReadOnlyList<Activation> hiddenActivations, IReadOnlyList<OutputPairing> pairings, int maxBatch)
    {
        ArgumentNullException.ThrowIfNull(hiddenActivations);
        ArgumentNullException.ThrowIfNull(pairings);
        if (hiddenActivations.Count == 0) throw new ArgumentException("Expected at least one hidden activation, got none.", nameof(hiddenActivations));
        if (pairings.Count == 0) throw new ArgumentException("Expected at least one output pairing, got none.", nameof(pairings));
        if (maxBatch < 1) throw new ArgumentOutOfRangeException(nameof(maxBatch), $"Expected a largest batch of at least 1, got {maxBatch}.");
    }
}
