using System.Numerics;

namespace Pure;

/// <summary>
/// A trained network with what a user needs to apply it to raw data: the loss it was trained with, the feature
/// scaling fitted on the training inputs and the class labels of its outputs. <see cref="ModelFile"/> saves and loads it.
/// </summary>
/// <param name="Network">The network.</param>
/// <param name="Loss">The loss it was trained with; it must accept the output layer's activation.</param>
/// <param name="Scaling">The scaling applied to raw features before the network, or null; FeatureCount must equal n_0.</param>
/// <param name="Classes">The class label of each output, or null; ClassCount must equal n_L.</param>
public sealed record Model<T>(Network<T> Network, Loss Loss, FeatureScaling<T>? Scaling = null, ClassEncoding? Classes = null)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The network.</summary>
    public Network<T> Network { get; } = Network ?? throw new ArgumentNullException(nameof(Network));

    /// <summary>The loss it was trained with.</summary>
    public Loss Loss { get; } = CheckLoss(Loss, Network);

    /// <summary>The scaling applied to raw features before the network, or null.</summary>
    public FeatureScaling<T>? Scaling { get; } = Scaling is null || Scaling.FeatureCount == Network.InputSize ? Scaling
        : throw new ArgumentException($"Expected a scaling of {Network.InputSize} features (the network's inputs), got {Scaling.FeatureCount}.", nameof(Scaling));

    /// <summary>The class label of each output, or null.</summary>
    public ClassEncoding? Classes { get; } = Classes is null || Classes.ClassCount == Network.OutputSize ? Classes
        : throw new ArgumentException($"Expected {Network.OutputSize} classes (the network's outputs), got {Classes.ClassCount}.", nameof(Classes));

    /// <summary>The network's output for raw features (n_0 x m, one sample per column): the scaling, then the network; n_L x m.</summary>
    public ImmutableMatrix<T> Predict(ImmutableMatrix<T> features)
    {
        ArgumentNullException.ThrowIfNull(features);
        return Backprop.Predict(Network, Scaling is null ? features : Scaling.Apply(features));
    }

    private static Loss CheckLoss(Loss loss, Network<T> network)
    {
        ArgumentNullException.ThrowIfNull(loss, nameof(Loss));
        loss.CheckOutputActivation(network.Layers[^1].Activation, nameof(Loss));
        return loss;
    }
}
