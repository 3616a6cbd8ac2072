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

/// Functions over losses: the reduction of the per-sample losses to the cost.
[<RequireQualifiedAccess>]
module Loss =

    /// The loss with this reduction of the per-sample losses, Reduction.Mean (the default) or Reduction.Sum:
    /// Loss.Squared |> Loss.withReduction Reduction.Sum (Loss.WithReduction).
    let withReduction (reduction: Reduction) (loss: Pure.Loss) = loss.WithReduction reduction

    /// How the loss reduces the per-sample losses to the cost (Loss.Reduction).
    let reduction (loss: Pure.Loss) = loss.Reduction

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

    /// The cost with sample weights w (m values ≥ 0, not all 0), Σ w_i ℓ_i / Σ w_i (Σ w_i ℓ_i for Reduction.Sum), and its gradient:
    /// network |> Backprop.weightedGradient loss input target weights (Backprop.Gradient with weights).
    let weightedGradient (loss: Loss) (input: ImmutableMatrix<'T>) (target: ImmutableMatrix<'T>) (weights: ImmutableVector<'T>) (network: Network<'T>) : Gradients<'T> =
        Pure.Backprop.Gradient(network, input, target, loss, weights)

    /// The cost with sample weights w, Σ w_i ℓ_i / Σ w_i (Σ w_i ℓ_i for Reduction.Sum):
    /// network |> Backprop.weightedCost loss input target weights (Backprop.Cost with weights).
    let weightedCost (loss: Loss) (input: ImmutableMatrix<'T>) (target: ImmutableMatrix<'T>) (weights: ImmutableVector<'T>) (network: Network<'T>) : 'T =
        Pure.Backprop.Cost(network, input, target, loss, weights)

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

/// The optional settings of Schedule.exponentialWith; Schedule.exponentialDefaults holds Optax's defaults.
type ExponentialDecaySettings =
    {
        /// The step at which the decay starts, ≥ 0 (0 by default).
        TransitionBegin: int64
        /// Decay in whole transitions (⌊p⌋) rather than continuously (false by default).
        Staircase: bool
        /// A bound on η_t, below for a decay rate r < 1 and above for r > 1, or None (the default).
        EndValue: float option
    }

/// The optional settings of Schedule.inverseScalingWith; Schedule.inverseScalingDefaults holds the defaults.
type InverseScalingSettings =
    {
        /// p ≥ 0 (scikit-learn's power_t, 0.5 by default).
        Power: float
        /// k ≥ 1, the steps between two changes of the rate (1 by default).
        TransitionSteps: int64
        /// c > 0, what one transition adds to the count (1 by default).
        CountPerTransition: float
    }

/// The optional settings of Schedule.warmupCosineDecayWith; Schedule.warmupCosineDecayDefaults holds the default.
type WarmupCosineDecaySettings =
    {
        /// η_end ≥ 0, the rate from the end of the decay on (0 by default).
        EndValue: float
    }

/// The optional settings of Schedule.oneCycleWith; Schedule.oneCycleDefaults holds Optax's defaults.
type OneCycleSettings =
    {
        /// f in (0, 1), the fraction of the cycle spent rising (0.3 by default).
        PercentStart: float
        /// d > 0: the rate starts at η_peak / d (25 by default).
        DivFactor: float
        /// d_final > 0: the rate ends at η_peak / (d · d_final) (1e4 by default).
        FinalDivFactor: float
    }

