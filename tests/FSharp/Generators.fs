/// Small FsCheck generators for the F# layer's tests: networks, batches and matrices in double, bounded and finite.
module Pure.FSharp.Tests.Generators

open FsCheck
open FsCheck.FSharp
open Pure
open Pure.FSharp

/// A network with a batch of inputs and targets valid for half squared loss (sigmoid outputs in (0, 1)).
type NetworkCase =
    { Network: Network<float>
      Inputs: ImmutableMatrix<float>
      Targets: ImmutableMatrix<float> }

    override case.ToString() = $"{case.Network}, inputs {case.Inputs.Shape}"

/// A matrix of at least one row and column, elements in [-2, 2].
type SmallMatrix = SmallMatrix of ImmutableMatrix<float>

let private element = Gen.choose (-2000, 2000) |> Gen.map (fun k -> float k / 1000.0)

let private matrixOf rows columns =
    Gen.arrayOfLength (rows * columns) element
    |> Gen.map (fun values -> Matrix.init rows columns (fun i j -> values[i * columns + j]))

let private hiddenActivations = [ Activation.Identity; Activation.Sigmoid; Activation.Tanh; Activation.Relu; Activation.LeakyRelu 0.1 ]

let private networkCase =
    gen {
        let! depth = Gen.choose (1, 3)
        let! sizes = Gen.listOfLength (depth + 1) (Gen.choose (1, 4))
        let! hidden = Gen.elements hiddenActivations
        let! seed = Gen.choose (0, 10_000)
        let! samples = Gen.choose (1, 6)
        let! inputs = matrixOf sizes.Head samples
        let! targets = Gen.arrayOfLength (List.last sizes * samples) (Gen.choose (0, 1000))
        let network: Network<float> = Network.create sizes hidden Activation.Sigmoid seed
        return
            { Network = network
              Inputs = inputs
              Targets = Matrix.init network.OutputSize samples (fun i j -> float targets[i * samples + j] / 1000.0) }
    }

let private smallMatrix =
    gen {
        let! rows = Gen.choose (1, 6)
        let! columns = Gen.choose (1, 8)
        let! matrix = matrixOf rows columns
        return SmallMatrix matrix
    }

/// The arbitraries, registered with [<Property(Arbitrary = [| typeof<Arbitraries> |])>].
type Arbitraries =
    /// Networks with a batch.
    static member NetworkCase() = Arb.fromGen networkCase

    /// Small matrices.
    static member SmallMatrix() = Arb.fromGen smallMatrix
