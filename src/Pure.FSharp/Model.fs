namespace Pure.FSharp

open System
open Pure

/// Exhaustive active patterns over Pure's built-in activations and losses.
[<AutoOpen>]
module Patterns =

    /// Tells the built-in activations apart; every other activation (Activation.Custom or a user subclass) is Custom name.
    let (|Identity|Sigmoid|Tanh|Relu|LeakyRelu|Softmax|Custom|) (activation: Activation) =
        match activation with
        | :? IdentityActivation -> Identity
        | :? SigmoidActivation -> Sigmoid
        | :? TanhActivation -> Tanh
        | :? ReluActivation -> Relu
        | :? LeakyReluActivation as leaky -> LeakyRelu leaky.Slope
        | :? SoftmaxActivation -> Softmax
        | other -> Custom other.Name

    /// Tells the built-in losses apart; every other loss (Loss.Custom or a user subclass) is CustomLoss name.
    let (|Absolute|Squared|HalfSquared|BinaryCrossEntropy|CategoricalCrossEntropy|CustomLoss|) (loss: Loss) =
        match loss with
        | :? AbsoluteLoss -> Absolute
        | :? SquaredLoss -> Squared
        | :? HalfSquaredLoss -> HalfSquared
        | :? BinaryCrossEntropyLoss -> BinaryCrossEntropy
        | :? CategoricalCrossEntropyLoss -> CategoricalCrossEntropy
        | other -> CustomLoss other.Name

