// A property test of your own functions: a custom activation and a custom loss, each checked with one law of the
// law kit (Pure.Testing) through FsCheck's Check.One. docs/properties.md explains the laws.
//
//   for p in src/Pure src/Pure.Testing; do dotnet pack $p -c Release -o /tmp/pure-packages; done
//   dotnet fsi docs/properties.fsx
// The run prints its seed; PURE_REPLAY=seed,gamma reruns exactly those cases. A failing law throws (with the shrunk
// case, every failing coordinate and FsCheck's Replay) and the script exits with code 1.
#i "nuget: /tmp/pure-packages"
#r "nuget: Pure.Testing, *-*"

open System
open FsCheck
open Pure
open Pure.Testing

// swish σ(z) = z · s(z), s the logistic sigmoid, σ'(z) = s + z s (1 - s); pseudo-Huber f(a, y) = sqrt(1 + (a - y)²) - 1.
let sigmoid z = 1.0 / (1.0 + Math.Exp(-z))
let swish = Activation.Custom("swish", (fun z -> z * sigmoid z), fun z -> let s = sigmoid z in s + z * s * (1.0 - s))
let huber = Loss.Custom("pseudo_huber", (fun a y -> Math.Sqrt(1.0 + (a - y) ** 2.0) - 1.0), fun a y -> (a - y) / Math.Sqrt(1.0 + (a - y) ** 2.0))

let seed, gamma =
    match Environment.GetEnvironmentVariable "PURE_REPLAY" with
    | null | "" -> uint64 (Random.Shared.NextInt64()), uint64 (Random.Shared.NextInt64()) ||| 1UL // gamma must be odd
    | text -> let parts = text.Split ',' in UInt64.Parse parts[0], UInt64.Parse parts[1]
printfn "replay this run with PURE_REPLAY=%d,%d" seed gamma
let config = Config.QuickThrowOnFailure.WithMaxTest(300).WithReplay(Some { Rnd = Rnd(seed, gamma); Size = None })

Check.One(config, Laws.ActivationDerivative swish)
Check.One(config, Laws.LossGradient huber)
printfn "properties: all properties held"
