using System.Reflection;
using Pure;

// Trains XOR with the packed Pure (the README's C# quick start) and fails unless the network learned it.
// With the argument Pure.Testing, it also loads the packed Pure.Testing and every public type in it, which resolves
// its dependencies (Pure, FsCheck) from the packages restored.
var x = ImmutableMatrix.FromRows<double>([[0, 0, 1, 1], [0, 1, 0, 1]]);
var y = ImmutableMatrix.FromRows<double>([[0, 1, 1, 0]]);
var network = Network.Create<double>([2, 4, 1], Activation.Tanh, Activation.Sigmoid, seed: 1);
var last = Training.Epochs(network, Optimizer.Adam(learningRate: 0.05), Loss.BinaryCrossEntropy, new Dataset<double>(x, y),
    batchSize: 4, epochs: 500, seed: 1).Last();
var prediction = Backprop.Predict(last.Network, x);
string version = typeof(Network).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "(none)";
Console.WriteLine($"Pure {version}: epoch {last.Epoch}, loss {last.TrainingLoss:F4}, prediction {string.Join(" ", Enumerable.Range(0, 4).Select(j => prediction[0, j].ToString("F3")))}");
int failures = 0;
if (!(last.TrainingLoss < 0.01)) { Console.Error.WriteLine($"FAIL: expected a training loss below 0.01 after 500 epochs, got {last.TrainingLoss}"); failures++; }
for (int j = 0; j < 4; j++)
    if (Math.Abs(prediction[0, j] - y[0, j]) >= 0.1)
    {
        Console.Error.WriteLine($"FAIL: expected sample {j} to predict {y[0, j]} within 0.1, got {prediction[0, j]}");
        failures++;
    }

if (args.Contains("Pure.Testing"))
{
    var testing = Assembly.Load("Pure.Testing");
    var types = testing.GetExportedTypes();
    foreach (var type in types) _ = type.GetMethods();
    Console.WriteLine($"Pure.Testing {testing.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion}: {types.Length} public types load");
    if (types.Length == 0) { Console.Error.WriteLine("FAIL: expected public types in Pure.Testing, found none"); failures++; }
}
return failures == 0 ? 0 : 1;
