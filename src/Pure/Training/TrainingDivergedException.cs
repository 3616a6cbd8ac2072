namespace Pure;

/// <summary>
/// Training met a non-finite loss, gradient or parameter: the run diverged. Thrown by <see cref="Training.Epochs{T}"/>
/// and <see cref="Training.Epoch{T}"/> at the first step where it happens; nothing after that step is returned.
/// </summary>
public sealed class TrainingDivergedException : ArithmeticException
{
    /// <summary>Creates the exception for a divergence at <paramref name="step"/> of <paramref name="epoch"/>.</summary>
    /// <param name="epoch">The epoch (numbered as the training loop numbers them) in which the divergence happened.</param>
    /// <param name="step">The mini-batch step within that epoch, from 1.</param>
    /// <param name="quantity">What became non-finite: "loss", "gradient" or "parameters".</param>
    /// <param name="lastFiniteLoss">The last finite training loss seen (of a mini-batch or an epoch), or null when there was none.</param>
    public TrainingDivergedException(int epoch, int step, string quantity, double? lastFiniteLoss)
        : base(Describe(epoch, step, quantity, lastFiniteLoss))
    {
        Epoch = epoch;
        Step = step;
        Quantity = quantity;
        LastFiniteLoss = lastFiniteLoss;
    }

    /// <summary>The <see cref="Quantity"/> of a mini-batch whose loss is not finite, or whose forward pass overflowed before its loss could be computed.</summary>
    public const string Loss = "loss";

    /// <summary>The <see cref="Quantity"/> of a step whose gradient is not finite though its loss is.</summary>
    public const string Gradient = "gradient";

    /// <summary>The <see cref="Quantity"/> of a step whose loss and gradient are finite but whose update left a parameter non-finite.</summary>
    public const string Parameters = "parameters";

    /// <summary>The epoch in which the divergence happened.</summary>
    public int Epoch { get; }

    /// <summary>The mini-batch step within <see cref="Epoch"/>, from 1.</summary>
    public int Step { get; }

    /// <summary>What became non-finite first: <see cref="Loss"/>, <see cref="Gradient"/> or <see cref="Parameters"/>.</summary>
    public string Quantity { get; }

    /// <summary>The last finite training loss seen, or null when there was none.</summary>
    public double? LastFiniteLoss { get; }

    private static string Describe(int epoch, int step, string quantity, double? lastFiniteLoss) =>
        FormattableString.Invariant(
            $"Training diverged: the {quantity} became non-finite at epoch {epoch}, step {step}") +
        (lastFiniteLoss is double loss ? FormattableString.Invariant($" (last finite loss {loss:G6})") : " (no finite loss before it)") +
        "; lower the learning rate or clip the gradients.";
}
