using System.Collections.Immutable;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using FsCheck;
using FsCheck.Fluent;

using Pure.Testing;

namespace Pure.Properties.Support;

/// <summary>A network architecture from <see cref="Network.Create{T}(IReadOnlyList{int}, IReadOnlyList{Activation}, int, Initialization)"/>, data, and training settings.</summary>
public sealed record TrainingCase(
    int[] Sizes, Activation[] Activations, Loss Loss, Dataset<double> Training, Dataset<double> Validation, int BatchSize, int Seed, int OptimizerIndex)
{
    /// <summary>The initial network, drawn from <paramref name="seed"/> (by default <see cref="Seed"/>).</summary>
    public Network<double> CreateNetwork(int? seed = null) => Network.Create<double>(Sizes, Activations, seed ?? Seed);

    /// <summary>The initial network in T, drawn from <paramref name="seed"/> (by default <see cref="Seed"/>).</summary>
    public Network<T> CreateNetwork<T>(int? seed = null) where T : unmanaged, IFloatingPointIeee754<T> => Network.Create<T>(Sizes, Activations, seed ?? Seed);

    /// <summary>The training set with every value rounded to T.</summary>
    public Dataset<T> TrainingAs<T>() where T : unmanaged, IFloatingPointIeee754<T> => new(Training.Inputs.As<T>(), Training.Targets.As<T>());

    /// <summary>The validation set with every value rounded to T.</summary>
    public Dataset<T> ValidationAs<T>() where T : unmanaged, IFloatingPointIeee754<T> => new(Validation.Inputs.As<T>(), Validation.Targets.As<T>());

    /// <summary>The optimizer of this case.</summary>
    public Optimizer Optimizer => BehaviourGenerators.TrainingOptimizers[OptimizerIndex].Optimizer;

    /// <summary>Readable in FsCheck's failure report.</summary>
    public override string ToString() =>
        $"sizes={string.Join("-", Sizes)} activations={string.Join(",", Activations.Select(a => a.Name))} loss={Loss.Name} " +
        $"m={Training.Count} batch={BatchSize} seed={Seed} optimizer={BehaviourGenerators.TrainingOptimizers[OptimizerIndex].Name}\n" +
        $"X={Training.Inputs}\nY={Training.Targets}";
}

/// <summary>Generators, optimizers and bitwise snapshots for the shape, purity, determinism, training and bad-input tests.</summary>
public static class BehaviourGenerators
{
    /// <summary>Optimizers for whole training runs; all clip the gradient so that random problems stay finite.</summary>
    public static readonly (string Name, Optimizer Optimizer)[] TrainingOptimizers =
    [
        ("sgd, decay 0.01, clip 1", Optimizer.Sgd(0.05, weightDecay: 0.01, maxGradientNorm: 1)),
        ("momentum 0.9, decay 0.01, clip 1", Optimizer.Sgd(0.05, momentum: 0.9, weightDecay: 0.01, maxGradientNorm: 1)),
        ("nesterov 0.9, decay 0.01, clip 1", Optimizer.Sgd(0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01, maxGradientNorm: 1)),
        ("adam, decay 0.01, clip 1", Optimizer.Adam(0.01, weightDecay: 0.01, maxGradientNorm: 1)),
    ];

    /// <summary>Optimizers for single steps: plain and with every option.</summary>
    public static readonly (string Name, Optimizer Optimizer)[] StepOptimizers =
    [
        ("sgd", Optimizer.Sgd(0.05)),
        ("momentum 0.9", Optimizer.Sgd(0.05, momentum: 0.9)),
        ("nesterov 0.9", Optimizer.Sgd(0.05, momentum: 0.9, nesterov: true)),
        ("adam", Optimizer.Adam(0.01)),
        ("sgd, decay 0.01", Optimizer.Sgd(0.05, weightDecay: 0.01)),
        ("momentum 0.9, decay 0.01", Optimizer.Sgd(0.05, momentum: 0.9, weightDecay: 0.01)),
        ("nesterov 0.9, decay 0.01", Optimizer.Sgd(0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01)),
        ("adam, decay 0.01", Optimizer.Adam(0.01, weightDecay: 0.01)),
        .. TrainingOptimizers,
    ];

