namespace Pure.Properties;

/// <summary>The small fixture of the guard tests: a 2-2-1 network (tanh, identity) and a batch of m = 3 samples.</summary>
internal static class SmallNetwork
{
    /// <summary>A 2-2-1 network, tanh then identity, from seed 4.</summary>
    public static readonly Network<double> Net = Network.Create<double>([2, 2, 1], Activation.Tanh, Activation.Identity, seed: 4);

    /// <summary>Inputs, 2 x 3.</summary>
    public static readonly ImmutableMatrix<double> X = ImmutableMatrix.Create(2, 3, (i, j) => 0.25 * i - 0.5 * j);

    /// <summary>Targets, 1 x 3.</summary>
    public static readonly ImmutableMatrix<double> Y = ImmutableMatrix.Create(1, 3, (_, j) => 0.1 * j);
}
