/// The active patterns over activations and losses are exhaustive over the built-ins.
/// Each match below has no wildcard: with warnings as errors, a missing case (FS0025) fails the build.
module Pure.FSharp.Tests.PatternTests

open Xunit
open Pure
open Pure.FSharp

let private describeActivation activation =
    match activation with
    | Identity -> "identity"
    | Sigmoid -> "sigmoid"
    | Tanh -> "tanh"
    | Relu -> "relu"
    | LeakyRelu slope -> $"leaky relu {slope}"
    | Softmax -> "softmax"
    | Custom name -> $"custom {name}"

let private describeLoss loss =
    match loss with
    | Absolute -> "absolute"
    | Squared -> "squared"
    | HalfSquared -> "half squared"
    | BinaryCrossEntropy -> "binary cross-entropy"
    | CategoricalCrossEntropy -> "categorical cross-entropy"
    | CustomLoss name -> $"custom {name}"

[<Fact>]
let ``every built-in activation has its own case and custom ones keep their name`` () =
    let described =
        [ Activation.Identity; Activation.Sigmoid; Activation.Tanh; Activation.Relu; Activation.LeakyRelu 0.25; Activation.Softmax
          Activation.Custom("softplus", (fun z -> log (1.0 + exp z)), (fun z -> 1.0 / (1.0 + exp -z))) ]
        |> List.map describeActivation
    Assert.Equal<string list>([ "identity"; "sigmoid"; "tanh"; "relu"; "leaky relu 0.25"; "softmax"; "custom softplus" ], described)

[<Fact>]
let ``every built-in loss has its own case and custom ones keep their name`` () =
    let described =
        [ Loss.Absolute; Loss.Squared; Loss.HalfSquared; Loss.BinaryCrossEntropy; Loss.CategoricalCrossEntropy
          Loss.Custom("quartic", (fun y t -> (y - t) ** 4.0), (fun y t -> 4.0 * (y - t) ** 3.0)) ]
        |> List.map describeLoss
    Assert.Equal<string list>([ "absolute"; "squared"; "half squared"; "binary cross-entropy"; "categorical cross-entropy"; "custom quartic" ], described)

[<Fact>]
let ``a layer's activation is matched through Layer.activation`` () =
    let network: Network<float> = Network.create [ 2; 3; 2 ] (Activation.LeakyRelu 0.5) Activation.Softmax 3
    Assert.Equal<string list>([ "leaky relu 0.5"; "softmax" ], network |> Network.layers |> List.map (Layer.activation >> describeActivation))
