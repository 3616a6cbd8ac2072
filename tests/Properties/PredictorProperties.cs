using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using Pure.Properties.Support;

namespace Pure.Properties;

/// <summary>
/// <see cref="Predictor{T}"/> and the pooled forward pass behind <see cref="Backprop.Predict{T}"/> and
/// <see cref="Model{T}.Predict"/>: bit for bit the output of the traced forward pass (fresh arrays per layer), for
/// random networks, activations, scalings and batches, in both dtypes, with the caller's input left untouched and
/// stale workspace contents from an earlier, larger batch of no influence.
/// </summary>
public class PredictorProperties
{
    /// <summary>Widths around the vector blocks of the products: one and eight Vector512s of double (8, 64) and float (16, 128).</summary>
    private static readonly int[] Widths = [1, 2, 3, 7, 8, 9, 10, 16, 17, 31, 63, 64, 65, 127, 128, 129, 200, 256, 257];

    private static readonly Activation[] Hidden = [Activation.Relu, Activation.Tanh, Activation.Sigmoid, Activation.Identity, Activation.LeakyRelu(0.05), Activation.Softmax];

    /// <summary>A case: the seed of every value, the layer sizes, one activation index per layer, the batch sizes of two calls, and the scalings used.</summary>
    public sealed record Case(int Seed, int[] Sizes, int[] Activations, int FirstBatch, int SecondBatch, int Scaling, bool TargetScaled)
    {
        /// <inheritdoc />
        public override string ToString() =>
            $"seed {Seed}, sizes {string.Join("-", Sizes)}, activations {string.Join(",", Activations)}, batches {FirstBatch} then {SecondBatch}, scaling {Scaling}, target scaled {TargetScaled}";
    }

    private static Gen<int> Batch() => Gen.Frequency((3, Gen.Constant(1)), (2, Gen.Elements(2, 3, 12, 13)), (2, Gen.Choose(1, 70)));

    private static Gen<Case> Cases() =>
        from seed in Gen.Choose(0, int.MaxValue)
        from layers in Gen.Choose(1, 4)
        from sizes in Gen.ArrayOf(Gen.Elements(Widths), layers + 1)
        from activations in Gen.ArrayOf(Gen.Choose(0, Hidden.Length - 1), layers)
        from first in Batch()
        from second in Batch()
        from scaling in Gen.Choose(0, 2)
        from targetScaled in Gen.Elements(false, true)
        select new Case(seed, sizes, activations, Math.Max(first, second), Math.Min(first, second), scaling, targetScaled);

    [PureProperty(MaxTest = 100)]
    public Property Predictor_and_Predict_give_the_bits_of_the_traced_forward_pass_in_double() => SameBits<double>();

    [PureProperty(MaxTest = 100)]
    public Property Predictor_and_Predict_give_the_bits_of_the_traced_forward_pass_in_float() => SameBits<float>();

    private static Property SameBits<T>() where T : unmanaged, IFloatingPointIeee754<T> => Prop.ForAll(Cases().ToArbitrary(), c =>
    {
        var random = new Random(c.Seed);
        var activations = c.Activations.Select(a => Hidden[a]).ToArray();
        var network = Network.Create<T>(c.Sizes, activations, c.Seed % 1000);
        int n0 = c.Sizes[0], nL = c.Sizes[^1];
        ImmutableVector<T> Vector(int length, double low, double high) =>
            ImmutableVector.Create(Enumerable.Range(0, length).Select(_ => T.CreateChecked(low + (high - low) * random.NextDouble())).ToArray());
        FeatureScaling<T>? scaling = c.Scaling switch
        {
            1 => new Standardization<T>(Vector(n0, -3, 3), Vector(n0, 0.25, 4)),
            2 => new MinMaxScaling<T>(Vector(n0, -3, 3), Vector(n0, 0.25, 4)),
            _ => null,
        };
        var model = new Model<T>(network, Loss.Squared, scaling) { TargetScaling = c.TargetScaled ? new Standardization<T>(Vector(nL, -2, 2), Vector(nL, 0.5, 3)) : null };
        var networkPredictor = new Predictor<T>(network, c.FirstBatch);
        var modelPredictor = new Predictor<T>(model, c.FirstBatch);
        var failures = new List<string>();
        foreach (int m in new[] { c.FirstBatch, c.SecondBatch })
        {
            var raw = Enumerable.Range(0, n0 * m).Select(_ => T.CreateChecked(4 * (random.NextDouble() - 0.5))).ToArray();
            var input = ImmutableMatrix.FromColumnMajor<T>(n0, m, raw);
            var before = raw.ToArray();

            // The reference: the traced forward pass, one fresh array per layer, and the scalings' own Apply and Invert.
            var traced = Backprop.Forward(network, input).Output;
            var scaledInput = scaling is null ? input : scaling.Apply(input);
            var tracedModel = Backprop.Forward(network, scaledInput).Output;
            if (model.TargetScaling is not null) tracedModel = model.TargetScaling.Invert(tracedModel);

            Expect("Backprop.Predict", traced, Backprop.Predict(network, input).AsSpan());
            Expect("Model.Predict", tracedModel, model.Predict(input).AsSpan());
            var output = new T[nL * m + 3];
            output.AsSpan().Fill(T.NaN);
            Assert.Equal(m, networkPredictor.Predict(raw, output));
            Expect("network Predictor", traced, output.AsSpan(0, nL * m));
            if (!T.IsNaN(output[nL * m])) failures.Add($"m = {m}: the network Predictor wrote past n_L · m");
            Assert.Equal(m, modelPredictor.Predict(raw, output));
            Expect("model Predictor", tracedModel, output.AsSpan(0, nL * m));
            Expect("model Predictor (matrix)", tracedModel, modelPredictor.Predict(input).AsSpan());
            if (!Precision.BitwiseEqual<T>(raw, before)) failures.Add($"m = {m}: the input changed");

            void Expect(string what, ImmutableMatrix<T> expected, ReadOnlySpan<T> actual)
            {
                if (!Precision.BitwiseEqual(expected.AsSpan(), actual)) failures.Add($"m = {m}: {what} differs from the traced forward pass");
            }
        }
        return (failures.Count == 0).Label($"{c}: {string.Join("; ", failures)}");
    });

