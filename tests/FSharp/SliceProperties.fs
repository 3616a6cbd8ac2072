/// Slices of matrices, vectors and datasets have the right shapes and values.
module Pure.FSharp.Tests.SliceProperties

open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open Pure
open Pure.FSharp
open Pure.FSharp.Tests.Generators

/// An inclusive range inside 0..length-1, from two generated integers.
let private within (length: int) (a: int) (b: int) =
    let a, b = abs a % length, abs b % length
    min a b, max a b

[<Properties(Arbitrary = [| typeof<Arbitraries> |], MaxTest = 100)>]
module Slices =

    [<Property>]
    let ``m[r1..r2, c1..c2] holds rows r1..r2 of columns c1..c2`` (SmallMatrix m) (a: int) (b: int) (c: int) (d: int) =
        let r1, r2 = within m.Rows a b
        let c1, c2 = within m.Columns c d
        let slice = m[r1..r2, c1..c2]
        slice.Rows = r2 - r1 + 1
        && slice.Columns = c2 - c1 + 1
        && Seq.forall (fun (i, j) -> slice[i, j] = m[r1 + i, c1 + j]) [ for i in 0 .. slice.Rows - 1 do for j in 0 .. slice.Columns - 1 -> i, j ]

    [<Property>]
    let ``open bounds reach the edges and a whole slice is the matrix`` (SmallMatrix m) =
        m[*, *] = m && m[0.., ..(m.Columns - 1)] = m && m[*, 0..0] = m.SliceColumns(0, 1)

    [<Property>]
    let ``m[r, c1..c2] is part of a row and m[r1..r2, c] part of a column`` (SmallMatrix m) (a: int) (b: int) =
        let c1, c2 = within m.Columns a b
        let r = abs a % m.Rows
        m[r, c1..c2] = (Matrix.row r m)[c1..c2] && m[*, c1] = Matrix.column c1 m

    [<Property>]
    let ``Matrix.column and Matrix.row read the elements`` (SmallMatrix m) =
        Seq.forall (fun j -> Matrix.column j m = Array.init m.Rows (fun i -> m[i, j])) [ 0 .. m.Columns - 1 ]
        && Seq.forall (fun i -> Matrix.row i m = Array.init m.Columns (fun j -> m[i, j])) [ 0 .. m.Rows - 1 ]

    [<Property>]
    let ``ofArray2D, toArray2D and ofRows round-trip`` (SmallMatrix m) =
        let values = Matrix.toArray2D m
        Matrix.ofArray2D values = m
        && Matrix.ofRows [ for i in 0 .. m.Rows - 1 -> Matrix.row i m ] = m
        && Matrix.ofColumns (Matrix.toColumns m) = m
        && (m |> Matrix.map (fun x -> x + 1.0)) = m.Map(fun x -> x + 1.0)

    [<Property>]
    let ``v[a..b] holds elements a..b`` (values: NormalFloat[]) (a: int) (b: int) =
        let values = values |> Array.map _.Get
        values.Length = 0
        || (let v = Vector.ofArray values
            let a, b = within values.Length a b
            Vector.toArray v[a..b] = values[a..b] && v[*] = v)

    [<Property>]
    let ``data[a..b] holds samples a..b of inputs and targets`` (case: NetworkCase) (a: int) (b: int) =
        let data = Dataset.create case.Inputs case.Targets
        let a, b = within data.Count a b
        let slice = data[a..b]
        slice.Count = b - a + 1
        && slice.Inputs = data.Inputs.SliceColumns(a, b - a + 1)
        && slice.Targets = data.Targets.SliceColumns(a, b - a + 1)
