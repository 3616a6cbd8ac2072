using System.Collections.Immutable;
using System.Numerics;
using static Pure.Properties.Support.BehaviourGenerators;

namespace Pure.Properties;

/// <summary>
/// The two paths by which θ is updated, held bit for bit to each other for every transform and the chains built from
/// them: the pure <see cref="Optimizer.Update{T}"/> followed by <see cref="Parameters{T}.Add"/>, and the training loop's
/// in-place twin, both as its general path (each leaf's kernel over a stretch of a segment, then θ += u:
/// <see cref="InPlaceTransform{T}.TransformAndAdd"/>, in stages where clipping needs its whole input) and, for the
/// common chains, as the fused pass (<see cref="FusedUpdate{T}"/>). Segments of 1, 3, 7, 17 and more elements, cut into
/// stretches at several offsets, reach the scalar tails after the SIMD loops, in float and in double.
/// </summary>
public class OptimizerPathProperties
{
    // Layer sizes whose segments (W^[1], b^[1], W^[2], b^[2]) have lengths 1, 1, 7, 7; 3, 3, 3, 1; 51, 17, 17, 1; 6, 3, 21, 7.
    private static readonly int[][] Shapes = [[1, 1, 7], [1, 3, 1], [3, 17, 1], [2, 3, 7]];

    // The lengths of the stretches a segment is cut into (the training loop uses 2,048 and the tiles of ∇W).
    private static readonly int[] StretchLengths = [1, 5, 16, 2048];

    /// <summary>Every transform alone, the library's chains, and chains in orders the library never builds.</summary>
    private static readonly (string Name, Optimizer Optimizer)[] Optimizers =
    [
        ("scale_by_learning_rate", Optimizer.ScaleByLearningRate(0.3)),
        ("scale_by_momentum", Optimizer.ScaleByMomentum(0.9)),
        ("scale_by_momentum, nesterov", Optimizer.ScaleByMomentum(0.9, nesterov: true)),
        ("scale_by_adam", Optimizer.ScaleByAdam(0.8, 0.95, 1e-3)),
        ("add_decayed_weights", Optimizer.AddDecayedWeights(0.25)),
        ("clip_by_global_norm", Optimizer.ClipByGlobalNorm(0.5)),
        ("empty chain", Optimizer.Chain()),
        .. StepOptimizers,
        ("sgd, clip", Optimizer.Sgd(0.1, maxGradientNorm: 0.5)),
        ("adam, decay, clip", Optimizer.Adam(0.1, weightDecay: 0.1, maxGradientNorm: 0.5)),
        ("decay, scale", Optimizer.Chain(Optimizer.AddDecayedWeights(0.1), Optimizer.ScaleByLearningRate(0.2))),
        ("momentum, decay, scale", Optimizer.Chain(Optimizer.ScaleByMomentum(0.5), Optimizer.AddDecayedWeights(0.1), Optimizer.ScaleByLearningRate(0.2))),
        ("decay, clip, nesterov, scale", Optimizer.Chain(Optimizer.AddDecayedWeights(0.1), Optimizer.ClipByGlobalNorm(0.5), Optimizer.ScaleByMomentum(0.9, true), Optimizer.ScaleByLearningRate(0.2))),
        ("adam, clip, clip", Optimizer.Chain(Optimizer.ScaleByAdam(), Optimizer.ClipByGlobalNorm(0.5), Optimizer.ClipByGlobalNorm(0.25))),
        ("nested chains", Optimizer.Chain(Optimizer.Chain(Optimizer.AddDecayedWeights(0.1), Optimizer.ScaleByAdam()), Optimizer.Chain(Optimizer.ScaleByLearningRate(0.2)))),
        ("scale_by_schedule", Optimizer.ScaleBySchedule(Schedule.WarmupCosineDecay(0.1, 0.3, 1, 4))),
        ("scale_by_plateau", Optimizer.ScaleByPlateau(new ReduceOnPlateau())),
        ("sgd, momentum, exponential schedule", Optimizer.Sgd(Schedule.Exponential(0.1, 1, 0.5), momentum: 0.9)),
        ("adam, decay, one-cycle schedule", Optimizer.Adam(Schedule.OneCycle(4, 0.1), weightDecay: 0.1)),
        ("sgd, inverse scaling, plateau", Optimizer.Sgd(Schedule.InverseScaling(0.1), plateau: new ReduceOnPlateau())),
    ];

