namespace Pure.FSharp

open System
open System.Numerics
open Pure

/// A dataset cut into training and test samples by a split's indices.
type DatasetSplit<'T when 'T: unmanaged and 'T: struct and 'T: (new: unit -> 'T) and 'T :> ValueType and 'T :> IFloatingPointIeee754<'T>> =
    {
        /// The training samples.
        Train: Dataset<'T>
        /// The test samples.
        Test: Dataset<'T>
    }

/// Functions over datasets (inputs n0 x m and targets nL x m, one sample per column).
[<RequireQualifiedAccess>]
module Dataset =

    /// A dataset of inputs and targets with the same number of columns.
    let create (inputs: ImmutableMatrix<'T>) (targets: ImmutableMatrix<'T>) = Dataset<'T>(inputs, targets)

    /// The number of samples.
    let count (data: Dataset<'T>) = data.Count

    /// The inputs.
    let inputs (data: Dataset<'T>) = data.Inputs

    /// The targets.
    let targets (data: Dataset<'T>) = data.Targets

    /// The samples at the given indices, in that order (Dataset.Select).
    let select (indices: seq<int>) (data: Dataset<'T>) = data.Select(Seq.toArray indices :> Collections.Generic.IReadOnlyList<int>)

    /// The per-sample weights, when the dataset has them (Dataset.Weights).
    let weights (data: Dataset<'T>) : ImmutableVector<'T> option = Option.ofObj data.Weights

    /// The dataset with these per-sample weights (m values ≥ 0, not all 0), or without weights for None:
    /// data |> Dataset.withWeights (Some weights) (Dataset.WithWeights).
    let withWeights (weights: ImmutableVector<'T> option) (data: Dataset<'T>) = data.WithWeights(Option.toObj weights)

    /// The samples first..last (inclusive; a missing bound is the edge), with their weights.
    let slice (first: int option) (last: int option) (data: Dataset<'T>) =
        let sliced = Dataset<'T>(Matrix.slice None None first last data.Inputs, Matrix.slice None None first last data.Targets)
        sliced |> withWeights (weights data |> Option.map (Vector.slice first last))

    /// The training and test samples of a split.
    let split (indices: SplitIndices) (data: Dataset<'T>) = { Train = select indices.Train data; Test = select indices.Test data }

/// Class weights for imbalanced classification (Pure.ClassWeights), as scikit-learn's class_weight:
/// data |> Dataset.withWeights (Some (data.Targets |> ClassWeights.balanced |> ClassWeights.toSampleWeights data.Targets)).
[<RequireQualifiedAccess>]
module ClassWeights =

    /// scikit-learn's 'balanced' weights m / (k · n_c), one per class, of one-hot targets (k x m) (ClassWeights.Balanced).
    let balanced (targets: ImmutableMatrix<'T>) = Pure.ClassWeights.Balanced targets

    /// Each sample's class weight, for Dataset.withWeights: classWeights |> ClassWeights.toSampleWeights targets (ClassWeights.ToSampleWeights).
    let toSampleWeights (targets: ImmutableMatrix<'T>) (classWeights: ImmutableVector<'T>) = Pure.ClassWeights.ToSampleWeights(classWeights, targets)

/// Per-feature scalings x' = (x - offset) / scale (Pure.FeatureScaling), fitted on training data only; for regression, also
/// of the targets: targets |> FeatureScaling.apply scaling to train, output |> FeatureScaling.invert scaling to read.
[<RequireQualifiedAccess>]
module FeatureScaling =

    /// The standardization (x - mean) / standard deviation fitted on each row of inputs (n x m) (Standardization.Fit).
    let fitStandardization (inputs: ImmutableMatrix<'T>) : Standardization<'T> = Standardization<'T>.Fit inputs

    /// The min-max scaling (x - min) / (max - min) fitted on each row of inputs (n x m) (MinMaxScaling.Fit).
    let fitMinMax (inputs: ImmutableMatrix<'T>) : MinMaxScaling<'T> = MinMaxScaling<'T>.Fit inputs

    /// The scaled copy of inputs: inputs |> FeatureScaling.apply scaling (FeatureScaling.Apply).
    let apply (scaling: FeatureScaling<'T>) (inputs: ImmutableMatrix<'T>) = scaling.Apply inputs

    /// Scaled values back in original units, x' · scale + offset: output |> FeatureScaling.invert scaling (FeatureScaling.Invert).
    let invert (scaling: FeatureScaling<'T>) (scaled: ImmutableMatrix<'T>) = scaling.Invert scaled

/// Slices of datasets: data[0..4] is the first five samples.
[<AutoOpen>]
module DatasetSlicing =

    type Dataset<'T when 'T: unmanaged and 'T: struct and 'T: (new: unit -> 'T) and 'T :> ValueType and 'T :> IFloatingPointIeee754<'T>> with

        /// The samples first..last (inclusive bounds) as a new dataset.
        member data.GetSlice(first: int option, last: int option) = Dataset.slice first last data

/// Seeded splits of sample indices.
[<RequireQualifiedAccess>]
module Split =

    /// A stratified split keeping each class's share on both sides (Split.Stratified).
    let stratified (testFraction: float) (seed: int) (labels: seq<int>) = Pure.Split.Stratified(Seq.toArray labels, testFraction, seed)

    /// A stratified split into training, validation and test indices (Split.Stratified).
    let stratifiedWithValidation (validationFraction: float) (testFraction: float) (seed: int) (labels: seq<int>) =
        Pure.Split.Stratified(Seq.toArray labels, validationFraction, testFraction, seed)

    /// A shuffled split of count samples into training, validation and test indices (Split.Shuffled).
    let shuffled (validationFraction: float) (testFraction: float) (seed: int) (count: int) = Pure.Split.Shuffled(count, validationFraction, testFraction, seed)

/// Functions over the result of one training epoch, with option instead of Nullable.
[<RequireQualifiedAccess>]
module EpochResult =

    /// The epoch's number, from 1.
    let epoch (result: EpochResult<'T>) = result.Epoch

    /// The network after the epoch.
    let network (result: EpochResult<'T>) = result.Network

    /// The mean training loss over the epoch's mini-batches.
    let trainingLoss (result: EpochResult<'T>) = result.TrainingLoss

    /// The validation loss after the epoch, when validation data was given.
    let validationLoss (result: EpochResult<'T>) : 'T option = Option.ofNullable result.ValidationLoss

    /// The validation accuracy after the epoch, when validation data was given.
    let validationAccuracy (result: EpochResult<'T>) : float option = Option.ofNullable result.ValidationAccuracy

/// The settings of a training run, with defaults: { Train.defaults with Epochs = 100 }.
type TrainSettings<'T when 'T: unmanaged and 'T: struct and 'T: (new: unit -> 'T) and 'T :> ValueType and 'T :> IFloatingPointIeee754<'T>> =
    {
        /// The optimizer.
        Optimizer: Optimizer
        /// The loss.
        Loss: Loss
        /// The mini-batch size, at least 1.
        BatchSize: int
        /// The number of epochs, at least 1.
        Epochs: int
        /// The seed of the shuffles.
        Seed: int
        /// Samples to measure loss and accuracy on after each epoch.
        Validation: Dataset<'T> option
        /// The optimizer state to start from; None starts from Optimizer.init.
        State: OptimizerState<'T> option
        /// The number of the first epoch, to resume a run.
        FirstEpoch: int
    }

/// Mini-batch training as a lazy sequence over Pure's Training.Epochs.
[<RequireQualifiedAccess>]
module Train =

    /// Adam (learning rate 1e-3), half squared loss, batch size 32, 10 epochs, seed 0, no validation, a fresh state, from epoch 1.
    [<GeneralizableValue>]
    let defaults<'T when 'T: unmanaged and 'T: struct and 'T: (new: unit -> 'T) and 'T :> ValueType and 'T :> IFloatingPointIeee754<'T>> : TrainSettings<'T> =
        {
            Optimizer = Pure.Optimizer.Adam(learningRate = 1e-3)
            Loss = Loss.HalfSquared
            BatchSize = 32
            Epochs = 10
            Seed = 0
            Validation = None
            State = None
            FirstEpoch = 1
        }

    /// The epochs' results, lazily: network |> Train.epochs settings data |> Seq.takeWhile ... (Training.Epochs).
    let epochs (settings: TrainSettings<'T>) (data: Dataset<'T>) (network: Network<'T>) : seq<EpochResult<'T>> =
        Training.Epochs(
            network, settings.Optimizer, settings.Loss, data, settings.BatchSize, settings.Epochs, settings.Seed,
            Option.toObj settings.Validation, Option.toObj settings.State, settings.FirstEpoch)

    /// The last epoch's result after training for settings.Epochs epochs.
    let run (settings: TrainSettings<'T>) (data: Dataset<'T>) (network: Network<'T>) = epochs settings data network |> Seq.last

/// Early stopping over the lazy epoch sequence (Training.WithEarlyStopping, RunWithEarlyStopping):
/// network |> Train.epochs settings data |> EarlyStopping.run rule.
[<RequireQualifiedAccess>]
module EarlyStopping =

    /// scikit-learn's rule: patience 10, tolerance 1e-4, the validation loss when there is one, the best network restored.
    let defaults = Pure.EarlyStopping()

    /// The state after each epoch, lazily, until the rule stops (that state included) or the epochs run out.
    let states (rule: Pure.EarlyStopping) (epochs: seq<EpochResult<'T>>) : seq<EarlyStoppingState<'T>> =
        Training.WithEarlyStopping(epochs, rule)

    /// Runs the epochs until the rule stops or they run out (at least one epoch); the outcome's Network is the one to keep.
    let run (rule: Pure.EarlyStopping) (epochs: seq<EpochResult<'T>>) : EarlyStoppingOutcome<'T> =
        Training.RunWithEarlyStopping(epochs, rule)

/// Full-batch training by L-BFGS (Pure.Lbfgs, scikit-learn's solver='lbfgs'): network |> Lbfgs.train Lbfgs.defaults loss data.
[<RequireQualifiedAccess>]
module Lbfgs =

    /// scikit-learn's settings: at most 200 iterations, the other defaults of LbfgsOptions.
    let defaults = LbfgsOptions()

    /// The trained network (a new value) and the report: iterations, evaluations, why it stopped, the cost.
    let train (options: LbfgsOptions) (loss: Loss) (data: Dataset<'T>) (network: Network<'T>) : LbfgsResult<'T> =
        Pure.Lbfgs.Train(network, loss, data, options)
