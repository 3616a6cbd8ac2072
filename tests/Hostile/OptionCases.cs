using Pure.Hostile.Tests.Support;

namespace Pure.Hostile.Tests;

/// <summary>Command-line options: every numeric option with negative, zero, huge, NaN and non-numbers; names; layers; files.</summary>
public sealed class OptionCases
{
    /// <summary>The cases by name.</summary>
    public static readonly IReadOnlyDictionary<string, HostileCase> All = Build().ToDictionary(c => c.Name);

    /// <summary>The case names, one test each.</summary>
    public static TheoryData<string> Names => [.. All.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Option_is_handled_within_bounds(string name) => All[name].Check();

    private static readonly string[] Tail = ["--layers", "3", "--epochs", "1", "--batch", "8", "--output", "out"];

    private static string[] Train(params string[] args) => ["train", "--data", Workspace.BlobsCsv, .. args, .. Tail.Where((_, i) => !args.Contains(Tail[i - i % 2]) ).ToArray()];

    private static IEnumerable<HostileCase> Build()
    {
        // Numeric options of train: value -> expected exit (0 = valid, trains on the small CSV).
        var numeric = new (string Option, (string Value, int Exit)[] Values, string[] Extra)[]
        {
            ("--learning-rate", [("-1", 2), ("0", 2), ("1e400", 2), ("NaN", 2), ("Infinity", 2), ("-Infinity", 2), ("abc", 2), ("", 2), ("1e-300", 0)], []),
            ("--momentum", [("-1", 2), ("0", 2), ("1", 2), ("1e308", 2), ("NaN", 2), ("Infinity", 2), ("abc", 2), ("0.5", 0)], ["--optimizer", "momentum"]),
            ("--weight-decay", [("-1", 2), ("0", 0), ("NaN", 2), ("Infinity", 2), ("-0.0", 0), ("x", 2)], []),
            ("--clip", [("-1", 2), ("0", 2), ("NaN", 2), ("Infinity", 2), ("1e308", 0), ("abc", 2)], []),
            ("--huber-delta", [("-1", 2), ("0", 2), ("NaN", 2), ("Infinity", 2), ("1e400", 2), ("abc", 2), ("1e308", 0), ("1e-300", 0)], ["--loss", "huber"]),
            ("--batch", [("-1", 2), ("0", 2), ("2147483648", 2), ("NaN", 2), ("1.5", 2), ("2147483647", 0), ("-2147483649", 2)], []),
            ("--epochs", [("-1", 2), ("0", 2), ("2147483648", 2), ("NaN", 2), ("1e3", 2), ("-2147483648", 2)], []),
            ("--seed", [("-1", 0), ("0", 0), ("2147483648", 2), ("NaN", 2), ("abc", 2), ("2147483647", 0)], []),
            ("--validation-fraction", [("-1", 2), ("0", 0), ("1", 2), ("NaN", 2), ("1e308", 2), ("Infinity", 2), ("-0.0", 0)], []),
            ("--test-fraction", [("-1", 2), ("0", 2), ("1", 2), ("NaN", 2), ("1e308", 2), ("0.95", 2)], []),
        };
        foreach (var (option, values, extra) in numeric)
            foreach (var (value, exit) in values)
                yield return new HostileCase($"train{option}={Show(value)}", exit, null, _ => Train([.. extra, option, value]), AcceptedBytes: 1 << 20);

        // Layers.
        foreach (var (value, exit) in new[] { ("0", 2), ("-1", 2), ("", 2), ("3,,3", 2), ("abc", 2), ("3;3", 2), ("2147483648", 2), ("2000000000", 2), ("100000000", 2), ("2000000000,2000000000", 2), ("1e3", 2), ("46341,46341", 2) })
            yield return new HostileCase($"train--layers={Show(value)}", exit, null, _ => Train("--layers", value));
        yield return new HostileCase("train--layers=999-ones", 0, null, _ => Train("--layers", string.Join(",", Enumerable.Repeat("1", 999))), AcceptedBytes: 1 << 20)
        { Then = f => ["info", "--model", f["out/model.json"]] };
        yield return new HostileCase("train--layers=1000-ones", 2, null, _ => Train("--layers", string.Join(",", Enumerable.Repeat("1", 1000))), AcceptedBytes: 1 << 20)
        { OrExit = 0, Then = f => ["info", "--model", f["out/model.json"]] };

        // Named choices.
        foreach (var option in new[] { "--activation", "--output-activation", "--loss", "--optimizer", "--scaling", "--dtype" })
            foreach (string value in new[] { "bogus", "", "RELU" })
                yield return new HostileCase($"train{option}={Show(value)}", 2, null, _ => Train(option, value));
        yield return new HostileCase("train--activation=softmax", 2, null, _ => Train("--activation", "softmax"));
        yield return new HostileCase("train--loss=binary_cross_entropy-after-softmax", 2, null, _ => Train("--loss", "binary_cross_entropy"));
        yield return new HostileCase("train--momentum-with-adam", 2, null, _ => Train("--momentum", "0.5"));
        yield return new HostileCase("train--optimizer=sgd--learning-rate=1e6-diverges", 1, null, _ => Train("--optimizer", "sgd", "--learning-rate", "1e6", "--epochs", "30"));
        yield return new HostileCase("train--weight-decay=1e308-diverges", 1, null, _ => Train("--optimizer", "sgd", "--weight-decay", "1e308"));

        // The digits job's options (invalid values only: a valid one trains for 30 epochs).
        foreach (var option in new[] { "--epochs", "--batch", "--seed", "--learning-rate" })
            foreach (string value in new[] { "NaN", "99999999999" })
                if (!(option == "--learning-rate" && value == "99999999999"))
                    yield return new HostileCase($"digits{option}={Show(value)}", 2, null, _ => [option, value]);

        // gradcheck's options, on the base model and CSV.
        foreach (var (option, values) in new (string, string[])[]
        {
            ("--samples", ["0", "-1", "2147483648", "NaN"]), ("--max-parameters", ["-1", "2147483648", "x"]),
            ("--step", ["0", "-1", "NaN", "Infinity", "1e400"]), ("--tolerance", ["0", "-1", "NaN", "Infinity"]), ("--seed", ["2147483648", "NaN"]),
        })
            foreach (string value in values)
                yield return new HostileCase($"gradcheck{option}={Show(value)}", 2, null,
                    _ => ["gradcheck", "--model", Workspace.ModelJson, "--data", Workspace.BlobsCsv, "--target", "label", option, value]);

        // The command line itself.
        yield return new HostileCase("cli/unknown-option", 2, null, _ => ["train", "--bogus"]);
        yield return new HostileCase("cli/unknown-command", 2, null, _ => ["frobnicate"]);
        yield return new HostileCase("cli/option-without-value", 2, null, _ => ["train", "--epochs"]);
        yield return new HostileCase("cli/info-without-model", 2, null, _ => ["info"]);
        yield return new HostileCase("cli/evaluate-without-model", 2, null, _ => ["evaluate"]);
        yield return new HostileCase("cli/predict-without-data", 2, null, _ => ["predict", "--model", Workspace.ModelJson]);
        yield return new HostileCase("cli/target-with-digits", 2, null, _ => ["train", "--target", "label", "--epochs", "1", "--output", "out"]);
        yield return new HostileCase("cli/target-missing-column", 2, null, _ => Train("--target", "nope"));
        yield return new HostileCase("cli/target-index-past-end", 2, null, _ => Train("--target", "9"));
        yield return new HostileCase("cli/resume-with-other-seed", 2, null, f => Resume(f, "--seed", "6"));

        // Files that are missing, folders, or devices, for every option that takes a file.
        var takers = new (string Name, Func<string, string[]> Args)[]
        {
            ("train--data", p => ["train", "--data", p, .. Tail]),
            ("train--experiment", p => ["train", "--experiment", p, "--output", "out"]),
            ("train--resume", p => ["train", "--resume", p, "--data", Workspace.BlobsCsv, "--layers", "3", "--output", "out"]),
            ("info--model", p => ["info", "--model", p]),
            ("evaluate--model", p => ["evaluate", "--model", p, "--data", Workspace.BlobsCsv, "--target", "label"]),
            ("evaluate--data", p => ["evaluate", "--model", Workspace.ModelJson, "--data", p]),
            ("predict--data", p => ["predict", "--model", Workspace.ModelJson, "--data", p, "--target", "label"]),
        };
        foreach (var (taker, args) in takers)
        {
            yield return new HostileCase($"file/{taker}=missing", 1, "missing.json", f => args(f["missing.json"]));
            yield return new HostileCase($"file/{taker}=directory", 1, "somedir", f => args(Directory.CreateDirectory(f["somedir"]).FullName));
            yield return new HostileCase($"file/{taker}=dev-zero", 1, "/dev/zero", _ => args("/dev/zero"));
            yield return new HostileCase($"file/{taker}=dev-null", 1, "/dev/null", _ => args("/dev/null"));
        }
        yield return new HostileCase("file/evaluate--output=directory", 1, "somedir",
            f => ["evaluate", "--model", Workspace.ModelJson, "--data", Workspace.BlobsCsv, "--target", "label", "--output", Directory.CreateDirectory(f["somedir"]).FullName]);
        yield return new HostileCase("file/predict--output=missing-folder", 1, "nofolder",
            f => ["predict", "--model", Workspace.ModelJson, "--data", Workspace.BlobsCsv, "--target", "label", "--output", f["nofolder/p.csv"]]);
        yield return new HostileCase("file/train--output=existing-file", 1, "occupied",
            f => ["train", "--data", Workspace.BlobsCsv, "--layers", "3", "--epochs", "1", "--output", f.Write("occupied", "x")]);
    }

    /// <summary>train --resume on a copy of the base checkpoint (with its experiment.json beside it) and <paramref name="flags"/>.</summary>
    public static string[] Resume(CaseFolder folder, params string[] flags)
    {
        File.Copy(Workspace.ExperimentJson, folder["experiment.json"], overwrite: true);
        File.Copy(Workspace.CheckpointJson, folder["checkpoint.json"], overwrite: true);
        return ["train", "--resume", folder["checkpoint.json"], "--epochs", "1", .. flags, "--output", "out"];
    }

    /// <summary>A value as it reads in a test name.</summary>
    public static string Show(string value) => value.Length == 0 ? "empty" : value;
}
