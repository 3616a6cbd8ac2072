// Quick start: XOR with Pure.FSharp, the F# face of Pure (curried, pipe-first functions, records of settings).
//
// Make the packages once, then run the script (dotnet fsi needs an ABSOLUTE folder in #i):
//   for p in src/Pure src/Pure.FSharp; do dotnet pack $p -c Release -o /tmp/pure-packages; done
//   dotnet fsi docs/quickstart.fsx
// `*-*` takes the newest version, pre-releases included; each commit packs a distinct version.
// bash .ci/packages.sh does the same with a fresh temporary folder. The script exits with code 1 when a check fails.
#i "nuget: /tmp/pure-packages"
#r "nuget: Pure.FSharp, *-*"

open Pure
open Pure.FSharp

let check condition message = if not condition then (eprintfn "FAILED: %s" message; exit 1)

// One sample per COLUMN: X is 2 x 4 (features x samples) and Y is 1 x 4.
let inputs = Matrix.ofRows [ [ 0.; 0.; 1.; 1. ]; [ 0.; 1.; 0.; 1. ] ]
let targets = Matrix.ofRows [ [ 0.; 1.; 1.; 0. ] ]
let data = Dataset.create inputs targets

// 2-4-1, tanh then sigmoid, seed 1; F#'s float is System.Double (use float32 for single precision).
let network: Network<float> = Network.create [ 2; 4; 1 ] Activation.Tanh Activation.Sigmoid 1

// Settings are a record: change only what differs from Train.defaults. Batch size 4 is the whole set.
let settings =
    { Train.defaults with
        Optimizer = Optimizer.adam 0.05
        Loss = Loss.BinaryCrossEntropy
        BatchSize = 4
        Epochs = 500
        Seed = 1 }

// Train.epochs is a lazy sequence of immutable epoch results.
let epochs = network |> Train.epochs settings data |> Seq.toList

epochs
|> List.filter (fun result -> result.Epoch = 1 || result.Epoch % 100 = 0)
|> List.iter (fun result -> printfn "epoch %3d  loss %.6f" result.Epoch result.TrainingLoss)

let first, last = List.head epochs, List.last epochs
let predictions = inputs |> Network.predict last.Network
printfn "predictions: %s" (predictions |> Matrix.row 0 |> Array.map (sprintf "%.4f") |> String.concat " ")

check (last.TrainingLoss < first.TrainingLoss / 10.0) (sprintf "the loss went from %g to %g, not down tenfold" first.TrainingLoss last.TrainingLoss)
let predictedClasses = predictions |> Matrix.row 0 |> Array.map (fun p -> if p > 0.5 then 1.0 else 0.0)
check (predictedClasses = Matrix.row 0 targets) (sprintf "predicted %A for targets %A" predictedClasses (Matrix.row 0 targets))
// The inputs are values: training changed no argument.
check (network = Network.create [ 2; 4; 1 ] Activation.Tanh Activation.Sigmoid 1) "the initial network changed"
printfn "quickstart: all checks passed"
