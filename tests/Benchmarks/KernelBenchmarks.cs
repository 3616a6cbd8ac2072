using System.Numerics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Pure.Benchmarks;

/// <summary>
/// BenchmarkDotNet: Pure's GEMM against MathNet's managed product, per shape and form, into preallocated results.
/// The baseline of each shape is MathNet, so the Ratio column is Pure's time over MathNet's.
/// </summary>
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class GemmBenchmarks<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private GemmOperands<T>? _operands;

    /// <summary>The shapes of one training step at batch 128, and a square 1024 product.</summary>
    public static IEnumerable<GemmShape> Shapes => GemmShape.All;

    /// <summary>The product measured.</summary>
    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = GemmShape.All[0];

    /// <summary>Allocates and fills the operands once per shape.</summary>
    [GlobalSetup]
    public void Setup()
    {
        global::MathNet.Numerics.Control.UseManaged();
        _operands = new GemmOperands<T>(Shape, 1);
    }

    /// <summary>Pure's packed, register-tiled GEMM (Gemm&lt;T&gt;.Multiply).</summary>
    [Benchmark]
    public void Pure() => _operands!.Pure();

    /// <summary>MathNet.Numerics' managed provider.</summary>
    [Benchmark(Baseline = true)]
    public void MathNet() => _operands!.MathNet();
}

/// <summary>GFLOP/s = 2 m n k / mean time, from the shape parameter of each case.</summary>
public sealed class GflopsColumn : IColumn
{
    /// <inheritdoc />
    public string Id => "GFLOPs";

    /// <inheritdoc />
    public string ColumnName => "GFLOP/s";

    /// <inheritdoc />
    public bool AlwaysShow => true;

    /// <inheritdoc />
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc />
    public int PriorityInCategory => 0;

    /// <inheritdoc />
    public bool IsNumeric => true;

    /// <inheritdoc />
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc />
    public string Legend => "Billions of floating-point operations per second, 2mnk / Mean";

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        if (statistics is null || benchmarkCase.Parameters["Shape"] is not GemmShape shape) return "NA";
        return (shape.Flops / statistics.Mean).ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    public bool IsAvailable(Summary summary) => true;

    /// <inheritdoc />
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}

/// <summary>The <c>kernels</c> mode: BenchmarkSwitcher over <see cref="GemmBenchmarks{T}"/> with the GFLOP/s column.</summary>
internal static class KernelsMode
{
    public static int Run(string[] args)
    {
        var config = DefaultConfig.Instance
            .AddColumn(new GflopsColumn())
            .WithOptions(ConfigOptions.JoinSummary);
        var arguments = args.ToList();
        if (!arguments.Any(a => a is "--filter" or "-f" || a.StartsWith("--filter=", StringComparison.Ordinal)))
            arguments.AddRange(["--filter", "*"]);
        // The benchmarks run in this process (BenchmarkDotNet 0.14 does not know the net10.0 moniker, so it cannot
        // generate and build a separate project for it). Through the command line, so that --job still applies.
        if (!arguments.Any(a => a is "--inProcess" or "-i" or "--toolchain" or "--runtimes" or "-r"))
            arguments.Add("--inProcess");
        var summaries = BenchmarkSwitcher.FromTypes([typeof(GemmBenchmarks<>)]).Run([.. arguments], config);
        return summaries.Any(summary => summary.HasCriticalValidationErrors) ? 1 : 0;
    }
}
