using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;
using static Pure.Properties.Support.BehaviourGenerators;

namespace Pure.Properties;

/// <summary>
/// The training loop runs its steps in place on private buffers. These properties pin that it is only an
/// optimisation: every epoch equals, bit for bit, the pure loop of <see cref="Backprop.Gradient{T}"/> and
/// <see cref="Backprop.Step{T}"/> over the same batches, in both dtypes and for every optimizer option, and it fails
/// with the same exception where the pure loop fails.
/// </summary>
public class InPlaceTrainingProperties
{
    private const int EpochCount = 3;

    /// <summary>The pure loop by hand: per epoch, the network, the state and the mean training loss; or the exception it threw.</summary>
    private static (List<(Network<T> Network, OptimizerState<T> State, T Loss)> Epochs, Exception? Error) PureLoop<T>(
        Network<T> network, Optimizer optimizer, Loss loss, Dataset<T> data, int batchSize, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var epochs = new List<(Network<T>, OptimizerState<T>, T)>();
        var state = optimizer.Init(network);
        int m = data.Count, size = Math.Min(batchSize, m);
        try
        {
            for (int epoch = 1; epoch <= EpochCount; epoch++)
            {
                var order = Training.ShuffledOrder(m, seed, epoch);
                T sum = T.Zero;
                for (int start = 0; start < m; start += size)
                {
                    int length = Math.Min(size, m - start);
                    var batch = data.Select(order.AsSpan(start, length));
                    var gradients = Backprop.Gradient(network, batch.Inputs, batch.Targets, loss);
                    sum += gradients.Loss * T.CreateChecked(length);
                    var step = Backprop.Step(optimizer, state, network, gradients);
                    (network, state) = (step.Network, step.State);
                }
                epochs.Add((network, state, sum / T.CreateChecked(m)));
            }
            return (epochs, null);
        }
        catch (ArgumentException error)
        {
            return (epochs, error);
        }
    }

    /// <summary>Training.Epochs against the pure loop; a failure message, or null when they agree bit for bit.</summary>
    private static string? Compare<T>(Network<T> network, Optimizer optimizer, Loss loss, Dataset<T> data, int batchSize, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (expected, expectedError) = PureLoop(network, optimizer, loss, data, batchSize, seed);
        var actual = new List<EpochResult<T>>();
        Exception? actualError = null;
        try
        {
            foreach (var result in Training.Epochs(network, optimizer, loss, data, batchSize, EpochCount, seed)) actual.Add(result);
        }
        catch (ArgumentException error)
        {
            actualError = error;
        }
        if (expected.Count != actual.Count) return $"pure loop ran {expected.Count} epochs, training ran {actual.Count}";
        for (int e = 0; e < expected.Count; e++)
        {
            if (!Bits(expected[e].Network, expected[e].State).AsSpan().SequenceEqual(Bits(actual[e].Network, actual[e].State)))
                return $"epoch {e + 1}: network or optimizer state differs";
            if (!Bits(expected[e].Loss).AsSpan().SequenceEqual(Bits(actual[e].TrainingLoss)))
                return $"epoch {e + 1}: training loss {actual[e].TrainingLoss} differs from {expected[e].Loss}";
        }
        if (expectedError?.Message != actualError?.Message || (expectedError as ArgumentException)?.ParamName != (actualError as ArgumentException)?.ParamName)
            return $"pure loop threw '{expectedError?.Message}', training threw '{actualError?.Message}'";
        return null;
    }

    private static Arbitrary<(TrainingCase Case, int Optimizer)> Cases() =>
        (from t in TrainingCase() from optimizer in Gen.Choose(0, StepOptimizers.Length - 1) select (t, optimizer)).ToArbitrary();

    [PureProperty(MaxTest = 100)]
    public Property In_place_epochs_equal_pure_steps_bit_for_bit_in_double() => Prop.ForAll(Cases(), c =>
    {
        var (t, index) = c;
        string? failure = Compare(t.CreateNetwork(), StepOptimizers[index].Optimizer, t.Loss, t.Training, t.BatchSize, t.Seed);
        return (failure is null).Label($"{StepOptimizers[index].Name}: {failure}");
    });

    [PureProperty(MaxTest = 100)]
    public Property In_place_epochs_equal_pure_steps_bit_for_bit_in_float() => Prop.ForAll(Cases(), c =>
    {
        var (t, index) = c;
        var network = Network.Create<float>(t.Sizes, t.Activations, t.Seed);
        string? failure = Compare(network, StepOptimizers[index].Optimizer, t.Loss, t.TrainingAs<float>(), t.BatchSize, t.Seed);
        return (failure is null).Label($"{StepOptimizers[index].Name}: {failure}");
    });

    [PureProperty(MaxTest = 100)]
    public Property Overflowing_step_fails_as_the_pure_step_does() => Prop.ForAll(TrainingCases(), t =>
    {
        // A learning rate of 1e300 sends the parameters to infinity on the first step (or the one after, where a
        // gradient happens to vanish); both loops must stop with the same message naming the optimizer.
        var optimizer = Optimizer.Sgd(1e300);
        string? failure = Compare(t.CreateNetwork(), optimizer, t.Loss, t.Training, t.BatchSize, t.Seed);
        return (failure is null).Label(failure ?? "");
    });

    [Fact]
    public void Overflow_fails_naming_the_optimizer()
    {
        // Targets of 100 make the gradient of the output weights exceed 2 in size, so a rate of 1e308 overflows at once.
        var network = Network.Create<double>([2, 3, 1], Activation.Tanh, Activation.Identity, 5);
        var data = new Dataset<double>(
            ImmutableMatrix.FromRows<double>([[1, -1, 0.5], [0.25, 2, -1]]), ImmutableMatrix.FromRows<double>([[100, 100, 100]]));
        var error = Assert.Throws<ArgumentException>(() => Training.Epochs(network, Optimizer.Sgd(1e308), Loss.HalfSquared, data, 3, 1, 0).ToArray());
        Assert.Equal("optimizer", error.ParamName);
        Assert.Contains("overflowed to NaN or infinity", error.Message);
    }

    [PureProperty(MaxTest = 100)]
    public Property Training_leaves_its_inputs_untouched() => Prop.ForAll(Cases(), c =>
    {
        var (t, index) = c;
        var network = t.CreateNetwork();
        var optimizer = StepOptimizers[index].Optimizer;
        var state = optimizer.Init(network);
        var before = Bits(network, state, t.Training);
        try
        {
            _ = Training.Epochs(network, optimizer, t.Loss, t.Training, t.BatchSize, 2, t.Seed, state: state).ToArray();
            _ = Training.Epoch(network, state, optimizer, t.Loss, t.Training, t.BatchSize, t.Seed, 1);
        }
        catch (ArgumentException)
        {
            // Divergence is allowed here; only the inputs matter.
        }
        return before.AsSpan().SequenceEqual(Bits(network, state, t.Training));
    });
}
