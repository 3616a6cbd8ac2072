/// The F# layer agrees with the C# core bit for bit: it is a face, not a second implementation.
module Pure.FSharp.Tests.AgreementProperties

open FsCheck.Xunit
open Pure
open Pure.FSharp
open Pure.FSharp.Tests.Generators

[<Properties(Arbitrary = [| typeof<Arbitraries> |], MaxTest = 50)>]
module Agreement =

    [<Property>]
    let ``Network.predict is Backprop.Predict`` (case: NetworkCase) =
        (case.Inputs |> Network.predict case.Network) = Backprop.Predict(case.Network, case.Inputs)

    [<Property>]
    let ``Network.forward is Backprop.Forward`` (case: NetworkCase) =
        (case.Inputs |> Network.forward case.Network) = Backprop.Forward(case.Network, case.Inputs)

    [<Property>]
    let ``Backprop.gradient is Backprop.Gradient`` (case: NetworkCase) =
        let gradients = case.Network |> Backprop.gradient Loss.HalfSquared case.Inputs case.Targets
        gradients = Backprop.Gradient(case.Network, case.Inputs, case.Targets, Loss.HalfSquared)

    [<Property>]
    let ``Backprop.cost is Backprop.Cost and the gradient's loss`` (case: NetworkCase) =
        let cost = case.Network |> Backprop.cost Loss.HalfSquared case.Inputs case.Targets
        let gradients = case.Network |> Backprop.gradient Loss.HalfSquared case.Inputs case.Targets
        cost = Backprop.Cost(case.Network, case.Inputs, case.Targets, Loss.HalfSquared) && cost = gradients.Loss

    [<Property>]
    let ``Optimizer.step is Backprop.Step`` (case: NetworkCase) (momentum: bool) =
        let optimizer = if momentum then Optimizer.Sgd(0.1, momentum = 0.9) else Optimizer.adam 0.01
        let state = case.Network |> Optimizer.init optimizer
        let gradients = case.Network |> Backprop.gradient Loss.HalfSquared case.Inputs case.Targets
        let step = case.Network |> Optimizer.step optimizer state gradients
        step = Backprop.Step(optimizer, state, case.Network, gradients)

    [<Property>]
    let ``Optimizer.update is Optimizer.Update`` (case: NetworkCase) =
        let optimizer = Optimizer.adam 0.01
        let parameters = Network.parameters case.Network
        let gradient = (case.Network |> Backprop.gradient Loss.HalfSquared case.Inputs case.Targets).Gradient
        let state = parameters |> Optimizer.initParameters optimizer
        (parameters |> Optimizer.update optimizer gradient state) = optimizer.Update(gradient, state, parameters)

    [<Property(MaxTest = 20)>]
    let ``Train.epochs is Training.Epochs`` (case: NetworkCase) (seed: int) (batchSize: FsCheck.PositiveInt) (validate: bool) =
        let data = Dataset.create case.Inputs case.Targets
        let settings =
            { Train.defaults with
                Optimizer = Optimizer.adam 0.05
                Epochs = 3
                Seed = seed
                BatchSize = batchSize.Get % 8 + 1
                Validation = if validate then Some data else None }
        let fsharp = case.Network |> Train.epochs settings data |> Seq.toList
        let csharp =
            Training.Epochs(case.Network, settings.Optimizer, settings.Loss, data, settings.BatchSize, 3, seed, Option.toObj (if validate then Some data else None))
            |> Seq.toList
        fsharp = csharp

    [<Property(MaxTest = 20)>]
    let ``validationAccuracy and validationLoss are the Nullables as options`` (case: NetworkCase) (validate: bool) =
        let data = Dataset.create case.Inputs case.Targets
        let settings = { Train.defaults with Epochs = 2; Validation = if validate then Some data else None }
        case.Network
        |> Train.epochs settings data
        |> Seq.forall (fun r ->
            EpochResult.validationAccuracy r = Option.ofNullable r.ValidationAccuracy
            && EpochResult.validationLoss r = Option.ofNullable r.ValidationLoss
            && (EpochResult.validationAccuracy r).IsSome = validate
            && (EpochResult.validationLoss r).IsSome = validate)

    [<Property>]
    let ``Parameters functions are the Parameters methods`` (case: NetworkCase) (factor: FsCheck.NormalFloat) =
        let p = Network.parameters case.Network
        let q = (case.Network |> Backprop.gradient Loss.HalfSquared case.Inputs case.Targets).Gradient
        (p |> Parameters.map (fun x -> x * 2.0)) = p.Map(fun x -> x * 2.0)
        && Parameters.zip (fun x y -> x - y) p q = p.Zip(q, fun x y -> x - y)
        && (p |> Parameters.add q) = p.Add q
        && (p |> Parameters.scale factor.Get) = p.Scale factor.Get
        && (p |> Parameters.unflatten (Parameters.flatten p)) = p

    [<Property>]
    let ``Metrics functions are the Metrics methods`` (case: NetworkCase) =
        let output = case.Inputs |> Network.predict case.Network
        (output |> Metrics.accuracy case.Targets) = Pure.Metrics.Accuracy(output, case.Targets)
        && Metrics.predictedClasses output = Seq.toArray (Pure.Metrics.PredictedClasses output)
