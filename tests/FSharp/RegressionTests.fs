/// Regression from F#: the metrics, the feature scalings and the model's target scaling give what the C# calls give.
module Pure.FSharp.Tests.RegressionTests

open Xunit
open Pure
open Pure.FSharp

/// Two outputs, five samples, predictions unequal to the targets.
let private target = Matrix.ofRows [ [ 1.0; 2.0; 3.0; 4.0; 5.0 ]; [ 10.0; 8.0; 9.0; 7.0; 12.0 ] ]

let private output = Matrix.ofRows [ [ 1.5; 1.0; 3.5; 4.0; 6.0 ]; [ 9.0; 8.5; 10.0; 7.5; 10.0 ] ]

[<Fact>]
let ``the regression metrics equal the C# Metrics`` () =
    Assert.Equal(Pure.Metrics.MeanSquaredError(output, target), output |> Metrics.meanSquaredError target)
    Assert.Equal(Pure.Metrics.RootMeanSquaredError(output, target), output |> Metrics.rootMeanSquaredError target)
    Assert.Equal(Pure.Metrics.MeanAbsoluteError(output, target), output |> Metrics.meanAbsoluteError target)
    Assert.Equal(Pure.Metrics.R2(output, target), output |> Metrics.r2 target)
    Assert.Equal<float[]>(Pure.Metrics.MeanSquaredErrorPerOutput(output, target) |> Seq.toArray, output |> Metrics.meanSquaredErrorPerOutput target)
    Assert.Equal<float[]>(Pure.Metrics.RootMeanSquaredErrorPerOutput(output, target) |> Seq.toArray, output |> Metrics.rootMeanSquaredErrorPerOutput target)
    Assert.Equal<float[]>(Pure.Metrics.MeanAbsoluteErrorPerOutput(output, target) |> Seq.toArray, output |> Metrics.meanAbsoluteErrorPerOutput target)
    Assert.Equal<float[]>(Pure.Metrics.R2PerOutput(output, target) |> Seq.toArray, output |> Metrics.r2PerOutput target)
    // Output 0: errors 0.5, 1, 0.5, 0, 1.
    Assert.Equal(2.5 / 5.0, (output |> Metrics.meanSquaredErrorPerOutput target)[0], 15)
    Assert.Equal(3.0 / 5.0, (output |> Metrics.meanAbsoluteErrorPerOutput target)[0], 15)

[<Fact>]
let ``r2 takes the target first, output piped: R² is not symmetric`` () =
    // Output 0: residuals Σ(y - a)² = 2.5 over Σ(y - ȳ)² = 10, so R²_0 = 0.75; the other order divides by the outputs' spread.
    Assert.Equal(0.75, (output |> Metrics.r2PerOutput target)[0], 15)
    // Output 1: Σ(y - a)² = 6.5 over Σ(y - ȳ)² = 14.8.
    Assert.Equal((0.75 + (1.0 - 6.5 / 14.8)) / 2.0, output |> Metrics.r2 target, 14)
    Assert.NotEqual(output |> Metrics.r2 target, target |> Metrics.r2 output)

[<Fact>]
let ``FeatureScaling functions equal the C# fits, Apply and Invert`` () =
    let standardization = target |> FeatureScaling.fitStandardization
    Assert.Equal(Standardization<float>.Fit target, standardization)
    let minMax = target |> FeatureScaling.fitMinMax
    Assert.Equal(MinMaxScaling<float>.Fit target, minMax)
    let scaled = target |> FeatureScaling.apply standardization
    Assert.Equal(standardization.Apply target, scaled)
    Assert.Equal(standardization.Invert output, output |> FeatureScaling.invert standardization)
    Assert.Equal(minMax.Apply output, output |> FeatureScaling.apply minMax)
    // apply then invert gives the values back.
    let back = scaled |> FeatureScaling.invert standardization |> Matrix.toArray2D |> Seq.cast<float>
    Seq.iter2 (fun (expected: float) actual -> Assert.Equal(expected, actual, 12)) (Matrix.toArray2D target |> Seq.cast<float>) back

[<Fact>]
let ``Model.withTargetScaling sets Model.TargetScaling and predictions come back in the targets' units`` () =
    let inputs = ImmutableMatrix.Create<float>(3, 5, fun i j -> cos (float (i + 2 * j)))
    let network: Network<float> = Network.create [ 3; 6; 2 ] Activation.Tanh Activation.Identity 5
    let scaling = target |> FeatureScaling.fitStandardization
    let model = network |> Model.create Loss.HalfSquared
    Assert.Equal(None, Model.targetScaling model)
    let scaled = model |> Model.withTargetScaling (Some scaling)
    Assert.Equal(model.WithTargetScaling scaling, scaled)
    Assert.Equal(Some(scaling :> FeatureScaling<float>), Model.targetScaling scaled)
    Assert.Equal(inputs |> Network.predict network |> FeatureScaling.invert scaling, inputs |> Model.predict scaled)
    Assert.Equal(model, scaled |> Model.withTargetScaling None)
