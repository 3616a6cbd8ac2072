using System.Numerics;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;
using static Pure.Properties.Support.BehaviourGenerators;

namespace Pure.Properties;

/// <summary>Checkpoints: training 2n epochs equals training n, saving, loading and training n more, bit for bit; and refusals.</summary>
public class CheckpointTests
{
    /// <summary>SGD with clipping only (random problems diverge without it), plain Adam, a nested chain, and the training optimizers with momentum, Nesterov, weight decay and clipping.</summary>
    private static readonly Optimizer[] Optimizers =
        [Optimizer.Sgd(0.05, maxGradientNorm: 1), Optimizer.Adam(0.01), .. TrainingOptimizers.Select(entry => entry.Optimizer), Optimizer.Chain(Optimizer.Chain(Optimizer.ScaleByAdam(0.8, 0.9, 1e-6)), Optimizer.ScaleByLearningRate(0.1))];

    [PureProperty(MaxTest = 60)]
    public Property Resuming_from_a_checkpoint_equals_training_straight_through_in_double() => ResumeEqualsStraight<double>();

    [PureProperty(MaxTest = 60)]
    public Property Resuming_from_a_checkpoint_equals_training_straight_through_in_float() => ResumeEqualsStraight<float>();

    private static Property ResumeEqualsStraight<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
        Prop.ForAll(TrainingCases(), Arb.From(Gen.Choose(1, 3)), Arb.From(Gen.Choose(0, Optimizers.Length - 1)), (c, n, o) =>
        {
            using var folder = new TemporaryFolder();
            var optimizer = Optimizers[o];
            var training = c.TrainingAs<T>();
            var straight = Training.Epochs(c.CreateNetwork<T>(), optimizer, c.Loss, training, c.BatchSize, 2 * n, c.Seed).Last();

            var half = Training.Epochs(c.CreateNetwork<T>(), optimizer, c.Loss, training, c.BatchSize, n, c.Seed).Last();
            string path = folder.File("run.checkpoint.json");
            var checkpoint = new Checkpoint<T>(new Model<T>(half.Network, c.Loss), optimizer, half.State, n, c.Seed, c.BatchSize);
            CheckpointFile.Save(checkpoint, path);
            var loaded = CheckpointFile.Load<T>(path);
            Assert.Equal(checkpoint, loaded);
            Assert.Equal(Bits(half.Network, half.State), Bits(loaded.Model.Network, loaded.State));

            var resumed = Training.Epochs(loaded.Model.Network, loaded.Optimizer, loaded.Model.Loss, training, loaded.BatchSize, n, loaded.Seed,
                state: loaded.State, firstEpoch: loaded.Epoch + 1).Last();
            Assert.Equal(2 * n, resumed.Epoch);
            Assert.Equal(Bits(straight.Network, straight.State), Bits(resumed.Network, resumed.State));
        });

