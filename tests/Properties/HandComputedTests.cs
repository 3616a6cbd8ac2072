namespace Pure.Properties;

/// <summary>Examples small enough to work out by hand: the 2-3-2-1 network drawn in seed 001, and XOR.</summary>
public class HandComputedTests
{
    /// <summary>
    /// Seed 001's network: 2 inputs, hidden layers of 3 and 2 ReLU neurons, 1 output. Every weight is a small dyadic
    /// number, so every value below is exact in binary floating point and the comparisons are exact.
    /// </summary>
    private static Network<double> Network2321(Activation output) => Network.FromLayers(
        Layer([[1, 0], [0, 1], [1, 1]], [0, 0, -1], Activation.Relu),
        Layer([[1, -1, 0], [0, 1, 1]], [0, 0], Activation.Relu),
        Layer([[0.5, -0.25]], [1], output));

    [Fact]
    public void Network_2_3_2_1_matches_hand_computed_forward_and_backward()
    {
        // Forward, x = (1, 2):
        //   z1 = W1 x + b1 = (1·1 + 0·2, 0·1 + 1·2, 1·1 + 1·2) + (0, 0, -1) = (1, 2, 2); a1 = ReLU(z1) = (1, 2, 2)
        //   z2 = W2 a1 + b2 = (1 - 2 + 0, 0 + 2 + 2) = (-1, 4);                          a2 = ReLU(z2) = (0, 4)
        //   z3 = W3 a2 + b3 = 0.5·0 - 0.25·4 + 1 = 0;                                    a3 = z3 = 0 (identity)
        // Loss ½ (a3 - y)² with y = 1: L = ½ (0 - 1)² = 0.5.
        // Backward (m = 1):
        //   δ3 = (a3 - y) · 1 = -1;                 dW3 = δ3 a2^T = (0, -4);   db3 = -1
        //   δ2 = W3^T δ3 ⊙ ReLU'(z2) = (-0.5, 0.25) ⊙ (0, 1) = (0, 0.25)   (ReLU'(-1) = 0)
        //   dW2 = δ2 a1^T = [[0, 0, 0], [0.25, 0.5, 0.5]];                    db2 = (0, 0.25)
        //   δ1 = W2^T δ2 ⊙ ReLU'(z1) = (1·0 + 0·0.25, -1·0 + 1·0.25, 0·0 + 1·0.25) ⊙ (1, 1, 1) = (0, 0.25, 0.25)
        //   dW1 = δ1 x^T = [[0, 0], [0.25, 0.5], [0.25, 0.5]];                db1 = (0, 0.25, 0.25)
        var network = Network2321(Activation.Identity);
        var x = ImmutableMatrix.Column(1.0, 2.0);
        var trace = Backprop.Forward(network, x);
        Assert.Equal(ImmutableMatrix.Column(1.0, 2.0, 2.0), trace.PreActivations[0]);
        Assert.Equal(ImmutableMatrix.Column(1.0, 2.0, 2.0), trace.Activations[0]);
        Assert.Equal(ImmutableMatrix.Column(-1.0, 4.0), trace.PreActivations[1]);
        Assert.Equal(ImmutableMatrix.Column(0.0, 4.0), trace.Activations[1]);
        Assert.Equal(ImmutableMatrix.Column(0.0), trace.PreActivations[2]);
        Assert.Equal(ImmutableMatrix.Column(0.0), trace.Output);
        Assert.Equal(ImmutableMatrix.Column(0.0), Backprop.Predict(network, x));

        var gradients = Backprop.Backward(network, trace, ImmutableMatrix.Column(1.0), Loss.HalfSquared);
        Assert.Equal(0.5, gradients.Loss);
        AssertLayer(gradients, 2, [[0, -4]], [-1]);
        AssertLayer(gradients, 1, [[0, 0, 0], [0.25, 0.5, 0.5]], [0, 0.25]);
        AssertLayer(gradients, 0, [[0, 0], [0.25, 0.5], [0.25, 0.5]], [0, 0.25, 0.25]);
        Assert.Equal(ImmutableMatrix.Column(-1.0), Backprop.OutputError(Activation.Identity, trace.PreActivations[2], ImmutableMatrix.Column(1.0), Loss.HalfSquared));
    }

