using Pure.Benchmarks;

const string Usage = """
    usage: Benchmarks kernels [BenchmarkDotNet options, e.g. --filter '*' --job short]
           Benchmarks gemm [--runs 21] [--run-ms 20] [--threads N] [--dtype float32|float64|both] [--mathnet yes|no]
           Benchmarks mlp --data DIR [--dtype float32|float64] [--batch 128] [--epochs 15] [--steps S] [--samples 60000]
                          [--seed 42] [--learning-rate 0.05] [--momentum 0.9] [--threads N]
           Benchmarks floor [--steps 2000] [--runs 15]
           Benchmarks predict [--model model.json | --layers 784,512,256,10] [--dtype float32|float64|both] [--batch 1,64,10000]
                              [--runs 7] [--run-ms 20] [--settle-ms 100] [--threads N] [--seed 42]
    """;

if (args.Length == 0)
{
    Console.Error.WriteLine(Usage);
    return 2;
}
try
{
    return args[0] switch
    {
        "kernels" => KernelsMode.Run(args[1..]),
        "gemm" => GemmMode.Run(args[1..]),
        "mlp" => MlpMode.Run(args[1..]),
        "floor" => FloorMode.Run(args[1..]),
        "predict" => PredictMode.Run(args[1..]),
        _ => throw new UsageException($"unknown mode '{args[0]}' (expected kernels, gemm, mlp, floor or predict)"),
    };
}
catch (UsageException e)
{
    Console.Error.WriteLine($"error: {e.Message} (run without arguments for the usage)");
    return 2;
}
catch (DataFileException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
