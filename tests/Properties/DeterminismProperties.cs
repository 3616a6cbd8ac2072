using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;
using Pure.Testing;
using static Pure.Properties.Support.BehaviourGenerators;

namespace Pure.Properties;

/// <summary>
/// Runs alone: <see cref="DeterminismProperties.Training_is_bitwise_identical_for_1_and_2_threads"/> and
/// <see cref="GemmDeterminismProperties"/> change process-wide thread limits (MathNet's MaxDegreeOfParallelism and
/// <see cref="Gemm{T}.MaxThreads"/>), and restore them.
/// </summary>
[CollectionDefinition(nameof(MathNetGlobals), DisableParallelization = true)]
public sealed class MathNetGlobals;

/// <summary>Seeds determine initial weights, shuffles and therefore whole training runs, bit for bit.</summary>
[Collection(nameof(MathNetGlobals))]
public class DeterminismProperties
{
    private const int EpochCount = 3;

    [PureProperty]
    public Property Same_seed_trains_to_bitwise_identical_network() => SameSeedTrainsToBitwiseIdenticalNetwork<double>();

    /// <summary>In float: the same run on the float GEMM, with the data rounded to float and float initial weights.</summary>
    [PureProperty]
    public Property Same_seed_trains_to_bitwise_identical_network_in_float() => SameSeedTrainsToBitwiseIdenticalNetwork<float>();

    private static Property SameSeedTrainsToBitwiseIdenticalNetwork<T>() where T : unmanaged, IFloatingPointIeee754<T> => Prop.ForAll(TrainingCases(), t =>
    {
        var first = Train<T>(t, t.Seed);
        var second = Train<T>(t, t.Seed);
        Assert.Equal(EpochCount, first.Length);
        for (int e = 0; e < EpochCount; e++)
        {
            Assert.Equal(e + 1, first[e].Epoch);
            Assert.True(Bits(first[e]).AsSpan().SequenceEqual(Bits(second[e])), $"epoch {e + 1} differs between two runs with the same seed");
        }
        // Another seed gives other initial weights (continuous draws), hence another network.
        var other = Train<T>(t, t.Seed + 1);
        Assert.False(Bits(t.CreateNetwork<T>()).AsSpan().SequenceEqual(Bits(t.CreateNetwork<T>(t.Seed + 1))));
        Assert.False(Bits(first[^1].Network).AsSpan().SequenceEqual(Bits(other[^1].Network)), "seeds s and s + 1 trained to the same network");
    });

    [PureProperty]
    public Property Any_epoch_reproduces_on_its_own() => AnyEpochReproducesOnItsOwn<double>();

    [PureProperty]
    public Property Any_epoch_reproduces_on_its_own_in_float() => AnyEpochReproducesOnItsOwn<float>();

    private static Property AnyEpochReproducesOnItsOwn<T>() where T : unmanaged, IFloatingPointIeee754<T> => Prop.ForAll(TrainingCases(), t =>
    {
        var initial = t.CreateNetwork<T>();
        var (training, validation) = (t.TrainingAs<T>(), t.ValidationAs<T>());
        var run = Train<T>(t, t.Seed);
        for (int k = 1; k <= EpochCount; k++)
        {
            var network = k == 1 ? initial : run[k - 2].Network;
            var state = k == 1 ? t.Optimizer.Init(initial) : run[k - 2].State;
            var alone = Training.Epoch(network, state, t.Optimizer, t.Loss, training, t.BatchSize, t.Seed, k, validation);
            Assert.True(Bits(run[k - 1]).AsSpan().SequenceEqual(Bits(alone)), $"epoch {k} run alone differs");
            var resumed = Training.Epochs(network, t.Optimizer, t.Loss, training, t.BatchSize, EpochCount - k + 1, t.Seed, validation, state, firstEpoch: k).ToArray();
            Assert.True(Bits(run[(k - 1)..]).AsSpan().SequenceEqual(Bits(resumed)), $"epochs resumed at {k} differ");
        }
    });

