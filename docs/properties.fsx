// A property test of your own function with FsCheck 3: a loss and an activation defined here, whose derivatives
// must match central differences for random inputs, element by element and through a whole random network.
//
//   dotnet pack src/Pure -c Release -o /tmp/pure-packages
//   dotnet fsi docs/properties.fsx
// The run prints its random state; FSCHECK_REPLAY=seed,gamma reruns the same cases. A failing property throws
// (with FsCheck's replay of the failing step) and the script exits with code 1.
#i "nuget: /tmp/pure-packages"
#r "nuget: Pure, *-*"
#r "nuget: FsCheck, 3.6.0"

open System
open FsCheck
open FsCheck.FSharp
open Pure

// The user's functions: the pseudo-Huber loss f(a, y) = δ²(sqrt(1 + ((a - y)/δ)²) - 1) with δ = 1, and its derivative;
// and the activation "swish" σ(z) = z · sigmoid(z) with σ'(z) = s + z s (1 - s).
let huber (a: float) (y: float) = Math.Sqrt(1.0 + (a - y) * (a - y)) - 1.0
let huberDerivative (a: float) (y: float) = (a - y) / Math.Sqrt(1.0 + (a - y) * (a - y))
let swish z = z / (1.0 + Math.Exp(-z))
let swishDerivative z = let s = 1.0 / (1.0 + Math.Exp(-z)) in s + z * s * (1.0 - s)

// Central differences with h = 2^-20 in double; pass when |analytic - numeric| <= 1e-7 + 1e-5 · max(|analytic|, |numeric|).
let h = Math.Pow(2.0, -20.0)
let close (analytic: float) (numeric: float) = Math.Abs(analytic - numeric) <= 1e-7 + 1e-5 * Math.Max(Math.Abs analytic, Math.Abs numeric)

// Bounded values: FsCheck's default float also yields NaN and infinities, which are not what is tested here.
let value bound = Gen.choose (-bound * 1000, bound * 1000) |> Gen.map (fun i -> float i / 1000.0)

// Every run starts from a random state that it prints; FSCHECK_REPLAY="seed,gamma" reruns exactly that run.
// Check.One with QuickThrowOnFailure throws on failure, so the script exits with code 1; FsCheck's message then
// also carries the replay of the failing step.
let seed, gamma =
    match Environment.GetEnvironmentVariable "FSCHECK_REPLAY" with
    | null | "" -> uint64 (Random.Shared.NextInt64()), uint64 (Random.Shared.NextInt64()) ||| 1UL // gamma must be odd
    | text ->
        match text.Split ',' |> Array.map UInt64.TryParse with
        | [| true, seed; true, gamma |] when gamma % 2UL = 1UL -> seed, gamma
        | _ -> failwithf "Expected FSCHECK_REPLAY=seed,gamma with an odd gamma, got %s" text
printfn "replay this run with FSCHECK_REPLAY=%d,%d" seed gamma

let run name count property =
    printfn "%s:" name
    let config = Config.QuickThrowOnFailure.WithMaxTest(count).WithReplay(Some { Rnd = Rnd(seed, gamma); Size = None })
    Check.One(config, property)

run "the pseudo-Huber derivative matches central differences" 500 (
    Prop.forAll (Arb.fromGen (Gen.zip (value 20) (value 20))) (fun (a, y) ->
        let numeric = (huber (a + h) y - huber (a - h) y) / (2.0 * h)
        close (huberDerivative a y) numeric |> Prop.label (sprintf "a = %g, y = %g: analytic %g, numeric %g" a y (huberDerivative a y) numeric)))

run "the swish derivative matches central differences" 500 (
    Prop.forAll (Arb.fromGen (value 30)) (fun z ->
        let numeric = (swish (z + h) - swish (z - h)) / (2.0 * h)
        close (swishDerivative z) numeric |> Prop.label (sprintf "z = %g: analytic %g, numeric %g" z (swishDerivative z) numeric)))

// Through a whole network: Pure's gradient checker on random layer sizes, weights, inputs and targets.
let swishActivation = Activation.Custom("swish", swish, swishDerivative)
let huberLoss = Loss.Custom("pseudo_huber", huber, huberDerivative)
let networkCase =
    gen {
        let! sizes = Gen.arrayOfLength 3 (Gen.choose (1, 5))
        let! samples = Gen.choose (1, 6)
        let! seed = Gen.choose (0, 100000)
        let! inputs = Gen.arrayOfLength (sizes[0] * samples) (value 2)
        let! targets = Gen.arrayOfLength (sizes[2] * samples) (value 2)
        return sizes, samples, seed, inputs, targets
    }

run "Backward through swish layers with the pseudo-Huber loss matches central differences" 100 (
    Prop.forAll (Arb.fromGen networkCase) (fun (sizes, samples, seed, inputs, targets) ->
        let network = Network.Create<float>(sizes, [ swishActivation; Activation.Identity ], seed = seed)
        let x = ImmutableMatrix.FromColumnMajor(sizes[0], samples, inputs)
        let y = ImmutableMatrix.FromColumnMajor(sizes[2], samples, targets)
        let report = GradientCheck.Run(network, x, y, huberLoss)
        report.Passed |> Prop.label (string report)))

printfn "properties: all properties held"
