// Quick start: XOR with Pure from an F# script.
//
// Make the package once, then run the script (dotnet fsi needs an ABSOLUTE folder in #i):
//   dotnet pack src/Pure -c Release -o /tmp/pure-packages
//   dotnet fsi docs/quickstart.fsx
// .ci/fsx.sh does the same with a fresh temporary folder. The script exits with code 1 when a check fails.
#i "nuget: /tmp/pure-packages"
#r "nuget: Pure, *-*"

open Pure

// One sample per COLUMN: X is 2 x 4 (features x samples) and Y is 1 x 4.
let inputs = ImmutableMatrix.FromArray(array2D [ [ 0.; 0.; 1.; 1. ]; [ 0.; 1.; 0.; 1. ] ])
let targets = ImmutableMatrix.FromArray(array2D [ [ 0.; 1.; 1.; 0. ] ])
let data = Dataset(inputs, targets)

// 2-4-1, tanh then sigmoid; F#'s float is System.Double (use float32 for single precision).
let network = Network.Create<float>([ 2; 4; 1 ], Activation.Tanh, Activation.Sigmoid, seed = 1)
let optimizer = Optimizer.Adam(learningRate = 0.05)

// Training.Epochs is a lazy sequence of immutable epoch results; batch size 4 is the whole set.
let epochs =
    Training.Epochs(network, optimizer, Loss.BinaryCrossEntropy, data, batchSize = 4, epochs = 500, seed = 1)
    |> Seq.toList

for result in epochs do
    if result.Epoch = 1 || result.Epoch % 100 = 0 then
        printfn "epoch %3d  loss %.6f" result.Epoch result.TrainingLoss

let first, last = List.head epochs, List.last epochs
let predictions = Backprop.Predict(last.Network, inputs)
printfn "predictions: %s" (String.concat " " [ for j in 0 .. 3 -> sprintf "%.4f" predictions[0, j] ])

let check condition message = if not condition then (eprintfn "FAILED: %s" message; exit 1)
check (last.TrainingLoss < first.TrainingLoss / 10.0) (sprintf "the loss went from %g to %g, not down tenfold" first.TrainingLoss last.TrainingLoss)
for j in 0 .. 3 do
    let predicted = if predictions[0, j] > 0.5 then 1.0 else 0.0
    check (predicted = targets[0, j]) (sprintf "sample %d: predicted %g for target %g" j predictions[0, j] targets[0, j])
// The inputs are values: training changed no argument.
check (network = Network.Create<float>([ 2; 4; 1 ], Activation.Tanh, Activation.Sigmoid, seed = 1)) "the initial network changed"
printfn "quickstart: all checks passed"