    [Fact]
    public void Save_refuses_an_optimizer_or_state_from_outside_the_library()
    {
        using var folder = new TemporaryFolder();
        var model = new Model<double>(Network.Create<double>([2, 2], [Activation.Identity], 1), Loss.Squared);
        var outside = new OutsideOptimizer();
        var error = Assert.Throws<ArgumentException>(() => CheckpointFile.Save(new Checkpoint<double>(model, Optimizer.Chain(outside), new EmptyState<double>(), 1, 1, 1), folder.File("c.json")));
        Assert.Equal("checkpoint", error.ParamName);
        Assert.Contains("Cannot save the optimizer OutsideOptimizer", error.Message);

        var sgd = Optimizer.Sgd(0.1, momentum: 0.5);
        var adamState = Optimizer.Adam().Init(model.Network);
        error = Assert.Throws<ArgumentException>(() => CheckpointFile.Save(new Checkpoint<double>(model, sgd, adamState, 1, 1, 1), folder.File("c.json")));
        Assert.Contains("Expected the checkpoint's State.States[0] to be a MomentumState", error.Message);
        Assert.Empty(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void Checkpoint_refuses_negative_epochs_and_batch_sizes()
    {
        var model = new Model<double>(Network.Create<double>([2, 2], [Activation.Identity], 1), Loss.Squared);
        var state = Optimizer.Sgd(0.1).Init(model.Network);
        Assert.Equal("Epoch", Assert.Throws<ArgumentOutOfRangeException>(() => new Checkpoint<double>(model, Optimizer.Sgd(0.1), state, -1, 1, 1)).ParamName);
        Assert.Equal("BatchSize", Assert.Throws<ArgumentOutOfRangeException>(() => new Checkpoint<double>(model, Optimizer.Sgd(0.1), state, 1, 1, 0)).ParamName);
    }

    public static TheoryData<string, string, string> Mutations => new()
    {
        { "format", "$.format", "expected \"pure-checkpoint\", got \"pure-model\"" },
        { "newer version", "$.version", "newer version of Pure" },
        { "negative epoch", "$.epoch", "expected an integer in [0, 2147483646], got -1" },
        { "zero batch", "$.batch_size", "expected an integer in [1, 2147483647], got 0" },
        { "seed too large", "$.seed", "expected an integer in [-2147483648, 2147483647], got 3000000000" },
        { "model weight", "$.model.layers[0].weight[0][0]", "expected a number, got the string \"x\"" },
        { "model dtype", "$.model.dtype", "expected \"float64\" to load as Double, got \"float32\"" },
        { "unknown transform", "$.optimizer.transforms[1].kind", "unknown transform \"lion\"" },
        { "bad learning rate", "$.optimizer.transforms[2]", "invalid scale_by_learning_rate transform" },
        { "transform property", "$.optimizer.transforms[1].dampening", "unknown property 'dampening'" },
        { "state kind", "$.state.states[1].kind", "expected \"momentum\" (the state of the saved optimizer), got \"adam\"" },
        { "state count", "$.state.states", "expected an array of length 3, got length 2" },
        { "velocity shape", "$.state.states[1].velocity[0].weight[1]", "expected an array of length 2, got length 1" },
        { "velocity layers", "$.state.states[1].velocity", "expected an array of length 1, got length 2" },
        { "velocity overflow", "$.state.states[1].velocity[0].bias[0]", "expected a finite double, got 1e999" },
        { "empty state property", "$.state.states[0].velocity", "unknown property 'velocity'" },
    };

    [Theory]
    [MemberData(nameof(Mutations))]
    public void Load_refuses_a_bad_checkpoint_naming_the_file_and_path(string mutation, string path, string expected)
    {
        using var folder = new TemporaryFolder();
        string file = folder.File("bad checkpoint.json");
        var model = new Model<double>(Network.Create<double>([2, 2], [Activation.Identity], 1), Loss.Squared);
        var optimizer = Optimizer.Sgd(0.1, momentum: 0.5, weightDecay: 0.01);
        var state = optimizer.Init(model.Network);
        CheckpointFile.Save(new Checkpoint<double>(model, optimizer, state, 3, 42, 8), file);
        Assert.Equal(3, CheckpointFile.Load<double>(file).Epoch);
        var json = JsonNode.Parse(File.ReadAllText(file))!;
        var transforms = json["optimizer"]!["transforms"]!.AsArray();
        var states = json["state"]!["states"]!.AsArray();
        switch (mutation)
        {
            case "format": json["format"] = "pure-model"; break;
            case "newer version": json["version"] = 7; break;
            case "negative epoch": json["epoch"] = -1; break;
            case "zero batch": json["batch_size"] = 0; break;
            case "seed too large": json["seed"] = 3_000_000_000; break;
            case "model weight": json["model"]!["layers"]![0]!["weight"]![0]![0] = "x"; break;
            case "model dtype": json["model"]!["dtype"] = "float32"; break;
            case "unknown transform": transforms[1]!["kind"] = "lion"; break;
            case "bad learning rate": transforms[2]!["learning_rate"] = -0.1; break;
            case "transform property": transforms[1]!["dampening"] = 0.0; break;
            case "state kind": states[1]!["kind"] = "adam"; break;
            case "state count": states.RemoveAt(2); break;
            case "velocity shape": states[1]!["velocity"]![0]!["weight"]![1]!.AsArray().RemoveAt(0); break;
            case "velocity layers": states[1]!["velocity"]!.AsArray().Add(states[1]!["velocity"]![0]!.DeepClone()); break;
            case "velocity overflow": File.WriteAllText(file, File.ReadAllText(file)); json = null; break;
            case "empty state property": states[0]!["velocity"] = new JsonArray(); break;
            default: throw new ArgumentException(mutation, nameof(mutation));
        }
        string text = json?.ToJsonString() ?? ReplaceFirstBias(File.ReadAllText(file));
        File.WriteAllText(file, text);
        var error = Assert.Throws<InvalidDataException>(() => CheckpointFile.Load<double>(file));
        Assert.StartsWith($"{file}: {path}: ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    /// <summary>Replaces the velocity's first bias value (0, in the last "bias" array in the file) with 1e999.</summary>
    private static string ReplaceFirstBias(string text)
    {
        int bias = text.LastIndexOf("\"bias\": [0", StringComparison.Ordinal) + "\"bias\": [".Length;
        return text[..bias] + "1e999" + text[(bias + 1)..];
    }

    /// <summary>An optimizer defined outside the library: plain SGD.</summary>
    private sealed record OutsideOptimizer : Optimizer
    {
        public override OptimizerState<T> Init<T>(Parameters<T> parameters) => new EmptyState<T>();

        public override OptimizerUpdate<T> Update<T>(Parameters<T> gradient, OptimizerState<T> state, Parameters<T> parameters) =>
            new(gradient.Scale(-T.CreateChecked(0.1)), state);
    }
}
