namespace Pure.FSharp

open System
open System.Numerics
open Pure

/// Functions over Pure's ImmutableMatrix: element (i, j) is row i, column j; samples are columns.
[<RequireQualifiedAccess>]
module Matrix =

    /// The elements of column c (one sample) as a new array, Rows long.
    /// The one place that reads ImmutableMatrix.Column: adapt here if its return type changes.
    let column (c: int) (matrix: ImmutableMatrix<'T>) : 'T[] = matrix.Column(c).ToArray()

    /// The elements of row r as a new array, Columns long.
    let row (r: int) (matrix: ImmutableMatrix<'T>) : 'T[] = Array.init matrix.Columns (fun c -> matrix[r, c])

    /// The number of rows.
    let rows (matrix: ImmutableMatrix<'T>) = matrix.Rows

    /// The number of columns (samples).
    let columns (matrix: ImmutableMatrix<'T>) = matrix.Columns

    /// A rows x columns matrix whose element (i, j) is f i j.
    let init (rows: int) (columns: int) (f: int -> int -> 'T) = ImmutableMatrix.Create(rows, columns, Func<int, int, 'T>(f))

    /// A rows x columns matrix of zeros.
    let zeros<'T when 'T: unmanaged and 'T: struct and 'T: (new: unit -> 'T) and 'T :> ValueType and 'T :> IFloatingPointIeee754<'T>>
        (rows: int) (columns: int) : ImmutableMatrix<'T> =
        ImmutableMatrix.Zeros<'T>(rows, columns)

    /// A matrix from an F# 2-D array (array2D), element (i, j) from values[i, j].
    let ofArray2D (values: 'T[,]) = ImmutableMatrix.FromArray values

    /// A matrix from its rows; every row must have the same length.
    let ofRows (rows: seq<#seq<'T>>) =
        let rows = rows |> Seq.map (fun row -> Seq.toArray row :> Collections.Generic.IReadOnlyList<'T>) |> Seq.toArray
        ImmutableMatrix.FromRows(rows)

    /// A matrix from its columns (samples); every column must have the same length.
    let ofColumns (columns: seq<#seq<'T>>) = (ofRows columns).Transpose()

    /// The elements as an F# 2-D array, values[i, j] = element (i, j).
    let toArray2D (matrix: ImmutableMatrix<'T>) = matrix.ToArray()

    /// The elements applied to f, in a new matrix of the same shape.
    let map (f: 'T -> 'T) (matrix: ImmutableMatrix<'T>) = matrix.Map(Func<'T, 'T>(f))

    /// The transpose.
    let transpose (matrix: ImmutableMatrix<'T>) = matrix.Transpose()

    /// The columns at the given indices, in that order.
    let selectColumns (indices: seq<int>) (matrix: ImmutableMatrix<'T>) = matrix.SelectColumns(Seq.toArray indices :> Collections.Generic.IReadOnlyList<int>)

    /// The columns as arrays, lazily, one per sample.
    let toColumns (matrix: ImmutableMatrix<'T>) = Seq.init matrix.Columns (fun c -> column c matrix)

    /// The sub-matrix of rows r1..r2 and columns c1..c2 (inclusive; a missing bound is the edge).
    let slice (r1: int option) (r2: int option) (c1: int option) (c2: int option) (matrix: ImmutableMatrix<'T>) =
        let r1, r2 = defaultArg r1 0, defaultArg r2 (matrix.Rows - 1)
        let c1, c2 = defaultArg c1 0, defaultArg c2 (matrix.Columns - 1)
        let rows, columns = max 0 (r2 - r1 + 1), max 0 (c2 - c1 + 1)
        if rows > 0 && (r1 < 0 || r2 >= matrix.Rows) then
            raise (ArgumentOutOfRangeException("rows", $"Expected rows within [0, {matrix.Rows}), got {r1}..{r2}."))
        if columns > 0 && (c1 < 0 || c2 >= matrix.Columns) then
            raise (ArgumentOutOfRangeException("columns", $"Expected columns within [0, {matrix.Columns}), got {c1}..{c2}."))
        ImmutableMatrix.Create(rows, columns, Func<int, int, 'T>(fun i j -> matrix[r1 + i, c1 + j]))

/// Functions over Pure's ImmutableVector.
[<RequireQualifiedAccess>]
module Vector =

    /// A vector holding a copy of the array.
    let ofArray (values: 'T[]) = ImmutableVector.Create(Array.copy values)

    /// A vector of the sequence's elements.
    let ofSeq (values: seq<'T>) = ImmutableVector.Create(Seq.toArray values)

    /// The elements as a new array.
    let toArray (vector: ImmutableVector<'T>) = vector.ToArray()

    /// The number of elements.
    let length (vector: ImmutableVector<'T>) = vector.Length

    /// The elements applied to f, in a new vector.
    let map (f: 'T -> 'T) (vector: ImmutableVector<'T>) = vector.Map(Func<'T, 'T>(f))

    /// The elements i1..i2 (inclusive; a missing bound is the edge) in a new vector.
    let slice (i1: int option) (i2: int option) (vector: ImmutableVector<'T>) =
        let values = vector.ToArray()
        let i1, i2 = defaultArg i1 0, defaultArg i2 (values.Length - 1)
        if i2 >= i1 && (i1 < 0 || i2 >= values.Length) then
            raise (ArgumentOutOfRangeException("index", $"Expected indices within [0, {values.Length}), got {i1}..{i2}."))
        ImmutableVector.Create(if i2 < i1 then [||] else values[i1..i2])

/// Slices of matrices and vectors: m[r1..r2, c1..c2], m[*, 0..4] (the first five samples), v[a..b].
[<AutoOpen>]
module NumericsSlicing =

    type ImmutableMatrix<'T when 'T: unmanaged and 'T: struct and 'T: (new: unit -> 'T) and 'T :> ValueType and 'T :> IFloatingPointIeee754<'T>> with

        /// The sub-matrix m[r1..r2, c1..c2] (inclusive bounds).
        member matrix.GetSlice(r1: int option, r2: int option, c1: int option, c2: int option) = Matrix.slice r1 r2 c1 c2 matrix

        /// Row r, columns c1..c2, as an array: m[r, c1..c2].
        member matrix.GetSlice(r: int, c1: int option, c2: int option) = Matrix.slice (Some r) (Some r) c1 c2 matrix |> Matrix.row 0

        /// Rows r1..r2 of column c, as an array: m[r1..r2, c].
        member matrix.GetSlice(r1: int option, r2: int option, c: int) = Matrix.slice r1 r2 (Some c) (Some c) matrix |> Matrix.column 0

    type ImmutableVector<'T when 'T: unmanaged and 'T: struct and 'T: (new: unit -> 'T) and 'T :> ValueType and 'T :> IFloatingPointIeee754<'T>> with

        /// The elements v[i1..i2] (inclusive bounds) in a new vector.
        member vector.GetSlice(i1: int option, i2: int option) = Vector.slice i1 i2 vector
