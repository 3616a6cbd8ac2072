using System.Text;
using System.Text.Json.Nodes;

namespace Pure.Properties;

/// <summary>
/// Sample weights on <see cref="Dataset{T}"/>, <see cref="ClassWeights"/>, mini-batches of weight 0, the weighted
/// validation loss, and the reduction in model files.
/// </summary>
public class WeightTests
{
    private static readonly ImmutableMatrix<double> OneHot = ImmutableMatrix.FromRows<double>([[1, 1, 1, 0, 1], [0, 0, 0, 1, 0]]);
    private static readonly ImmutableMatrix<double> Inputs = ImmutableMatrix.FromRows<double>([[0.5, -1, 0.25, 2, -0.75], [1, 0.5, -2, 0, 0.25]]);

    [Fact]
    public void Balanced_class_weights_are_m_over_k_times_the_class_count()
    {
        // 5 samples, 2 classes of 4 and 1: w_c = m / (k n_c), so each class carries m / k in total.
        var weights = ClassWeights.Balanced(OneHot);
        Assert.Equal(5.0 / (2 * 4), weights[0]);
        Assert.Equal(5.0 / (2 * 1), weights[1]);
        var samples = ClassWeights.ToSampleWeights(weights, OneHot);
        Assert.Equal([weights[0], weights[0], weights[0], weights[1], weights[0]], samples.ToArray());
        Assert.Equal(2.5, samples[3]);
        Assert.Equal(2.5, samples[0] + samples[1] + samples[2] + samples[4]);
    }

    [Fact]
    public void Balanced_class_weights_refuse_a_missing_class_and_targets_that_are_not_one_hot()
    {
        var missing = Assert.Throws<ArgumentException>(() => ClassWeights.Balanced(ImmutableMatrix.FromRows<double>([[1, 1], [0, 0], [0, 0]])));
        Assert.Equal("targets", missing.ParamName);
        Assert.Contains("class 1", missing.Message);
        var soft = Assert.Throws<ArgumentException>(() => ClassWeights.Balanced(ImmutableMatrix.FromRows<double>([[0.5, 1], [0.5, 0]])));
        Assert.Contains("column 0", soft.Message);
        var count = Assert.Throws<ArgumentException>(() => ClassWeights.ToSampleWeights(ImmutableVector.Create(1.0, 2, 3), OneHot));
        Assert.Equal("classWeights", count.ParamName);
        Assert.Contains("Expected 2 class weights", count.Message);
        Assert.Contains("got 3", count.Message);
    }

