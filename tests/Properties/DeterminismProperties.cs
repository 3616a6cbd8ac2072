using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;
using static Pure.Properties.Support.BehaviourGenerators;

namespace Pure.Properties;

/// <summary>Runs alone: <see cref="DeterminismProperties.Training_is_bitwise_identical_for_1_and_2_threads"/> changes a MathNet global.</summary>
[CollectionDefinition(nameof(MathNetGlobals), DisableParallelization = true)]
public sealed class MathNetGlobals;

/// <summary>Seeds determine initial weights, shuffles and therefore whole training runs, bit for bit.</summary>
[Collection(nameof(MathNetGlobals))]
public class DeterminismProperties
{
    private const int EpochCount = 3;

    [Fact]
    public void Same_seed_trains_to_bitwise_identical_network() => Checks.Run(Prop.ForAll(TrainingCases(), t =>
    {
        var first = Train(t, t.Seed);
        var second = Train(t, t.Seed);
        Assert.Equal(EpochCount, first.Length);
        for (int e = 0; e < EpochCount; e++)
        {
            Assert.Equal(e + 1, first[e].Epoch);
            Assert.True(Bits(first[e]).AsSpan().SequenceEqual(Bits(second[e])), $"epoch {e + 1} differs between two runs with the same seed");
        }
        // Another seed gives other initial weights (continuous draws), hence another network.
        var other = Train(t, t.Seed + 1);
        Assert.False(Bits(t.CreateNetwork()).AsSpan().SequenceEqual(Bits(t.CreateNetwork(t.Seed + 1))));
        Assert.False(Bits(first[^1].Network).AsSpan().SequenceEqual(Bits(other[^1].Network)), "seeds s and s + 1 trained to the same network");
    }));

    [Fact]
    public void Any_epoch_reproduces_on_its_own() => Checks.Run(Prop.ForAll(TrainingCases(), t =>
    {
        var initial = t.CreateNetwork();
        var run = Train(t, t.Seed);
        for (int k = 1; k <= EpochCount; k++)
        {
            var network = k == 1 ? initial : run[k - 2].Network;
            var state = k == 1 ? t.Optimizer.Init(initial) : run[k - 2].State;
            var alone = Training.Epoch(network, state, t.Optimizer, t.Loss, t.Training, t.BatchSize, t.Seed, k, t.Validation);
            Assert.True(Bits(run[k - 1]).AsSpan().SequenceEqual(Bits(alone)), $"epoch {k} run alone differs");
            var resumed = Training.Epochs(network, t.Optimizer, t.Loss, t.Training, t.BatchSize, EpochCount - k + 1, t.Seed, t.Validation, state, firstEpoch: k).ToArray();
            Assert.True(Bits(run[(k - 1)..]).AsSpan().SequenceEqual(Bits(resumed)), $"epochs resumed at {k} differ");
        }
    }));

    /// <summary>Architectures, activations, seeds and schemes for <see cref="Network.Create{T}(IReadOnlyList{int}, IReadOnlyList{Activation}, int, Initialization)"/>.</summary>
    private static Arbitrary<(int[] Sizes, Activation[] Activations, int Seed, Initialization Scheme)> Architectures() =>
        (from sizes in Generators.LayerSizes()
         from activations in Gen.ArrayOf(Gen.Elements(Generators.HiddenActivations), sizes.Length - 1)
         from seed in Seed()
         from scheme in Gen.Elements(Initialization.Auto, Initialization.GlorotUniform, Initialization.HeUniform)
         select (sizes, activations, seed, scheme)).ToArbitrary();

