/// The Schedule and ReduceOnPlateau modules and the scheduled optimizers give what the C# calls they wrap give, value for value.
module Pure.FSharp.Tests.ScheduleTests

open System
open Xunit
open Pure
open Pure.FSharp

let private steps = [ 0L; 1L; 2L; 5L; 9L; 10L; 11L; 37L; 99L; 100L; 101L; 250L; 1000L; 5000L ]

/// The two schedules are equal as values and give the same bits at every step of steps.
let private assertSameSchedule (expected: Pure.Schedule) (actual: Pure.Schedule) =
    Assert.Equal(expected, actual)
    for step in steps do
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected.ValueAt step), BitConverter.DoubleToInt64Bits(actual |> Schedule.valueAt step))

[<Fact>]
let ``constant and piecewiseConstant equal the C# factories`` () =
    assertSameSchedule (Pure.Schedule.Constant 0.25) (Schedule.constant 0.25)
    let piecewise = Schedule.piecewiseConstant 0.1 [ 10L, 0.5; 100L, 0.2 ]
    assertSameSchedule (Pure.Schedule.PiecewiseConstant(0.1, [ 10L; 100L ], [ 0.5; 0.2 ])) piecewise
    Assert.Equal(0.1, piecewise |> Schedule.valueAt 9L)
    Assert.Equal(0.1 * 0.5, piecewise |> Schedule.valueAt 10L)
    Assert.Equal(0.1 * 0.5 * 0.2, piecewise |> Schedule.valueAt 100L)

[<Fact>]
let ``exponential equals Schedule.Exponential, with the defaults and with every setting`` () =
    assertSameSchedule (Pure.Schedule.Exponential(0.1, 100L, 0.5)) (Schedule.exponential 0.1 100L 0.5)
    let settings = { Schedule.exponentialDefaults with TransitionBegin = 10L; Staircase = true; EndValue = Some 0.02 }
    assertSameSchedule
        (Pure.Schedule.Exponential(0.1, 100L, 0.5, transitionBegin = 10L, staircase = true, endValue = 0.02))
        (Schedule.exponentialWith settings 0.1 100L 0.5)
    // Rising (r > 1) with an upper bound.
    assertSameSchedule
        (Pure.Schedule.Exponential(0.01, 7L, 1.5, endValue = 0.2))
        (Schedule.exponentialWith { Schedule.exponentialDefaults with EndValue = Some 0.2 } 0.01 7L 1.5)

[<Fact>]
let ``inverseScaling equals Schedule.InverseScaling, with the defaults and with every setting`` () =
    assertSameSchedule (Pure.Schedule.InverseScaling 0.3) (Schedule.inverseScaling 0.3)
    let settings = { Power = 0.25; TransitionSteps = 10L; CountPerTransition = 32.0 }
    assertSameSchedule
        (Pure.Schedule.InverseScaling(0.3, power = 0.25, transitionSteps = 10L, countPerTransition = 32.0))
        (Schedule.inverseScalingWith settings 0.3)
    Assert.Equal(Pure.Schedule.InverseScaling 0.3, Schedule.inverseScalingWith Schedule.inverseScalingDefaults 0.3)

[<Fact>]
let ``warmupCosineDecay equals Schedule.WarmupCosineDecay, with the default end and another`` () =
    let schedule = Schedule.warmupCosineDecay 0.01 0.1 10L 100L
    assertSameSchedule (Pure.Schedule.WarmupCosineDecay(0.01, 0.1, 10L, 100L)) schedule
    assertSameSchedule
        (Pure.Schedule.WarmupCosineDecay(0.01, 0.1, 10L, 100L, endValue = 0.001))
        (Schedule.warmupCosineDecayWith { EndValue = 0.001 } 0.01 0.1 10L 100L)
    // Unequal arguments in their places: the initial value at 0, the peak after the warm-up of 10 steps, 0 from step 100.
    Assert.Equal(0.01, schedule |> Schedule.valueAt 0L, 15)
    Assert.Equal(0.1, schedule |> Schedule.valueAt 10L, 15)
    Assert.Equal(0.0, schedule |> Schedule.valueAt 100L, 15)

[<Fact>]
let ``oneCycle equals Schedule.OneCycle, with the defaults and with every setting`` () =
    assertSameSchedule (Pure.Schedule.OneCycle(100L, 0.1)) (Schedule.oneCycle 100L 0.1)
    let schedule = Schedule.oneCycleWith { PercentStart = 0.25; DivFactor = 10.0; FinalDivFactor = 100.0 } 100L 0.1
    assertSameSchedule (Pure.Schedule.OneCycle(100L, 0.1, percentStart = 0.25, divFactor = 10.0, finalDivFactor = 100.0)) schedule
    // The division factors in their places: η_peak / d at the start, η_peak at step ⌊f T⌋, η_peak / (d · d_final) at the end.
    Assert.Equal(0.1 / 10.0, schedule |> Schedule.valueAt 0L, 15)
    Assert.Equal(0.1, schedule |> Schedule.valueAt 25L, 15)
    Assert.Equal(0.1 / 1000.0, schedule |> Schedule.valueAt 100L, 15)