    [Fact]
    public void Network_2_3_2_1_with_sigmoid_and_binary_cross_entropy_matches_hand_computed_batch()
    {
        // Same hidden layers, sigmoid output, binary cross-entropy, a batch of m = 2 samples (one per column).
        // Sample 1: x = (1, 2), y = 1. As above z3 = 0, so a3 = σ(0) = 0.5, L = -ln 0.5 = ln 2, δ3 = a3 - y = -0.5.
        //   Every gradient is the half-squared one scaled by 0.5:
        //   dW3 = (0, -2), db3 = -0.5; δ2 = (0, 0.125); dW2 = [[0, 0, 0], [0.125, 0.25, 0.25]], db2 = (0, 0.125);
        //   δ1 = (0, 0.125, 0.125); dW1 = [[0, 0], [0.125, 0.25], [0.125, 0.25]], db1 = (0, 0.125, 0.125).
        // Sample 2: x = (3, 2), y = 0.
        //   z1 = (3, 2, 3 + 2 - 1) = (3, 2, 4) = a1; z2 = (3 - 2, 2 + 4) = (1, 6) = a2; z3 = 0.5 - 1.5 + 1 = 0.
        //   a3 = 0.5, L = -ln(1 - 0.5) = ln 2, δ3 = 0.5 - 0 = 0.5.
        //   dW3 = 0.5 (1, 6) = (0.5, 3), db3 = 0.5.
        //   δ2 = W3^T δ3 ⊙ ReLU'(z2) = (0.25, -0.125) ⊙ (1, 1) = (0.25, -0.125).
        //   dW2 = δ2 a1^T = [[0.75, 0.5, 1], [-0.375, -0.25, -0.5]], db2 = (0.25, -0.125).
        //   δ1 = W2^T δ2 ⊙ ReLU'(z1) = (0.25, -0.25 - 0.125, -0.125) = (0.25, -0.375, -0.125).
        //   dW1 = δ1 x^T = [[0.75, 0.5], [-1.125, -0.75], [-0.375, -0.25]], db1 = (0.25, -0.375, -0.125).
        // The batch gradient is the mean of the two (the 1/m of dW and db; db is the row mean of δ, not divided twice):
        //   dW3 = (0.25, 0.5), db3 = 0
        //   dW2 = [[0.375, 0.25, 0.5], [-0.125, 0, -0.125]], db2 = (0.125, 0)
        //   dW1 = [[0.375, 0.25], [-0.5, -0.25], [-0.125, 0]], db1 = (0.125, -0.125, 0)
        //   C = (ln 2 + ln 2) / 2 = ln 2.
        var network = Network2321(Activation.Sigmoid);
        var x = ImmutableMatrix.FromArray(new double[,] { { 1, 3 }, { 2, 2 } });
        var y = ImmutableMatrix.FromArray(new double[,] { { 1, 0 } });
        var trace = Backprop.Forward(network, x);
        Assert.Equal(ImmutableMatrix.FromArray(new double[,] { { 1, 3 }, { 2, 2 }, { 2, 4 } }), trace.Activations[0]);
        Assert.Equal(ImmutableMatrix.FromArray(new double[,] { { 0, 1 }, { 4, 6 } }), trace.Activations[1]);
        Assert.Equal(ImmutableMatrix.FromArray(new double[,] { { 0.5, 0.5 } }), trace.Output);

        var gradients = Backprop.Backward(network, trace, y, Loss.BinaryCrossEntropy);
        Assert.Equal(Math.Log(2), gradients.Loss, 15);
        Assert.Equal(Math.Log(2), Backprop.Cost(network, x, y, Loss.BinaryCrossEntropy), 15);
        AssertLayer(gradients, 2, [[0.25, 0.5]], [0]);
        AssertLayer(gradients, 1, [[0.375, 0.25, 0.5], [-0.125, 0, -0.125]], [0.125, 0]);
        AssertLayer(gradients, 0, [[0.375, 0.25], [-0.5, -0.25], [-0.125, 0]], [0.125, -0.125, 0]);

        // And each column alone gives the single-sample values listed above.
        var first = Backprop.Gradient(network, x.SliceColumns(0, 1), y.SliceColumns(0, 1), Loss.BinaryCrossEntropy);
        AssertLayer(first, 2, [[0, -2]], [-0.5]);
        AssertLayer(first, 0, [[0, 0], [0.125, 0.25], [0.125, 0.25]], [0, 0.125, 0.125]);
        var second = Backprop.Gradient(network, x.SliceColumns(1, 1), y.SliceColumns(1, 1), Loss.BinaryCrossEntropy);
        AssertLayer(second, 2, [[0.5, 3]], [0.5]);
        AssertLayer(second, 1, [[0.75, 0.5, 1], [-0.375, -0.25, -0.5]], [0.25, -0.125]);
        AssertLayer(second, 0, [[0.75, 0.5], [-1.125, -0.75], [-0.375, -0.25]], [0.25, -0.375, -0.125]);
    }