    [Fact]
    public void Initialization_is_reproducible_bit_for_bit() => Checks.Run(Prop.ForAll(Architectures(), a =>
    {
        var network = Network.Create<double>(a.Sizes, a.Activations, a.Seed, a.Scheme);
        Assert.Equal(Bits(network), Bits(Network.Create<double>(a.Sizes, a.Activations, a.Seed, a.Scheme)));
        var single = Network.Create<float>(a.Sizes, a.Activations, a.Seed, a.Scheme);
        for (int l = 0; l < network.Layers.Length; l++)
        {
            var layer = network.Layers[l];
            Assert.Equal(a.Activations[l], layer.Activation);
            Assert.Equal((a.Sizes[l + 1], a.Sizes[l]), (layer.Weight.Rows, layer.Weight.Columns));
            // Float weights are the double draws rounded to float.
            Assert.Equal(Bits(ImmutableMatrix.FromColumnMajor<float>(layer.Weight.Rows, layer.Weight.Columns, layer.Weight.ToColumnMajorArray().Select(w => (float)w).ToArray())),
                Bits(single.Layers[l].Weight));
            // Biases start at +0.
            Assert.All(layer.Bias.ToArray(), b => Assert.Equal(0L, BitConverter.DoubleToInt64Bits(b)));
            Assert.All(single.Layers[l].Bias.ToArray(), b => Assert.Equal(0, BitConverter.SingleToInt32Bits(b)));
            // He for (leaky) ReLU under Auto, Glorot otherwise: |w| <= sqrt(6 / fan_in) resp. sqrt(6 / (fan_in + fan_out)).
            double range = Range(a.Scheme, layer.Activation, a.Sizes[l], a.Sizes[l + 1]);
            Assert.All(layer.Weight.ToColumnMajorArray(), w => Assert.True(Math.Abs(w) <= range, $"layer {l}: |{w}| > {range}"));
        }
        // Each layer draws its own stream from (seed, layer): the first draws of different layers differ (scaled by their ranges).
        var firstDraws = network.Layers.Select((layer, l) => layer.Weight[0, 0] / Range(a.Scheme, layer.Activation, a.Sizes[l], a.Sizes[l + 1])).ToArray();
        Assert.Equal(firstDraws.Length, firstDraws.Distinct().Count());
        // ... and does not depend on other layers: changing the last size leaves every earlier layer bitwise equal.
        var wider = (int[])a.Sizes.Clone();
        wider[^1] += 1;
        var widened = Network.Create<double>(wider, a.Activations, a.Seed, a.Scheme);
        for (int l = 0; l < network.Layers.Length - 1; l++) Assert.Equal(Bits(network.Layers[l]), Bits(widened.Layers[l]));
    }));

    [Fact]
    public void Training_is_bitwise_identical_for_1_and_2_threads()
    {
        // Layers of 80 and batches of 96 samples are above MathNet's thresholds for running a product in parallel.
        var network = Network.Create<double>([40, 80, 80, 10], Activation.Relu, Activation.Softmax, seed: 5);
        var inputs = ImmutableMatrix.Create(40, 200, (i, j) => Math.Sin(i * 0.37 + j * 1.3));
        var targets = Metrics.OneHot<double>(Enumerable.Range(0, 200).Select(j => j % 10).ToArray(), 10);
        var data = new Dataset<double>(inputs, targets);
        var optimizer = Optimizer.Adam(0.01);
        byte[] TrainWith(int threads)
        {
            int previous = MathNet.Numerics.Control.MaxDegreeOfParallelism;
            try
            {
                MathNet.Numerics.Control.MaxDegreeOfParallelism = threads;
                return Bits(Training.Epochs(network, optimizer, Loss.CategoricalCrossEntropy, data, 96, 2, seed: 9, validation: data).ToArray());
            }
            finally
            {
                MathNet.Numerics.Control.MaxDegreeOfParallelism = previous;
            }
        }
        var one = TrainWith(1);
        Assert.Equal(one, TrainWith(2));
        Assert.Equal(one, TrainWith(1));
    }

    private static double Range(Initialization scheme, Activation activation, int fanIn, int fanOut)
    {
        bool he = scheme == Initialization.HeUniform || (scheme == Initialization.Auto && activation is ReluActivation or LeakyReluActivation);
        return he ? Math.Sqrt(6.0 / fanIn) : Math.Sqrt(6.0 / (fanIn + fanOut));
    }

    private static EpochResult<double>[] Train(TrainingCase t, int seed) =>
        Training.Epochs(t.CreateNetwork(seed), t.Optimizer, t.Loss, t.Training, t.BatchSize, EpochCount, seed, t.Validation).ToArray();
}