    private static Parameters<T> RandomLike<T>(Parameters<T> shape, Random random, double scale) where T : unmanaged, IFloatingPointIeee754<T> =>
        shape.Unflatten([.. Enumerable.Range(0, shape.Count).Select(_ => T.CreateChecked(scale * (2 * random.NextDouble() - 1)))]);

    /// <summary>One step of the general in-place path on θ (as segments): stages cut where a leaf needs its whole input, each segment in stretches.</summary>
    private static bool GeneralStep<T>(InPlaceTransform<T>[] leaves, T[][] gradient, T[][] theta, int stretch) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int[] stages = [0, .. Enumerable.Range(1, Math.Max(0, leaves.Length - 1)).Where(t => leaves[t].NeedsWholeInput)];
        foreach (var leaf in leaves)
            if (!leaf.NeedsWholeInput) leaf.Prepare(gradient);
        var source = gradient;
        bool finite = true;
        for (int stage = 0; stage < stages.Length; stage++)
        {
            int begin = stages[stage], end = stage + 1 < stages.Length ? stages[stage + 1] : leaves.Length;
            bool last = stage == stages.Length - 1;
            if (begin < end && leaves[begin].NeedsWholeInput) leaves[begin].Prepare(source);
            var output = source.Select(segment => new T[segment.Length]).ToArray();
            for (int s = 0; s < theta.Length; s++)
                for (int offset = 0; offset < theta[s].Length; offset += stretch)
                {
                    int length = Math.Min(stretch, theta[s].Length - offset);
                    finite &= InPlaceTransform<T>.TransformAndAdd(leaves, begin, end, s, offset, source[s].AsSpan(offset, length),
                        output[s].AsSpan(offset, length), theta[s].AsSpan(offset, length), add: last);
                }
            source = output;
        }
        return finite;
    }

    /// <summary>One step of the fused pass on θ (as segments), each segment in stretches.</summary>
    private static bool FusedStep<T>(InPlaceTransform<T>[] leaves, FusedUpdate<T> fused, T[][] gradient, T[][] theta, int stretch) where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var leaf in leaves) leaf.Prepare(gradient);
        bool finite = true;
        for (int s = 0; s < theta.Length; s++)
            for (int offset = 0; offset < theta[s].Length; offset += stretch)
            {
                int length = Math.Min(stretch, theta[s].Length - offset);
                finite &= fused.Apply(s, offset, gradient[s].AsSpan(offset, length), theta[s].AsSpan(offset, length));
            }
        return finite;
    }

    /// <summary>Three steps by each path from the same θ and state with the same gradients; returns how many (optimizer, shape, stretch) runs took the fused pass.</summary>
    private static int PathsAgree<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        int fusedRuns = 0;
        foreach (var (name, optimizer) in Optimizers)
            foreach (var sizes in Shapes)
                foreach (int stretch in StretchLengths)
                {
                    var random = new Random(sizes.Sum() * 31 + stretch);
                    var start = Network.Create<T>(sizes, Activation.Tanh, Activation.Identity, seed: 3).Parameters;
                    var pureTheta = start;
                    var pureState = optimizer.Init(start);
                    var general = optimizer.CreateInPlace(pureState, start)!;
                    var fusedTwin = optimizer.CreateInPlace(pureState, start)!;
                    InPlaceTransform<T>[] generalLeaves = [.. general.Leaves], fusedLeaves = [.. fusedTwin.Leaves];
                    var fused = FusedUpdate<T>.TryCreate(fusedLeaves);
                    if (fused is not null) fusedRuns++;
                    var generalTheta = InPlaceTransform<T>.Segments(start);
                    var fusedTheta = InPlaceTransform<T>.Segments(start);
                    string where = $"{name} on {string.Join("-", sizes)} in stretches of {stretch}";
                    for (int step = 1; step <= 3; step++)
                    {
                        var gradient = RandomLike(start, random, scale: step);
                        var update = optimizer.Update(gradient, pureState, pureTheta);
                        (pureTheta, pureState) = (pureTheta.Add(update.Updates), update.State);
                        var expected = Bits(pureTheta, pureState);

                        Assert.True(GeneralStep(generalLeaves, InPlaceTransform<T>.Segments(gradient), generalTheta, stretch));
                        Assert.True(expected.AsSpan().SequenceEqual(Bits(InPlaceTransform<T>.ToParameters(generalTheta, start), general.ToState(start))),
                            $"general path: θ or state differs after step {step} of {where}");
                        if (fused is null) continue;
                        Assert.True(FusedStep(fusedLeaves, fused, InPlaceTransform<T>.Segments(gradient), fusedTheta, stretch));
                        Assert.True(expected.AsSpan().SequenceEqual(Bits(InPlaceTransform<T>.ToParameters(fusedTheta, start), fusedTwin.ToState(start))),
                            $"fused path: θ or state differs after step {step} of {where}");
                    }
                }
        return fusedRuns;
    }

    [Fact]
    public void Pure_general_and_fused_paths_agree_bit_for_bit_for_every_transform_in_float()
    {
        // 14 of the optimizers above are chains the fused pass covers (three with a schedule); the rest take the general path only.
        Assert.Equal(14 * Shapes.Length * StretchLengths.Length, PathsAgree<float>());
    }

    [Fact]
    public void Pure_general_and_fused_paths_agree_bit_for_bit_for_every_transform_in_double()
    {
        Assert.Equal(14 * Shapes.Length * StretchLengths.Length, PathsAgree<double>());
    }

    /// <summary>The pure update of one transform is its twin's kernel on fresh arrays: the arguments are untouched and the result shares no storage with them.</summary>
    [Fact]
    public void Pure_update_leaves_its_arguments_untouched()
    {
        var theta = Network.Create<double>([3, 17, 1], Activation.Tanh, Activation.Identity, seed: 5).Parameters;
        var gradient = RandomLike(theta, new Random(2), 1);
        foreach (var (name, optimizer) in Optimizers)
        {
            var state = optimizer.Update(gradient, optimizer.Init(theta), theta).State;
            var before = Bits(gradient, state, theta);
            var first = optimizer.Update(gradient, state, theta);
            var second = optimizer.Update(gradient, state, theta);
            Assert.True(before.AsSpan().SequenceEqual(Bits(gradient, state, theta)), $"{name} changed an argument");
            Assert.True(Bits(first.Updates, first.State).AsSpan().SequenceEqual(Bits(second.Updates, second.State)), $"{name} is not deterministic");
        }
    }

    [Fact]
    public void Weight_decay_names_parameters_of_another_shape()
    {
        var theta = Network.Create<double>([2, 2, 1], Activation.Tanh, Activation.Identity, seed: 4).Parameters;
        var other = Network.Create<double>([2, 3, 1], Activation.Tanh, Activation.Identity, seed: 4).Parameters;
        var decay = Optimizer.AddDecayedWeights(0.5);
        var error = Assert.Throws<ArgumentException>(() => decay.Update(theta, decay.Init(theta), other));
        Assert.Equal("parameters", error.ParamName);
        Assert.Contains("Expected layer 0 of parameters to have a 2 x 2 weight", error.Message, StringComparison.Ordinal);
        Assert.Equal("parameters", Assert.Throws<ArgumentNullException>(() => decay.Update(theta, decay.Init(theta), null!)).ParamName);
    }
}
