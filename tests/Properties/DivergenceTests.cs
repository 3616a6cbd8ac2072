using System.Globalization;

namespace Pure.Properties;

/// <summary>An optimizer defined outside the library (no in-place twin), delegating to another: it makes training take pure steps.</summary>
public sealed record DelegatingOptimizer(Optimizer Inner) : Optimizer
{
    public override OptimizerState<T> Init<T>(Parameters<T> parameters) => Inner.Init(parameters);

    public override OptimizerUpdate<T> Update<T>(Parameters<T> gradient, OptimizerState<T> state, Parameters<T> parameters) =>
        Inner.Update(gradient, state, parameters);
}

/// <summary>Training stops at the first non-finite loss, gradient or parameter with a <see cref="TrainingDivergedException"/>.</summary>
public class DivergenceTests
{
    /// <summary>y = 3 x0 - 2 x1 on 16 points of [-1, 1]^2, and a 2-8-1 tanh/identity network.</summary>
    private static (Network<double> Network, Dataset<double> Data) Regression()
    {
        var inputs = new double[2, 16];
        var targets = new double[1, 16];
        for (int i = 0; i < 16; i++)
        {
            inputs[0, i] = (i % 4 - 1.5) / 1.5;
            inputs[1, i] = (i / 4 - 1.5) / 1.5;
            targets[0, i] = 3 * inputs[0, i] - 2 * inputs[1, i];
        }
        return (Network.Create<double>([2, 8, 1], Activation.Tanh, Activation.Identity, 7),
            new Dataset<double>(ImmutableMatrix.FromArray(inputs), ImmutableMatrix.FromArray(targets)));
    }

    /// <summary>Learning rates that grow the loss for a few steps before it overflows, as in the issue (SGD at 1e6 printed 9 epochs).</summary>
    public static TheoryData<double> GrowingRates => [3, 10, 100];

