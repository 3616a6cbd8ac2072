using System.Numerics;
using Pure.Properties.Support;
using static Pure.Properties.Support.BehaviourGenerators;

namespace Pure.Properties;

/// <summary>A transform of one's own: u = -η g / (1 + t), keeping t and the last gradient.</summary>
public sealed record DampedScale(double Rate) : Optimizer
{
    public override OptimizerState<T> Init<T>(Parameters<T> parameters) => new DampedState<T>(0, parameters.ZerosLike());

    public override OptimizerUpdate<T> Update<T>(Parameters<T> gradient, OptimizerState<T> state, Parameters<T> parameters)
    {
        var damped = (DampedState<T>)state;
        var factor = T.CreateChecked(-Rate / (1 + damped.Count));
        return new OptimizerUpdate<T>(gradient.Scale(factor), new DampedState<T>(damped.Count + 1, gradient));
    }
}

/// <summary>The state of <see cref="DampedScale"/>.</summary>
public sealed record DampedState<T>(long Count, Parameters<T> Last) : OptimizerState<T> where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>The checkpoint kind of <see cref="DampedState{T}"/>.</summary>
public sealed class DampedStateKind() : StateKind("damped", typeof(DampedState<>))
{
    public override StateFields<T> Fields<T>(OptimizerState<T> state)
    {
        var damped = (DampedState<T>)state;
        return new(new Dictionary<string, double> { ["count"] = damped.Count }, new Dictionary<string, Parameters<T>> { ["last"] = damped.Last });
    }

    public override OptimizerState<T> Create<T>(StateFields<T> fields, OptimizerState<T> initial) =>
        new DampedState<T>((long)fields.Numbers["count"], fields.Parameters["last"]);
}

/// <summary>A schedule of one's own: η_t = η0 · 0.5^(t / h).</summary>
public sealed record HalvingSchedule(double Start, double HalfLife) : Schedule
{
    public override double ValueAt(long step) => Start * Math.Pow(0.5, step / HalfLife);
}

/// <summary>Checkpoints of transforms, states and schedules defined outside Pure: refused with how to register, and round trips once registered.</summary>
public class CustomCheckpointTests
{
    private static readonly CheckpointKinds Kinds = CheckpointKinds.Default
        .With(TransformKind.Create<DampedScale>("damped_scale", t => new Dictionary<string, double> { ["rate"] = t.Rate }, f => new DampedScale(f["rate"])))
        .With(new DampedStateKind())
        .With(ScheduleKind.Create<HalvingSchedule>("halving", s => new Dictionary<string, double> { ["start"] = s.Start, ["half_life"] = s.HalfLife },
            f => new HalvingSchedule(f["start"], f["half_life"])));

    private static readonly Optimizer Custom = Optimizer.Chain(Optimizer.ClipByGlobalNorm(1), new DampedScale(0.1), Optimizer.ScaleBySchedule(new HalvingSchedule(1, 3)));

    private static readonly Dataset<double> Data = new(
        ImmutableMatrix.Create(2, 12, (i, j) => Math.Cos(i + 2.0 * j)), ImmutableMatrix.Create(1, 12, (_, j) => Math.Sin(j)));

    private static IEnumerable<EpochResult<double>> Run(int epochs, OptimizerState<double>? state = null, Network<double>? network = null, int first = 1) =>
        Training.Epochs(network ?? Network.Create<double>([2, 4, 1], Activation.Tanh, Activation.Identity, seed: 3), Custom, Loss.HalfSquared, Data, 5, epochs, 11, state: state, firstEpoch: first);

