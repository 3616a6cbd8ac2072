using System.Numerics;
using System.Text.Json;

namespace Pure;

/// <summary>How <see cref="ReduceOnPlateau.Threshold"/> measures an improvement of the monitored loss over the best so far.</summary>
public enum PlateauThresholdMode
{
    /// <summary>An improvement is a value &lt; best · (1 - threshold) (PyTorch's "rel").</summary>
    Relative,

    /// <summary>An improvement is a value &lt; best - threshold (PyTorch's "abs", scikit-learn's tol).</summary>
    Absolute,
}

/// <summary>The loss <see cref="Training.Epochs{T}"/> hands to <see cref="ReduceOnPlateau.Next"/> after each epoch (lower is better).</summary>
public enum PlateauMonitor
{
    /// <summary>The validation loss when a validation set is given, else the epoch's training loss.</summary>
    ValidationLossOrTrainingLoss,

    /// <summary>The epoch's training loss (the mean of its mini-batch losses), as scikit-learn's "adaptive" does.</summary>
    TrainingLoss,
}

/// <summary>The state of a <see cref="ReduceOnPlateau"/> policy: an immutable value carried from epoch to epoch.</summary>
/// <param name="Scale">s in (0, 1], the factor applied to the updates (the learning rate is s · η).</param>
/// <param name="Best">The lowest monitored value counted as an improvement so far, finite; null before the first epoch.</param>
/// <param name="BadEpochs">The epochs since the last improvement (or reduction), ≥ 0.</param>
/// <param name="CooldownLeft">The epochs still to wait after a reduction before counting bad epochs again, ≥ 0.</param>
public sealed record PlateauState(double Scale, double? Best, int BadEpochs, int CooldownLeft)
{
    /// <summary>The state before any epoch: s = 1, no best value, no bad epochs, no cooldown.</summary>
    public static PlateauState Initial { get; } = new(1, null, 0, 0);

    /// <summary>s in (0, 1].</summary>
    public double Scale { get; init => field = CheckScale(value); } = CheckScale(Scale);

    /// <summary>The best monitored value so far, finite, or null.</summary>
    public double? Best { get; init => field = CheckBest(value); } = CheckBest(Best);

    /// <summary>Bad epochs since the last improvement or reduction, ≥ 0.</summary>
    public int BadEpochs { get; init => field = CheckCount(value, nameof(BadEpochs)); } = CheckCount(BadEpochs, nameof(BadEpochs));

    /// <summary>Cooldown epochs left, ≥ 0.</summary>
    public int CooldownLeft { get; init => field = CheckCount(value, nameof(CooldownLeft)); } = CheckCount(CooldownLeft, nameof(CooldownLeft));

    private static double CheckScale(double scale) =>
        double.IsFinite(scale) && scale > 0 && scale <= 1 ? scale : throw new ArgumentOutOfRangeException(nameof(Scale), scale, $"Expected a plateau scale in (0, 1], got {scale}.");

    private static double? CheckBest(double? best) =>
        best is not double b || double.IsFinite(b) ? best : throw new ArgumentOutOfRangeException(nameof(Best), best, $"Expected a finite best value or null, got {b}.");

    private static int CheckCount(int count, string name) =>
        count >= 0 ? count : throw new ArgumentOutOfRangeException(name, count, $"Expected {name} to be 0 or more, got {count}.");
}

