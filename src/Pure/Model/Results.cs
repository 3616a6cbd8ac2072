using System.Collections.Immutable;
using System.Numerics;

namespace Pure;

/// <summary>
/// What <see cref="Backprop.Forward{T}"/> keeps for the backward pass (seed 004's cache): the input A^[0] = X and,
/// for every layer l = 1..L, Z^[l] = W^[l] A^[l-1] + b^[l] and A^[l] = σ(Z^[l]), each n_l x m.
/// </summary>
/// <param name="Input">A^[0] = X, n_0 x m.</param>
/// <param name="PreActivations">Z^[1], ..., Z^[L].</param>
/// <param name="Activations">A^[1], ..., A^[L].</param>
public sealed record ForwardTrace<T>(ImmutableMatrix<T> Input, ImmutableArray<ImmutableMatrix<T>> PreActivations, ImmutableArray<ImmutableMatrix<T>> Activations)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ValueArray<ImmutableMatrix<T>> _preActivations = PreActivations;
    private readonly ValueArray<ImmutableMatrix<T>> _activations = Activations;

    /// <summary>Z^[1], ..., Z^[L]; equality compares them in order, by value.</summary>
    public ImmutableArray<ImmutableMatrix<T>> PreActivations { get => _preActivations.Items; init => _preActivations = value; }

    /// <summary>A^[1], ..., A^[L]; equality compares them in order, by value.</summary>
    public ImmutableArray<ImmutableMatrix<T>> Activations { get => _activations.Items; init => _activations = value; }

    /// <summary>
    /// The dropout mask the forward pass applied (A^[l] = M^[l] ⊙ σ(Z^[l]) on hidden layers), which
    /// <see cref="Backprop.Backward{T}"/> applies again in BP2; null without dropout.
    /// </summary>
    public DropoutMask<T>? Mask { get; init; }

    /// <summary>A^[L], the network's output, n_L x m.</summary>
    public ImmutableMatrix<T> Output => Activations[^1];

    /// <summary>m, the number of samples.</summary>
    public int SampleCount => Input.Columns;
}

/// <summary>What <see cref="Backprop.Backward{T}"/> returns: ∂C/∂W^[l] and ∂C/∂b^[l] shaped like the network, and C.</summary>
/// <param name="Gradient">dW^[l] = (1/m) δ^[l] (A^[l-1])^T and db^[l] = the row means of δ^[l], for every layer.</param>
/// <param name="Loss">The cost C = (1/m) Σ_i ℓ(a^(i), y^(i)) at the network's current parameters.</param>
public sealed record Gradients<T>(Parameters<T> Gradient, T Loss) where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>What <see cref="Backprop.Step{T}"/> returns.</summary>
/// <param name="Network">The network with the update applied.</param>
/// <param name="State">The optimizer's new state.</param>
public sealed record StepResult<T>(Network<T> Network, OptimizerState<T> State) where T : unmanaged, IFloatingPointIeee754<T>;
