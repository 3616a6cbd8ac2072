namespace Pure.FSharp

open System
open System.IO
open Pure

/// Turns the exceptions a reader documents into Error messages that name the file.
module internal Attempt =

    let private naming (path: string) (message: string) = if message.Contains path then message else $"{path}: {message}"

    /// Ok (read ()) or Error with the message of an ArgumentException, IOException (file not found included),
    /// InvalidDataException or UnauthorizedAccessException, prefixed with the path when it does not name it.
    let run (path: string) (read: unit -> 'Result) : Result<'Result, string> =
        try
            Ok(read ())
        with
        | :? ArgumentException as error -> Error(naming path error.Message)
        | :? IOException as error -> Error(naming path error.Message)
        | :? InvalidDataException as error -> Error(naming path error.Message)
        | :? UnauthorizedAccessException as error -> Error(naming path error.Message)

/// CSV files (Csv.Read): read throws, tryRead returns Result.
[<RequireQualifiedAccess>]
module Csv =

    /// The file's features and targets (Csv.Read); throws on a missing or malformed file.
    let read (target: CsvTarget) (path: string) = Pure.Csv.Read(path, target)

    /// The file's features and targets, or Error with a message naming the file (and line and column when malformed).
    let tryRead (target: CsvTarget) (path: string) = Attempt.run path (fun () -> read target path)

/// IDX files (MNIST's format): read throws, tryRead returns Result.
[<RequireQualifiedAccess>]
module Idx =

    /// The items as columns of a matrix (Idx.ReadSamples).
    let readSamples<'T when 'T: unmanaged and 'T: struct and 'T: (new: unit -> 'T) and 'T :> ValueType and 'T :> Numerics.IFloatingPointIeee754<'T>>
        (path: string) : ImmutableMatrix<'T> =
        Pure.Idx.ReadSamples<'T> path

    /// The items as columns of a matrix, or Error with a message naming the file.
    let tryReadSamples<'T when 'T: unmanaged and 'T: struct and 'T: (new: unit -> 'T) and 'T :> ValueType and 'T :> Numerics.IFloatingPointIeee754<'T>>
        (path: string) : Result<ImmutableMatrix<'T>, string> =
        Attempt.run path (fun () -> readSamples<'T> path)

    /// The labels of a 1-D integer file (Idx.ReadLabels).
    let readLabels (path: string) = Pure.Idx.ReadLabels path |> Seq.toArray

    /// The labels of a 1-D integer file, or Error with a message naming the file.
    let tryReadLabels (path: string) = Attempt.run path (fun () -> readLabels path)

/// Model files (ModelFile): the network, loss, scaling and classes.
[<RequireQualifiedAccess>]
module ModelFile =

    /// Writes the model to path: model |> ModelFile.save path (ModelFile.Save).
    let save (path: string) (model: Model<'T>) = Pure.ModelFile.Save(model, path)

    /// Writes the model to path, or Error with a message naming the file.
    let trySave (path: string) (model: Model<'T>) = Attempt.run path (fun () -> save path model)

    /// The model in the file (ModelFile.Load); throws on a missing or invalid file.
    let load<'T when 'T: unmanaged and 'T: struct and 'T: (new: unit -> 'T) and 'T :> ValueType and 'T :> Numerics.IFloatingPointIeee754<'T>>
        (path: string) : Model<'T> =
        Pure.ModelFile.Load<'T> path

    /// The model in the file, or Error with a message naming the file.
    let tryLoad<'T when 'T: unmanaged and 'T: struct and 'T: (new: unit -> 'T) and 'T :> ValueType and 'T :> Numerics.IFloatingPointIeee754<'T>>
        (path: string) : Result<Model<'T>, string> =
        Attempt.run path (fun () -> load<'T> path)

/// Checkpoint files (CheckpointFile): a model with its optimizer, state and position in training.
[<RequireQualifiedAccess>]
module CheckpointFile =

    /// Writes the checkpoint to path (CheckpointFile.Save).
    let save (path: string) (checkpoint: Checkpoint<'T>) = Pure.CheckpointFile.Save(checkpoint, path)

    /// The checkpoint in the file (CheckpointFile.Load); throws on a missing or invalid file.
    let load<'T when 'T: unmanaged and 'T: struct and 'T: (new: unit -> 'T) and 'T :> ValueType and 'T :> Numerics.IFloatingPointIeee754<'T>>
        (path: string) : Checkpoint<'T> =
        Pure.CheckpointFile.Load<'T> path

    /// The checkpoint in the file, or Error with a message naming the file.
    let tryLoad<'T when 'T: unmanaged and 'T: struct and 'T: (new: unit -> 'T) and 'T :> ValueType and 'T :> Numerics.IFloatingPointIeee754<'T>>
        (path: string) : Result<Checkpoint<'T>, string> =
        Attempt.run path (fun () -> load<'T> path)

/// NumPy .npz files: export a network's parameters, import them back.
[<RequireQualifiedAccess>]
module Npz =

    /// Writes the network's parameters to path (Npz.Export).
    let export (path: string) (network: Network<'T>) = Pure.Npz.Export(network, path)

    /// The parameters stored in the file (Npz.ImportParameters).
    let importParameters<'T when 'T: unmanaged and 'T: struct and 'T: (new: unit -> 'T) and 'T :> ValueType and 'T :> Numerics.IFloatingPointIeee754<'T>>
        (path: string) : Parameters<'T> =
        Pure.Npz.ImportParameters<'T> path

    /// The parameters stored in the file, or Error with a message naming the file.
    let tryImportParameters<'T when 'T: unmanaged and 'T: struct and 'T: (new: unit -> 'T) and 'T :> ValueType and 'T :> Numerics.IFloatingPointIeee754<'T>>
        (path: string) : Result<Parameters<'T>, string> =
        Attempt.run path (fun () -> importParameters<'T> path)

    /// Every array in the file by name (Npz.ReadArrays).
    let readArrays (path: string) : Map<string, NpyArray> =
        Pure.Npz.ReadArrays path |> Seq.map (fun pair -> pair.Key, pair.Value) |> Map.ofSeq

    /// Every array in the file by name, or Error with a message naming the file.
    let tryReadArrays (path: string) = Attempt.run path (fun () -> readArrays path)
