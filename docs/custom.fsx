// An activation and a loss defined in this script, checked with the law kit (Pure.Testing), then trained with
// Pure.FSharp.
//
//   for p in src/Pure src/Pure.Testing src/Pure.FSharp; do dotnet pack $p -c Release -o /tmp/pure-packages; done
//   dotnet fsi docs/custom.fsx
// The script exits with code 1 when a check fails.
#i "nuget: /tmp/pure-packages"
#r "nuget: Pure.FSharp, *-*"
#r "nuget: Pure.Testing, *-*"

open System
open FsCheck
open Pure
open Pure.FSharp
open Pure.Testing

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

// 1. The laws, run with FsCheck's Check.One: each returns true when the property held for every generated case.
let holds (property: Property) =
    try Check.One(Config.QuickThrowOnFailure.WithMaxTest 200, property); true
    with failure -> eprintfn "%s" failure.Message; false
check (holds (Laws.ActivationDerivative softplusActivation)) "softplus' derivative does not match central differences"
check (holds (Laws.LossGradient logCoshLoss)) "log-cosh's gradient does not match central differences"
// Through whole random networks: softplus as the hidden activation, log-cosh as the loss.
check (holds (Laws.BackwardGradient softplusActivation)) "Backward through softplus layers does not match"
check (holds (Laws.BackwardGradient logCoshLoss)) "Backward with the log-cosh loss does not match"

// 2. The laws have teeth: a derivative wrong by the factor 1 + 1e-6 is caught.
let slightlyWrong = Activation.Custom("softplus_wrong", softplus, fun z -> logistic z * (1.0 + 1e-6))
printfn "a derivative wrong by 1e-6 relative (the failure is expected):"
check (not (holds (Laws.ActivationDerivative slightlyWrong))) "the law did not catch a derivative wrong by 1e-6"

// 3. Train: y = sin(x1) + x2 / 2 on a 6 x 6 grid of [-2, 2]^2, one sample per column, in mini-batches of 8.
let grid = [ for i in 0 .. 5 do for j in 0 .. 5 -> -2.0 + 0.8 * float i, -2.0 + 0.8 * float j ]
let inputs = Matrix.ofColumns [ for x1, x2 in grid -> [ x1; x2 ] ]
let targets = Matrix.ofColumns [ for x1, x2 in grid -> [ Math.Sin x1 + x2 / 2.0 ] ]
let data = Dataset.create inputs targets

let network: Network<float> =
    Network.create [ 2; 8; 1 ] softplusActivation Activation.Identity 3

let settings = { Train.defaults with Optimizer = Optimizer.adam 0.01; Loss = logCoshLoss; BatchSize = 8; Epochs = 300; Seed = 7 }
let before = network |> Backprop.cost logCoshLoss inputs targets
let last = network |> Train.run settings data
let after = last.Network |> Backprop.cost logCoshLoss inputs targets
printfn "log-cosh cost: %.6f before training, %.6f after %d epochs" before after last.Epoch
check (after < before / 5.0) (sprintf "the cost went from %g to %g, not down fivefold" before after)

// The trained network is still checked: Pure's gradient checker compares Backward with central differences for
// every weight and bias, away from the initial weights too.
let report = GradientCheck.Run(last.Network, inputs, targets, logCoshLoss)
printfn "%O" report
check report.Passed (sprintf "the gradient check failed after training: %O" report)
printfn "custom: all checks passed"