/// Functions over one dense layer.
[<RequireQualifiedAccess>]
module Layer =

    /// A layer a = activation(W x + b) from its weight (outputs x inputs), bias and activation.
    let create (weight: ImmutableMatrix<'T>) (bias: ImmutableVector<'T>) (activation: Activation) = DenseLayer<'T>(weight, bias, activation)

    /// The layer with another activation (DenseLayer.WithActivation).
    let withActivation (activation: Activation) (layer: DenseLayer<'T>) = layer.WithActivation activation

    /// The layer with another weight of the same shape (DenseLayer.WithWeight).
    let withWeight (weight: ImmutableMatrix<'T>) (layer: DenseLayer<'T>) = layer.WithWeight weight

    /// The layer with another bias of the same length (DenseLayer.WithBias).
    let withBias (bias: ImmutableVector<'T>) (layer: DenseLayer<'T>) = layer.WithBias bias

    /// The layer with other parameters of the same shapes (DenseLayer.WithParameters).
    let withParameters (parameters: LayerParameters<'T>) (layer: DenseLayer<'T>) = layer.WithParameters parameters

    /// The layer's weight and bias.
    let parameters (layer: DenseLayer<'T>) = layer.Parameters

    /// The layer's activation.
    let activation (layer: DenseLayer<'T>) = layer.Activation

/// Functions over networks: creation, forward pass, prediction and with-style updates.
[<RequireQualifiedAccess>]
module Network =

    /// A seeded network with the given layer sizes [n0; n1; ...; nL], hidden activation and output activation (Network.Create).
    let create (layerSizes: int list) (hidden: Activation) (output: Activation) (seed: int) : Network<'T> =
        Pure.Network.Create<'T>(layerSizes, hidden, output, seed)

    /// A network of the given layers, in order (Network.FromLayers).
    let ofLayers (layers: seq<DenseLayer<'T>>) = Pure.Network.FromLayers(Seq.toArray layers)

    /// The layers, in order, as an F# list.
    let layers (network: Network<'T>) = List.ofSeq network.Layers

    /// The network with other layers, checked as the constructor checks them: F#'s { net with Layers = ... }.
    let withLayers (layers: seq<DenseLayer<'T>>) (network: Network<'T>) : Network<'T> =
        ignore network
        Pure.Network.FromLayers(Seq.toArray layers)

    /// The network with layer index replaced (Network.WithLayer).
    let withLayer (index: int) (layer: DenseLayer<'T>) (network: Network<'T>) = network.WithLayer(index, layer)

    /// The network with layer index mapped by f.
    let mapLayer (index: int) (f: DenseLayer<'T> -> DenseLayer<'T>) (network: Network<'T>) = network.WithLayer(index, f network.Layers[index])

    /// The network's weights and biases.
    let parameters (network: Network<'T>) = network.Parameters

    /// The network with other parameters of the same shapes (Network.WithParameters).
    let withParameters (parameters: Parameters<'T>) (network: Network<'T>) = network.WithParameters parameters

    /// The forward pass keeping every layer's pre-activation and activation: input |> Network.forward network.
    let forward (network: Network<'T>) (input: ImmutableMatrix<'T>) = Backprop.Forward(network, input)

    /// The network's output for input (n0 x m, one sample per column): input |> Network.predict network.
    let predict (network: Network<'T>) (input: ImmutableMatrix<'T>) = Backprop.Predict(network, input)

/// Gradients and costs, network last: network |> Backprop.gradient loss input target.
[<RequireQualifiedAccess>]
module Backprop =

    /// The mean loss and its gradient with respect to every parameter (Backprop.Gradient).
    let gradient (loss: Loss) (input: ImmutableMatrix<'T>) (target: ImmutableMatrix<'T>) (network: Network<'T>) : Gradients<'T> =
        Pure.Backprop.Gradient(network, input, target, loss)

    /// The gradient from a forward trace already computed (Backprop.Backward).
    let backward (loss: Loss) (target: ImmutableMatrix<'T>) (trace: ForwardTrace<'T>) (network: Network<'T>) : Gradients<'T> =
        Pure.Backprop.Backward(network, trace, target, loss)

    /// The mean loss of the network on the samples (Backprop.Cost).
    let cost (loss: Loss) (input: ImmutableMatrix<'T>) (target: ImmutableMatrix<'T>) (network: Network<'T>) : 'T =
        Pure.Backprop.Cost(network, input, target, loss)

    /// The Jacobian-vector product of the output with respect to the input, along tangent (Backprop.Jvp).
    let jvp (input: ImmutableMatrix<'T>) (tangent: ImmutableMatrix<'T>) (network: Network<'T>) = Pure.Backprop.Jvp(network, input, tangent)

/// Functions over parameters and gradients (both Parameters values).
[<RequireQualifiedAccess>]
module Parameters =

    /// Every element applied to f.
    let map (f: 'T -> 'T) (parameters: Parameters<'T>) = parameters.Map(Func<'T, 'T>(f))

    /// Element by element f left right, for parameters of the same shapes.
    let zip (f: 'T -> 'T -> 'T) (left: Parameters<'T>) (right: Parameters<'T>) = left.Zip(right, Func<'T, 'T, 'T>(f))

    /// The element-wise sum: parameters |> Parameters.add other is parameters + other.
    let add (other: Parameters<'T>) (parameters: Parameters<'T>) = parameters.Add other

    /// Every element multiplied by factor.
    let scale (factor: 'T) (parameters: Parameters<'T>) = parameters.Scale factor

    /// The inner product, summed over every element.
    let dot (other: Parameters<'T>) (parameters: Parameters<'T>) = parameters.Dot other

    /// The Euclidean norm over every element.
    let norm (parameters: Parameters<'T>) = parameters.Norm()

    /// Zeros of the same shapes.
    let zerosLike (parameters: Parameters<'T>) = parameters.ZerosLike()

    /// Every element, layer by layer, weight (column-major) then bias, as an array.
    let flatten (parameters: Parameters<'T>) = parameters.Flatten() |> Seq.toArray

    /// Parameters of the same shapes holding values in the order flatten gives.
    let unflatten (values: seq<'T>) (parameters: Parameters<'T>) = parameters.Unflatten(Seq.toArray values :> Collections.Generic.IReadOnlyList<'T>)

    /// The layers' parameters as an F# list.
    let layers (parameters: Parameters<'T>) = List.ofSeq parameters.Layers

/// Optimizers as Optax-style pure functions: init, update and step.
[<RequireQualifiedAccess>]
module Optimizer =

    /// The optimizer's initial state for the network (Optimizer.Init).
    let init (optimizer: Optimizer) (network: Network<'T>) : OptimizerState<'T> = optimizer.Init network

    /// The optimizer's initial state for parameters of these shapes (Optimizer.Init).
    let initParameters (optimizer: Optimizer) (parameters: Parameters<'T>) : OptimizerState<'T> = optimizer.Init parameters

    /// The updates to add to the parameters and the next state (Optimizer.Update).
    let update (optimizer: Optimizer) (gradient: Parameters<'T>) (state: OptimizerState<'T>) (parameters: Parameters<'T>) : OptimizerUpdate<'T> =
        optimizer.Update(gradient, state, parameters)

    /// One step: the network and the optimizer state after applying the gradients (Backprop.Step).
    let step (optimizer: Optimizer) (state: OptimizerState<'T>) (gradients: Gradients<'T>) (network: Network<'T>) : StepResult<'T> =
        Pure.Backprop.Step(optimizer, state, network, gradients)

    /// Stochastic gradient descent with this learning rate and no momentum (Optimizer.Sgd).
    let sgd (learningRate: float) = Pure.Optimizer.Sgd learningRate

    /// Stochastic gradient descent with heavy-ball momentum: optimizer = Optimizer.momentum 0.9 0.5 (Optimizer.Sgd).
    let momentum (momentum: float) (learningRate: float) = Pure.Optimizer.Sgd(learningRate, momentum = momentum)

    /// Stochastic gradient descent with Nesterov momentum (Optimizer.Sgd with nesterov = true).
    let nesterov (momentum: float) (learningRate: float) = Pure.Optimizer.Sgd(learningRate, momentum = momentum, nesterov = true)

    /// Adam with this learning rate and the usual betas (Optimizer.Adam).
    let adam (learningRate: float) = Pure.Optimizer.Adam(learningRate = learningRate)

    /// The transforms applied in order (Optimizer.Chain).
    let chain (transforms: seq<Optimizer>) = Pure.Optimizer.Chain(Seq.toArray transforms)

/// Functions over models (a network with its loss, feature scaling and class labels), with option instead of null.
[<RequireQualifiedAccess>]
module Model =

    /// A model of the network and loss, without scaling or classes.
    let create (loss: Loss) (network: Network<'T>) = Model<'T>(network, loss)

    /// The output for raw features: the stored scaling, then the network: features |> Model.predict model.
    let predict (model: Model<'T>) (features: ImmutableMatrix<'T>) = model.Predict features

    /// The model's network.
    let network (model: Model<'T>) = model.Network

    /// The model's class labels, when it has them.
    let classes (model: Model<'T>) : ClassEncoding option = Option.ofObj model.Classes

    /// The model's feature scaling, when it has one.
    let scaling (model: Model<'T>) : FeatureScaling<'T> option = Option.ofObj model.Scaling

/// Classification metrics over outputs and one-hot targets (one sample per column).
[<RequireQualifiedAccess>]
module Metrics =

    /// The index of each column's largest output (Metrics.PredictedClasses).
    let predictedClasses (output: ImmutableMatrix<'T>) = Pure.Metrics.PredictedClasses output |> Seq.toArray

    /// The share of samples whose largest output is the target's class: output |> Metrics.accuracy target (Metrics.Accuracy).
    let accuracy (target: ImmutableMatrix<'T>) (output: ImmutableMatrix<'T>) = Pure.Metrics.Accuracy(output, target)

    /// The confusion matrix of actual against predicted class indices: predicted |> Metrics.confusion classCount actual (Metrics.Confusion).
    let confusion (classCount: int) (actual: seq<int>) (predicted: seq<int>) : ConfusionMatrix =
        Pure.Metrics.Confusion(Seq.toArray actual, Seq.toArray predicted, classCount)

    /// One-hot columns, classCount x m, for class indices: labels |> Metrics.oneHot classCount (Metrics.OneHot).
    let oneHot<'T when 'T: unmanaged and 'T :> System.Numerics.IFloatingPointIeee754<'T> and 'T: (new: unit -> 'T) and 'T: struct and 'T :> System.ValueType> (classCount: int) (labels: seq<int>) : ImmutableMatrix<'T> =
        Pure.Metrics.OneHot<'T>(Seq.toArray labels, classCount)