    [Theory]
    [MemberData(nameof(GrowingRates))]
    public void Sgd_with_a_huge_learning_rate_diverges_naming_epoch_and_step(double learningRate)
    {
        var (network, data) = Regression();
        var yielded = new List<EpochResult<double>>();
        var error = Assert.Throws<TrainingDivergedException>(() =>
        {
            foreach (var result in Training.Epochs(network, Optimizer.Sgd(learningRate), Loss.HalfSquared, data, 4, 1000, 3)) yielded.Add(result);
        });
        // Nothing after the diverged epoch: exactly the epochs before it were yielded, each with finite values.
        Assert.Equal(error.Epoch - 1, yielded.Count);
        Assert.All(yielded, result => Assert.True(double.IsFinite(result.TrainingLoss)));
        Assert.InRange(error.Step, 1, 4);
        Assert.True(error.LastFiniteLoss is double last && double.IsFinite(last), $"LastFiniteLoss {error.LastFiniteLoss}");
        Assert.Contains(error.Quantity, new[] { TrainingDivergedException.Loss, TrainingDivergedException.Gradient, TrainingDivergedException.Parameters });
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"at epoch {error.Epoch}, step {error.Step}"), error.Message);
        Assert.Contains("lower the learning rate or clip the gradients", error.Message);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"last finite loss {error.LastFiniteLoss:G6}"), error.Message);
    }

    [Fact]
    public void Pure_steps_diverge_where_in_place_steps_do()
    {
        // An optimizer from outside the library has no in-place twin, so training takes pure steps; the divergence and
        // every epoch before it must be the same as on the fast path.
        var (network, data) = Regression();
        (List<EpochResult<double>> Epochs, TrainingDivergedException Error) Run(Optimizer optimizer)
        {
            var epochs = new List<EpochResult<double>>();
            var error = Assert.Throws<TrainingDivergedException>(() =>
            {
                foreach (var result in Training.Epochs(network, optimizer, Loss.HalfSquared, data, 4, 1000, 3)) epochs.Add(result);
            });
            return (epochs, error);
        }
        var inPlace = Run(Optimizer.Sgd(10));
        var pure = Run(new DelegatingOptimizer(Optimizer.Sgd(10)));
        Assert.Equal(inPlace.Error.Message, pure.Error.Message);
        Assert.Equal((inPlace.Error.Epoch, inPlace.Error.Step, inPlace.Error.Quantity), (pure.Error.Epoch, pure.Error.Step, pure.Error.Quantity));
        Assert.Equal(inPlace.Epochs.Select(e => e.Network), pure.Epochs.Select(e => e.Network));
        Assert.True(inPlace.Epochs.Count > 0, "the run should diverge after at least one finite epoch");
    }

    [Fact]
    public void Epoch_alone_diverges_with_the_same_outcome()
    {
        var (network, data) = Regression();
        var optimizer = Optimizer.Sgd(10);
        var all = Assert.Throws<TrainingDivergedException>(() => Training.Epochs(network, optimizer, Loss.HalfSquared, data, 4, 1000, 3).ToArray());
        var state = optimizer.Init(network);
        for (int epoch = 1; epoch < all.Epoch; epoch++)
            (network, state) = Training.Epoch(network, state, optimizer, Loss.HalfSquared, data, 4, 3, epoch) is var r ? (r.Network, r.State) : default;
        var alone = Assert.Throws<TrainingDivergedException>(() => Training.Epoch(network, state, optimizer, Loss.HalfSquared, data, 4, 3, all.Epoch));
        Assert.Equal((all.Epoch, all.Step, all.Quantity), (alone.Epoch, alone.Step, alone.Quantity));
        // Epoch alone knows only the losses of its own mini-batches.
        if (all.Step == 1) Assert.Null(alone.LastFiniteLoss);
        else Assert.Equal(all.LastFiniteLoss, alone.LastFiniteLoss);
    }

    [Fact]
    public void Divergence_is_an_arithmetic_failure_not_an_argument_error()
    {
        var (network, data) = Regression();
        var error = Assert.ThrowsAny<Exception>(() => Training.Epochs(network, Optimizer.Sgd(1e300), Loss.HalfSquared, data, 4, 3, 3).ToArray());
        Assert.IsType<TrainingDivergedException>(error);
        Assert.IsNotAssignableFrom<ArgumentException>(error);
        Assert.IsAssignableFrom<ArithmeticException>(error);
    }

    [Fact]
    public void Finite_runs_are_unchanged_by_the_checks()
    {
        // A stable rate trains every epoch, and the epoch results are those of Epoch called one at a time.
        var (network, data) = Regression();
        var optimizer = Optimizer.Sgd(0.05);
        var results = Training.Epochs(network, optimizer, Loss.HalfSquared, data, 4, 20, 3).ToArray();
        Assert.Equal(20, results.Length);
        var state = optimizer.Init(network);
        for (int epoch = 1; epoch <= 20; epoch++)
        {
            var result = Training.Epoch(network, state, optimizer, Loss.HalfSquared, data, 4, 3, epoch);
            Assert.Equal(results[epoch - 1], result);
            (network, state) = (result.Network, result.State);
        }
        Assert.True(results[^1].TrainingLoss < results[0].TrainingLoss, $"loss {results[0].TrainingLoss} -> {results[^1].TrainingLoss}");
    }

    [Fact]
    public void Epoch_numbers_past_int_are_refused()
    {
        var (network, data) = Regression();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Training.Epochs(network, Optimizer.Sgd(0.1), Loss.HalfSquared, data, 4, int.MaxValue, 3, firstEpoch: 2));
        Assert.Equal("epochs", error.ParamName);
        Assert.Contains("2147483647", error.Message);
        // The last epoch number that fits is accepted.
        Assert.Single(Training.Epochs(network, Optimizer.Sgd(0.1), Loss.HalfSquared, data, 4, 1, 3, firstEpoch: int.MaxValue));
    }

    [Fact]
    public void Exception_message_without_a_finite_loss_says_so()
    {
        var error = new TrainingDivergedException(2, 5, TrainingDivergedException.Gradient, null);
        Assert.Equal("Training diverged: the gradient became non-finite at epoch 2, step 5 (no finite loss before it); lower the learning rate or clip the gradients.", error.Message);
    }
}
