using System.Collections.Immutable;
using System.CommandLine;
using System.Globalization;
using System.Numerics;
using System.Text.Json;

namespace Pure.Cli;

/// <summary>The command tree of <c>pure</c>.</summary>
internal static class Commands
{
    /// <summary>The root command (the digits job) and its subcommands, writing to <paramref name="terminal"/>.</summary>
    public static RootCommand Build(Terminal terminal)
    {
        var root = new RootCommand(
            "Pure: multilayer perceptrons trained by backpropagation. With no command, trains a 64-100-10 network on the embedded digits set "
            + "(a stratified 25% test part, no validation part) and ends with 'test accuracy: 0.xxxx'; no files are written.")
        {
            HelpName = "pure",
        };
        // The digits job's settings: the table's rows, two of them worded for the digits job.
        (Setting Setting, Option Option)[] options =
        [
            (Settings.Epochs, Settings.Epochs.CreateOption("Epochs [default: 30]")), (Settings.Batch, Settings.Batch.CreateOption()),
            (Settings.Seed, Settings.Seed.CreateOption()), (Settings.LearningRate, Settings.LearningRate.CreateOption("Adam's learning rate [default: 0.001]")),
        ];
        foreach (var (_, option) in options) root.Options.Add(option);
        root.SetAction(parsed =>
        {
            var digitsJob = Experiment.Defaults.Set(Settings.ValidationFraction, 0);
            var experiment = digitsJob.With(Experiment.FromFlags(parsed, options)).Resolve();
            return TrainJob.Run(experiment, terminal, output: null, monitorTest: true);
        });
        root.Subcommands.Add(Train(terminal));
        root.Subcommands.Add(Evaluate(terminal));
        root.Subcommands.Add(Predict(terminal));
        root.Subcommands.Add(GradCheck(terminal));
        root.Subcommands.Add(Info(terminal));
        root.Subcommands.Add(Export(terminal));
        root.Subcommands.Add(Import(terminal));
        root.Subcommands.Add(Sweep(terminal));
        LimitOptions.AddTo(root);
        return root;
    }

    private static Command Train(Terminal terminal)
    {
        var command = new Command("train", "Trains a network and writes model.json, checkpoint.json, weights.npz, experiment.json, history.csv, metrics.json, loss.svg and accuracy.svg into the output folder.");
        var settings = Settings.All.Select(setting => (Setting: setting, Option: Add(command, setting.CreateOption()))).ToArray();
        var output = Add(command, new Option<string?>("--output") { HelpName = "folder", Description = "Folder for the results [default: runs/<data name>, e.g. runs/digits]" });
        var experimentFile = Add(command, new Option<string?>("--experiment") { HelpName = "file", Description = "A JSON experiment file (such as a run's experiment.json); flags given as well override its settings" });
        command.SetAction(parsed =>
        {
            var flags = Experiment.FromFlags(parsed, settings);
            if (flags.Get(Settings.Patience) is not null && flags.Get(Settings.EarlyStopping) is null) flags = flags.Set(Settings.EarlyStopping, true);
            string? given = parsed.GetValue(experimentFile);
            string? filePath = given ?? (flags.Get(Settings.Resume) is string checkpoint ? ExperimentNextTo(checkpoint) : null);
            var file = filePath is null ? new Experiment()
                : given is not null ? Experiment.Load(filePath)
                : Experiment.Load(filePath).Set(Settings.Resume, null);
            var experiment = Resolve(file, flags, filePath);
            string folder = parsed.GetValue(output) ?? Path.Combine("runs", DataName(experiment.Get(Settings.Data)) + (experiment.Get(Settings.Resume) is null ? "" : "-resumed"));
            return TrainJob.Run(experiment, terminal, folder);
        });
        return command;
    }

    /// <summary>
    /// The defaults, then <paramref name="file"/>, then <paramref name="flags"/>, resolved. A setting refused only
    /// because of the file (the flags alone resolve) is a bad file, reported with its path, not a wrong command line.
    /// </summary>
    private static Experiment Resolve(Experiment file, Experiment flags, string? filePath)
    {
        try { return Experiment.Defaults.With(file).With(flags).Resolve(); }
        catch (UsageException problem) when (filePath is not null && ResolvesAlone(flags))
        {
            throw new InvalidDataException($"{filePath}: {problem.Message}", problem);
        }
    }

