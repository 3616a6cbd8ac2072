using System.Numerics;

namespace Pure;

/// <summary>
/// A trained network with what a user needs to apply it to raw data: the loss it was trained with, the feature
/// scaling fitted on the training inputs, the class labels of its outputs and, for regression, the scaling fitted on
/// the training targets (<see cref="TargetScaling"/>), which <see cref="Predict"/> inverts. <see cref="ModelFile"/> saves and loads it.
/// </summary>
/// <remarks>
/// A with-expression validates like the constructor, each new value against the other properties' current values:
/// <c>model with { Network = n }</c> needs n to fit the current loss, scaling and classes. To change the network's
/// input or output size together with the scaling or classes, call the constructor.
/// </remarks>
/// <param name="Network">The network.</param>
/// <param name="Loss">The loss it was trained with; it must accept the output layer's activation.</param>
/// <param name="Scaling">The scaling applied to raw features before the network, or null; FeatureCount must equal n_0.</param>
/// <param name="Classes">The class label of each output, or null; ClassCount must equal n_L.</param>
public sealed record Model<T>(Network<T> Network, Loss Loss, FeatureScaling<T>? Scaling = null, ClassEncoding? Classes = null)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The network.</summary>
    public Network<T> Network
    {
        get;
        init
        {
            ArgumentNullException.ThrowIfNull(value, nameof(Network));
            CheckLoss(Loss, value);
            CheckScaling(Scaling, value);
            CheckClasses(Classes, value);
            CheckTargetScaling(TargetScaling, value);
            field = value;
        }
    } = Network ?? throw new ArgumentNullException(nameof(Network));

    /// <summary>The loss it was trained with.</summary>
    public Loss Loss { get; init => field = CheckLoss(value, this.Network); } = CheckLoss(Loss, Network);

    /// <summary>The scaling applied to raw features before the network, or null.</summary>
    public FeatureScaling<T>? Scaling { get; init => field = CheckScaling(value, this.Network); } = CheckScaling(Scaling, Network);

    /// <summary>The class label of each output, or null.</summary>
    public ClassEncoding? Classes { get; init => field = CheckClasses(value, this.Network); } = CheckClasses(Classes, Network);

    /// <summary>
    /// For regression, the scaling fitted on the training targets (one feature per output: FeatureCount must equal n_L),
    /// or null. The network is trained on scaled targets y' = (y - offset) / scale, and <see cref="Predict"/> returns
    /// outputs in the targets' original units, a scale + offset. Not a constructor parameter: set it with an initializer,
    /// a with-expression or <see cref="WithTargetScaling"/>.
    /// </summary>
    public FeatureScaling<T>? TargetScaling { get; init => field = CheckTargetScaling(value, this.Network); }

    /// <summary>This model with <paramref name="targetScaling"/> as its <see cref="TargetScaling"/> (for F#, which has no with-expression).</summary>
    /// <param name="targetScaling">The scaling of the targets, n_L features, or null.</param>
    public Model<T> WithTargetScaling(FeatureScaling<T>? targetScaling) => this with { TargetScaling = targetScaling };

    /// <summary>
    /// The prediction for raw features (n_0 x m, one sample per column): the scaling, then the network, then the inverse
    /// of <see cref="TargetScaling"/> when there is one (outputs in the targets' units); n_L x m.
    /// </summary>
    /// <remarks>For many calls with the same model, a <see cref="Predictor{T}"/> made from it gives the same bits faster.</remarks>
    public ImmutableMatrix<T> Predict(ImmutableMatrix<T> features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var output = Scaling is Standardization<T> or MinMaxScaling<T> && features.Rows == Network.InputSize && features.Columns > 0
            ? PredictScaled(features)
            : Backprop.Predict(Network, Scaling is null ? features : Scaling.Apply(features));
        return TargetScaling is null ? output : TargetScaling.Invert(output);
    }

    /// <summary>
    /// Backprop.Predict(Network, Scaling.Apply(features)) for a built-in scaling, with the scaled copy in a pooled
    /// array instead of a new matrix, scaled and checked in one pass: the same arithmetic, so the same bits, and the same
    /// exception for a non-finite scaled value (by taking the unpooled path).
    /// </summary>
    private ImmutableMatrix<T> PredictScaled(ImmutableMatrix<T> features)
    {
        var pool = System.Buffers.ArrayPool<T>.Shared;
        var scaled = pool.Rent(features.Count);
        try
        {
            return Scaling!.TryApplyFinite(features.Rows, features.Columns, features.AsSpan(), scaled)
                ? Backprop.PredictChecked(Network, scaled, features.Columns)
                : Backprop.Predict(Network, Scaling.Apply(features));
        }
        finally
        {
            pool.Return(scaled);
        }
    }

    private static FeatureScaling<T>? CheckTargetScaling(FeatureScaling<T>? scaling, Network<T> network) =>
        scaling is null || scaling.FeatureCount == network.OutputSize ? scaling
        : throw new ArgumentException($"Expected a target scaling of {network.OutputSize} targets (the network's outputs), got {scaling.FeatureCount}.", nameof(TargetScaling));

    private static FeatureScaling<T>? CheckScaling(FeatureScaling<T>? scaling, Network<T> network) =>
        scaling is null || scaling.FeatureCount == network.InputSize ? scaling
        : throw new ArgumentException($"Expected a scaling of {network.InputSize} features (the network's inputs), got {scaling.FeatureCount}.", nameof(Scaling));

    private static ClassEncoding? CheckClasses(ClassEncoding? classes, Network<T> network) =>
        classes is null || classes.ClassCount == network.OutputSize ? classes
        : throw new ArgumentException($"Expected {network.OutputSize} classes (the network's outputs), got {classes.ClassCount}.", nameof(Classes));

    private static Loss CheckLoss(Loss loss, Network<T> network)
    {
        ArgumentNullException.ThrowIfNull(loss, nameof(Loss));
        loss.CheckOutputActivation(network.Layers[^1].Activation, nameof(Loss));
        return loss;
    }
}
