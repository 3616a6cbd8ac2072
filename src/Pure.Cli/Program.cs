using System.Diagnostics;
using System.Globalization;
using Pure;

namespace Pure.Cli;

/// <summary>
/// The main job: trains a 64-100-10 network (ReLU, softmax, categorical cross-entropy, Adam) on the embedded
/// digits set with a seeded, stratified 25% hold-out, prints one line per epoch and the test accuracy.
/// </summary>
public static class Program
{
    private const string Usage = "usage: Pure.Cli [--epochs N] [--batch N] [--seed N] [--learning-rate X]";

    /// <summary>Entry point; returns 0 on success and 2 on bad arguments.</summary>
    public static int Main(string[] args)
    {
        int epochs = 30, batch = 32, seed = 42;
        double learningRate = 1e-3;
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--epochs": epochs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--batch": batch = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--seed": seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--learning-rate": learningRate = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "-h" or "--help": Console.WriteLine(Usage); return 0;
                    default: throw new FormatException($"unknown argument '{args[i]}'");
                }
            }
            return Run(epochs, batch, seed, learningRate);
        }
        catch (Exception error) when (error is FormatException or OverflowException or ArgumentException)
        {
            Console.Error.WriteLine($"error: {error.Message}");
            Console.Error.WriteLine(Usage);
            return 2;
        }
    }

    private static int Run(int epochs, int batch, int seed, double learningRate)
    {
        var clock = Stopwatch.StartNew();
        var (features, labels) = Digits.Load();
        var split = Split.Stratified(labels, 0.25, seed);
        var trainX = features.SelectColumns(split.Train.AsSpan());
        var testX = features.SelectColumns(split.Test.AsSpan());
        var scaling = Standardization<double>.Fit(trainX);
        var training = new Dataset<double>(scaling.Apply(trainX), Metrics.OneHot<double>(split.Train.Select(i => labels[i]).ToArray(), 10));
        var test = new Dataset<double>(scaling.Apply(testX), Metrics.OneHot<double>(split.Test.Select(i => labels[i]).ToArray(), 10));

        var network = Network.Create<double>([64, 100, 10], Activation.Relu, Activation.Softmax, seed);
        var optimizer = Optimizer.Adam(learningRate);
        var run = Training.Epochs(network, optimizer, Loss.CategoricalCrossEntropy, training, batch, epochs, seed, validation: test);
        Console.WriteLine($"digits: {training.Count} training and {test.Count} test samples, {network}, Adam(lr={learningRate}), batch {batch}, seed {seed}");
        EpochResult<double>? last = null;
        foreach (var epoch in run)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {epoch.Epoch,3}  train loss {epoch.TrainingLoss:F4}  test loss {epoch.ValidationLoss:F4}  test accuracy {epoch.ValidationAccuracy:F4}  ({clock.Elapsed.TotalSeconds:F1} s)"));
            last = epoch;
        }
        var predicted = Metrics.PredictedClasses(Backprop.Predict(last!.Network, test.Inputs));
        var confusion = Metrics.Confusion(split.Test.Select(i => labels[i]).ToArray(), predicted, 10);
        Console.WriteLine(confusion);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test accuracy: {confusion.Accuracy:F4}"));
        return 0;
    }
}
