// An activation and a loss defined in this script, checked with the gradient checker, then trained.
//
//   dotnet pack src/Pure -c Release -o /tmp/pure-packages
//   dotnet fsi docs/custom.fsx
// The script exits with code 1 when a check fails.
#i "nuget: /tmp/pure-packages"
#r "nuget: Pure, *-*"

open System
open Pure

let check condition message = if not condition then (eprintfn "FAILED: %s" message; exit 1)

// softplus σ(z) = log(1 + e^z), written so that it neither overflows nor loses small values; σ'(z) is the logistic sigmoid.
let softplus z = Math.Max(z, 0.0) + Math.Log(1.0 + Math.Exp(-Math.Abs z))
let logistic z = 1.0 / (1.0 + Math.Exp(-z))
let softplusActivation = Activation.Custom("softplus", softplus, logistic)

// log-cosh loss f(a, y) = log cosh(a - y): quadratic near 0, linear far away; ∂f/∂a = tanh(a - y).
// log cosh r = |r| + log(1 + e^(-2|r|)) - log 2 does not overflow for large |r|.
let logCosh (a: float) (y: float) =
    let r = Math.Abs(a - y)
    r + Math.Log(1.0 + Math.Exp(-2.0 * r)) - Math.Log 2.0
let logCoshLoss = Loss.Custom("log_cosh", logCosh, fun a y -> Math.Tanh(a - y))

// A small regression set: y = sin(x1) + x2 / 2 on a 6 x 6 grid of [-2, 2]^2, one sample per column.
let grid = [ for i in 0 .. 5 do for j in 0 .. 5 -> -2.0 + 0.8 * float i, -2.0 + 0.8 * float j ]
let inputs = ImmutableMatrix.Create(2, grid.Length, fun row column -> let x1, x2 = grid[column] in if row = 0 then x1 else x2)
let targets = ImmutableMatrix.Create(1, grid.Length, fun _ column -> let x1, x2 = grid[column] in Math.Sin x1 + x2 / 2.0)

let network = Network.Create<float>([ 2; 8; 1 ], [ softplusActivation; Activation.Identity ], seed = 3)

// 1. The gradient checker compares Backward with central differences for every weight and bias (in double).
let report = GradientCheck.Run(network, inputs, targets, logCoshLoss)
printfn "%O" report
check report.Passed "the gradient check of softplus + log-cosh failed"

// 2. The checker has teeth: a wrong derivative (σ' of softplus taken as σ'(2z)) is caught.
let wrong = Activation.Custom("softplus_wrong", softplus, fun z -> logistic (2.0 * z))
let wrongReport = GradientCheck.Run(Network.Create<float>([ 2; 8; 1 ], [ wrong; Activation.Identity ], seed = 3), inputs, targets, logCoshLoss)
printfn "with a wrong derivative: %O" wrongReport
check (not wrongReport.Passed) "the gradient check did not catch a wrong derivative"

// 3. Train with both, in mini-batches of 8, and check that the cost went down.
let data = Dataset(inputs, targets)
let before = Backprop.Cost(network, inputs, targets, logCoshLoss)
let last =
    Training.Epochs(network, Optimizer.Adam(learningRate = 0.01), logCoshLoss, data, batchSize = 8, epochs = 300, seed = 7)
    |> Seq.last
let after = Backprop.Cost(last.Network, inputs, targets, logCoshLoss)
printfn "log-cosh cost: %.6f before training, %.6f after %d epochs" before after last.Epoch
check (after < before / 5.0) (sprintf "the cost went from %g to %g, not down fivefold" before after)

// The trained network is still checked: gradients stay right away from the initial weights too.
let trainedReport = GradientCheck.Run(last.Network, inputs, targets, logCoshLoss)
check trainedReport.Passed (sprintf "the gradient check failed after training: %O" trainedReport)
printfn "custom: all checks passed"
