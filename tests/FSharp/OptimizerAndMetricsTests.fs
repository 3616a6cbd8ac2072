/// Optimizer.momentum / nesterov and Metrics.confusion / oneHot agree with the C# factories they wrap.
module Pure.FSharp.Tests.OptimizerAndMetricsTests

open Xunit
open Pure
open Pure.FSharp

[<Fact>]
let ``momentum and nesterov equal the C# Sgd with those settings`` () =
    Assert.Equal(Pure.Optimizer.Sgd(0.5, momentum = 0.9), Optimizer.momentum 0.9 0.5)
    Assert.Equal(Pure.Optimizer.Sgd(0.5, momentum = 0.9, nesterov = true), Optimizer.nesterov 0.9 0.5)
    Assert.NotEqual(Optimizer.momentum 0.9 0.5, Optimizer.nesterov 0.9 0.5)
    Assert.NotEqual(Optimizer.sgd 0.5, Optimizer.momentum 0.9 0.5)

[<Fact>]
let ``confusion counts actual against predicted, as the C# Metrics.Confusion does`` () =
    let actual = [ 0; 1; 1; 2 ]
    let predicted = [ 0; 1; 2; 2 ]
    let confusion = predicted |> Metrics.confusion 3 actual
    Assert.Equal(Pure.Metrics.Confusion(List.toArray actual, List.toArray predicted, 3), confusion)
    Assert.Equal(1, confusion[1, 2])
    Assert.Equal(0, confusion[2, 1])

[<Fact>]
let ``oneHot puts a one in each label's row`` () =
    let encoded: ImmutableMatrix<float> = [ 2; 0 ] |> Metrics.oneHot 3
    Assert.Equal(3, encoded.Rows)
    Assert.Equal(2, encoded.Columns)
    Assert.Equal(1.0, encoded[2, 0])
    Assert.Equal(1.0, encoded[0, 1])
    Assert.Equal(2.0, Seq.sum (Matrix.toArray2D encoded |> Seq.cast<float>))