/// <summary>
/// Reduce-on-plateau as a pure policy over the epoch sequence (PyTorch's <c>ReduceLROnPlateau</c>, Optax's
/// <c>contrib.reduce_on_plateau</c>, scikit-learn's "adaptive"): after each epoch, <see cref="Next"/> maps the
/// <see cref="PlateauState"/> and the monitored loss to the next state, multiplying the scale by <see cref="Factor"/>
/// when more than <see cref="Patience"/> epochs in a row failed to improve on the best by <see cref="Threshold"/>.
/// <see cref="Optimizer.ScaleByPlateau"/> puts it in an optimizer chain (u = s · g), so that the state is part of the
/// optimizer state, saved in checkpoints; <see cref="Training.Epochs{T}"/> applies it between epochs.
/// </summary>
/// <param name="Factor">f in (0, 1): s ← max(s · f, <see cref="MinScale"/>) at a reduction.</param>
/// <param name="Patience">The bad epochs tolerated, ≥ 0: the scale falls at the (patience + 1)-th bad epoch in a row.</param>
/// <param name="Threshold">≥ 0, the least improvement that counts, read as <see cref="ThresholdMode"/> says.</param>
/// <param name="ThresholdMode">Relative (value &lt; best · (1 - threshold)) or absolute (value &lt; best - threshold).</param>
/// <param name="Cooldown">Epochs after a reduction during which bad epochs are not counted, ≥ 0.</param>
/// <param name="MinScale">The least scale, in [0, 1).</param>
/// <param name="Monitor">Which loss the training loop monitors.</param>
/// <param name="BestIsLowest">
/// False (PyTorch): only an improvement by the threshold becomes the best, and an improvement is a value strictly below the
/// threshold from it. True (scikit-learn): the best is the lowest value seen, even one that fell by less than the threshold,
/// and an improvement is a value at or below the threshold from the previous best; a slow steady fall then counts as bad epochs.
/// </param>
public sealed record ReduceOnPlateau(
    double Factor = 0.1, int Patience = 10, double Threshold = 1e-4, PlateauThresholdMode ThresholdMode = PlateauThresholdMode.Relative,
    int Cooldown = 0, double MinScale = 0, PlateauMonitor Monitor = PlateauMonitor.ValidationLossOrTrainingLoss, bool BestIsLowest = false)
{
    /// <summary>
    /// scikit-learn's <c>learning_rate='adaptive'</c> with its defaults: divide the rate by 5 (f = 0.2) when the training loss
    /// has not fallen by tol = 1e-4 (absolute) below the lowest loss so far for more than n_iter_no_change = 10 epochs in a row
    /// (<see cref="BestIsLowest"/>). Its documentation says "two consecutive epochs"; its code compares with n_iter_no_change,
    /// and this preset follows the code. One difference remains: scikit-learn stops training once its rate is at most 1e-6,
    /// where this policy goes on dividing.
    /// </summary>
    public static ReduceOnPlateau ScikitLearnAdaptive { get; } = new(0.2, 10, 1e-4, PlateauThresholdMode.Absolute, 0, 0, PlateauMonitor.TrainingLoss, BestIsLowest: true);

    /// <summary>f in (0, 1).</summary>
    public double Factor { get; init => field = double.IsFinite(value) && value > 0 && value < 1 ? value : throw Invalid(nameof(Factor), value, "in (0, 1)"); } =
        double.IsFinite(Factor) && Factor > 0 && Factor < 1 ? Factor : throw Invalid(nameof(Factor), Factor, "in (0, 1)");

    /// <summary>≥ 0.</summary>
    public int Patience { get; init => field = value >= 0 ? value : throw Invalid(nameof(Patience), value, "0 or more"); } =
        Patience >= 0 ? Patience : throw Invalid(nameof(Patience), Patience, "0 or more");

    /// <summary>≥ 0, finite.</summary>
    public double Threshold { get; init => field = double.IsFinite(value) && value >= 0 ? value : throw Invalid(nameof(Threshold), value, "finite and 0 or more"); } =
        double.IsFinite(Threshold) && Threshold >= 0 ? Threshold : throw Invalid(nameof(Threshold), Threshold, "finite and 0 or more");

    /// <summary>Relative or absolute.</summary>
    public PlateauThresholdMode ThresholdMode { get; init => field = Enum.IsDefined(value) ? value : throw Invalid(nameof(ThresholdMode), value, "Relative or Absolute"); } =
        Enum.IsDefined(ThresholdMode) ? ThresholdMode : throw Invalid(nameof(ThresholdMode), ThresholdMode, "Relative or Absolute");

    /// <summary>≥ 0.</summary>
    public int Cooldown { get; init => field = value >= 0 ? value : throw Invalid(nameof(Cooldown), value, "0 or more"); } =
        Cooldown >= 0 ? Cooldown : throw Invalid(nameof(Cooldown), Cooldown, "0 or more");

    /// <summary>In [0, 1).</summary>
    public double MinScale { get; init => field = double.IsFinite(value) && value >= 0 && value < 1 ? value : throw Invalid(nameof(MinScale), value, "in [0, 1)"); } =
        double.IsFinite(MinScale) && MinScale >= 0 && MinScale < 1 ? MinScale : throw Invalid(nameof(MinScale), MinScale, "in [0, 1)");

    /// <summary>Which loss is monitored.</summary>
    public PlateauMonitor Monitor { get; init => field = Enum.IsDefined(value) ? value : throw Invalid(nameof(Monitor), value, "ValidationLossOrTrainingLoss or TrainingLoss"); } =
        Enum.IsDefined(Monitor) ? Monitor : throw Invalid(nameof(Monitor), Monitor, "ValidationLossOrTrainingLoss or TrainingLoss");

    private static ArgumentOutOfRangeException Invalid(string name, object value, string expected) => new(name, value, $"Expected {name} {expected}, got {value}.");

    /// <summary>
    /// The state after an epoch whose monitored loss is <paramref name="value"/> (PyTorch's step): a finite value below the
    /// threshold from the best becomes the best and clears the bad epochs, anything else (NaN included) is one more bad
    /// epoch (with <see cref="BestIsLowest"/>, see there); during a cooldown the bad epochs are cleared and the cooldown counts down; when the bad epochs exceed the
    /// patience, s ← max(s · f, min scale), the cooldown starts and the bad epochs are cleared.
    /// </summary>
    public PlateauState Next(PlateauState state, double value)
    {
        ArgumentNullException.ThrowIfNull(state);
        double target = state.Best is double best ? (ThresholdMode == PlateauThresholdMode.Relative ? best * (1 - Threshold) : best - Threshold) : double.PositiveInfinity;
        bool improved = double.IsFinite(value) && (state.Best is null || value < target || (BestIsLowest && value == target));
        double? newBest = improved || (BestIsLowest && double.IsFinite(value) && value < state.Best) ? value : state.Best;
        int bad = improved ? 0 : state.BadEpochs + 1;
        int cooldown = state.CooldownLeft;
        if (cooldown > 0)
        {
            cooldown--;
            bad = 0;
        }
        double scale = state.Scale;
        if (bad > Patience)
        {
            scale = Math.Max(scale * Factor, MinScale);
            if (scale == 0) scale = state.Scale;
            cooldown = Cooldown;
            bad = 0;
        }
        return new PlateauState(scale, newBest, bad, cooldown);
    }

    /// <summary>The loss this policy monitors after an epoch: the validation loss when there is one and <see cref="Monitor"/> allows it, else the training loss.</summary>
    public double Monitored(double trainingLoss, double? validationLoss) =>
        Monitor == PlateauMonitor.ValidationLossOrTrainingLoss && validationLoss is double v ? v : trainingLoss;
}

