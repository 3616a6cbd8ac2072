using System.Collections.Immutable;
using System.Numerics;

namespace Pure;

/// <summary>
/// The pure functions of backpropagation. None of them changes its arguments; each returns new values.
/// Batches hold one sample per column: X is n_0 x m, Y is n_L x m.
/// </summary>
public static class Backprop
{
    /// <summary>
    /// The forward pass Z^[l] = W^[l] A^[l-1] + b^[l], A^[l] = σ(Z^[l]) for l = 1..L, with A^[0] = X. With a fixed
    /// dropout mask, A^[l] = M^[l] ⊙ σ(Z^[l]) on the hidden layers l = 1..L-1, and the trace keeps the mask so that
    /// <see cref="Backward{T}"/> applies it in BP2.
    /// </summary>
    /// <param name="network">The network.</param>
    /// <param name="input">X, n_0 x m with m ≥ 1, finite.</param>
    /// <param name="mask">M^[1], ..., M^[L-1], each n_l x m (<see cref="DropoutMask.Draw{T}"/>), or null for no dropout.</param>
    /// <returns>Every Z^[l] and A^[l], each n_l x m.</returns>
    public static ForwardTrace<T> Forward<T>(Network<T> network, ImmutableMatrix<T> input, DropoutMask<T>? mask = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckInput(network, input, nameof(input));
        mask?.CheckFits(network, input.Columns, nameof(mask));
        var preActivations = ImmutableArray.CreateBuilder<ImmutableMatrix<T>>(network.Layers.Length);
        var activations = ImmutableArray.CreateBuilder<ImmutableMatrix<T>>(network.Layers.Length);
        var previous = input;
        for (int l = 0; l < network.Layers.Length; l++)
        {
            var (z, a) = LayerForward(network.Layers[l], previous, l < network.Layers.Length - 1 ? mask?.Layers[l] : null);
            preActivations.Add(z);
            activations.Add(a);
            previous = a;
        }
        return new ForwardTrace<T>(input, preActivations.MoveToImmutable(), activations.MoveToImmutable()) { Mask = mask };
    }