/// Learning-rate schedules η_t of the step count t (Pure.Schedule, in the style of Optax), for Optimizer.sgdScheduled and
/// Optimizer.adamScheduled. Required arguments are curried; the optional ones are a settings record taken by the *With
/// functions: Schedule.oneCycleWith { Schedule.oneCycleDefaults with DivFactor = 10. } 1000L 0.1.
[<RequireQualifiedAccess>]
module Schedule =

    /// η_t = value at every step (Schedule.Constant).
    let constant (value: float) = Pure.Schedule.Constant value

    /// Step decay, Optax's piecewise_constant_schedule: η0 times the scale of every boundary reached, in order:
    /// Schedule.piecewiseConstant 0.1 [ 1000L, 0.1; 2000L, 0.5 ] (Schedule.PiecewiseConstant).
    let piecewiseConstant (initialValue: float) (boundariesAndScales: seq<int64 * float>) =
        let pairs = Seq.toArray boundariesAndScales
        Pure.Schedule.PiecewiseConstant(initialValue, Array.map fst pairs, Array.map snd pairs)

    /// No delayed start, continuous decay, no bound: the defaults of Schedule.Exponential.
    let exponentialDefaults = { TransitionBegin = 0L; Staircase = false; EndValue = None }

    /// Optax's exponential_decay with the optional settings: η_t = η0 · r^(max(0, t - begin) / k) (Schedule.Exponential).
    let exponentialWith (settings: ExponentialDecaySettings) (initialValue: float) (transitionSteps: int64) (decayRate: float) =
        Pure.Schedule.Exponential(
            initialValue, transitionSteps, decayRate, settings.TransitionBegin, settings.Staircase, Option.toNullable settings.EndValue)

    /// Optax's exponential_decay: η_t = η0 · r^(t / k), k the transition steps and r the decay rate (Schedule.Exponential).
    let exponential (initialValue: float) (transitionSteps: int64) (decayRate: float) =
        exponentialWith exponentialDefaults initialValue transitionSteps decayRate

    /// Power 0.5, a change at every step, a count of 1 per change: the defaults of Schedule.InverseScaling.
    let inverseScalingDefaults = { Power = 0.5; TransitionSteps = 1L; CountPerTransition = 1.0 }

    /// scikit-learn's invscaling with the optional settings: η_t = η0 / (c · ⌊t / k⌋ + 1)^p (Schedule.InverseScaling).
    let inverseScalingWith (settings: InverseScalingSettings) (initialValue: float) =
        Pure.Schedule.InverseScaling(initialValue, settings.Power, settings.TransitionSteps, settings.CountPerTransition)

    /// scikit-learn's invscaling with power 0.5 changed at every step: η_t = η0 / √(t + 1) (Schedule.InverseScaling).
    let inverseScaling (initialValue: float) = inverseScalingWith inverseScalingDefaults initialValue

    /// An end value of 0: the default of Schedule.WarmupCosineDecay.
    let warmupCosineDecayDefaults: WarmupCosineDecaySettings = { EndValue = 0.0 }

    /// Optax's warmup_cosine_decay_schedule with the optional end value (Schedule.WarmupCosineDecay).
    let warmupCosineDecayWith (settings: WarmupCosineDecaySettings) (initialValue: float) (peakValue: float) (warmupSteps: int64) (decaySteps: int64) =
        Pure.Schedule.WarmupCosineDecay(initialValue, peakValue, warmupSteps, decaySteps, settings.EndValue)

    /// Optax's warmup_cosine_decay_schedule: linear from initialValue to peakValue over warmupSteps, then a cosine down to 0
    /// at decaySteps (warm-up included) (Schedule.WarmupCosineDecay).
    let warmupCosineDecay (initialValue: float) (peakValue: float) (warmupSteps: int64) (decaySteps: int64) =
        warmupCosineDecayWith warmupCosineDecayDefaults initialValue peakValue warmupSteps decaySteps

    /// Optax's defaults, those of Schedule.OneCycle: 30% of the cycle rising, a start at η_peak / 25, an end at η_peak / (25 · 1e4).
    let oneCycleDefaults = { PercentStart = 0.3; DivFactor = 25.0; FinalDivFactor = 1e4 }

    /// Optax's cosine_onecycle_schedule with the optional settings (Schedule.OneCycle).
    let oneCycleWith (settings: OneCycleSettings) (transitionSteps: int64) (peakValue: float) =
        Pure.Schedule.OneCycle(transitionSteps, peakValue, settings.PercentStart, settings.DivFactor, settings.FinalDivFactor)

    /// Optax's cosine_onecycle_schedule: up to peakValue and down again over transitionSteps steps (Schedule.OneCycle).
    let oneCycle (transitionSteps: int64) (peakValue: float) = oneCycleWith oneCycleDefaults transitionSteps peakValue

    /// η_t for the step count t ≥ 0 (the updates already applied): schedule |> Schedule.valueAt 100L (Schedule.ValueAt).
    let valueAt (step: int64) (schedule: Pure.Schedule) = schedule.ValueAt step

