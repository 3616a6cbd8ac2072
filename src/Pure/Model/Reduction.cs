namespace Pure;

/// <summary>
/// How a loss reduces the per-sample losses ℓ_i of a batch of m samples (with weights w_i, all 1 when none are given)
/// to the cost C, as PyTorch's <c>reduction=</c>. It is a property of the <see cref="Loss"/>
/// (<see cref="Loss.WithReduction"/>), so that the cost, its gradient, training and model files all follow it.
/// </summary>
public enum Reduction
{
    /// <summary>C = Σ_i w_i ℓ_i / Σ_i w_i, the mean (1/m) Σ_i ℓ_i without weights; dW = (1/Σw) Σ_i w_i δ_i a_i^T. The default.</summary>
    Mean,

    /// <summary>C = Σ_i w_i ℓ_i, the classic papers' summed error E = Σ_p E_p; its gradient is Σw (m without weights) times the mean's.</summary>
    Sum,
}
