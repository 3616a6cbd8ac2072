/// The Predictor module predicts the bits of Network.predict (Backprop.Predict) and Model.predict (Model.Predict).
module Pure.FSharp.Tests.PredictorTests

open System
open Xunit
open Pure
open Pure.FSharp

let private network: Network<float> = Network.create [ 3; 5; 4; 2 ] Activation.Relu Activation.Sigmoid 13

let private inputs = ImmutableMatrix.Create<float>(3, 7, fun i j -> sin (float (4 * i + j)) * 2.0)

let private bits (matrix: ImmutableMatrix<float>) = matrix.ToColumnMajorArray() |> Array.map BitConverter.DoubleToInt64Bits

[<Fact>]
let ``Predictor.predict over a network is Backprop.Predict bit for bit, batch 1 included`` () =
    let predictor = network |> Predictor.ofNetwork 8
    Assert.Equal(8, predictor.MaxBatch)
    Assert.Equal<int64[]>(bits (Pure.Backprop.Predict(network, inputs)), inputs |> Predictor.predict predictor |> bits)
    let first = inputs[*, 0..0]
    Assert.Equal<int64[]>(bits (Pure.Backprop.Predict(network, first)), first |> Predictor.predict predictor |> bits)

[<Fact>]
let ``Predictor.ofModel predicts Model.Predict bit for bit, scalings included`` () =
    let scaling = Standardization<float>.Fit inputs
    let targetScaling = Standardization<float>.Fit(ImmutableMatrix.Create<float>(2, 7, fun i j -> float (10 * i + j * j)))
    let model = Model<float>(network, Loss.HalfSquared, scaling) |> Model.withTargetScaling (Some targetScaling)
    let predictor = model |> Predictor.ofModel 7
    Assert.Equal<int64[]>(bits (model.Predict inputs), inputs |> Predictor.predict predictor |> bits)
    Assert.NotEqual<int64[]>(bits (Pure.Backprop.Predict(network, inputs)), inputs |> Predictor.predict predictor |> bits)

[<Fact>]
let ``Predictor.predictInto writes the C# span call's values into the array and returns m`` () =
    let predictor = network |> Predictor.ofNetwork 8
    let input = inputs.ToColumnMajorArray()
    let output = Array.create 20 nan
    let m = input |> Predictor.predictInto predictor output
    Assert.Equal(7, m)
    let expected = Array.zeroCreate<float> 14
    Assert.Equal(7, predictor.Predict(ReadOnlySpan<float>(input), Span<float>(expected)))
    Assert.Equal<int64[]>(Array.map BitConverter.DoubleToInt64Bits expected, output[0..13] |> Array.map BitConverter.DoubleToInt64Bits)
    Assert.Equal<int64[]>(bits (Pure.Backprop.Predict(network, inputs)), output[0..13] |> Array.map BitConverter.DoubleToInt64Bits)
    Assert.True(output[14..] |> Array.forall Double.IsNaN, "only the first m · n_L elements are written")

[<Fact>]
let ``Predictor.ofNetwork takes the batch size, not more samples`` () =
    let predictor = network |> Predictor.ofNetwork 2
    Assert.Equal(2, predictor.MaxBatch)
    Assert.ThrowsAny<ArgumentException>(fun () -> inputs |> Predictor.predict predictor |> ignore) |> ignore
