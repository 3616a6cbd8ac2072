/// The Result variants return Error, never throw, on missing or malformed files, and the message names the file.
module Pure.FSharp.Tests.ResultTests

open System
open System.IO
open Xunit
open Pure
open Pure.FSharp

let private network: Network<float> = Network.create [ 2; 3; 1 ] Activation.Tanh Activation.Sigmoid 11

/// A fresh folder for one test's files.
let private folder () =
    let path = Path.Combine(Path.GetTempPath(), $"pure-fsharp-{Guid.NewGuid():N}")
    Directory.CreateDirectory path |> ignore
    path

let private write (name: string) (text: string) =
    let path = Path.Combine(folder (), name)
    File.WriteAllText(path, text)
    path

let private errorOf result =
    match result with
    | Ok value -> failwith $"Expected an Error, got Ok {value}"
    | Error (message: string) -> message

let private assertErrorNames (path: string) result =
    let message = errorOf result
    Assert.Contains(nonNull (Path.GetFileName path), message)

[<Fact>]
let ``every reader returns Error naming a missing file`` () =
    let missing = Path.Combine(folder (), "missing-file.bin")
    assertErrorNames missing (Csv.tryRead CsvTarget.Last missing)
    assertErrorNames missing (Idx.tryReadSamples<float> missing)
    assertErrorNames missing (Idx.tryReadLabels missing)
    assertErrorNames missing (ModelFile.tryLoad<float> missing)
    assertErrorNames missing (CheckpointFile.tryLoad<float> missing)
    assertErrorNames missing (Npz.tryImportParameters<float> missing)
    assertErrorNames missing (Npz.tryReadArrays missing)

[<Fact>]
let ``every reader returns Error naming a malformed file`` () =
    let garbage = write "garbage-file.dat" "this is not { a valid file, 1, 2\n3\n"
    assertErrorNames garbage (Csv.tryRead (CsvTarget.Named "species") garbage)
    assertErrorNames garbage (Idx.tryReadSamples<float> garbage)
    assertErrorNames garbage (Idx.tryReadLabels garbage)
    assertErrorNames garbage (ModelFile.tryLoad<float> garbage)
    assertErrorNames garbage (CheckpointFile.tryLoad<float> garbage)
    assertErrorNames garbage (Npz.tryImportParameters<float> garbage)
    assertErrorNames garbage (Npz.tryReadArrays garbage)

[<Fact>]
let ``a model with a custom activation returns Error from trySave`` () =
    let custom = network |> Network.mapLayer 0 (Layer.withActivation (Activation.Custom("cube", (fun z -> z * z * z), (fun z -> 3.0 * z * z))))
    let path = Path.Combine(folder (), "custom-model.json")
    assertErrorNames path (Model<float>(custom, Loss.HalfSquared) |> ModelFile.trySave path)
    Assert.False(File.Exists path)

[<Fact>]
let ``a saved model loads as Ok and predicts bit for bit`` () =
    let path = Path.Combine(folder (), "model.json")
    Model<float>(network, Loss.HalfSquared) |> ModelFile.save path
    let inputs = Matrix.ofRows [ [ 0.5; -1.0 ]; [ 2.0; 0.25 ] ]
    match ModelFile.tryLoad<float> path with
    | Ok model -> Assert.Equal(inputs |> Network.predict network, inputs |> Network.predict model.Network)
    | Error message -> failwith message

[<Fact>]
let ``a CSV file reads as Ok with its samples as columns`` () =
    let path = write "small.csv" "a,b,label\n1,2,x\n3,4,y\n5,6,x\n"
    match Csv.tryRead (CsvTarget.Named "label") path with
    | Ok csv ->
        Assert.Equal(3, csv.Count)
        Assert.Equal<float[]>([| 3.; 4. |], csv.Features |> Matrix.column 1)
        Assert.Equal<string list>([ "x"; "y"; "x" ], List.ofSeq csv.Targets)
    | Error message -> failwith message

[<Fact>]
let ``an exported network's parameters import as Ok`` () =
    let path = Path.Combine(folder (), "network.npz")
    network |> Npz.export path
    Assert.Equal(Ok(Network.parameters network), Npz.tryImportParameters<float> path)