    [Theory]
    [InlineData(new[] { 1.0, 2, 3, 4 }, "Expected Weights to hold 5 weights (one per sample), got 4")]
    [InlineData(new[] { 1.0, 2, -3, 4, 5 }, "got -3 at sample 2")]
    [InlineData(new[] { 1.0, double.NaN, 3, 4, 5 }, "got NaN at sample 1")]
    [InlineData(new[] { 1.0, 2, 3, double.PositiveInfinity, 5 }, "at sample 3")]
    [InlineData(new[] { 0.0, 0, 0, 0, 0 }, "got all 5 weights 0")]
    public void Dataset_refuses_bad_weights_naming_the_argument_expected_and_actual(double[] weights, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => new Dataset<double>(Inputs, OneHot) { Weights = ImmutableVector.Create(weights) });
        Assert.Equal("Weights", error.ParamName);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Select_keeps_the_weights_of_the_selected_samples()
    {
        var data = new Dataset<double>(Inputs, OneHot).WithWeights(ImmutableVector.Create(1.0, 2, 3, 4, 5));
        var selected = data.Select([4, 0, 4]);
        Assert.Equal([5.0, 1, 5], selected.Weights!.ToArray());
        Assert.Null(new Dataset<double>(Inputs, OneHot).Select([1]).Weights);
        Assert.NotEqual(data, data.WithWeights(null));
        Assert.Throws<ArgumentException>(() => data.WithWeights(ImmutableVector.Create(0.0, 2, 3, 4, 5)).Select([0]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_mini_batch_of_weight_0_takes_no_step(bool adam)
    {
        // One sample of weight 1 among four of weight 0, batches of one: whatever the order, the epoch is one step on that
        // sample from the initial state. Adam counts steps and momentum keeps moving after a step, so a step taken on a
        // batch of weight 0 would show.
        var optimizer = adam ? Optimizer.Adam(0.01) : Optimizer.Sgd(0.1, momentum: 0.9);
        var network = Network.Create<double>([2, 3, 2], [Activation.Tanh, Activation.Softmax], seed: 3);
        var data = new Dataset<double>(Inputs, OneHot) { Weights = ImmutableVector.Create(0.0, 0, 1, 0, 0) };
        var loss = Loss.CategoricalCrossEntropy;
        var result = Training.Epochs(network, optimizer, loss, data, batchSize: 1, epochs: 1, seed: 9).Single();
        var gradients = Backprop.Gradient(network, Inputs.SelectColumns([2]), OneHot.SelectColumns([2]), loss);
        var expected = Backprop.Step(optimizer, optimizer.Init(network), network, gradients);
        Assert.Equal(expected.Network, result.Network);
        Assert.Equal(expected.State, result.State);
        Assert.Equal(gradients.Loss, result.TrainingLoss);
    }

    [Fact]
    public void Validation_loss_is_weighted_when_the_validation_set_has_weights()
    {
        var network = Network.Create<double>([2, 3, 2], [Activation.Tanh, Activation.Softmax], seed: 3);
        var weights = ImmutableVector.Create(0.5, 2, 0, 1, 3);
        var validation = new Dataset<double>(Inputs, OneHot) { Weights = weights };
        foreach (var loss in new[] { Loss.CategoricalCrossEntropy, Loss.CategoricalCrossEntropy.WithReduction(Reduction.Sum) })
        {
            var result = Training.Epochs(network, Optimizer.Sgd(0.1), loss, new Dataset<double>(Inputs, OneHot), 2, 1, 4, validation).Single();
            double expected = Backprop.Cost(result.Network, Inputs, OneHot, loss, weights);
            Assert.Equal(expected, result.ValidationLoss);
            Assert.NotEqual(Backprop.Cost(result.Network, Inputs, OneHot, loss), result.ValidationLoss);
        }
    }

    [Fact]
    public void Weighted_functions_refuse_weights_of_the_wrong_length_naming_weights()
    {
        var network = Network.Create<double>([2, 3, 2], [Activation.Tanh, Activation.Softmax], seed: 3);
        var error = Assert.Throws<ArgumentException>(() => Backprop.Gradient(network, Inputs, OneHot, Loss.CategoricalCrossEntropy, ImmutableVector.Create(1.0, 2)));
        Assert.Equal("weights", error.ParamName);
        Assert.Contains("Expected weights to hold 5 weights (one per sample), got 2", error.Message);
        Assert.Throws<ArgumentException>(() => Backprop.Cost(network, Inputs, OneHot, Loss.CategoricalCrossEntropy, ImmutableVector.Create(0.0, 0, 0, 0, 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Loss.Squared with { Reduction = (Reduction)7 });
    }

    [Fact]
    public void Model_files_record_a_sum_reduction_and_files_without_one_load_as_mean()
    {
        var network = Network.Create<double>([2, 3, 2], [Activation.Tanh, Activation.Softmax], seed: 3);
        var summed = new Model<double>(network, Loss.CategoricalCrossEntropy.WithReduction(Reduction.Sum));
        var mean = new Model<double>(network, Loss.CategoricalCrossEntropy);
        string summedJson = Write(summed), meanJson = Write(mean);
        Assert.Equal("sum", JsonNode.Parse(summedJson)!["reduction"]!.GetValue<string>());
        Assert.Null(JsonNode.Parse(meanJson)!["reduction"]);
        Assert.Equal(Reduction.Sum, Read(summedJson).Loss.Reduction);
        Assert.Equal(summed, Read(summedJson));
        Assert.Equal(Reduction.Mean, Read(meanJson).Loss.Reduction);
        var json = JsonNode.Parse(meanJson)!;
        json["reduction"] = "mean";
        Assert.Equal(mean, Read(json.ToJsonString()));
        json["reduction"] = "total";
        var error = Assert.Throws<InvalidDataException>(() => Read(json.ToJsonString()));
        Assert.Contains("$.reduction: unknown reduction \"total\"", error.Message);
    }

    private static string Write(Model<double> model)
    {
        using var stream = new MemoryStream();
        ModelFile.Write(model, stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static Model<double> Read(string json) => ModelFile.Read<double>(new MemoryStream(Encoding.UTF8.GetBytes(json)), "model.json");
}