    [Fact]
    public void Xor_is_learnt_by_2_2_1_sigmoid_network()
    {
        // Full-batch SGD with η = 4, binary cross-entropy, 2000 epochs, Glorot initialisation from the seed.
        // Seeds tried with these settings: 1, 3, 4, 5, 6, 7, 8 learn XOR; 2, 9 and 10 settle in the known local
        // minimum that outputs 0.5 for (1, 0) and (1, 1). So the test asserts success for seed 1 and for a majority
        // of seeds 1 to 5.
        int[] seeds = [1, 2, 3, 4, 5];
        var outputs = seeds.Select(TrainXor).ToArray();
        Assert.True(SolvesXor(outputs[0]), $"seed 1 did not learn XOR: outputs {outputs[0]}");
        int successes = outputs.Count(SolvesXor);
        Assert.True(successes >= 3, $"only {successes} of seeds 1 to 5 learnt XOR:\n{string.Join("\n", outputs.Select(o => o.ToString()))}");
    }

    /// <summary>The trained network's outputs for the inputs (0, 0), (0, 1), (1, 0), (1, 1).</summary>
    private static ImmutableMatrix<double> TrainXor(int seed)
    {
        var network = Network.Create<double>([2, 2, 1], Activation.Sigmoid, Activation.Sigmoid, seed);
        var data = new Dataset<double>(XorInputs, ImmutableMatrix.FromArray(new double[,] { { 0, 1, 1, 0 } }));
        var final = Training.Epochs(network, Optimizer.Sgd(4), Loss.BinaryCrossEntropy, data, batchSize: 4, epochs: 2000, seed).Last();
        return Backprop.Predict(final.Network, XorInputs);
    }

    /// <summary>Every output on the right side of 0.5 with margin: below 0.2 for targets 0, above 0.8 for targets 1.</summary>
    private static bool SolvesXor(ImmutableMatrix<double> o) => o[0, 0] < 0.2 && o[0, 1] > 0.8 && o[0, 2] > 0.8 && o[0, 3] < 0.2;

    private static readonly ImmutableMatrix<double> XorInputs = ImmutableMatrix.FromArray(new double[,] { { 0, 0, 1, 1 }, { 0, 1, 0, 1 } });

    private static DenseLayer<double> Layer(double[][] weight, double[] bias, Activation activation) =>
        new(ImmutableMatrix.FromRows<double>(weight), ImmutableVector.Create(bias), activation);

    private static void AssertLayer(Gradients<double> gradients, int layer, double[][] weight, double[] bias)
    {
        Assert.Equal(ImmutableMatrix.FromRows<double>(weight), gradients.Gradient.Layers[layer].Weight);
        Assert.Equal(ImmutableVector.Create(bias), gradients.Gradient.Layers[layer].Bias);
    }
}