    [Fact]
    public void Predictor_refuses_bad_batches_and_non_finite_input_by_name()
    {
        var network = Network.Create<double>([3, 4, 2], Activation.Tanh, Activation.Identity, seed: 1);
        var predictor = new Predictor<double>(network, maxBatch: 2);
        var output = new double[4];
        var tooMany = Assert.Throws<ArgumentException>(() => predictor.Predict(new double[9], output));
        Assert.Equal("input", tooMany.ParamName);
        Assert.Contains("1 ≤ m ≤ 2", tooMany.Message);
        Assert.Contains("got 9", tooMany.Message);
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => predictor.Predict(new double[4], output)).ParamName);
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => predictor.Predict([], output)).ParamName);
        var shortOutput = Assert.Throws<ArgumentException>(() => predictor.Predict(new double[6], new double[3]));
        Assert.Equal("output", shortOutput.ParamName);
        Assert.Contains("at least 4", shortOutput.Message);
        var nan = Assert.Throws<ArgumentException>(() => predictor.Predict([0, 1, 2, 3, double.NaN, 5], output));
        Assert.Contains("NaN at row 1, column 1", nan.Message);
        Assert.Equal("maxBatch", Assert.Throws<ArgumentOutOfRangeException>(() => new Predictor<double>(network, 0)).ParamName);
        Assert.All(output, value => Assert.Equal(0.0, value));
    }

    [Fact]
    public void A_model_Predictor_names_a_non_finite_raw_or_scaled_input_wherever_it_lies()
    {
        // 19 features: whole vectors of every width and a scalar tail. Feature 17's divisor is tiny, so 1e300 there
        // scales past double's range; any other feature takes 1e300 in its stride.
        const int n0 = 19;
        var network = Network.Create<double>([n0, 3, 2], Activation.Tanh, Activation.Identity, seed: 2);
        var scale = Enumerable.Repeat(2.0, n0).ToArray();
        scale[17] = 1e-300;
        var model = new Model<double>(network, Loss.Squared, new Standardization<double>(ImmutableVector.Create(new double[n0]), ImmutableVector.Create(scale)));
        var predictor = new Predictor<double>(model, maxBatch: 3);
        var output = new double[6];
        foreach (int index in new[] { 0, 7, 16, n0 + 3, 2 * n0 + 18 })
            foreach (double bad in new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity })
            {
                var input = new double[3 * n0];
                input[index] = bad;
                var refused = Assert.Throws<ArgumentException>(() => predictor.Predict(input, output));
                Assert.Equal("input", refused.ParamName);
                Assert.Contains($"Expected finite values in input, got {bad} at row {index % n0}, column {index / n0}", refused.Message);
            }
        var overflowing = new double[2 * n0];
        overflowing[n0 + 17] = 1e300;
        var scaled = Assert.Throws<ArgumentException>(() => predictor.Predict(overflowing, output));
        Assert.Contains("Expected finite values in the scaled input, got ∞ at row 17, column 1", scaled.Message.Replace("Infinity", "∞"));
        Assert.All(output, value => Assert.Equal(0.0, value));

        // The same input with a finite value there predicts as the traced forward pass does.
        overflowing[n0 + 17] = 1e-290;
        Assert.Equal(2, predictor.Predict(overflowing, output));
        var expected = Backprop.Forward(network, model.Scaling!.Apply(ImmutableMatrix.FromColumnMajor<double>(n0, 2, overflowing))).Output;
        Assert.True(Precision.BitwiseEqual<double>(expected.AsSpan(), output.AsSpan(0, 4)));
    }
}

