using Pure.Properties.Support;
using static Pure.Properties.Support.BehaviourGenerators;

namespace Pure.Properties;

/// <summary>
/// Whole training runs on a network large enough that the products run on several threads: the result is bitwise
/// the same for one and two threads, and equal to the pure loop.
/// </summary>
[Collection(nameof(MathNetGlobals))]
public class ThreadCountProperties
{
    // 64-1024-64-10: the 1024 x 64 products at batch 128 reach Gemm.SerialWork (2^24 flops), the threaded product's threshold.
    private static readonly int[] Sizes = [64, 1024, 64, 10];

    [Fact]
    public void The_network_is_big_enough_for_threaded_products()
    {
        Assert.True(2L * Sizes[1] * Sizes[0] * 128 >= Gemm<double>.SerialWork);
        Assert.True(2L * Sizes[1] * Sizes[0] * 128 >= Gemm<float>.SerialWork);
    }

    private static Dataset<T> Data<T>(int samples, int seed) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        var labels = Enumerable.Range(0, samples).Select(_ => random.Next(10)).ToArray();
        var inputs = ImmutableMatrix.Create(64, samples, (_, _) => T.CreateChecked(random.NextDouble() * 2 - 1));
        return new Dataset<T>(inputs, Metrics.OneHot<T>(labels, 10));
    }

    private static EpochResult<T>[] Train<T>(Optimizer optimizer, int threads) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int previous = Gemm<T>.MaxThreads;
        try
        {
            Gemm<T>.MaxThreads = threads;
            var network = Network.Create<T>(Sizes, Activation.Relu, Activation.Softmax, 11);
            return Training.Epochs(network, optimizer, Loss.CategoricalCrossEntropy, Data<T>(150, 3), 128, 2, 5).ToArray();
        }
        finally
        {
            Gemm<T>.MaxThreads = previous;
        }
    }

    public static TheoryData<int> Optimizers() => [.. Enumerable.Range(0, StepOptimizers.Length)];

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Training_is_bitwise_the_same_on_one_and_two_threads(int optimizer)
    {
        var one = Train<double>(StepOptimizers[optimizer].Optimizer, 1);
        var two = Train<double>(StepOptimizers[optimizer].Optimizer, 2);
        Assert.True(Bits(one).AsSpan().SequenceEqual(Bits(two)), StepOptimizers[optimizer].Name);
        var oneFloat = Train<float>(StepOptimizers[optimizer].Optimizer, 1);
        var twoFloat = Train<float>(StepOptimizers[optimizer].Optimizer, 2);
        Assert.True(Bits(oneFloat).AsSpan().SequenceEqual(Bits(twoFloat)), StepOptimizers[optimizer].Name);
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Threaded_training_equals_the_pure_loop(int optimizer)
    {
        var chosen = StepOptimizers[optimizer].Optimizer;
        var data = Data<double>(150, 3);
        var network = Network.Create<double>(Sizes, Activation.Relu, Activation.Softmax, 11);
        var state = chosen.Init(network);
        var run = Train<double>(chosen, 2);
        for (int epoch = 1; epoch <= 2; epoch++)
        {
            var order = Training.ShuffledOrder(data.Count, 5, epoch);
            for (int start = 0; start < data.Count; start += 128)
            {
                var batch = data.Select(order.AsSpan(start, Math.Min(128, data.Count - start)));
                var step = Backprop.Step(chosen, state, network, Backprop.Gradient(network, batch.Inputs, batch.Targets, Loss.CategoricalCrossEntropy));
                (network, state) = (step.Network, step.State);
            }
            Assert.True(Bits(network, state).AsSpan().SequenceEqual(Bits(run[epoch - 1].Network, run[epoch - 1].State)), $"{StepOptimizers[optimizer].Name}, epoch {epoch}");
        }
    }
}