    /// <summary>A seed, negative or positive.</summary>
    public static Gen<int> Seed() => Gen.Choose(-1_000_000_000, 1_000_000_000);

    /// <summary>Random architecture and pairing, a training set of 1 to 16 samples, a validation set, batch size 1 to 18, seed and optimizer.</summary>
    public static Gen<TrainingCase> TrainingCase() =>
        from sizes in Generators.LayerSizes()
        from hidden in Gen.ArrayOf(Gen.Elements(Generators.HiddenActivations.ToArray()), sizes.Length - 2)
        from pairing in Gen.Elements(Generators.OutputPairings.ToArray())
        from m in Gen.Choose(1, 16)
        from x in Generators.Matrix(sizes[0], m, 3)
        from y in Generators.Target(pairing.Loss, sizes[^1], m)
        from validationCount in Gen.Choose(1, 6)
        from validationX in Generators.Matrix(sizes[0], validationCount, 3)
        from validationY in Generators.Target(pairing.Loss, sizes[^1], validationCount)
        from batch in Gen.Choose(1, 18)
        from seed in Seed()
        from optimizer in Gen.Choose(0, TrainingOptimizers.Length - 1)
        select new TrainingCase(sizes, [.. hidden, pairing.Output], pairing.Loss,
            new Dataset<double>(x, y), new Dataset<double>(validationX, validationY), batch, seed, optimizer);

    /// <summary>Shrinks a training case by dropping training samples (the last half, then the last one).</summary>
    public static IEnumerable<TrainingCase> ShrinkTraining(TrainingCase value)
    {
        int m = value.Training.Count;
        if (m > 1)
        {
            yield return value with { Training = value.Training.Select(Enumerable.Range(0, m / 2).ToArray()) };
            yield return value with { Training = value.Training.Select(Enumerable.Range(0, m - 1).ToArray()) };
        }
    }

    /// <summary>The arbitrary of <see cref="TrainingCase()"/> with shrinking.</summary>
    public static Arbitrary<TrainingCase> TrainingCases() => Arb.From(TrainingCase(), ShrinkTraining);

    /// <summary>An independent deep copy of a matrix, built through the public factories.</summary>
    public static ImmutableMatrix<T> Copy<T>(ImmutableMatrix<T> matrix) where T : unmanaged, IFloatingPointIeee754<T> =>
        ImmutableMatrix.FromColumnMajor<T>(matrix.Rows, matrix.Columns, matrix.ToColumnMajorArray());

    /// <summary>An independent deep copy of a network: new matrices, vectors, activation instances, layers and array.</summary>
    public static Network<T> Copy<T>(Network<T> network) where T : unmanaged, IFloatingPointIeee754<T> =>
        new(network.Layers.Select(layer => new DenseLayer<T>(
            Copy(layer.Weight), ImmutableVector.Create(layer.Bias.ToArray()), layer.Activation with { })).ToImmutableArray());

    /// <summary>A separately built copy of gradients.</summary>
    public static Gradients<T> Copy<T>(Gradients<T> gradients) where T : unmanaged, IFloatingPointIeee754<T> =>
        new(gradients.Gradient.Unflatten(gradients.Gradient.Flatten().ToArray()), gradients.Loss);

    /// <summary>
    /// A deep snapshot of a value: its structure, shapes and the raw bits of every number, in a fixed order. Two
    /// snapshots are equal exactly when the values are bitwise equal (unlike ==, which equates 0 and -0).
    /// </summary>
    public static byte[] Bits(params object?[] values)
    {
        var bytes = new List<byte>();
        foreach (var value in values) Add(bytes, value);
        return [.. bytes];
    }

