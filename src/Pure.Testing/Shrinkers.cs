using System.Collections.Immutable;

namespace Pure.Testing;

/// <summary>
/// Shrinkers of generated Pure values, simplest candidates first: fewer layers (a hidden layer dropped, the chain kept
/// valid), narrower layers (a neuron dropped: a row of W^[l], an entry of b^[l] and a column of W^[l+1]), simpler
/// hidden activations (toward Identity), fewer samples, then values toward 0 (rounded to fewer decimals, then 0).
/// Every candidate is a valid case of the same loss; each step makes the case strictly simpler, so shrinking ends.
/// </summary>
public static class Shrinkers
{
    /// <summary>Simpler cases than <paramref name="value"/>.</summary>
    public static IEnumerable<NetworkCase> Shrink(NetworkCase value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var layers = value.Network.Layers;
        // Fewer layers: drop hidden layer l; layer l + 1 takes its input with its columns cut or padded with zeros.
        for (int l = 0; l < layers.Length - 1; l++)
        {
            int inputs = layers[l].InputSize;
            var next = layers[l + 1];
            var weight = ImmutableMatrix.Create<double>(next.OutputSize, inputs, (j, k) => k < next.InputSize ? next.Weight[j, k] : 0);
            var kept = layers.RemoveAt(l + 1).SetItem(l, new DenseLayer<double>(weight, next.Bias, next.Activation));
            yield return value with { Network = new Network<double>(kept) };
        }
        // Narrower layers: drop the last neuron of a hidden layer.
        for (int l = 0; l < layers.Length - 1; l++)
            if (layers[l].OutputSize > 1) yield return value with { Network = DropNeuron(value.Network, l, layers[l].OutputSize - 1) };
        // Fewer inputs: drop the last row of X and the last column of W^[1].
        if (layers[0].InputSize > 1)
        {
            int n0 = layers[0].InputSize - 1;
            var first = layers[0];
            var weight = ImmutableMatrix.Create<double>(first.OutputSize, n0, (j, k) => first.Weight[j, k]);
            yield return value with
            {
                Network = new Network<double>(layers.SetItem(0, new DenseLayer<double>(weight, first.Bias, first.Activation))),
                Input = ImmutableMatrix.Create<double>(n0, value.SampleCount, (i, j) => value.Input[i, j]),
            };
        }
        // Fewer outputs (not for categorical cross-entropy, whose targets must stay distributions).
        if (layers[^1].OutputSize > 1 && value.Loss is not CategoricalCrossEntropyLoss)
        {
            int n = layers[^1].OutputSize - 1;
            yield return value with
            {
                Network = DropNeuron(value.Network, layers.Length - 1, n),
                Target = ImmutableMatrix.Create<double>(n, value.SampleCount, (i, j) => value.Target[i, j]),
            };
        }
        // Simpler hidden activations: toward Identity.
        for (int l = 0; l < layers.Length - 1; l++)
            if (layers[l].Activation is not IdentityActivation)
                yield return value with { Network = value.Network.WithLayer(l, new DenseLayer<double>(layers[l].Weight, layers[l].Bias, Activation.Identity)) };
        foreach (var fewer in ShrinkSamples(value)) yield return fewer;
        // Values toward 0.
        foreach (int decimals in new[] { 2, 1, 0 })
        {
            var rounded = value with { Network = value.Network.WithParameters(Round(value.Network.Parameters, decimals)), Input = Round(value.Input, decimals) };
            if (rounded != value) yield return rounded;
        }
        var zero = value with { Network = value.Network.WithParameters(value.Network.Parameters.ZerosLike()) };
        if (zero != value) yield return zero;
    }

    /// <summary>The case with fewer samples: the first half, then all but the last.</summary>
    public static IEnumerable<NetworkCase> ShrinkSamples(NetworkCase value)
    {
        ArgumentNullException.ThrowIfNull(value);
        int m = value.SampleCount;
        if (m > 1)
        {
            int half = m / 2;
            yield return value with { Input = value.Input.SliceColumns(0, half), Target = value.Target.SliceColumns(0, half) };
            if (m - 1 != half) yield return value with { Input = value.Input.SliceColumns(0, m - 1), Target = value.Target.SliceColumns(0, m - 1) };
        }
    }

