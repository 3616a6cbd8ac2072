/// F# property style with the law kit (Pure.Testing): each law is one call returning an FsCheck Property, so an
/// FsCheck.Xunit [<Property>] test of a custom F# activation or loss is one line. A derivative wrong by a factor
/// 1 + 1e-6 (double) fails the law when run through Check.One with QuickThrowOnFailure.
module Pure.FSharp.Tests.LawKitProperties

open System
open Xunit
open FsCheck
open FsCheck.Xunit
open Pure
open Pure.Testing

/// softsign z / (1 + |z|), with its derivative 1 / (1 + |z|)² scaled by factor (1 is right).
let private softsign factor =
    Pure.Activation.Custom(
        "softsign",
        Func<float, float>(fun z -> z / (1.0 + abs z)),
        Func<float, float>(fun z -> factor / ((1.0 + abs z) * (1.0 + abs z))))

/// The log-cosh loss ln cosh(a - y) = ln(1 + 2 sinh²((a - y)/2)) with an accurate ln(1 + x), its derivative tanh(a - y)
/// scaled by factor (1 is right).
let private logCosh factor =
    let logOnePlus x =
        let u = 1.0 + x
        if u = 1.0 then x else log u * x / (u - 1.0)
    Pure.Loss.Custom(
        "log_cosh",
        Func<float, float, float>(fun a y -> logOnePlus (2.0 * sinh ((a - y) / 2.0) * sinh ((a - y) / 2.0))),
        Func<float, float, float>(fun a y -> factor * tanh (a - y)))

[<Property>]
let ``softsign's derivative matches central differences`` () = Laws.ActivationDerivative(softsign 1.0)

[<Property>]
let ``softsign's derivative matches central differences in float`` () = Laws.ActivationDerivative<float32>(softsign 1.0)

[<Property(MaxTest = 50)>]
let ``Backward through softsign layers matches central differences`` () = Laws.BackwardGradient(softsign 1.0)

[<Property>]
let ``log-cosh's gradient matches central differences`` () = Laws.LossGradient(logCosh 1.0)

[<Property(MaxTest = 50)>]
let ``Backward with the log-cosh loss matches central differences`` () = Laws.BackwardGradient(logCosh 1.0)

[<Property(MaxTest = 50)>]
let ``Backward is the adjoint of the forward JVP`` () = Laws.BackwardIsAdjointOfJvp()

/// Runs a law as a user's script would, with FsCheck's QuickThrowOnFailure; the message of the exception it throws.
let private failureOf (law: Property) =
    let error = Assert.ThrowsAny<Exception>(fun () -> Check.One(Config.QuickThrowOnFailure.WithMaxTest 100, law))
    error.Message

[<Fact>]
let ``a derivative wrong by one part in a million fails the activation law under Check.One`` () =
    Check.One(Config.QuickThrowOnFailure.WithMaxTest 100, Laws.ActivationDerivative(softsign 1.0))
    let message = failureOf (Laws.ActivationDerivative(softsign (1.0 + 1e-6)))
    Assert.Contains("Falsifiable", message)
    Assert.Contains("FAILED", message)

[<Fact>]
let ``a derivative wrong by one part in a million fails the loss and Backward laws under Check.One`` () =
    Assert.Contains("FAILED", failureOf (Laws.LossGradient(logCosh (1.0 + 1e-6))))
    Assert.Contains("FAILED", failureOf (Laws.BackwardGradient(softsign (1.0 + 1e-6))))
    Assert.Contains("FAILED", failureOf (Laws.BackwardGradient(logCosh (1.0 + 1e-6))))