    /// <summary>The network's output A^[L] for X (n_0 x m), n_L x m, without keeping the trace.</summary>
    /// <remarks>
    /// From the second one-sample call with the same weights on, the product reads a copy of each layer's weights laid out
    /// for one sample, kept while the network lives (the same bits; about as much memory again as the weights). For many
    /// calls, a <see cref="Predictor{T}"/> is faster still: it also keeps its buffers and writes into the caller's.
    /// </remarks>
    public static ImmutableMatrix<T> Predict<T>(Network<T> network, ImmutableMatrix<T> input) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckInput(network, input, nameof(input));
        return PredictChecked(network, input.Storage, input.Columns);
    }

    /// <summary>
    /// <see cref="Predict{T}"/> on the first n_0 · m elements of a checked input: the hidden layers' Z and A go to
    /// pooled scratch arrays (returned before this returns), only the output is a new array.
    /// </summary>
    internal static ImmutableMatrix<T> PredictChecked<T>(Network<T> network, T[] input, int m) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int widest = network.Layers.Max(layer => layer.OutputSize) * m;
        var pool = System.Buffers.ArrayPool<T>.Shared;
        T[] linear = pool.Rent(widest), even = pool.Rent(widest), odd = network.Layers.Length > 2 ? pool.Rent(widest) : [];
        var output = new T[network.OutputSize * m];
        try
        {
            PredictInto(network, input, m, linear, even, odd, output);
        }
        finally
        {
            pool.Return(linear);
            pool.Return(even);
            if (odd.Length > 0) pool.Return(odd);
        }
        return new ImmutableMatrix<T>(network.OutputSize, m, output);
    }

    /// <summary>
    /// The forward pass without a trace on arrays: each layer's Z in <paramref name="linear"/>, the hidden layers' A
    /// in <paramref name="even"/> and <paramref name="odd"/> by turns (each at least (widest layer) x m elements;
    /// <paramref name="odd"/> is needed from three layers on), the output layer's A^[L] in <paramref name="output"/>
    /// (at least n_L x m). The same operations as <see cref="Predict{T}"/> has always done, so the same bits.
    /// </summary>
    /// <remarks>
    /// <paramref name="packedWeights"/>, when given, holds for each layer its W packed by Gemm's PackA (or null): the
    /// product then reads the packed copy instead of packing W again, with the same arithmetic, so the same bits.
    /// A one-sample prediction reads each W cut for one sample from <see cref="NarrowCache{T}"/>, where there is a cut.
    /// The products hand work to ForkJoin's spinning helpers (<see cref="ForkJoin.Spinning"/>), which the bits do not depend on.
    /// </remarks>
    internal static void PredictInto<T>(Network<T> network, T[] input, int m, T[] linear, T[] even, T[] odd, T[] output, T[]?[]? packedWeights = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var spinning = ForkJoin.Spinning();
        var layers = network.Layers;
        var previous = input;
        for (int l = 0; l < layers.Length; l++)
        {
            var layer = layers[l];
            var next = l == layers.Length - 1 ? output : l % 2 == 0 ? even : odd;
            var narrow = m == 1 ? NarrowCache<T>.Get(layer.Weight.Storage, layer.OutputSize, layer.InputSize) : null;
            if (narrow is not null)
            {
                int count = layer.OutputSize;
                Gemm<T>.MultiplyNarrowPacked(layer.Weight.Storage, narrow, layer.OutputSize, layer.InputSize, previous, linear, layer.Bias.Storage);
                layer.Activation.Apply<T>(linear.AsSpan(0, count), next.AsSpan(0, count), layer.OutputSize);
            }
            else if (packedWeights?[l] is { } packed)
            {
                int count = layer.OutputSize * m;
                Gemm<T>.MultiplyPacked(layer.Weight.Storage, packed, layer.OutputSize, layer.InputSize, previous, m, linear, layer.Bias.Storage);
                layer.Activation.Apply<T>(linear.AsSpan(0, count), next.AsSpan(0, count), layer.OutputSize);
            }
            else
            {
                LayerForwardInto(layer.Weight.Storage, layer.Bias.Storage, layer.Activation, layer.OutputSize, layer.InputSize, previous, m, linear, next);
            }
            previous = next;
        }
    }

    /// <summary>
    /// The backward pass, equations one to three of seed 001: δ^[L] = ∇_a ℓ ⊙ σ'(Z^[L]) (BP1; a Jacobian-transpose
    /// product for softmax, and a - y on the fused softmax/cross-entropy and sigmoid/binary-cross-entropy paths);
    /// δ^[l] = (W^[l+1])^T δ^[l+1] ⊙ σ'(Z^[l]) (BP2); dW^[l] = (1/m) δ^[l] (A^[l-1])^T and
    /// db^[l] = (1/m) Σ over columns of δ^[l] (BP3). Equation four, the update, is <see cref="Step{T}"/>.
    /// With <see cref="Reduction.Sum"/> the factor 1/m is 1; with weights w, column i of δ^[L] is multiplied by w_i and
    /// 1/m becomes 1/Σ_i w_i (1 for <see cref="Reduction.Sum"/>).
    /// When the trace has a dropout mask, BP2 is δ^[l] = σ'(Z^[l]) ⊙ M^[l] ⊙ (W^[l+1])^T δ^[l+1], the exact gradient
    /// for that fixed mask.
    /// </summary>
    /// <param name="network">The network that produced <paramref name="trace"/>.</param>
    /// <param name="trace">The result of <see cref="Forward{T}"/> for this network.</param>
    /// <param name="target">Y, n_L x m, finite and valid for the loss.</param>
    /// <param name="loss">The loss ℓ; the cost is its mean over the m samples, or their sum (<see cref="Loss.Reduction"/>).</param>
    /// <param name="weights">w, m finite sample weights ≥ 0, not all 0; null weighs every sample 1.</param>
    /// <returns>The gradients, shaped like the network's parameters, and the cost.</returns>
    public static Gradients<T> Backward<T>(Network<T> network, ForwardTrace<T> trace, ImmutableMatrix<T> target, Loss loss, ImmutableVector<T>? weights = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckTrace(network, trace);
        CheckTarget(network, trace.Input.Columns, target, loss);
        if (weights is not null) SampleWeights.Check(weights, trace.SampleCount, nameof(weights));
        int m = trace.SampleCount;
        var layers = network.Layers;
        var parameters = new T[layers.Length * 2][];
        var gradients = new T[layers.Length * 2][];
        for (int l = 0; l < layers.Length; l++)
        {
            parameters[2 * l] = layers[l].Weight.Storage;
            parameters[2 * l + 1] = layers[l].Bias.Storage;
            gradients[2 * l] = new T[layers[l].Weight.Count];
            gradients[2 * l + 1] = new T[layers[l].OutputSize];
        }
        int widest = network.LayerSizes.Max() * m;
        T cost = BackwardInto(
            network, parameters, trace.Input.Storage, [.. trace.PreActivations.Select(z => z.Storage)], [.. trace.Activations.Select(a => a.Storage)],
            target.Storage, m, loss, gradients, new T[widest], new T[widest], new T[widest], weights: weights?.Storage,
            masks: trace.Mask is null ? null : [.. trace.Mask.Layers.Select(mask => mask.Storage)], unmasked: trace.Mask is null ? null : new T[widest]);
        var result = new LayerParameters<T>[layers.Length];
        for (int l = 0; l < layers.Length; l++)
            result[l] = new LayerParameters<T>(
                new ImmutableMatrix<T>(layers[l].OutputSize, layers[l].InputSize, gradients[2 * l]), new ImmutableVector<T>(gradients[2 * l + 1]));
        return new Gradients<T>(new Parameters<T>(ImmutableArray.Create(result)), cost);
    }

    /// <summary>Forward and backward in one call: the gradients of the cost of (X, Y) (with sample weights w, when given) at the network's parameters.</summary>
    /// <remarks>With a fixed dropout <paramref name="mask"/>, the gradients of the cost of the masked forward pass.</remarks>
    public static Gradients<T> Gradient<T>(Network<T> network, ImmutableMatrix<T> input, ImmutableMatrix<T> target, Loss loss, ImmutableVector<T>? weights = null, DropoutMask<T>? mask = null) where T : unmanaged, IFloatingPointIeee754<T> =>
        Backward(network, Forward(network, input, mask), target, loss, weights);

    /// <summary>
    /// The output error δ^[L] = ∂ℓ/∂Z^[L] for every sample (n_L x m): a - y on the fused paths, otherwise
    /// J_σ(Z^[L])^T ∇_a ℓ (BP1).
    /// </summary>
    public static ImmutableMatrix<T> OutputError<T>(Activation outputActivation, ImmutableMatrix<T> preActivation, ImmutableMatrix<T> target, Loss loss)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(outputActivation);
        ArgumentNullException.ThrowIfNull(preActivation);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(loss);
        Guard.SameShape(preActivation, target, nameof(target));
        Guard.Finite(preActivation, nameof(preActivation));
        Guard.Finite(target, nameof(target));
        loss.CheckOutputActivation(outputActivation);
        loss.CheckTargets(target, nameof(target));
        var delta = new T[preActivation.Count];
        OutputErrorInto(outputActivation, preActivation.AsSpan(), outputActivation.Apply(preActivation).AsSpan(), target.AsSpan(), delta, new T[delta.Length], preActivation.Rows, loss);
        return new ImmutableMatrix<T>(preActivation.Rows, preActivation.Columns, delta);
    }

    /// <summary>
    /// The cost C = (1/m) Σ_i ℓ(a^(i), y^(i)) of the network on (X, Y), computed on the stable fused path where there is one;
    /// Σ_i ℓ(a^(i), y^(i)) for <see cref="Reduction.Sum"/>; with weights w, Σ_i w_i ℓ_i / Σ_i w_i (mean) or Σ_i w_i ℓ_i (sum).
    /// </summary>
    /// <param name="network">The network.</param>
    /// <param name="input">X, n_0 x m.</param>
    /// <param name="target">Y, n_L x m, finite and valid for the loss.</param>
    /// <param name="loss">The loss ℓ and its reduction.</param>
    /// <param name="weights">w, m finite sample weights ≥ 0, not all 0; null weighs every sample 1.</param>
    public static T Cost<T>(Network<T> network, ImmutableMatrix<T> input, ImmutableMatrix<T> target, Loss loss, ImmutableVector<T>? weights = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var trace = Forward(network, input);
        CheckTarget(network, input.Columns, target, loss);
        if (weights is not null) SampleWeights.Check(weights, input.Columns, nameof(weights));
        return CostCore(network.Layers[^1].Activation, trace.PreActivations[^1], trace.Output, target, loss, weights);
    }

    /// <summary>The cost C = (1/m) Σ_i ℓ(a^(i), y^(i)) of the network on (X, Y) with the fixed dropout mask M (A^[l] = M^[l] ⊙ σ(Z^[l]) on hidden layers).</summary>
    public static T Cost<T>(Network<T> network, ImmutableMatrix<T> input, ImmutableMatrix<T> target, Loss loss, DropoutMask<T> mask) where T : unmanaged, IFloatingPointIeee754<T> =>
        Cost(network, Forward(network, input, mask), target, loss);

    /// <summary>
    /// The cost C = (1/m) Σ_i ℓ(a^(i), y^(i)) of a forward pass already run, from its Z^[L] and A^[L], without running the
    /// network again: the same value as <see cref="Cost{T}(Network{T}, ImmutableMatrix{T}, ImmutableMatrix{T}, Loss, ImmutableVector{T})"/> on the
    /// trace's input.
    /// </summary>
    /// <param name="network">The network that made <paramref name="trace"/>.</param>
    /// <param name="trace">The result of <see cref="Forward{T}"/> for this network.</param>
    /// <param name="target">Y, n_L x m, finite and valid for the loss.</param>
    /// <param name="loss">The loss ℓ and its reduction.</param>
    /// <param name="weights">w, m finite sample weights ≥ 0, not all 0; null weighs every sample 1.</param>
    public static T Cost<T>(Network<T> network, ForwardTrace<T> trace, ImmutableMatrix<T> target, Loss loss, ImmutableVector<T>? weights = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckTrace(network, trace);
        CheckTarget(network, trace.SampleCount, target, loss);
        if (weights is not null) SampleWeights.Check(weights, trace.SampleCount, nameof(weights));
        return CostCore(network.Layers[^1].Activation, trace.PreActivations[^1], trace.Output, target, loss, weights);
    }

    /// <summary>
    /// The forward-mode derivative of the output with respect to the input: for each sample, J_x A^[L] · t, where
    /// the tangent t is n_0 x m and the result n_L x m.
    /// </summary>
    /// <remarks>
    /// With a fixed dropout <paramref name="mask"/>, through the masked forward pass: on hidden layers the tangent of
    /// A^[l] = M^[l] ⊙ σ(Z^[l]) is M^[l] ⊙ σ'(Z^[l]) ⊙ (the tangent of Z^[l]).
    /// </remarks>
    public static ImmutableMatrix<T> Jvp<T>(Network<T> network, ImmutableMatrix<T> input, ImmutableMatrix<T> tangent, DropoutMask<T>? mask = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var trace = Forward(network, input, mask);
        ArgumentNullException.ThrowIfNull(tangent);
        Guard.SameShape(input, tangent, nameof(tangent));
        Guard.Finite(tangent, nameof(tangent));
        int m = input.Columns;
        var current = tangent.Storage;
        for (int l = 0; l < network.Layers.Length; l++)
        {
            var layer = network.Layers[l];
            var linear = new T[layer.OutputSize * m];
            Kernels<T>.Multiply(false, layer.Weight.Storage, layer.OutputSize, layer.InputSize, false, current, layer.InputSize, m, linear);
            var next = new T[linear.Length];
            var layerMask = l < network.Layers.Length - 1 ? mask?.Layers[l] : null;
            // σ' comes from σ(Z^[l]) itself: the trace's A^[l] is masked.
            var activation = layerMask is null ? trace.Activations[l] : layer.Activation.Apply(trace.PreActivations[l]);
            layer.Activation.Jvp<T>(trace.PreActivations[l].AsSpan(), activation.AsSpan(), linear, next, layer.OutputSize);
            if (layerMask is not null) Kernels<T>.MultiplyElementwise(next, layerMask.AsSpan(), next);
            current = next;
        }
        return new ImmutableMatrix<T>(network.OutputSize, m, current);
    }

    /// <summary>
    /// The reverse-mode derivative of the output with respect to the input: for each sample, (J_x A^[L])^T · c, where
    /// the cotangent c is n_L x m and the result n_0 x m. The same propagation as <see cref="Backward{T}"/>, with the
    /// trace's dropout mask when it has one.
    /// </summary>
    public static ImmutableMatrix<T> Vjp<T>(Network<T> network, ForwardTrace<T> trace, ImmutableMatrix<T> cotangent) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckTrace(network, trace);
        ArgumentNullException.ThrowIfNull(cotangent);
        Guard.SameShape(trace.Output, cotangent, nameof(cotangent));
        Guard.Finite(cotangent, nameof(cotangent));
        int m = trace.SampleCount;
        var output = network.Layers[^1];
        var delta = new T[cotangent.Count];
        output.Activation.Backward<T>(trace.PreActivations[^1].AsSpan(), trace.Output.AsSpan(), cotangent.AsSpan(), delta, output.OutputSize);
        for (int l = network.Layers.Length - 1; l > 0; l--)
            delta = HiddenError(network.Layers[l], delta, m, network.Layers[l - 1].Activation, trace.PreActivations[l - 1], trace.Activations[l - 1], trace.Mask?.Layers[l - 1]);
        var first = network.Layers[0];
        var result = new T[first.InputSize * m];
        Kernels<T>.Multiply(true, first.Weight.Storage, first.OutputSize, first.InputSize, false, delta, first.OutputSize, m, result);
        return new ImmutableMatrix<T>(first.InputSize, m, result);
    }

    /// <summary>
    /// The error that reaches A^[l-1] from layer l: (W^[l])^T δ^[l], n_{l-1} x m (the first factor of BP2).
    /// </summary>
    public static ImmutableMatrix<T> PropagateError<T>(DenseLayer<T> layer, ImmutableMatrix<T> delta) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(delta);
        if (delta.Rows != layer.OutputSize)
            throw new ArgumentException($"Expected delta to be {layer.OutputSize} x m for a {layer.Weight.Shape} layer, got {delta.Shape}.", nameof(delta));
        return layer.Weight.TransposeThisAndMultiply(delta);
    }

    /// <summary>
    /// One optimizer step: asks <paramref name="optimizer"/> for an update from the gradients and its state, and
    /// returns the network with the update added (θ + u) and the new state.
    /// </summary>
    public static StepResult<T> Step<T>(Optimizer optimizer, OptimizerState<T> state, Network<T> network, Gradients<T> gradients) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(gradients);
        var parameters = network.Parameters;
        parameters.CheckSameShape(gradients.Gradient, nameof(gradients));
        foreach (var layer in gradients.Gradient.Layers)
        {
            Guard.Finite(layer.Weight, nameof(gradients));
            Guard.Finite(layer.Bias.AsSpan(), nameof(gradients), "a bias gradient");
        }
        var update = optimizer.Update(gradients.Gradient, state, parameters);
        var next = parameters.Add(update.Updates);
        for (int l = 0; l < next.Layers.Length; l++)
        {
            var layer = next.Layers[l];
            if (Kernels<T>.IndexOfNonFinite(layer.Weight.AsSpan()) >= 0 || Kernels<T>.IndexOfNonFinite(layer.Bias.AsSpan()) >= 0)
                throw new ArgumentException(
                    $"Expected the step to keep the parameters finite, but layer {l} overflowed to NaN or infinity (gradient norm {gradients.Gradient.Norm()}); lower the learning rate or clip the gradients.",
                    nameof(optimizer));
        }
        return new StepResult<T>(network.WithParameters(next), update.State);
    }

    private static (ImmutableMatrix<T> PreActivation, ImmutableMatrix<T> Activation) LayerForward<T>(DenseLayer<T> layer, ImmutableMatrix<T> previous, ImmutableMatrix<T>? mask = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = previous.Columns;
        var z = new T[layer.OutputSize * m];
        var a = new T[z.Length];
        LayerForwardInto(layer.Weight.Storage, layer.Bias.Storage, layer.Activation, layer.OutputSize, layer.InputSize, previous.Storage, m, z, a, mask?.Storage);
        return (new ImmutableMatrix<T>(layer.OutputSize, m, z), new ImmutableMatrix<T>(layer.OutputSize, m, a));
    }

    /// <summary>BP2: δ^[l-1] = J_σ(Z^[l-1])^T (M^[l-1] ⊙ (W^[l])^T δ^[l]), without M when <paramref name="mask"/> is null.</summary>
    private static T[] HiddenError<T>(DenseLayer<T> layer, T[] delta, int m, Activation previousActivation, ImmutableMatrix<T> previousZ, ImmutableMatrix<T> previousA, ImmutableMatrix<T>? mask)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var result = new T[layer.InputSize * m];
        HiddenErrorInto(layer.Weight.Storage, layer.OutputSize, layer.InputSize, delta, m, previousActivation, previousZ.AsSpan(), previousA.AsSpan(), new T[result.Length], result,
            mask?.Storage, mask is null ? null : new T[result.Length]);
        return result;
    }

    // The array cores below are shared by the pure functions above (on fresh arrays) and by the training loop (on
    // pooled buffers), so that both compute every value with the same operations in the same order, bit for bit.
    // Buffers may be longer than needed; only the leading elements are read and written.

    /// <summary>
    /// Z = W A_prev + b (the bias added in the product's epilogue), A = σ(Z), or A = M ⊙ σ(Z) with a dropout
    /// <paramref name="mask"/>; Z and A are outputSize x m.
    /// </summary>
    internal static void LayerForwardInto<T>(T[] weight, T[] bias, Activation activation, int outputSize, int inputSize, T[] previous, int m, T[] z, T[] a, T[]? mask = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Kernels<T>.Multiply(false, weight, outputSize, inputSize, false, previous, inputSize, m, z, bias);
        activation.Apply<T>(z.AsSpan(0, outputSize * m), a.AsSpan(0, outputSize * m), outputSize);
        if (mask is not null) Kernels<T>.MultiplyElementwise(a.AsSpan(0, outputSize * m), mask.AsSpan(0, outputSize * m), a.AsSpan(0, outputSize * m));
    }

    /// <summary>
    /// BP1 to BP3 on arrays: the gradients (segments W^[1], b^[1], W^[2], ... in <paramref name="gradients"/>) of the mean
    /// loss of m samples at <paramref name="parameters"/> (the same segments), from the forward pass's Z^[l] and A^[l].
    /// dW = (1/m) δ A_prev^T takes the 1/m in the product's epilogue; db = (1/m) Σ_columns δ. With
    /// <paramref name="weights"/> (m values, not all 0 for a mean), column i of δ^[L] is multiplied by w_i and 1/m becomes
    /// 1/Σ w_i; for <see cref="Reduction.Sum"/> the factor is 1.
    /// <paramref name="delta"/>, <paramref name="nextDelta"/> and <paramref name="upstream"/> are scratch of at least
    /// (widest layer) x m elements. Returns the cost (<see cref="CostCore{T}"/>'s value).
    /// A <paramref name="sink"/> is told of each part of the gradient as soon as it is final, from the last layer to the
    /// first; W^[l] is not read after its gradient is done, so the sink may update it in place.
    /// With dropout, <paramref name="masks"/> holds M^[1], ..., M^[L-1] (null for a layer without dropout) and
    /// <paramref name="unmasked"/> is scratch of (widest layer) x m elements for σ(Z^[l]).
    /// </summary>
    internal static T BackwardInto<T>(
        Network<T> shape, T[][] parameters, T[] input, T[][] preActivations, T[][] activations, T[] target, int m, Loss loss,
        T[][] gradients, T[] delta, T[] nextDelta, T[] upstream, IGradientSink? sink = null, T[]? weights = null, T[]?[]? masks = null, T[]? unmasked = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var layers = shape.Layers;
        int outputs = layers[^1].OutputSize, outputCount = outputs * m;
        T sum = OutputErrorInto(
            layers[^1].Activation, preActivations[^1].AsSpan(0, outputCount), activations[^1].AsSpan(0, outputCount), target.AsSpan(0, outputCount),
            delta.AsSpan(0, outputCount), upstream.AsSpan(0, outputCount), outputs, loss);
        T inverseM, cost;
        if (weights is null)
        {
            inverseM = loss.Reduction == Reduction.Sum ? T.One : T.One / T.CreateChecked(m);
            cost = loss.Reduction == Reduction.Sum ? sum : sum / T.CreateChecked(m);
        }
        else
        {
            var (weighted, total) = WeightedLoss(
                layers[^1].Activation, preActivations[^1].AsSpan(0, outputCount), activations[^1].AsSpan(0, outputCount), target.AsSpan(0, outputCount),
                weights.AsSpan(0, m), outputs, loss, upstream.AsSpan(0, outputs));
            WeighColumns(delta.AsSpan(0, outputCount), weights.AsSpan(0, m), outputs);
            inverseM = loss.Reduction == Reduction.Sum ? T.One : T.One / total;
            cost = loss.Reduction == Reduction.Sum ? weighted : weighted / total;
        }
        for (int l = layers.Length - 1; l >= 0; l--)
        {
            int outputSize = layers[l].OutputSize, inputSize = layers[l].InputSize;
            var previous = l == 0 ? input : activations[l - 1];
            // δ^[l-1] first: it reads W^[l], which a sink may update as soon as ∇W^[l] is done.
            if (l > 0)
                HiddenErrorInto(parameters[2 * l], outputSize, inputSize, delta, m, layers[l - 1].Activation,
                    preActivations[l - 1], activations[l - 1], upstream, nextDelta, masks?[l - 1], unmasked);
            Kernels<T>.Multiply(false, delta, outputSize, m, true, previous, inputSize, m, gradients[2 * l], scale: inverseM, tileDone: sink?.WeightTiles(l));
            Kernels<T>.ScaledRowSums(delta.AsSpan(0, outputSize * m), outputSize, inverseM, gradients[2 * l + 1].AsSpan(0, outputSize));
            sink?.BiasDone(l);
            if (l > 0) (delta, nextDelta) = (nextDelta, delta);
        }
        return cost;
    }

    /// <summary>
    /// (Σ_i w_i ℓ_i, Σ_i w_i) over the m columns of rows x m matrices, each ℓ_i on the fused path where there is one; a
    /// sample of weight 0 adds nothing, even where its loss is infinite. <paramref name="scratch"/> holds at least rows elements.
    /// </summary>
    internal static (T Weighted, T Total) WeightedLoss<T>(
        Activation activation, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, ReadOnlySpan<T> weights, int rows, Loss loss, Span<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T weighted = T.Zero, total = T.Zero;
        for (int j = 0; j < weights.Length; j++)
        {
            T w = weights[j];
            total += w;
            if (w == T.Zero) continue;
            var zc = z.Slice(j * rows, rows);
            var ac = a.Slice(j * rows, rows);
            var yc = y.Slice(j * rows, rows);
            if (!loss.TryFused<T>(activation, zc, ac, yc, scratch[..rows], rows, out T sample)) sample = loss.Sum<T>(ac, yc, rows);
            weighted += w * sample;
        }
        return (weighted, total);
    }

    /// <summary>δ_i ← w_i δ_i for each column i of a rows x m matrix; a column of weight 0 becomes 0.</summary>
    private static void WeighColumns<T>(Span<T> delta, ReadOnlySpan<T> weights, int rows) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int j = 0; j < weights.Length; j++)
        {
            var column = delta.Slice(j * rows, rows);
            if (weights[j] == T.Zero) column.Clear();
            else for (int i = 0; i < column.Length; i++) column[i] *= weights[j];
        }
    }

    /// <summary>
    /// BP2 into <paramref name="result"/> (inputSize x m), with <paramref name="upstream"/> as scratch for W^T δ. With a
    /// dropout <paramref name="mask"/>, W^T δ is multiplied by M first, and σ'(Z) is taken from σ(Z) recomputed into
    /// <paramref name="unmasked"/> (the activations passed in are masked).
    /// </summary>
    internal static void HiddenErrorInto<T>(
        T[] weight, int outputSize, int inputSize, T[] delta, int m, Activation previousActivation, ReadOnlySpan<T> previousZ, ReadOnlySpan<T> previousA,
        T[] upstream, T[] result, T[]? mask = null, T[]? unmasked = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Kernels<T>.Multiply(true, weight, outputSize, inputSize, false, delta, outputSize, m, upstream);
        int count = inputSize * m;
        if (mask is not null)
        {
            Kernels<T>.MultiplyElementwise(upstream.AsSpan(0, count), mask.AsSpan(0, count), upstream.AsSpan(0, count));
            var activation = unmasked.AsSpan(0, count);
            previousActivation.Apply<T>(previousZ[..count], activation, inputSize);
            previousA = activation;
        }
        previousActivation.Backward<T>(previousZ[..count], previousA[..count], upstream.AsSpan(0, count), result.AsSpan(0, count), inputSize);
    }

    /// <summary>BP1 into <paramref name="delta"/> (the size of z), with <paramref name="scratch"/> for ∇_a ℓ; returns Σ_i ℓ(a^(i), y^(i)).</summary>
    internal static T OutputErrorInto<T>(Activation activation, ReadOnlySpan<T> z, ReadOnlySpan<T> a, ReadOnlySpan<T> y, Span<T> delta, Span<T> scratch, int rows, Loss loss)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (loss.TryFused<T>(activation, z, a, y, delta, rows, out T sum)) return sum;
        loss.Gradient<T>(a, y, scratch, rows);
        activation.Backward<T>(z, a, scratch, delta, rows);
        return loss.Sum<T>(a, y, rows);
    }

    /// <summary>The cost of Z^[L], A^[L] against Y under the loss's reduction, with weights w when given (checked by the caller).</summary>
    internal static T CostCore<T>(Activation activation, ImmutableMatrix<T> z, ImmutableMatrix<T> a, ImmutableMatrix<T> y, Loss loss, ImmutableVector<T>? weights = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (weights is not null)
        {
            var (weighted, total) = WeightedLoss(activation, z.AsSpan(), a.AsSpan(), y.AsSpan(), weights.AsSpan(), z.Rows, loss, new T[z.Rows]);
            return loss.Reduction == Reduction.Sum ? weighted : weighted / total;
        }
        if (!loss.TryFused<T>(activation, z.AsSpan(), a.AsSpan(), y.AsSpan(), Span<T>.Empty, z.Rows, out T sum))
            sum = loss.Sum<T>(a.AsSpan(), y.AsSpan(), z.Rows);
        return loss.Reduction == Reduction.Sum ? sum : sum / T.CreateChecked(z.Columns);
    }

    internal static void CheckInput<T>(Network<T> network, ImmutableMatrix<T> input, string parameterName) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(input, parameterName);
        if (input.Rows != network.InputSize)
            throw new ArgumentException($"Expected {parameterName} to be {network.InputSize} x m (one sample per column), got {input.Shape}.", parameterName);
        Guard.AtLeastOneSample(input, parameterName);
        Guard.Finite(input, parameterName);
    }

    internal static void CheckTarget<T>(Network<T> network, int sampleCount, ImmutableMatrix<T> target, Loss loss) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(loss);
        if (target.Rows != network.OutputSize || target.Columns != sampleCount)
            throw new ArgumentException($"Expected target to be {network.OutputSize} x {sampleCount} (outputs x samples), got {target.Shape}.", nameof(target));
        Guard.Finite(target, nameof(target));
        loss.CheckOutputActivation(network.Layers[^1].Activation, nameof(loss));
        loss.CheckTargets(target, nameof(target));
    }

    private static void CheckTrace<T>(Network<T> network, ForwardTrace<T> trace) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(trace);
        if (trace.PreActivations.Length != network.Layers.Length || trace.Activations.Length != network.Layers.Length || trace.Input.Rows != network.InputSize)
            throw new ArgumentException($"Expected a trace of this network's {network.Layers.Length} layers and {network.InputSize} inputs, got {trace.Activations.Length} layers and {trace.Input.Rows} inputs.", nameof(trace));
        for (int l = 0; l < network.Layers.Length; l++)
            if (trace.PreActivations[l].Rows != network.Layers[l].OutputSize || trace.Activations[l].Rows != network.Layers[l].OutputSize
                || trace.PreActivations[l].Columns != trace.SampleCount || trace.Activations[l].Columns != trace.SampleCount)
                throw new ArgumentException($"Expected layer {l} of trace to be {network.Layers[l].OutputSize} x {trace.SampleCount}, got {trace.Activations[l].Shape}.", nameof(trace));
        Guard.AtLeastOneSample(trace.Input, nameof(trace));
        trace.Mask?.CheckFits(network, trace.SampleCount, nameof(trace));
        Guard.Finite(trace.Input, nameof(trace));
        for (int l = 0; l < network.Layers.Length; l++)
        {
            Guard.Finite(trace.PreActivations[l], nameof(trace));
            Guard.Finite(trace.Activations[l], nameof(trace));
        }
    }
}

/// <summary>Receives the parts of a gradient from <see cref="Backprop.BackwardInto{T}"/> as soon as each is final.</summary>
internal interface IGradientSink
{
    /// <summary>Called for each finished tile of ∇W^[layer] (zero-based), possibly from several threads at once, on disjoint tiles.</summary>
    TileDone WeightTiles(int layer);

    /// <summary>Called once ∇b^[layer] (zero-based) is final, after every tile of ∇W^[layer].</summary>
    void BiasDone(int layer);
}
