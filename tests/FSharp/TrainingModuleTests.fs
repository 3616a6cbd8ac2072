/// The F# faces of early stopping and L-BFGS give what the C# calls give, value for value.
module Pure.FSharp.Tests.TrainingModuleTests

open Xunit
open Pure
open Pure.FSharp

let private data: Dataset<float> =
    let inputs = ImmutableMatrix.Create<float>(2, 24, fun i j -> sin (float (3 * i + j)))
    let targets = ImmutableMatrix.Create<float>(1, 24, fun _ j -> if sin (float j) + cos (float (2 * j)) > 0.0 then 1.0 else 0.0)
    Dataset.create inputs targets

let private network: Network<float> = Network.create [ 2; 5; 1 ] Activation.Tanh Activation.Sigmoid 3

let private settings =
    { Train.defaults<float> with Loss = Loss.BinaryCrossEntropy; BatchSize = 8; Epochs = 60; Validation = Some data }

[<Fact>]
let ``EarlyStopping.run stops where the C# call stops, with the same network`` () =
    // Patience 2 with a tolerance the loss cannot beat for long: the rule stops before the 60 epochs run out.
    let rule = EarlyStopping(Patience = 2, Tolerance = 0.05)
    let outcome = network |> Train.epochs settings data |> EarlyStopping.run rule
    let expected =
        Training.RunWithEarlyStopping(
            Training.Epochs(network, settings.Optimizer, settings.Loss, data, settings.BatchSize, settings.Epochs, settings.Seed, data), rule)
    Assert.Equal(StopReason.NoImprovement, outcome.Reason)
    Assert.True(outcome.StoppedEpoch < settings.Epochs)
    Assert.Equal(expected.StoppedEpoch, outcome.StoppedEpoch)
    Assert.Equal(expected.Network, outcome.Network)
    let states = network |> Train.epochs settings data |> EarlyStopping.states rule |> Seq.toList
    Assert.Equal(outcome.StoppedEpoch, states.Length)
    Assert.True((List.last states).Stopped)
    Assert.False(states |> List.take (states.Length - 1) |> List.exists (fun state -> state.Stopped))

[<Fact>]
let ``Lbfgs.train equals the C# call and lowers the cost`` () =
    let options = LbfgsOptions(MaxIterations = 30)
    let result = network |> Lbfgs.train options Loss.BinaryCrossEntropy data
    let expected = Pure.Lbfgs.Train(network, Loss.BinaryCrossEntropy, data, options)
    Assert.Equal(expected.Network, result.Network)
    Assert.Equal(expected.Report, result.Report)
    Assert.True(result.Report.FinalCost < result.Report.InitialCost, $"{result.Report}")
    Assert.Equal(200, Lbfgs.defaults.MaxIterations)
    Assert.Equal(10, EarlyStopping.defaults.Patience)