    private static void Add(List<byte> bytes, object? value)
    {
        switch (value)
        {
            case null: Tag(bytes, "null"); return;
            case double d: Raw<double>(bytes, [d]); return;
            case float f: Raw<float>(bytes, [f]); return;
            case int i: Raw<int>(bytes, [i]); return;
            case long l: Raw<long>(bytes, [l]); return;
            case string s: Tag(bytes, s); return;
            case Activation a: Tag(bytes, a.ToString()); return;
            case Loss l: Tag(bytes, l.Name); return;
            case Optimizer o: Tag(bytes, o.ToString()); return;
        }
        if (AddTyped<double>(bytes, value) || AddTyped<float>(bytes, value)) return;
        if (value is System.Collections.IEnumerable items)
        {
            Tag(bytes, "items");
            foreach (var item in items) Add(bytes, item);
            Tag(bytes, "end");
            return;
        }
        throw new ArgumentException($"No bitwise snapshot for {value.GetType()}.", nameof(value));
    }

    /// <summary>The library's values of element type T; false when <paramref name="value"/> is none of them.</summary>
    private static bool AddTyped<T>(List<byte> bytes, object value) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (value)
        {
            case ImmutableMatrix<T> m: Add(bytes, m.Rows); Add(bytes, m.Columns); Raw(bytes, m.AsSpan()); break;
            case ImmutableVector<T> v: Add(bytes, v.Length); Raw(bytes, v.AsSpan()); break;
            case DenseLayer<T> layer: Add(bytes, layer.Weight); Add(bytes, layer.Bias); Add(bytes, layer.Activation); break;
            case Network<T> n: Tag(bytes, "network"); Items(bytes, n.Layers); break;
            case LayerParameters<T> p: Add(bytes, p.Weight); Add(bytes, p.Bias); break;
            case Parameters<T> p: Tag(bytes, "parameters"); Items(bytes, p.Layers); break;
            case ForwardTrace<T> t: Tag(bytes, "trace"); Add(bytes, t.Input); Items(bytes, t.PreActivations); Items(bytes, t.Activations); break;
            case Gradients<T> g: Tag(bytes, "gradients"); Add(bytes, g.Gradient); Raw<T>(bytes, [g.Loss]); break;
            case EmptyState<T>: Tag(bytes, "empty"); break;
            case MomentumState<T> s: Tag(bytes, "momentum"); Add(bytes, s.Velocity); break;
            case AdamState<T> s: Tag(bytes, "adam"); Add(bytes, s.Count); Add(bytes, s.FirstMoment); Add(bytes, s.SecondMoment); break;
            case ChainState<T> s: Tag(bytes, "chain"); Items(bytes, s.States); break;
            case OptimizerState<T> s: Tag(bytes, s.ToString()!); break;
            case StepResult<T> r: Tag(bytes, "step"); Add(bytes, r.Network); Add(bytes, r.State); break;
            case EpochResult<T> r:
                Tag(bytes, "epoch");
                Add(bytes, r.Epoch); Add(bytes, r.Network); Add(bytes, r.State); Raw<T>(bytes, [r.TrainingLoss]);
                if (r.ValidationLoss is { } validationLoss) Raw<T>(bytes, [validationLoss]); else Tag(bytes, "null");
                Add(bytes, r.ValidationAccuracy);
                break;
            case Dataset<T> d: Add(bytes, d.Inputs); Add(bytes, d.Targets); break;
            default: return false;
        }
        return true;
    }

    private static void Items<TItem>(List<byte> bytes, ImmutableArray<TItem> items)
    {
        Add(bytes, items.Length);
        foreach (var item in items) Add(bytes, item);
    }

    private static void Tag(List<byte> bytes, string text)
    {
        Add(bytes, text.Length);
        bytes.AddRange(Encoding.UTF8.GetBytes(text));
    }

    private static void Raw<T>(List<byte> bytes, ReadOnlySpan<T> values) where T : unmanaged => bytes.AddRange(MemoryMarshal.AsBytes(values).ToArray());
}
