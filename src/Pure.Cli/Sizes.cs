using System.Collections.Immutable;

namespace Pure.Cli;

/// <summary>Checks of sizes a command line asks for, made in 64-bit arithmetic before anything is allocated.</summary>
internal static class Sizes
{
    /// <summary>
    /// Throws <see cref="UsageException"/> naming --layers unless a network of <paramref name="sizes"/> (inputs, hidden
    /// layers, classes) fits a model file: at most <see cref="ModelFile.MaxLayers"/> layers, layers of at most
    /// <see cref="ModelFile.MaxLayerSize"/> units and <see cref="ModelFile.MaxLayerWeights"/> weights, and fewer
    /// parameters in all than an array holds; then the layer-width and parameter limits of <paramref name="limits"/>
    /// (raised with <c>--limit</c>).
    /// </summary>
    public static void CheckNetwork(ImmutableArray<int> sizes, ReadLimits limits)
    {
        int layers = sizes.Length - 1;
        if (layers > ModelFile.MaxLayers)
            throw new UsageException($"--layers: expected at most {ModelFile.MaxLayers - 1} hidden layers (a model file holds {ModelFile.MaxLayers} layers), got {layers - 1}.");
        long parameters = 0;
        for (int l = 1; l < sizes.Length; l++)
        {
            if (sizes[l] > ModelFile.MaxLayerSize || sizes[l - 1] > ModelFile.MaxLayerSize)
                throw new UsageException($"--layers: layer {l} would be {sizes[l]} x {sizes[l - 1]}; a model file holds layers of at most {ModelFile.MaxLayerSize} units.");
            long weights = (long)sizes[l] * sizes[l - 1];
            if (weights > ModelFile.MaxLayerWeights)
                throw new UsageException($"--layers: layer {l} would hold {sizes[l]} x {sizes[l - 1]} = {weights} weights; a model file holds at most {ModelFile.MaxLayerWeights} per layer.");
            parameters += weights + sizes[l];
        }
        if (parameters > Array.MaxLength)
            throw new UsageException($"--layers: the network would have {parameters} parameters; at most {Array.MaxLength} fit.");
        try { limits.CheckLayerSizes(sizes, "--layers"); }
        catch (InvalidDataException problem) { throw new UsageException(problem.Message); }
    }

    /// <summary>The first epoch to train after <paramref name="done"/> epochs; throws <see cref="UsageException"/> when the last one would pass int.MaxValue.</summary>
    public static int FirstEpoch(int done, int epochs, string? resume)
    {
        long last = (long)done + epochs;
        if (last > int.MaxValue)
            throw new UsageException(resume is null
                ? $"--epochs: expected at most {int.MaxValue}, got {epochs}."
                : $"--epochs: the checkpoint {resume} is at epoch {done}, and {done} + {epochs} epochs passes the last epoch number, {int.MaxValue}.");
        return done + 1;
    }
}