/// <summary>
/// Prediction's parallel paths at the inference benchmark's shape, 784-512-256-10: inside ForkJoin's spinning scope
/// each thread takes a contiguous range of tiles (batch 64, 65, 200) or of row blocks (batch 1), where training hands
/// them out one by one. The Predictor and Backprop.Predict must still give the bits of the traced forward pass, which
/// runs outside that scope, on 1, 2 and 3 threads. In the collection that runs alone, since it sets Gemm's thread limit.
/// </summary>
[Collection(nameof(MathNetGlobals))]
public class PredictorThreadProperties
{
    [Fact]
    public void Repeated_one_sample_predictions_cut_the_weights_on_the_second_call_and_keep_the_traced_bits()
    {
        CutOnTheSecondCall<double>();
        CutOnTheSecondCall<float>();
    }

    /// <summary>
    /// Backprop.Predict and Model.Predict at one sample: the first call reads the weights as stored, the second makes each
    /// layer's cut (where the kernel has one: not for 10 rows), and every call, on 1 to 3 threads, gives the traced bits.
    /// </summary>
    private static void CutOnTheSecondCall<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var network = Network.Create<T>([784, 300, 130, 10], Activation.Relu, Activation.Softmax, seed: 5);
        var model = new Model<T>(network, Loss.CategoricalCrossEntropy,
            new Standardization<T>(ImmutableVector.Create(Enumerable.Range(0, 784).Select(i => T.CreateChecked(i % 7)).ToArray()), ImmutableVector.Create(Enumerable.Repeat(T.CreateChecked(3), 784).ToArray())));
        var input = ImmutableMatrix.Create<T>(784, 1, (i, _) => T.CreateChecked(Math.Cos(0.11 * i)));
        var traced = Backprop.Forward(network, input).Output.ToColumnMajorArray();
        var tracedModel = Backprop.Forward(network, model.Scaling!.Apply(input)).Output.ToColumnMajorArray();
        var weights = network.Layers.Select(layer => layer.Weight.Storage).ToArray();
        bool[] cuttable = [.. network.Layers.Select(layer => Gemm<T>.PackNarrow(layer.Weight.Storage, layer.OutputSize, layer.InputSize) is not null)];
        Assert.False(cuttable[2]);

        Assert.True(Precision.BitwiseEqual<T>(traced, Backprop.Predict(network, input).ToColumnMajorArray()), $"{typeof(T).Name}: the first call differs");
        Assert.DoesNotContain(weights, NarrowCache<T>.HasCut);
        for (int call = 2; call <= 4; call++)
            foreach (int threads in new[] { 1, 2, 3 })
            {
                var predicted = GemmDeterminismProperties.WithThreads(threads, () => Backprop.Predict(network, input).ToColumnMajorArray());
                Assert.True(Precision.BitwiseEqual<T>(traced, predicted), $"{typeof(T).Name}: call {call} on {threads} threads differs from the traced pass");
                var fromModel = GemmDeterminismProperties.WithThreads(threads, () => model.Predict(input).ToColumnMajorArray());
                Assert.True(Precision.BitwiseEqual<T>(tracedModel, fromModel), $"{typeof(T).Name}: Model.Predict, call {call} on {threads} threads, differs");
                Assert.Equal(cuttable, weights.Select(NarrowCache<T>.HasCut));
            }

        // A Predictor has its network's weights cut when it is made, before any call.
        var other = Network.Create<T>([784, 300, 130, 10], Activation.Relu, Activation.Softmax, seed: 6);
        _ = new Predictor<T>(other, 1);
        Assert.Equal(cuttable, other.Layers.Select(layer => NarrowCache<T>.HasCut(layer.Weight.Storage)));
    }

    [Fact]
    public void Predictor_at_the_benchmark_shape_gives_the_traced_bits_on_one_two_and_three_threads()
    {
        SameBitsOnEveryThreadCount<double>();
        SameBitsOnEveryThreadCount<float>();
    }

    private static void SameBitsOnEveryThreadCount<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var network = Network.Create<T>([784, 512, 256, 10], Activation.Relu, Activation.Softmax, seed: 11);
        foreach (int m in new[] { 1, 64, 65, 200 })
        {
            var input = ImmutableMatrix.Create<T>(784, m, (i, j) => T.CreateChecked(Math.Sin(0.37 * i + 1.3 * j)));
            var traced = GemmDeterminismProperties.WithThreads(1, () => Backprop.Forward(network, input).Output.ToColumnMajorArray());
            foreach (int threads in new[] { 1, 2, 3 })
            {
                var output = GemmDeterminismProperties.WithThreads(threads, () =>
                {
                    var predicted = new T[10 * m];
                    new Predictor<T>(network, m).Predict(input.AsSpan(), predicted);
                    return predicted;
                });
                Assert.True(Precision.BitwiseEqual<T>(traced, output), $"{typeof(T).Name} batch {m}, {threads} threads: the Predictor differs from the traced forward pass");
                var predict = GemmDeterminismProperties.WithThreads(threads, () => Backprop.Predict(network, input).ToColumnMajorArray());
                Assert.True(Precision.BitwiseEqual<T>(traced, predict), $"{typeof(T).Name} batch {m}, {threads} threads: Backprop.Predict differs");
            }
        }
    }
}