    [Fact]
    public void A_registered_transform_state_and_schedule_round_trip_and_resume_bit_for_bit()
    {
        using var folder = new TemporaryFolder();
        var straight = Run(4).Last();
        var half = Run(2).Last();
        var checkpoint = new Checkpoint<double>(new Model<double>(half.Network, Loss.HalfSquared), Custom, half.State, 2, 11, 5);
        string path = folder.File("c.json");
        CheckpointFile.Save(checkpoint, path, Kinds);
        var loaded = CheckpointFile.Load<double>(path, kinds: Kinds);
        Assert.Equal(Custom, loaded.Optimizer);
        Assert.Equal(Bits(half.Network, half.State), Bits(loaded.Model.Network, loaded.State));
        var resumed = Run(2, loaded.State, loaded.Model.Network, 3).Last();
        Assert.Equal(Bits(straight.Network, straight.State), Bits(resumed.Network, resumed.State));

        var error = Assert.Throws<InvalidDataException>(() => CheckpointFile.Load<double>(path));
        Assert.Contains("$.optimizer.transforms[1].kind: unknown transform \"damped_scale\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("CheckpointFile.Load<T>(path, kinds: kinds)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unregistered_kinds_are_refused_with_how_to_register_them()
    {
        using var folder = new TemporaryFolder();
        var network = Network.Create<double>([2, 4, 1], Activation.Tanh, Activation.Identity, seed: 3);
        var model = new Model<double>(network, Loss.HalfSquared);
        void Refused(CheckpointKinds? kinds, Optimizer optimizer, string expected)
        {
            var error = Assert.Throws<ArgumentException>(() => CheckpointFile.Save(new Checkpoint<double>(model, optimizer, optimizer.Init(network), 1, 1, 1), folder.File("c.json"), kinds));
            Assert.Equal("checkpoint", error.ParamName);
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
            Assert.Contains("and pass kinds to CheckpointFile.Save(checkpoint, path, kinds) and CheckpointFile.Load<T>(path, kinds: kinds)", error.Message, StringComparison.Ordinal);
        }
        Refused(null, Custom, "Cannot save the optimizer DampedScale: no checkpoint kind is registered for it (Pure's own transforms are in CheckpointKinds.Default). " +
            "To save it, register a kind: var kinds = CheckpointKinds.Default.With(TransformKind.Create<DampedScale>(name, fields, create))");
        Refused(null, Optimizer.Sgd(new HalvingSchedule(1, 2)), "Cannot save the schedule HalvingSchedule: no checkpoint kind is registered for it (Pure's own schedules are in CheckpointKinds.Default). " +
            "To save it, register a kind: var kinds = CheckpointKinds.Default.With(ScheduleKind.Create<HalvingSchedule>(name, fields, create))");
        var transformOnly = CheckpointKinds.Default.With(TransformKind.Create<DampedScale>("damped_scale", t => new Dictionary<string, double> { ["rate"] = t.Rate }, f => new DampedScale(f["rate"])));
        Refused(transformOnly, new DampedScale(0.1), "Cannot save the optimizer state DampedState: no checkpoint kind is registered for it");
        Refused(transformOnly, new DampedScale(0.1), "StateKind");
        Assert.Empty(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void A_registry_is_a_value_that_refuses_a_second_kind_of_the_same_name_or_type()
    {
        var error = Assert.Throws<ArgumentException>(() => Kinds.With(ScheduleKind.Create<HalvingSchedule>("other", _ => new Dictionary<string, double>(), _ => new HalvingSchedule(1, 1))));
        Assert.Contains("already registered", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => CheckpointKinds.Default.With(TransformKind.Create<DampedScale>("chain", _ => new Dictionary<string, double>(), _ => new DampedScale(1))));
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => TransformKind.Create<DampedScale>("no spaces", _ => new Dictionary<string, double>(), _ => new DampedScale(1))).ParamName);
        Assert.Equal("stateType", Assert.Throws<ArgumentException>(() => new BadStateKind()).ParamName);
    }

    private sealed class BadStateKind() : StateKind("bad", typeof(string))
    {
        public override StateFields<T> Fields<T>(OptimizerState<T> state) => throw new InvalidOperationException();

        public override OptimizerState<T> Create<T>(StateFields<T> fields, OptimizerState<T> initial) => throw new InvalidOperationException();
    }
}
