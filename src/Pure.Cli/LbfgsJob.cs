using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;

namespace Pure.Cli;

/// <summary>
/// <c>pure train --optimizer lbfgs</c>: one full-batch <see cref="Lbfgs.Train{T}"/> run on the training part instead of
/// the epochs. Its history is one row (epoch 1, the final J, the validation part measured after it); the batch size,
/// the epochs and the learning rate do not apply; there is no optimizer state, so no checkpoint is written.
/// </summary>
internal static class LbfgsJob
{
    /// <summary>Trains <paramref name="run"/>'s network with <paramref name="options"/> and prints the report.</summary>
    public static TrainedRun<T> Train<T>(PreparedRun<T> run, LbfgsOptions options, Terminal terminal) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var clock = Stopwatch.StartNew();
        terminal.Line(
            $"L-BFGS (MathNet), full batch of {run.Training.Count}: at most {options.MaxIterations} iterations, tolerance {options.Tolerance}, alpha {options.Alpha}");
        var result = Lbfgs.Train(run.Network, run.Loss, run.Training, options);
        double seconds = clock.Elapsed.TotalSeconds;
        var report = result.Report;
        T? validationLoss = null;
        double? validationAccuracy = null;
        if (run.Validation is { } validation)
        {
            var trace = Backprop.Forward(result.Network, validation.Inputs);
            validationLoss = Backprop.Cost(result.Network, trace, validation.Targets, run.Loss);
            validationAccuracy = Metrics.Accuracy(trace.Output, validation.Targets);
        }
        terminal.Line($"{report.Message}");
        string validated = validationAccuracy is double accuracy ? FormattableString.Invariant($"; validation loss {double.CreateChecked(validationLoss!.Value):F4}, accuracy {accuracy:F4}") : "";
        terminal.Line(
            $"{(report.Iterations is int n ? n.ToString(CultureInfo.InvariantCulture) : "unknown")} iterations, {report.Evaluations} evaluations, cost {report.InitialCost:G6} -> {report.FinalCost:G6}, ||∇J|| {report.GradientNorm:G3}, {seconds:F2} s{validated}");
        var row = new HistoryRow(1, report.FinalCost, validationLoss is T v ? double.CreateChecked(v) : null, validationAccuracy, seconds, seconds);
        var last = new EpochResult<T>(1, result.Network, new EmptyState<T>(), T.CreateChecked(report.FinalCost), validationLoss, validationAccuracy);
        return new TrainedRun<T>([row], last, seconds) { Lbfgs = report };
    }

    /// <summary>The report as metrics.json's "lbfgs" object.</summary>
    public static JsonObject Json(LbfgsReport report) => new()
    {
        ["iterations"] = report.Iterations,
        ["evaluations"] = report.Evaluations,
        ["reason"] = report.Reason.ToString(),
        ["message"] = report.Message,
        ["initial-cost"] = report.InitialCost,
        ["final-cost"] = report.FinalCost,
        ["gradient-norm"] = report.GradientNorm,
    };
}