/// Reduce-on-plateau policies (Pure.ReduceOnPlateau), for Optimizer.sgdScheduledOnPlateau, Optimizer.adamScheduledOnPlateau
/// and Optimizer.scaleByPlateau: ReduceOnPlateau(Patience = 3) for other settings.
[<RequireQualifiedAccess>]
module ReduceOnPlateau =

    /// PyTorch's ReduceLROnPlateau defaults: factor 0.1, patience 10, relative threshold 1e-4, no cooldown, the validation
    /// loss when there is one (ReduceOnPlateau()).
    let defaults = Pure.ReduceOnPlateau()

    /// scikit-learn's learning_rate='adaptive': the rate divided by 5 after 10 epochs without a fall of 1e-4 in the training
    /// loss (ReduceOnPlateau.ScikitLearnAdaptive).
    let scikitLearnAdaptive = Pure.ReduceOnPlateau.ScikitLearnAdaptive

    /// The state after an epoch whose monitored loss is value: state |> ReduceOnPlateau.next policy value (ReduceOnPlateau.Next).
    let next (policy: Pure.ReduceOnPlateau) (value: float) (state: PlateauState) = policy.Next(state, value)

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

    /// Stochastic gradient descent with a scheduled rate η_t and no momentum:
    /// Optimizer.sgdScheduled (Schedule.exponential 0.1 1000L 0.5) (Optimizer.Sgd(Schedule, ...)).
    let sgdScheduled (schedule: Pure.Schedule) = Pure.Optimizer.Sgd(schedule)

    /// Adam with a scheduled rate η_t and the usual betas (Optimizer.Adam(Schedule, ...)).
    let adamScheduled (schedule: Pure.Schedule) = Pure.Optimizer.Adam(schedule)

    /// Stochastic gradient descent with a scheduled rate η_t, also scaled by the policy's scale, reduced between epochs
    /// (Optimizer.Sgd(Schedule, ...) with plateau).
    let sgdScheduledOnPlateau (plateau: Pure.ReduceOnPlateau) (schedule: Pure.Schedule) = Pure.Optimizer.Sgd(schedule, plateau = plateau)

    /// Adam with a scheduled rate η_t, also scaled by the policy's scale, reduced between epochs
    /// (Optimizer.Adam(Schedule, ...) with plateau).
    let adamScheduledOnPlateau (plateau: Pure.ReduceOnPlateau) (schedule: Pure.Schedule) = Pure.Optimizer.Adam(schedule, plateau = plateau)

    /// The transform u = -η_t g, for a chain (Optimizer.ScaleBySchedule).
    let scaleBySchedule (schedule: Pure.Schedule) = Pure.Optimizer.ScaleBySchedule schedule

    /// The transform u = s · g, s the policy's scale, reduced between epochs; put it after the rate in a chain (Optimizer.ScaleByPlateau).
    let scaleByPlateau (plateau: Pure.ReduceOnPlateau) = Pure.Optimizer.ScaleByPlateau plateau

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

    /// The model's target scaling (regression: predict returns outputs in the targets' units), when it has one (Model.TargetScaling).
    let targetScaling (model: Model<'T>) : FeatureScaling<'T> option = Option.ofObj model.TargetScaling

    /// The model with this target scaling, or without one for None:
    /// model |> Model.withTargetScaling (Some scaling) (Model.WithTargetScaling).
    let withTargetScaling (scaling: #FeatureScaling<'T> option) (model: Model<'T>) =
        model.WithTargetScaling(scaling |> Option.map (fun scaling -> scaling :> FeatureScaling<'T>) |> Option.toObj)

/// Prediction through a reusable workspace (Pure.Predictor): the same bits as Network.predict and Model.predict, with
/// buffers kept between calls. One predictor serves one thread at a time.
[<RequireQualifiedAccess>]
module Predictor =

    /// A predictor for the network, for batches of 1 to maxBatch samples: network |> Predictor.ofNetwork 64 (new Predictor(network, maxBatch)).
    let ofNetwork (maxBatch: int) (network: Network<'T>) = new Predictor<'T>(network, maxBatch)

    /// A predictor for the model (its scaling, network and inverse target scaling), for batches of 1 to maxBatch samples
    /// (new Predictor(model, maxBatch)).
    let ofModel (maxBatch: int) (model: Model<'T>) = new Predictor<'T>(model, maxBatch)

    /// The output (n_L x m) for input (n_0 x m, 1 ≤ m ≤ maxBatch): input |> Predictor.predict predictor (Predictor.Predict).
    let predict (predictor: Predictor<'T>) (input: ImmutableMatrix<'T>) = predictor.Predict input

    /// Writes the output for m samples into output and returns m: input holds m · n_0 values, one sample after another
    /// (column-major n_0 x m), and output receives m · n_L values in the same layout:
    /// input |> Predictor.predictInto predictor output (Predictor.Predict on spans).
    let predictInto (predictor: Predictor<'T>) (output: 'T[]) (input: 'T[]) : int =
        predictor.Predict(ReadOnlySpan<'T>(input), Span<'T>(output))

/// Metrics over outputs and targets (one sample per column): classification (one-hot targets) and regression.
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

    /// The mean squared error over every output and sample: output |> Metrics.meanSquaredError target (Metrics.MeanSquaredError).
    let meanSquaredError (target: ImmutableMatrix<'T>) (output: ImmutableMatrix<'T>) = Pure.Metrics.MeanSquaredError(output, target)

    /// The mean squared error of each output (row) (Metrics.MeanSquaredErrorPerOutput).
    let meanSquaredErrorPerOutput (target: ImmutableMatrix<'T>) (output: ImmutableMatrix<'T>) =
        Pure.Metrics.MeanSquaredErrorPerOutput(output, target) |> Seq.toArray

    /// The mean over the outputs of each output's root mean squared error (Metrics.RootMeanSquaredError).
    let rootMeanSquaredError (target: ImmutableMatrix<'T>) (output: ImmutableMatrix<'T>) = Pure.Metrics.RootMeanSquaredError(output, target)

    /// The root mean squared error of each output (row) (Metrics.RootMeanSquaredErrorPerOutput).
    let rootMeanSquaredErrorPerOutput (target: ImmutableMatrix<'T>) (output: ImmutableMatrix<'T>) =
        Pure.Metrics.RootMeanSquaredErrorPerOutput(output, target) |> Seq.toArray

    /// The mean absolute error over every output and sample (Metrics.MeanAbsoluteError).
    let meanAbsoluteError (target: ImmutableMatrix<'T>) (output: ImmutableMatrix<'T>) = Pure.Metrics.MeanAbsoluteError(output, target)

    /// The mean absolute error of each output (row) (Metrics.MeanAbsoluteErrorPerOutput).
    let meanAbsoluteErrorPerOutput (target: ImmutableMatrix<'T>) (output: ImmutableMatrix<'T>) =
        Pure.Metrics.MeanAbsoluteErrorPerOutput(output, target) |> Seq.toArray

    /// The coefficient of determination R², averaged over the outputs: output |> Metrics.r2 target (Metrics.R2).
    let r2 (target: ImmutableMatrix<'T>) (output: ImmutableMatrix<'T>) = Pure.Metrics.R2(output, target)

    /// The coefficient of determination R² of each output (row) (Metrics.R2PerOutput).
    let r2PerOutput (target: ImmutableMatrix<'T>) (output: ImmutableMatrix<'T>) = Pure.Metrics.R2PerOutput(output, target) |> Seq.toArray
