/// Sample and class weights and the loss reduction from F#: each function gives what the C# call it wraps gives.
module Pure.FSharp.Tests.WeightTests

open Xunit
open Pure
open Pure.FSharp

/// 8 samples, 3 features, 2 classes one-hot: 6 of class 0, 2 of class 1 (columns 2 and 5).
let private inputs = ImmutableMatrix.Create<float>(3, 8, fun i j -> sin (float (2 * i + 3 * j + 1)))

let private targets: ImmutableMatrix<float> = [ 0; 0; 1; 0; 0; 1; 0; 0 ] |> Metrics.oneHot 2

let private network: Network<float> = Network.create [ 3; 4; 2 ] Activation.Tanh Activation.Softmax 11

let private loss = Loss.CategoricalCrossEntropy

/// Unequal weights, one of them 0.
let private weights = Vector.ofArray [| 1.0; 2.0; 0.5; 0.0; 3.0; 1.5; 1.0; 0.25 |]

[<Fact>]
let ``weightedGradient and weightedCost equal Backprop.Gradient and Backprop.Cost with weights`` () =
    let gradients = network |> Backprop.weightedGradient loss inputs targets weights
    Assert.Equal(Pure.Backprop.Gradient(network, inputs, targets, loss, weights), gradients)
    let cost = network |> Backprop.weightedCost loss inputs targets weights
    Assert.Equal(Pure.Backprop.Cost(network, inputs, targets, loss, weights), cost)
    Assert.Equal(gradients.Loss, cost)
    // The weights are used: the unweighted gradient and cost differ.
    Assert.NotEqual(network |> Backprop.gradient loss inputs targets, gradients)
    Assert.NotEqual(network |> Backprop.cost loss inputs targets, cost)

[<Fact>]
let ``weightedGradient takes input then target`` () =
    // 3 features in, 2 outputs: the other order is refused.
    Assert.ThrowsAny<System.ArgumentException>(fun () -> network |> Backprop.weightedGradient loss targets inputs weights |> ignore) |> ignore

[<Fact>]
let ``ClassWeights.balanced and toSampleWeights equal the C# calls`` () =
    let classWeights = targets |> ClassWeights.balanced
    Assert.Equal<ImmutableVector<float>>(Pure.ClassWeights.Balanced targets, classWeights)
    // m / (k n_c): 8 / (2 · 6) and 8 / (2 · 2).
    Assert.Equal(8.0 / 12.0, classWeights[0], 15)
    Assert.Equal(2.0, classWeights[1], 15)
    let sampleWeights = classWeights |> ClassWeights.toSampleWeights targets
    Assert.Equal<ImmutableVector<float>>(Pure.ClassWeights.ToSampleWeights(classWeights, targets), sampleWeights)
    Assert.Equal(classWeights[1], sampleWeights[2])
    Assert.Equal(classWeights[0], sampleWeights[3])

[<Fact>]
let ``Loss.withReduction equals Loss.WithReduction and the summed cost is the weights' total times the mean`` () =
    let summed = loss |> Loss.withReduction Reduction.Sum
    Assert.Equal(loss.WithReduction Reduction.Sum, summed)
    Assert.Equal(Reduction.Sum, Loss.reduction summed)
    Assert.Equal(Reduction.Mean, Loss.reduction loss)
    Assert.NotEqual(loss, summed)
    let sum = network |> Backprop.weightedCost summed inputs targets weights
    let mean = network |> Backprop.weightedCost loss inputs targets weights
    Assert.Equal(Pure.Backprop.Cost(network, inputs, targets, summed, weights), sum)
    Assert.Equal(Seq.sum weights * mean, sum, 12)

[<Fact>]
let ``Dataset.withWeights and weights are Dataset.WithWeights and Weights, and slices keep the weights`` () =
    let data = Dataset.create inputs targets
    Assert.Equal(None, Dataset.weights data)
    let weighted = data |> Dataset.withWeights (Some weights)
    Assert.Equal(data.WithWeights weights, weighted)
    Assert.Equal(Some weights, Dataset.weights weighted)
    Assert.Equal(None, weighted |> Dataset.withWeights None |> Dataset.weights)
    Assert.Equal(weighted.Select [| 1; 2; 3 |], weighted[1..3])
    Assert.Equal(Some(Vector.ofArray [| 2.0; 0.5; 0.0 |]), Dataset.weights weighted[1..3])

[<Fact>]
let ``Train.epochs on class-weighted data equals Training.Epochs`` () =
    let data = Dataset.create inputs targets |> Dataset.withWeights (Some(targets |> ClassWeights.balanced |> ClassWeights.toSampleWeights targets))
    let settings = { Train.defaults<float> with Optimizer = Optimizer.adam 0.05; Loss = loss; BatchSize = 3; Epochs = 4 }
    let fsharp = network |> Train.run settings data
    let csharp = Training.Epochs(network, settings.Optimizer, loss, data, 3, 4, 0) |> Seq.last
    Assert.Equal(csharp, fsharp)
    let unweighted = network |> Train.run settings (Dataset.create inputs targets)
    Assert.NotEqual(unweighted.Network, fsharp.Network)
