using System.Collections.Immutable;

namespace Pure.Properties;

/// <summary>
/// Tests written to kill the mutants that Stryker.NET left alive in src/Pure/Optimizers/Optimizer.cs
/// (docs/verification.md): each removed guard, each emptied message and each flipped condition below changes the
/// exception type, its ParamName or its message, or the result.
/// </summary>
public class OptimizerGuardTests
{
    private static readonly Parameters<double> Theta = Network.Create<double>([2, 2, 1], Activation.Tanh, Activation.Identity, seed: 4).Parameters;
    private static readonly Parameters<double> OtherShape = Network.Create<double>([2, 3, 1], Activation.Tanh, Activation.Identity, seed: 4).Parameters;

    private static void RejectsNull(string parameter, Action call)
    {
        var error = Assert.Throws<ArgumentNullException>(call);
        Assert.Equal(parameter, error.ParamName);
    }

    private static void RejectsState(string expectedText, Action call)
    {
        var error = Assert.Throws<ArgumentException>(call);
        Assert.Equal("state", error.ParamName);
        Assert.Contains(expectedText, error.Message, StringComparison.Ordinal);
    }

    private static void RejectsOutOfRange(string parameter, Action call)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(call);
        Assert.Equal(parameter, error.ParamName);
        Assert.Contains($"Expected {parameter}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Init_of_a_null_network_names_network()
    {
        RejectsNull("network", () => Optimizer.Sgd(0.1).Init((Network<double>)null!));
    }

    [Fact]
    public void Sgd_and_Adam_check_the_learning_rate_before_the_other_arguments()
    {
        RejectsOutOfRange("learningRate", () => Optimizer.Sgd(-1, momentum: 2));
        RejectsOutOfRange("learningRate", () => Optimizer.Adam(0, beta1: 2));
        RejectsOutOfRange("learningRate", () => Optimizer.Adam(double.NaN, weightDecay: -1));
    }

    [Fact]
    public void Chain_rejects_a_null_array_and_names_the_null_transform()
    {
        RejectsNull("transforms", () => Optimizer.Chain(null!));
        var error = Assert.Throws<ArgumentNullException>(() => Optimizer.Chain(Optimizer.ScaleByLearningRate(1), null!));
        Assert.Equal("transforms", error.ParamName);
        Assert.Contains("Transform 1 is null.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Chain_rejects_a_state_of_another_type_or_length_in_Update_and_in_CreateInPlace()
    {
        var chain = (ChainOptimizer)Optimizer.Chain(Optimizer.ScaleByLearningRate(1), Optimizer.AddDecayedWeights(0.5));
        var empty = new EmptyState<double>();
        RejectsState("Expected a ChainState for a chain, got EmptyState.", () => chain.Update(Theta, empty, Theta));
        RejectsState("Expected a ChainState for a chain, got EmptyState.", () => chain.CreateInPlace(empty, Theta));
        RejectsState("Expected a ChainState for a chain, got null.", () => chain.Update(Theta, null!, Theta));
        var shortState = new ChainState<double>([empty]);
        RejectsState("Expected a chain state of 2 states, got 1.", () => chain.Update(Theta, shortState, Theta));
        RejectsState("Expected a chain state of 2 states, got 1.", () => chain.CreateInPlace(shortState, Theta));
    }

    [Fact]
    public void A_chain_of_library_transforms_has_an_in_place_twin()
    {
        var sgd = Optimizer.Sgd(0.1, momentum: 0.9, weightDecay: 0.01, maxGradientNorm: 1);
        Assert.NotNull(sgd.CreateInPlace(sgd.Init(Theta), Theta));
        var adam = Optimizer.Adam(0.1);
        Assert.NotNull(adam.CreateInPlace(adam.Init(Theta), Theta));
    }

    [Fact]
    public void Chains_are_equal_by_their_transforms()
    {
        var chain = Optimizer.Chain(Optimizer.ScaleByLearningRate(1), Optimizer.ScaleByMomentum(0.5));
        Assert.True(chain.Equals(Optimizer.Chain(Optimizer.ScaleByLearningRate(1), Optimizer.ScaleByMomentum(0.5))));
        Assert.False(chain.Equals(Optimizer.Chain(Optimizer.ScaleByLearningRate(1), Optimizer.ScaleByMomentum(0.25))));
        Assert.False(((ChainOptimizer)chain).Equals(null));
    }

    [Fact]
    public void Every_transform_rejects_a_null_gradient()
    {
        foreach (var transform in new[] { Optimizer.ScaleByLearningRate(1), Optimizer.ScaleByMomentum(0.5), Optimizer.ScaleByAdam(), Optimizer.AddDecayedWeights(0.5), Optimizer.ClipByGlobalNorm(1) })
            RejectsNull("gradient", () => transform.Update(null!, transform.Init(Theta), Theta));
    }

    [Fact]
    public void Momentum_and_Adam_reject_null_parameters_in_Init()
    {
        RejectsNull("parameters", () => Optimizer.ScaleByMomentum(0.5).Init((Parameters<double>)null!));
        RejectsNull("parameters", () => Optimizer.ScaleByAdam().Init((Parameters<double>)null!));
    }

    [Theory]
    [InlineData("learning-rate", "the learning-rate scaling")]
    [InlineData("momentum", "momentum")]
    [InlineData("adam", "Adam")]
    [InlineData("decay", "weight decay")]
    [InlineData("clip", "clipping")]
    public void Every_transform_rejects_a_state_of_another_type_naming_itself_in_Update_and_in_CreateInPlace(string which, string name)
    {
        Optimizer transform = which switch
        {
            "learning-rate" => Optimizer.ScaleByLearningRate(1),
            "momentum" => Optimizer.ScaleByMomentum(0.5),
            "adam" => Optimizer.ScaleByAdam(),
            "decay" => Optimizer.AddDecayedWeights(0.5),
            _ => Optimizer.ClipByGlobalNorm(1),
        };
        var wrong = new ChainState<double>(ImmutableArray<OptimizerState<double>>.Empty);
        RejectsState($" for {name}, got ChainState.", () => transform.Update(Theta, wrong, Theta));
        RejectsState($" for {name}, got ChainState.", () => transform.CreateInPlace(wrong, Theta));
    }

    [Fact]
    public void Momentum_rejects_a_velocity_of_another_shape_in_CreateInPlace()
    {
        var momentum = Optimizer.ScaleByMomentum(0.5);
        RejectsState(" of state to have", () => momentum.CreateInPlace(new MomentumState<double>(OtherShape), Theta));
    }

    [Fact]
    public void Adam_rejects_either_moment_of_another_shape_naming_state()
    {
        var adam = Optimizer.ScaleByAdam();
        var badFirst = new AdamState<double>(0, OtherShape, Theta.ZerosLike());
        var badSecond = new AdamState<double>(0, Theta.ZerosLike(), OtherShape);
        RejectsState(" of state to have", () => adam.Update(Theta, badFirst, Theta));
        RejectsState(" of state to have", () => adam.Update(Theta, badSecond, Theta));
        RejectsState(" of state to have", () => adam.CreateInPlace(badFirst, Theta));
        RejectsState(" of state to have", () => adam.CreateInPlace(badSecond, Theta));
    }

    [Fact]
    public void An_Adam_state_count_lies_in_0_to_2_to_the_53_minus_1_in_the_constructor_and_in_a_with_expression()
    {
        var zeros = Theta.ZerosLike();
        const long Max = (1L << 53) - 1;
        Assert.Equal(Max, AdamState<double>.MaxCount);
        Assert.Equal(0, new AdamState<double>(0, zeros, zeros).Count);
        Assert.Equal(Max, new AdamState<double>(Max, zeros, zeros).Count);
        Assert.Equal(Max, (new AdamState<double>(3, zeros, zeros) with { Count = Max }).Count);
        foreach (long bad in new[] { -1, Max + 1, long.MinValue, long.MaxValue })
        {
            foreach (var call in new Action[] { () => _ = new AdamState<double>(bad, zeros, zeros), () => _ = new AdamState<double>(0, zeros, zeros) with { Count = bad } })
            {
                var error = Assert.Throws<ArgumentOutOfRangeException>(call);
                Assert.Equal("Count", error.ParamName);
                Assert.Equal(bad, error.ActualValue);
                Assert.Contains($"Expected an Adam step count in [0, {Max}] (2^53 - 1), got {bad}.", error.Message, StringComparison.Ordinal);
            }
        }
    }
}