[<Fact>]
let ``the scheduled optimizers equal the C# Sgd and Adam overloads and chains`` () =
    let schedule = Schedule.exponential 0.1 100L 0.5
    let plateau = ReduceOnPlateau(Patience = 2, Factor = 0.5)
    Assert.Equal(Pure.Optimizer.Sgd(schedule), Optimizer.sgdScheduled schedule)
    Assert.Equal(Pure.Optimizer.Adam(schedule), Optimizer.adamScheduled schedule)
    Assert.Equal(Pure.Optimizer.Sgd(schedule, plateau = plateau), Optimizer.sgdScheduledOnPlateau plateau schedule)
    Assert.Equal(Pure.Optimizer.Adam(schedule, plateau = plateau), Optimizer.adamScheduledOnPlateau plateau schedule)
    Assert.Equal(Pure.Optimizer.ScaleBySchedule schedule, Optimizer.scaleBySchedule schedule)
    Assert.Equal(Pure.Optimizer.ScaleByPlateau plateau, Optimizer.scaleByPlateau plateau)
    Assert.NotEqual(Optimizer.adamScheduled schedule, Optimizer.adamScheduledOnPlateau plateau schedule)
    Assert.NotEqual(Optimizer.sgdScheduled schedule, Optimizer.adamScheduled schedule)

let private network: Network<float> = Network.create [ 2; 4; 1 ] Activation.Tanh Activation.Sigmoid 7

let private data: Dataset<float> =
    let inputs = ImmutableMatrix.Create<float>(2, 16, fun i j -> cos (float (5 * i + 2 * j)))
    let targets = ImmutableMatrix.Create<float>(1, 16, fun _ j -> if sin (float (3 * j)) > 0.0 then 1.0 else 0.0)
    Dataset.create inputs targets

[<Fact>]
let ``a constant schedule steps as the constant rate does, bit for bit`` () =
    let gradients = network |> Backprop.gradient Loss.BinaryCrossEntropy data.Inputs data.Targets
    let scheduled = Optimizer.sgdScheduled (Schedule.constant 0.1)
    let constant = Optimizer.sgd 0.1
    let stepScheduled = network |> Optimizer.step scheduled (Optimizer.init scheduled network) gradients
    let stepConstant = network |> Optimizer.step constant (Optimizer.init constant network) gradients
    Assert.Equal(stepConstant.Network, stepScheduled.Network)
    Assert.NotEqual(network, stepScheduled.Network)

[<Fact>]
let ``Train.epochs with a scheduled optimizer on a plateau equals Training.Epochs`` () =
    let optimizer = Optimizer.adamScheduledOnPlateau (ReduceOnPlateau(Patience = 0, Factor = 0.5)) (Schedule.exponential 0.05 10L 0.9)
    let settings = { Train.defaults<float> with Optimizer = optimizer; Loss = Loss.BinaryCrossEntropy; BatchSize = 4; Epochs = 6 }
    let fsharp = network |> Train.epochs settings data |> Seq.toList
    let csharp = Training.Epochs(network, optimizer, Loss.BinaryCrossEntropy, data, 4, 6, 0) |> Seq.toList
    Assert.Equal<EpochResult<float> list>(csharp, fsharp)
    Assert.NotEqual(network, (List.last fsharp).Network)

[<Fact>]
let ``ReduceOnPlateau.next folds as ReduceOnPlateau.Next and the presets are the C# ones`` () =
    let policy = ReduceOnPlateau(Patience = 1, Factor = 0.5)
    let losses = [ 1.0; 0.9; 0.95; 0.97; 0.96; 0.5; 0.6; 0.7 ]
    let fsharp = losses |> List.scan (fun state loss -> state |> ReduceOnPlateau.next policy loss) PlateauState.Initial
    let csharp = losses |> List.scan (fun state loss -> policy.Next(state, loss)) PlateauState.Initial
    Assert.Equal<PlateauState list>(csharp, fsharp)
    Assert.True((List.last fsharp).Scale < 1.0, $"{List.last fsharp}")
    Assert.Equal(Pure.ReduceOnPlateau(), ReduceOnPlateau.defaults)
    Assert.Equal(Pure.ReduceOnPlateau.ScikitLearnAdaptive, ReduceOnPlateau.scikitLearnAdaptive)
    Assert.NotEqual(ReduceOnPlateau.defaults, ReduceOnPlateau.scikitLearnAdaptive)