    /// <summary>A batch with fewer samples, then its values toward 0.</summary>
    public static IEnumerable<ImmutableMatrix<double>> ShrinkBatch(ImmutableMatrix<double> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Columns > 1)
        {
            yield return batch.SliceColumns(0, batch.Columns / 2);
            if (batch.Columns - 1 != batch.Columns / 2) yield return batch.SliceColumns(0, batch.Columns - 1);
        }
        foreach (var simpler in ShrinkValues(batch)) yield return simpler;
    }

    /// <summary>The matrix rounded to 2, 1 and 0 decimals, then all zeros (each only when it differs).</summary>
    public static IEnumerable<ImmutableMatrix<double>> ShrinkValues(ImmutableMatrix<double> matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        foreach (int decimals in new[] { 2, 1, 0 })
        {
            var rounded = Round(matrix, decimals);
            if (rounded != matrix) yield return rounded;
        }
        var zero = ImmutableMatrix.Zeros<double>(matrix.Rows, matrix.Columns);
        if (zero != matrix) yield return zero;
    }

    /// <summary>Parameters rounded to 2, 1 and 0 decimals, then all zeros (each only when it differs).</summary>
    public static IEnumerable<Parameters<double>> ShrinkParameters(Parameters<double> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        foreach (int decimals in new[] { 2, 1, 0 })
        {
            var rounded = Round(parameters, decimals);
            if (rounded != parameters) yield return rounded;
        }
        var zero = parameters.ZerosLike();
        if (zero != parameters) yield return zero;
    }

    /// <summary>An optimizer case with fewer steps, then θ and the gradients toward 0.</summary>
    public static IEnumerable<OptimizerCase> Shrink(OptimizerCase value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Gradients.Length > 1) yield return value with { Gradients = value.Gradients[..^1] };
        foreach (var theta in ShrinkParameters(value.Theta)) yield return value with { Theta = theta };
    }

    /// <summary>The network with neuron <paramref name="neuron"/> of layer <paramref name="layer"/> removed: row of W^[l], entry of b^[l], column of W^[l+1].</summary>
    public static Network<double> DropNeuron(Network<double> network, int layer, int neuron)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (layer < 0 || layer >= network.Layers.Length)
            throw new ArgumentOutOfRangeException(nameof(layer), $"Expected a layer index in [0, {network.Layers.Length - 1}], got {layer}.");
        var current = network.Layers[layer];
        if (current.OutputSize < 2 || neuron < 0 || neuron >= current.OutputSize)
            throw new ArgumentOutOfRangeException(nameof(neuron), $"Expected a neuron index in [0, {current.OutputSize - 1}] of a layer of width 2 or more, got {neuron} of width {current.OutputSize}.");
        int Skip(int index) => index < neuron ? index : index + 1;
        var layers = network.Layers.SetItem(layer, new DenseLayer<double>(
            ImmutableMatrix.Create<double>(current.OutputSize - 1, current.InputSize, (j, k) => current.Weight[Skip(j), k]),
            ImmutableVector.Create([.. Enumerable.Range(0, current.OutputSize - 1).Select(j => current.Bias[Skip(j)])]),
            current.Activation));
        if (layer + 1 < layers.Length)
        {
            var next = layers[layer + 1];
            layers = layers.SetItem(layer + 1, new DenseLayer<double>(
                ImmutableMatrix.Create<double>(next.OutputSize, next.InputSize - 1, (j, k) => next.Weight[j, Skip(k)]), next.Bias, next.Activation));
        }
        return new Network<double>(layers);
    }

    private static ImmutableMatrix<double> Round(ImmutableMatrix<double> matrix, int decimals) => matrix.Map(x => Math.Round(x, decimals));

    private static Parameters<double> Round(Parameters<double> parameters, int decimals) => parameters.Map(x => Math.Round(x, decimals));
}