    /// <summary>Architectures, activations, seeds and schemes for <see cref="Network.Create{T}(IReadOnlyList{int}, IReadOnlyList{Activation}, int, Initialization)"/>.</summary>
    private static Arbitrary<(int[] Sizes, Activation[] Activations, int Seed, Initialization Scheme)> Architectures() =>
        (from sizes in Generators.LayerSizes()
         from activations in Gen.ArrayOf(Gen.Elements(Generators.HiddenActivations.ToArray()), sizes.Length - 1)
         from seed in Seed()
         from scheme in Gen.Elements(Initialization.Auto, Initialization.GlorotUniform, Initialization.HeUniform)
         select (sizes, activations, seed, scheme)).ToArbitrary();

    [PureProperty]
    public Property Initialization_is_reproducible_bit_for_bit() => Prop.ForAll(Architectures(), a =>
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
    });

    [Fact]
    public void Training_is_bitwise_identical_for_1_and_2_threads() => TrainingIsIdenticalForThreadCounts<double>();

    [Fact]
    public void Training_is_bitwise_identical_for_1_and_2_threads_in_float() => TrainingIsIdenticalForThreadCounts<float>();

    private static void TrainingIsIdenticalForThreadCounts<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        // A hidden layer of 1,400 and batches of 96 samples: Z^[1] = W^[1] X and ∇W^[1] take 2 · 1400 · 64 · 96 flops, at
        // least Gemm.SerialWork, so those products are split across threads (smaller ones run on the calling thread).
        const int inputSize = 64, hidden = 1400, batch = 96;
        Assert.True(2L * hidden * inputSize * batch >= Gemm<T>.SerialWork, "the first layer's products must be large enough to be threaded");
        var network = Network.Create<T>([inputSize, hidden, 64, 10], Activation.Relu, Activation.Softmax, seed: 5);
        var inputs = ImmutableMatrix.Create(inputSize, 200, (i, j) => Math.Sin(i * 0.37 + j * 1.3)).As<T>();
        var targets = Metrics.OneHot<T>(Enumerable.Range(0, 200).Select(j => j % 10).ToArray(), 10);
        var data = new Dataset<T>(inputs, targets);
        var optimizer = Optimizer.Adam(0.01);
        byte[] TrainWith(int threads)
        {
            int previous = MathNet.Numerics.Control.MaxDegreeOfParallelism;
            int previousGemm = Gemm<T>.MaxThreads;
            try
            {
                MathNet.Numerics.Control.MaxDegreeOfParallelism = threads;
                Gemm<T>.MaxThreads = threads;
                return Bits(Training.Epochs(network, optimizer, Loss.CategoricalCrossEntropy, data, batch, 2, seed: 9, validation: data).ToArray());
            }
            finally
            {
                MathNet.Numerics.Control.MaxDegreeOfParallelism = previous;
                Gemm<T>.MaxThreads = previousGemm;
            }
        }
        var one = TrainWith(1);
        Assert.Equal(one, TrainWith(2));
        Assert.Equal(one, TrainWith(3));
        Assert.Equal(one, TrainWith(1));
    }

    private static double Range(Initialization scheme, Activation activation, int fanIn, int fanOut)
    {
        bool he = scheme == Initialization.HeUniform || (scheme == Initialization.Auto && activation is ReluActivation or LeakyReluActivation);
        return he ? Math.Sqrt(6.0 / fanIn) : Math.Sqrt(6.0 / (fanIn + fanOut));
    }

    private static EpochResult<T>[] Train<T>(TrainingCase t, int seed) where T : unmanaged, IFloatingPointIeee754<T> =>
        Training.Epochs(t.CreateNetwork<T>(seed), t.Optimizer, t.Loss, t.TrainingAs<T>(), t.BatchSize, EpochCount, seed, t.ValidationAs<T>()).ToArray();
}