    private static bool ResolvesAlone(Experiment flags)
    {
        try
        {
            Experiment.Defaults.With(flags).Resolve();
            return true;
        }
        catch (UsageException) { return false; }
    }

    /// <summary>The experiment.json in the folder of <paramref name="checkpoint"/>, when there is one.</summary>
    private static string? ExperimentNextTo(string checkpoint)
    {
        string beside = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(checkpoint)) ?? "", "experiment.json");
        return File.Exists(beside) ? beside : null;
    }

    private static Command Evaluate(Terminal terminal)
    {
        var command = new Command("evaluate", "Measures a model on labelled data: its loss, accuracy and confusion matrix on every sample (the t10k files of an IDX folder).");
        var (model, data, target) = ModelAndData(command, dataRequired: false);
        var output = Add(command, new Option<string?>("--output") { Description = "Also write the metrics as JSON to this file", HelpName = "file" });
        command.SetAction(parsed => ModelCommands.Run(parsed.GetRequiredValue(model),
            new ModelCommands.Evaluate(terminal, parsed.GetValue(data), parsed.GetValue(target), parsed.GetValue(output))));
        return command;
    }

    private static Command Predict(Terminal terminal)
    {
        var command = new Command("predict", "Predicts the class of each row of a CSV or Parquet file: writes a CSV (or, to a .parquet --output, Parquet) with the predicted label and one probability column per class.");
        var (model, data, target) = ModelAndData(command, dataRequired: true);
        target.Description = "A column of the CSV or Parquet file to leave out (such as the labels); by default every column is a feature";
        var output = Add(command, new Option<string?>("--output") { Description = "The CSV file to write, or a .parquet file [default: standard output]", HelpName = "file" });
        command.SetAction(parsed => ModelCommands.Run(parsed.GetRequiredValue(model),
            new ModelCommands.Predict(terminal, parsed.GetRequiredValue(data)!, parsed.GetValue(target), parsed.GetValue(output))));
        return command;
    }

    private static Command GradCheck(Terminal terminal)
    {
        var command = new Command("gradcheck", $"Compares the model's backpropagated gradient with central differences on the first samples of the data (exit code {ModelCommands.CheckFailed} when the check fails).");
        var (model, data, target) = ModelAndData(command, dataRequired: false);
        var samples = Add(command, Number<int>("--samples", "How many samples (the first ones) [default: 16]"));
        var maxParameters = Add(command, Number<int>("--max-parameters", "Check a seeded sample of this many parameters; 0 for all [default: 2000]"));
        var seed = Add(command, Number<int>("--seed", "Seed of the parameter sample [default: 0]"));
        var step = Add(command, Number<double>("--step", "h of the central differences (h and h/2, Richardson) [default: 2^-20 for float64, 2^-8 for float32]"));
        var tolerance = Add(command, Number<double>("--tolerance", "rtol: a coordinate passes when |a - n| <= rtol * max(|a|, |n|) + the noise floor [default: 1e-7 for float64, 1e-4 for float32]"));
        command.SetAction(parsed =>
        {
            int count = parsed.GetValue(samples) ?? 16, most = parsed.GetValue(maxParameters) ?? 2000;
            if (count < 1) throw new UsageException($"--samples: expected 1 or more, got {count}.");
            if (most < 0) throw new UsageException($"--max-parameters: expected 0 or more, got {most}.");
            double? h = parsed.GetValue(step), rtol = parsed.GetValue(tolerance);
            if (h is double given && !(given > 0 && double.IsFinite(given))) throw new UsageException($"--step: expected a finite value above 0, got {F(given)}.");
            if (rtol is double r && !(r > 0 && double.IsFinite(r))) throw new UsageException($"--tolerance: expected a finite value above 0, got {F(r)}.");
            var options = new GradientCheckOptions(h, rtol, most, parsed.GetValue(seed) ?? 0);
            return ModelCommands.Run(parsed.GetRequiredValue(model), new ModelCommands.GradCheck(terminal, parsed.GetValue(data), parsed.GetValue(target), count, options));
        });
        return command;
    }

    private static Command Info(Terminal terminal)
    {
        var command = new Command("info", "Shows a model file's architecture, loss, scaling, classes and parameter count.");
        var model = Add(command, new Option<string>("--model") { Description = "The model file (model.json of a run)", Required = true, HelpName = "file" });
        command.SetAction(parsed => ModelCommands.Run(parsed.GetRequiredValue(model), new ModelCommands.Info(terminal)));
        return command;
    }

    private static Command Sweep(Terminal terminal)
    {
        var command = new Command("sweep", "Expands a grid of settings into one experiment file per run under DIR/runs (and DIR/sweep.json); "
            + "with --jobs N runs them here, N at a time, with --emit slurm writes DIR/sweep.sbatch, a Slurm job array. Finished runs are skipped. See docs/sweeps.md.");
        var experimentFile = Add(command, new Option<string?>("--experiment") { HelpName = "file", Description = "The base experiment file; its \"grid\" block, {\"learning-rate\": [0.1, 0.01], ...}, is swept too [default: the defaults of pure train]" });
        var grid = Add(command, new Option<string[]>("--grid")
        {
            HelpName = "key=values",
            Description = "A setting and its values, e.g. learning-rate=0.1,0.01 or layers=[64,32],[128]; repeat for more keys (the product is run); replaces the file's grid entry of that key",
        });
        var output = Add(command, new Option<string>("--output") { HelpName = "folder", Description = "The sweep folder", Required = true });
        var jobs = Add(command, Number<int>("--jobs", "Run the unfinished runs on this machine, this many at a time"));
        var emit = Add(command, new Option<string?>("--emit") { HelpName = "slurm", Description = "Write DIR/sweep.sbatch, a Slurm job-array script (one task per run), instead of running" });
        var pureCommand = Add(command, new Option<string?>("--pure-command")
        {
            HelpName = "command",
            Description = "The command that runs pure for each run, words separated by spaces [default: this program: its executable, or dotnet and its Pure.Cli.dll]",
        });
        var slurmOptions = Add(command, new Option<string[]>("--slurm-option") { HelpName = "option", Description = "An sbatch option for the script, e.g. --slurm-option=--time=00:10:00 (repeat for more)" });
        (string Name, Option<string?> Option)[] shortcuts =
        [
            ("partition", new Option<string?>("--partition") { HelpName = "name", Description = "sbatch --partition" }),
            ("time", new Option<string?>("--time") { HelpName = "limit", Description = "sbatch --time, per run, e.g. 00:10:00" }),
            ("cpus-per-task", new Option<string?>("--cpus-per-task") { HelpName = "n", Description = "sbatch --cpus-per-task" }),
            ("mem", new Option<string?>("--mem") { HelpName = "size", Description = "sbatch --mem, e.g. 2G" }),
        ];
        foreach (var (_, option) in shortcuts) command.Options.Add(option);
        command.SetAction(parsed =>
        {
            int? parallel = parsed.GetValue(jobs);
            string? target = parsed.GetValue(emit);
            if (parallel is < 1) throw new UsageException($"--jobs: expected 1 or more, got {parallel}.");
            if (target is not null and not "slurm") throw new UsageException($"--emit: expected slurm, got {target}.");
            if (parallel is not null && target is not null) throw new UsageException("--jobs and --emit: expected one of them, got both.");
            var sbatch = (parsed.GetValue(slurmOptions) ?? []).Concat(shortcuts.Where(s => parsed.GetValue(s.Option) is not null).Select(s => $"--{s.Name}={parsed.GetValue(s.Option)}")).ToList();
            foreach (string option in sbatch)
                if (!option.StartsWith('-') || option.IndexOfAny(['\n', '\r']) >= 0)
                    throw new UsageException($"--slurm-option: expected an sbatch option starting with - on one line, e.g. --time=00:10:00, got '{option}'.");
            if (sbatch.Count > 0 && target is null) throw new UsageException("--slurm-option, --partition, --time, --cpus-per-task and --mem apply to --emit slurm.");
            var pure = parsed.GetValue(pureCommand) is string given ? given.Split(' ', StringSplitOptions.RemoveEmptyEntries) : SweepRunner.CurrentPure();
            if (pure.Count == 0) throw new UsageException("--pure-command: expected a command, got nothing.");
            // The sweep's own --limit values go to every run, which reads the same data under the same limits.
            var limits = LimitOptions.Words(parsed);

            string? path = parsed.GetValue(experimentFile);
            JsonElement? block = null;
            var file = path is null ? new Experiment() : Experiment.Load(path, out block, allowGrid: true);
            var axes = SweepPlan.Merge(block is JsonElement g ? SweepPlan.FromJson(g, path!) : [], [.. (parsed.GetValue(grid) ?? []).Select(SweepPlan.FromFlag)]);
            var runs = SweepPlan.Expand(file, axes);
            string folder = parsed.GetRequiredValue(output);
            SweepPlan.Write(folder, axes, runs);
            terminal.Line($"wrote {Path.Combine(folder, SweepPlan.PlanName)} and {runs.Count} experiment files under {Path.Combine(folder, SweepPlan.RunsName)} ({(axes.Count == 0 ? "no grid" : string.Join(" x ", axes.Select(a => $"{a.Values.Length} {a.Setting.Name}")))})");
            if (target is not null)
            {
                string script = SweepRunner.EmitSlurm(folder, runs, pure, limits, sbatch);
                terminal.Line($"wrote {script}: a job array of {runs.Count} tasks; submit it with: sbatch {script}");
                return 0;
            }
            if (parallel is int n) return SweepRunner.RunJobs(folder, runs, n, pure, limits, terminal);
            terminal.Line($"run them with --jobs N, or write a Slurm script with --emit slurm; each is: pure train --experiment {Path.Combine(folder, SweepPlan.RunsName, "NAME", "experiment.json")} --output {Path.Combine(folder, SweepPlan.RunsName, "NAME")}{string.Concat(limits.Select(word => " " + word))}");
            return 0;
        });

        var summarize = new Command("summarize", "Gathers the runs' metrics.json into DIR/summary.csv (one row per run: its swept values, status ok, failed or missing, its metrics) and a chart DIR/summary.svg, and names the best run.");
        var folderArgument = new Argument<string>("folder") { Description = "The sweep folder (holding sweep.json)" };
        summarize.Arguments.Add(folderArgument);
        var metric = Add(summarize, new Option<string?>("--metric")
        {
            HelpName = "name",
            Description = $"The metric of the chart and of the best run, a column of summary.csv [default: the first present of {string.Join(", ", SweepSummary.DefaultMetrics)}]",
        });
        summarize.SetAction(parsed => SweepSummary.Run(parsed.GetRequiredValue(folderArgument), parsed.GetValue(metric), terminal));
        command.Subcommands.Add(summarize);
        return command;
    }

    private static Command Export(Terminal terminal)
    {
        var command = new Command("export", "Writes a model file as ONNX (opset 17): input \"input\" [batch, n_0] of raw features, the scaling and every layer as graph nodes, output \"probabilities\" (classification) or \"output\" (regression, in the targets' units).");
        var model = Add(command, new Option<string>("--model") { Description = "The model file (model.json of a run)", Required = true, HelpName = "file" });
        var format = Add(command, new Option<string>("--format") { Description = "The format to write; only onnx", Required = true, HelpName = "name" });
        var output = Add(command, new Option<string>("--output") { Description = "The file to write, such as model.onnx", Required = true, HelpName = "file" });
        command.SetAction(parsed =>
        {
            string given = parsed.GetRequiredValue(format);
            if (given != "onnx") throw new UsageException($"--format: expected onnx, got {given}.");
            return ModelCommands.Run(parsed.GetRequiredValue(model), new ModelCommands.ExportOnnx(terminal, parsed.GetRequiredValue(output)));
        });
        return command;
    }

    private static Command Import(Terminal terminal)
    {
        var command = new Command("import", "Reads an ONNX MLP (exported by PyTorch's torch.onnx.export or by pure export) and writes it as a model file, in the ONNX file's dtype; see docs/file-formats.md for the graphs accepted.");
        var model = Add(command, new Option<string>("--model") { Description = "The ONNX file to read, such as model.onnx", Required = true, HelpName = "file" });
        var format = Add(command, new Option<string>("--format") { Description = "The format to read; only onnx", Required = true, HelpName = "name" });
        var output = Add(command, new Option<string>("--output") { Description = "The model file to write, such as model.json", Required = true, HelpName = "file" });
        command.SetAction(parsed =>
        {
            string given = parsed.GetRequiredValue(format);
            if (given != "onnx") throw new UsageException($"--format: expected onnx, got {given}.");
            string path = parsed.GetRequiredValue(model), target = parsed.GetRequiredValue(output);
            string dtype = Onnx.ReadDType(path);
            return dtype == "float32" ? ImportAs<float>(path, target, terminal) : ImportAs<double>(path, target, terminal);
        });
        return command;
    }

    /// <summary>Imports the ONNX file <paramref name="path"/> as a Model&lt;T&gt; and saves it to <paramref name="output"/>; a graph Pure cannot represent is a bad file (exit code 1).</summary>
    private static int ImportAs<T>(string path, string output, Terminal terminal) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Model<T> model;
        try { model = Onnx.Import<T>(path, LimitOptions.Current); }
        catch (NotSupportedException refused) { throw new InvalidDataException(refused.Message, refused); }
        ModelFile.Save(model, output);
        terminal.Line($"wrote {output}: {(typeof(T) == typeof(float) ? "float32" : "float64")} model {model.Network.Architecture}, loss {model.Loss.Name}{(model.Scaling is null ? "" : ", input scaling")}{(model.TargetScaling is null ? "" : ", target scaling")}");
        return 0;
    }

    private static (Option<string> Model, Option<string?> Data, Option<string?> Target) ModelAndData(Command command, bool dataRequired)
    {
        var model = Add(command, new Option<string>("--model") { Description = "The model file (model.json of a run)", Required = true, HelpName = "file" });
        var data = Add(command, new Option<string?>("--data")
        {
            Description = dataRequired ? "The CSV or Parquet (.parquet) file of features" : "A CSV or Parquet (.parquet) file, or IDX files (a folder or an images file) [default: the embedded digits set]",
            Required = dataRequired,
            HelpName = "path",
        });
        var target = Add(command, new Option<string?>("--target") { Description = "The CSV or Parquet column of the class labels: a name, or a 0-based index [default: the last column]", HelpName = "column" });
        return (model, data, target);
    }

    /// <summary>A short name of the data: "digits" for the embedded set, else the file or folder name without extensions.</summary>
    public static string DataName(string? data)
    {
        if (data is null) return "digits";
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(data)));
        int dot = name.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 ? name[..dot] : name;
    }

    /// <summary>"256,128" as [256, 128]; null stays null.</summary>
    public static ImmutableArray<int>? Layers(string? text)
    {
        if (text is null) return null;
        var sizes = ImmutableArray.CreateBuilder<int>();
        foreach (string cell in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(cell, NumberStyles.None, CultureInfo.InvariantCulture, out int size) || size < 1)
                throw new UsageException($"--layers: expected sizes of 1 or more separated by commas, e.g. 256,128, got '{text}'.");
            sizes.Add(size);
        }
        return sizes.ToImmutable();
    }

    /// <summary>The rates of --dropout ("0.2" or "0.2,0.1"), or null when not given.</summary>
    public static ImmutableArray<double>? Rates(string? text)
    {
        if (text is null) return null;
        var rates = ImmutableArray.CreateBuilder<double>();
        foreach (string cell in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double rate))
                throw new UsageException($"--dropout: expected rates separated by commas, e.g. 0.2 or 0.2,0.1, got '{text}'.");
            rates.Add(rate);
        }
        return rates.ToImmutable();
    }

    /// <summary>An optional number option whose parse error names the option and the text given.</summary>
    public static Option<T?> Number<T>(string name, string description) where T : struct, INumber<T> => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            string text = result.Tokens.Count == 0 ? "" : result.Tokens[0].Value;
            var style = typeof(T) == typeof(int) ? NumberStyles.Integer : NumberStyles.Float;
            if (T.TryParse(text, style, CultureInfo.InvariantCulture, out var value)) return value;
            result.AddError($"{name}: expected {(typeof(T) == typeof(int) ? "an integer" : "a number")}, got '{text}'.");
            return null;
        },
    };

    private static T Add<T>(Command command, T option) where T : Option
    {
        command.Options.Add(option);
        return option;
    }

    private static Option<string?> Choice(Option<string?> option, params string[] choices)
    {
        option.AcceptOnlyFromAmong(choices);
        return option;
    }

    private static string F(double? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "none";
}
