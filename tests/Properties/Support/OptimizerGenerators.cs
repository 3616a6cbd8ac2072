using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;

namespace Pure.Properties.Support;

/// <summary>Parameters θ, a sequence of gradients g_1..g_k shaped like them, and hyper-parameters.</summary>
public sealed record OptimizerCase(Parameters<double> Theta, Parameters<double>[] Gradients, double LearningRate, double Momentum, double WeightDecay)
{
    /// <summary>Readable in FsCheck's failure report.</summary>
    public override string ToString() =>
        $"η={LearningRate} μ={Momentum} λ={WeightDecay} steps={Gradients.Length}\nθ=[{string.Join(", ", Theta.Flatten())}]\n" +
        string.Join("\n", Gradients.Select((g, t) => $"g{t + 1}=[{string.Join(", ", g.Flatten())}]"));
}

/// <summary>Generators for the optimizer and matrix tests.</summary>
public static class OptimizerGenerators
{
    /// <summary>Layer shapes (rows, columns) for 1 to 3 layers of 1 to 4 x 1 to 4.</summary>
    public static Gen<(int Rows, int Columns)[]> Shapes() =>
        from layers in Gen.Choose(1, 3)
        from shapes in Gen.ArrayOf(Gen.Zip(Gen.Choose(1, 4), Gen.Choose(1, 4)), layers)
        select shapes;

    /// <summary>Parameters of the given layer shapes with values in [-bound, bound].</summary>
    public static Gen<Parameters<double>> Parameters((int Rows, int Columns)[] shapes, double bound = 2) =>
        from layers in Gen.CollectToArray(shapes, shape =>
            from weight in Generators.Matrix(shape.Rows, shape.Columns, bound)
            from bias in Gen.ArrayOf(Generators.Value(bound), shape.Rows)
            select new LayerParameters<double>(weight, ImmutableVector.Create(bias)))
        select new Parameters<double>(layers.ToImmutableArray());

    /// <summary>
    /// θ and 1 to 5 gradients, η in [0.001, 1], μ in [0, 0.99] (or (0, 0.99] when <paramref name="positiveMomentum"/>),
    /// λ in [0, 0.5].
    /// </summary>
    public static Gen<OptimizerCase> Case(bool positiveMomentum = false) =>
        from shapes in Shapes()
        from theta in Parameters(shapes)
        from steps in Gen.Choose(1, 5)
        from gradients in Gen.ArrayOf(Parameters(shapes), steps)
        from learningRate in Gen.Choose(1, 1000).Select(i => i / 1000.0)
        from momentum in Gen.Choose(positiveMomentum ? 1 : 0, 99).Select(i => i / 100.0)
        from weightDecay in Gen.Choose(0, 500).Select(i => i / 1000.0)
        select new OptimizerCase(theta, gradients, learningRate, momentum, weightDecay);

    /// <summary>Shrinks a case by dropping gradient steps from the end.</summary>
    public static IEnumerable<OptimizerCase> Shrink(OptimizerCase value)
    {
        if (value.Gradients.Length > 1) yield return value with { Gradients = value.Gradients[..^1] };
    }

    /// <summary>The arbitrary of <see cref="Case"/> with shrinking.</summary>
    public static Arbitrary<OptimizerCase> Cases(bool positiveMomentum = false) => Arb.From(Case(positiveMomentum), Shrink);

    /// <summary>Matrix dimensions: 1 to 16 with extra weight on 1 and the primes 2, 3, 5, 7, 11, 13.</summary>
    public static Gen<int> Dimension() =>
        Gen.OneOf(Gen.Elements(1, 2, 3, 5, 7, 11, 13), Gen.Choose(1, 16));

    /// <summary>A rows x columns float matrix of values in [-2, 2].</summary>
    public static Gen<ImmutableMatrix<float>> FloatMatrix(int rows, int columns) =>
        Gen.ArrayOf(Gen.Choose(-2000, 2000).Select(i => i / 1000f), rows * columns)
            .Select(values => ImmutableMatrix.FromColumnMajor<float>(rows, columns, values));
}
