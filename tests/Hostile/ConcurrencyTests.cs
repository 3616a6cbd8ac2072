using System.Collections.Immutable;

namespace Pure.Hostile.Tests;

/// <summary>One network shared by 8 threads: Backprop.Gradient and Training.Epochs give, bit for bit, what one thread gives.</summary>
public sealed class ConcurrencyTests
{
    [Fact]
    public async Task Shared_network_gives_bit_identical_results_on_8_threads()
    {
        var network = Network.Create<double>([6, 16, 3], Activation.Tanh, Activation.Softmax, seed: 4);
        var inputs = ImmutableMatrix.Create<double>(6, 40, (i, j) => Math.Sin(3 * i + j));
        var targets = Metrics.OneHot<double>([.. Enumerable.Range(0, 40).Select(j => j % 3)], 3);
        var data = new Dataset<double>(inputs, targets);
        (ImmutableArray<double> Gradient, ImmutableArray<double> Trained) Work()
        {
            var gradient = Backprop.Gradient(network, inputs, targets, Loss.CategoricalCrossEntropy);
            var trained = Training.Epochs(network, Optimizer.Adam(0.01), Loss.CategoricalCrossEntropy, data, batchSize: 8, epochs: 3, seed: 2).Last().Network;
            return (gradient.Gradient.Flatten(), Flatten(trained.Layers.Select(l => (l.Weight, l.Bias))));
        }
        var alone = Work();
        using var start = new Barrier(8);
        var results = Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(() => { start.SignalAndWait(); return Work(); }, TaskCreationOptions.LongRunning)).ToArray();
        foreach (var (gradient, trained) in await Task.WhenAll(results))
        {
            Assert.Equal(Bits(alone.Gradient), Bits(gradient));
            Assert.Equal(Bits(alone.Trained), Bits(trained));
        }
    }

    private static ImmutableArray<double> Flatten(IEnumerable<(ImmutableMatrix<double> Weight, ImmutableVector<double> Bias)> layers) =>
        [.. layers.SelectMany(l => Enumerable.Range(0, l.Weight.Rows).SelectMany(i => Enumerable.Range(0, l.Weight.Columns).Select(j => l.Weight[i, j]))
            .Concat(Enumerable.Range(0, l.Bias.Length).Select(i => l.Bias[i])))];

    private static long[] Bits(ImmutableArray<double> values) => [.. values.Select(BitConverter.DoubleToInt64Bits)];
}