/// <summary>The optimizer state of <see cref="Optimizer.ScaleByPlateau"/>: the policy's <see cref="PlateauState"/>.</summary>
/// <param name="Plateau">The policy's state; its scale multiplies the updates.</param>
public sealed record PlateauScaleState<T>(PlateauState Plateau) : OptimizerState<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The policy's state.</summary>
    public PlateauState Plateau { get; init => field = value ?? throw new ArgumentNullException(nameof(Plateau)); } = Plateau ?? throw new ArgumentNullException(nameof(Plateau));
}

/// <summary>See <see cref="Optimizer.ScaleByPlateau"/>: u = s · g with s the plateau state's scale, changed only between epochs.</summary>
internal sealed record ScaleByPlateauTransform : KernelTransform
{
    public ScaleByPlateauTransform(ReduceOnPlateau policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        Policy = policy;
    }

    public ReduceOnPlateau Policy { get; }

    public override OptimizerState<T> Init<T>(Parameters<T> parameters) => new PlateauScaleState<T>(PlateauState.Initial);

    internal override InPlacePlateauScale<T> CreateInPlace<T>(OptimizerState<T> state, Parameters<T> parameters) =>
        new(Expect<PlateauScaleState<T>>(state, "reduce-on-plateau"));

    public override OptimizerState<T> EndEpoch<T>(OptimizerState<T> state, double trainingLoss, double? validationLoss)
    {
        var plateau = Expect<PlateauScaleState<T>>(state, "reduce-on-plateau");
        return new PlateauScaleState<T>(Policy.Next(plateau.Plateau, Policy.Monitored(trainingLoss, validationLoss)));
    }

