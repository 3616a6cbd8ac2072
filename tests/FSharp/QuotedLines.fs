/// Each F# line issue 10 quotes as failing to compile, in its idiomatic form against Pure.FSharp, with what it returns.
module Pure.FSharp.Tests.QuotedLines

open Xunit
open Pure
open Pure.FSharp

let private xor = Dataset.create (Matrix.ofRows [ [ 0.; 0.; 1.; 1. ]; [ 0.; 1.; 0.; 1. ] ]) (Matrix.ofRows [ [ 0.; 1.; 1.; 0. ] ])
let private network: Network<float> = Network.create [ 2; 3; 1 ] Activation.Tanh Activation.Sigmoid 7

[<Fact>]
let ``match r.ValidationAccuracy with null becomes a match on an option`` () =
    let settings = { Train.defaults with Epochs = 2; BatchSize = 4; Loss = Loss.BinaryCrossEntropy }
    let describe r =
        match EpochResult.validationAccuracy r with
        | Some accuracy -> $"validated {accuracy}"
        | None -> "not validated"
    let unvalidated = network |> Train.epochs settings xor |> Seq.map describe |> Seq.toList
    let validated = network |> Train.epochs { settings with Validation = Some xor } xor |> Seq.toList
    Assert.Equal<string list>([ "not validated"; "not validated" ], unvalidated)
    Assert.Equal<string list>(
        validated |> List.map (fun r -> $"validated {r.ValidationAccuracy.Value}"),
        validated |> List.map describe)

[<Fact>]
let ``x |> Backprop.Predict net becomes x |> Network.predict net`` () =
    let prediction = xor.Inputs |> Network.predict network
    Assert.Equal(Backprop.Predict(network, xor.Inputs), prediction)
    Assert.Equal("1 x 4", prediction.Shape)

[<Fact>]
let ``let init = opt.Init becomes let init = Optimizer.init opt`` () =
    let opt = Optimizer.adam 0.01
    let init = Optimizer.init opt
    let state: OptimizerState<float> = init network
    Assert.Equal(opt.Init network, state)
    Assert.IsType<ChainState<float>>(state) |> ignore

[<Fact>]
let ``{ net with Layers = ... } becomes Network.withLayers`` () =
    let relu = network |> Network.layers |> List.map (Layer.withActivation Activation.Relu)
    let changed = network |> Network.withLayers relu
    Assert.Equal("2-3(relu)-1(relu)", changed.Architecture)
    Assert.Equal(network.Parameters, changed.Parameters)
    Assert.Equal("2-3(tanh)-1(sigmoid)", network.Architecture)

[<Fact>]
let ``split.Train[0..4] slices the first five samples of a Dataset`` () =
    let labels = [ for i in 0..39 -> i % 2 ]
    let data = Dataset.create (Matrix.init 2 40 (fun i j -> float (10 * j + i))) (Matrix.init 1 40 (fun _ j -> float (j % 2)))
    let split = data |> Dataset.split (Split.stratified 0.25 42 labels)
    let firstFive = split.Train[0..4]
    Assert.Equal(5, firstFive.Count)
    Assert.Equal(split.Train.Inputs.SliceColumns(0, 5), firstFive.Inputs)
    Assert.Equal(split.Train.Targets.SliceColumns(0, 5), firstFive.Targets)

[<Fact>]
let ``pred.Column(0) |> Seq.toArray becomes pred |> Matrix.column 0`` () =
    let pred = Matrix.ofRows [ [ 1.; 2. ]; [ 3.; 4. ]; [ 5.; 6. ] ]
    Assert.Equal<float[]>([| 1.; 3.; 5. |], pred |> Matrix.column 0 |> Seq.toArray)
    Assert.Equal<float[]>([| 2.; 4.; 6. |], pred |> Matrix.column 1)

[<Fact>]
let ``a model's nullable classes and scaling read as options`` () =
    let twoClasses: Network<float> = Network.create [ 2; 3; 2 ] Activation.Tanh Activation.Softmax 7
    let bare = twoClasses |> Model.create Loss.CategoricalCrossEntropy
    let labelled = Model<float>(twoClasses, Loss.CategoricalCrossEntropy, Classes = ClassEncoding.Fit [ "no"; "yes" ])
    Assert.Equal(None, Model.classes bare)
    Assert.Equal(None, Model.scaling bare)
    Assert.Equal(Some [ "no"; "yes" ], Model.classes labelled |> Option.map (fun c -> List.ofSeq c.Classes))
    Assert.Equal(xor.Inputs |> Network.predict twoClasses, xor.Inputs |> Model.predict bare)

[<Fact>]
let ``Train.epochs is lazy: Seq.takeWhile stops a run of a million epochs after three`` () =
    let settings = { Train.defaults with Epochs = 1_000_000; BatchSize = 4; Optimizer = Optimizer.adam 0.05 }
    let firstThree = network |> Train.epochs settings xor |> Seq.takeWhile (fun r -> r.Epoch <= 3) |> Seq.toList
    Assert.Equal<int list>([ 1; 2; 3 ], firstThree |> List.map EpochResult.epoch)
    Assert.Equal(Seq.last (Training.Epochs(network, settings.Optimizer, settings.Loss, xor, 4, 3, 0)), List.last firstThree)