    /// <summary>The checkpoint kind "scale_by_plateau": the policy's eight settings.</summary>
    internal static readonly TransformCheckpointKind Checkpoint = new TransformCheckpointKind<ScaleByPlateauTransform>(
        "scale_by_plateau", ["factor", "patience", "threshold", "threshold_mode", "cooldown", "min_scale", "monitor", "best_is_lowest"],
        (writer, transform, _) =>
        {
            var p = transform.Policy;
            JsonNumbers.WriteDouble(writer, "factor", p.Factor);
            writer.WriteNumber("patience", p.Patience);
            JsonNumbers.WriteDouble(writer, "threshold", p.Threshold);
            writer.WriteString("threshold_mode", p.ThresholdMode == PlateauThresholdMode.Relative ? "relative" : "absolute");
            writer.WriteNumber("cooldown", p.Cooldown);
            JsonNumbers.WriteDouble(writer, "min_scale", p.MinScale);
            writer.WriteString("monitor", p.Monitor == PlateauMonitor.TrainingLoss ? "training_loss" : "validation_loss_or_training_loss");
            writer.WriteBoolean("best_is_lowest", p.BestIsLowest);
        },
        (fields, _) => Optimizer.ScaleByPlateau(new ReduceOnPlateau(
            fields["factor"].Double(), (int)fields["patience"].Integer(0, int.MaxValue), fields["threshold"].Double(),
            fields["threshold_mode"].String() switch
            {
                "relative" => PlateauThresholdMode.Relative,
                "absolute" => PlateauThresholdMode.Absolute,
                var other => throw fields["threshold_mode"].Error($"expected \"relative\" or \"absolute\", got \"{other}\"."),
            },
            (int)fields["cooldown"].Integer(0, int.MaxValue), fields["min_scale"].Double(),
            fields["monitor"].String() switch
            {
                "training_loss" => PlateauMonitor.TrainingLoss,
                "validation_loss_or_training_loss" => PlateauMonitor.ValidationLossOrTrainingLoss,
                var other => throw fields["monitor"].Error($"expected \"training_loss\" or \"validation_loss_or_training_loss\", got \"{other}\"."),
            },
            fields["best_is_lowest"].Boolean())));
}

/// <summary>The in-place twin of <see cref="ScaleByPlateauTransform"/>: u = g · s, through <see cref="ScaleRule{T}"/>.</summary>
internal sealed class InPlacePlateauScale<T>(PlateauScaleState<T> state) : InPlaceTransform<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _scale = T.CreateChecked(state.Plateau.Scale);

    public override void Apply(int segment, int offset, ReadOnlySpan<T> input, Span<T> output, ReadOnlySpan<T> parameters) =>
        Lanes<T>.Apply(input, output, default, new ScaleRule<T>(_scale));

    /// <summary>The state, unchanged by a step (an immutable value, so it is returned as it is).</summary>
    public override OptimizerState<T> ToState(Parameters<T> shape) => state;
}

/// <summary>The checkpoint kind "plateau" of a <see cref="PlateauScaleState{T}"/>: {"scale", "best" (null before the first epoch), "bad_epochs", "cooldown_left"}.</summary>
internal sealed class PlateauStateCheckpointKind() : StateCheckpointKind("plateau", typeof(PlateauScaleState<>))
{
    /// <summary>The one instance.</summary>
    public static readonly PlateauStateCheckpointKind Instance = new();

    public override void WriteFields<T>(Utf8JsonWriter writer, OptimizerState<T> state, CheckpointKinds kinds)
    {
        var p = ((PlateauScaleState<T>)state).Plateau;
        JsonNumbers.WriteDouble(writer, "scale", p.Scale);
        if (p.Best is double best) JsonNumbers.WriteDouble(writer, "best", best);
        else writer.WriteNull("best");
        writer.WriteNumber("bad_epochs", p.BadEpochs);
        writer.WriteNumber("cooldown_left", p.CooldownLeft);
    }

    public override OptimizerState<T> Read<T>(JsonField node, OptimizerState<T> expected, CheckpointKinds kinds)
    {
        var fields = node.Object(["kind", "scale", "best", "bad_epochs", "cooldown_left"]);
        double scale = fields["scale"].Double();
        if (!(scale > 0 && scale <= 1)) throw fields["scale"].Error($"expected a plateau scale in (0, 1], got {JsonNumbers.Format(scale)}.");
        return new PlateauScaleState<T>(new PlateauState(scale, fields["best"].IsNull ? null : fields["best"].Double(),
            (int)fields["bad_epochs"].Integer(0, int.MaxValue), (int)fields["cooldown_left"].Integer(0, int.MaxValue)));
    }

    public override bool HasShapeOf<T>(OptimizerState<T> state, OptimizerState<T> expected, string path, CheckpointKinds kinds) => true;
}
