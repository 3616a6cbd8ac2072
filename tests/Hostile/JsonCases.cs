using System.Text;
using System.Text.Json.Nodes;
using Pure.Hostile.Tests.Support;

namespace Pure.Hostile.Tests;

/// <summary>model.json (read by <c>info</c> and <c>evaluate</c>), checkpoint.json (<c>train --resume</c>) and experiment.json (<c>train --experiment</c>).</summary>
public sealed class JsonCases
{
    /// <summary>The cases by name.</summary>
    public static readonly IReadOnlyDictionary<string, HostileCase> All = Build().ToDictionary(c => c.Name);

    /// <summary>The case names, one test each.</summary>
    public static TheoryData<string> Names => [.. All.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Json_is_handled_within_bounds(string name) => All[name].Check();

    /// <summary>A mutation: from the base file's text to the hostile bytes.</summary>
    private sealed record Mutation(string Name, Func<string, byte[]> Make, bool Shared = false);

    private static byte[] Utf8(string text) => new UTF8Encoding(false).GetBytes(text);

    private static Mutation Edit(string name, Action<JsonObject> edit) => new(name, text =>
    {
        var root = JsonNode.Parse(text)!.AsObject();
        edit(root);
        return Utf8(root.ToJsonString());
    });

    /// <summary>Replaces the marker string value with raw bytes (invalid UTF-8 and the like).</summary>
    private static Mutation RawString(string name, Action<JsonObject, string> place, byte[] bytes) => new(name, text =>
    {
        var root = JsonNode.Parse(text)!.AsObject();
        place(root, "MARKER");
        byte[] json = Utf8(root.ToJsonString());
        int at = Encoding.ASCII.GetString(json).IndexOf("MARKER", StringComparison.Ordinal);
        return [.. json[..at], .. bytes, .. json[(at + 6)..]];
    });

    /// <summary>Puts an array of <paramref name="count"/> copies of <paramref name="element"/> where <paramref name="place"/> puts the marker.</summary>
    private static Mutation BigArray(string name, Action<JsonObject, string> place, string element, int count) => new(name, text =>
    {
        var root = JsonNode.Parse(text)!.AsObject();
        place(root, "MARKER");
        var array = new StringBuilder("[");
        for (int i = 0; i < count; i++) array.Append(i == 0 ? "" : ",").Append(element);
        return Utf8(root.ToJsonString().Replace("\"MARKER\"", array.Append(']').ToString(), StringComparison.Ordinal));
    });

    private static Mutation Text(string name, Func<string, string> edit) => new(name, text => Utf8(edit(text)));

    /// <summary>Defects every JSON reader must refuse.</summary>
    private static IEnumerable<Mutation> Common()
    {
        yield return new Mutation("empty", _ => []);
        yield return Text("null", _ => "null");
        yield return Text("array", _ => "[]");
        yield return Text("empty-object", _ => "{}");
        yield return Text("truncated-1-byte", t => t[..1]);
        yield return Text("truncated-half", t => t[..(t.Length / 2)]);
        yield return Text("truncated-last-byte", t => t.TrimEnd()[..^1]);
        yield return Text("trailing-garbage", t => t + "}x");
        yield return Text("comment", t => "// hi\n" + t);
        yield return Text("trailing-comma", t => t.TrimEnd()[..^1] + ",}");
        yield return Text("deep-nesting-1000", t => "{\"x\":" + new string('[', 1000) + new string(']', 1000) + "}");
        yield return Text("deep-nesting-100000", t => "{\"x\":" + new string('[', 100_000) + new string(']', 100_000) + "}");
        yield return Text("unknown-property", t => "{\"zzz-unknown\": 1," + t.TrimStart()[1..]);
        yield return new Mutation("unknown-property-100MB", t => Utf8("{\"zzz\": \"" + new string('a', 100 << 20) + "\"," + t.TrimStart()[1..]), Shared: true);
        yield return new Mutation("utf16", t => [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(t)]);
        yield return new Mutation("binary-garbage", _ => Data.Garbage(4096, seed: 29));
        yield return new Mutation("nul-bytes", _ => new byte[4096]);
        yield return new Mutation("sparse-1.2GB", _ => [], Shared: true);
        yield return new Mutation("invalid-utf8-key", t => [.. Utf8("{\""), 0xC3, 0x28, .. Utf8("\": 1," + t.TrimStart()[1..])]);
    }

    private static IEnumerable<Mutation> ModelDefects(Func<JsonObject, JsonObject> model)
    {
        JsonObject Layer(JsonObject root, int l = 0) => model(root)["layers"]![l]!.AsObject();
        yield return Edit("format-number", r => model(r)["format"] = 1);
        yield return Edit("version-string", r => model(r)["version"] = "1");
        yield return Edit("version-newer", r => model(r)["version"] = ModelFile.Version + 1);
        yield return Edit("version-0", r => model(r)["version"] = 0);
        yield return Edit("dtype-number", r => model(r)["dtype"] = 64);
        yield return Edit("dtype-float16", r => model(r)["dtype"] = "float16");
        yield return Edit("layers-object", r => model(r)["layers"] = new JsonObject());
        yield return Edit("layers-empty", r => model(r)["layers"] = new JsonArray());
        yield return Edit("inputs-string", r => Layer(r)["inputs"] = "2");
        yield return Edit("inputs-fraction", r => Layer(r)["inputs"] = 2.5);
        yield return Edit("inputs-zero", r => Layer(r)["inputs"] = 0);
        yield return Edit("outputs-negative", r => Layer(r)["outputs"] = -1);
        yield return Edit("inputs-2^24+1", r => Layer(r)["inputs"] = (1 << 24) + 1);
        yield return Edit("outputs-int-max", r => Layer(r)["outputs"] = int.MaxValue);
        yield return Edit("outputs-beyond-int", r => Layer(r)["outputs"] = 1L << 40);
        yield return Edit("weight-string", r => Layer(r)["weight"] = "x");
        yield return Edit("weight-cell-string", r => Layer(r)["weight"]![0]![0] = "0.5");
        yield return Edit("bias-bool", r => Layer(r)["bias"]![0] = true);
        yield return Edit("activation-string", r => Layer(r)["activation"] = "relu");
        yield return Edit("activation-unknown", r => Layer(r)["activation"] = new JsonObject { ["name"] = "swish" });
        yield return Edit("leaky-slope-2", r => Layer(r)["activation"] = new JsonObject { ["name"] = "leaky_relu", ["slope"] = 2 });
        yield return Edit("loss-unknown", r => model(r)["loss"] = "hinge");
        yield return Edit("classes-string", r => model(r)["classes"] = "a");
        yield return Edit("classes-duplicate", r => model(r)["classes"] = new JsonArray("a", "a", "b"));
        yield return Edit("classes-too-few", r => model(r)["classes"] = new JsonArray("a", "b"));
        yield return Edit("scaling-array", r => model(r)["scaling"] = new JsonArray());
        yield return Edit("scale-zero", r => model(r)["scaling"]!["scale"]![0] = 0);
        yield return Edit("mean-too-short", r => model(r)["scaling"]!["mean"] = new JsonArray(1.0));
        yield return Edit("weight-row-too-long", r => Layer(r)["weight"]![0]!.AsArray().Add(1.0));
        yield return BigArray("weight-row-1M", (r, m) => Layer(r)["weight"]![0] = m, "0.5", 1_000_000);
        yield return BigArray("bias-1M", (r, m) => Layer(r)["bias"] = m, "0.5", 1_000_000);
        yield return new Mutation("weight-row-100MB", t =>
        {
            var root = JsonNode.Parse(t)!.AsObject();
            Layer(root)["weight"]![0] = "ROW";
            string json = root.ToJsonString();
            return Utf8(json.Replace("\"ROW\"", "[" + string.Concat(Enumerable.Repeat("0.123456789,", 9_000_000)) + "1]", StringComparison.Ordinal));
        }, Shared: true);
        yield return Text("weight-NaN-literal", t => ReplaceFirstNumberIn(t, "\"weight\"", "NaN"));
        yield return Text("weight-1e400", t => ReplaceFirstNumberIn(t, "\"weight\"", "1e400"));
        yield return Text("weight-minus-1e400", t => ReplaceFirstNumberIn(t, "\"weight\"", "-1e400"));
        yield return Edit("weight-NaN-string", r => Layer(r)["weight"]![0]![0] = "NaN");
        yield return Text("duplicate-top-key", t => "{\"loss\": \"squared\"," + t.TrimStart()[1..]);
        yield return Text("duplicate-layer-key", t => ReplaceFirst(t, "\"inputs\"", "\"inputs\": 2, \"inputs\""));
        yield return RawString("invalid-utf8-class", (r, m) => model(r)["classes"]![0] = m, [0xC3, 0x28]);
        yield return RawString("overlong-utf8-class", (r, m) => model(r)["classes"]![0] = m, [0xC0, 0xAF]);
        yield return RawString("invalid-utf8-dtype", (r, m) => model(r)["dtype"] = m, [0xFF]);
        yield return Text("lone-surrogate-class", t => ReplaceFirst(t, "\"a\"", "\"\\ud800\""));
    }

    private static IEnumerable<Mutation> CheckpointDefects()
    {
        JsonObject Adam(JsonObject root) => FindAdam(root["state"]!)!;
        yield return Edit("epoch-string", r => r["epoch"] = "2");
        yield return Edit("epoch-negative", r => r["epoch"] = -1);
        yield return Edit("epoch-int-max", r => r["epoch"] = int.MaxValue);
        yield return Edit("epoch-beyond-int", r => r["epoch"] = 1L << 31);
        yield return Edit("seed-fraction", r => r["seed"] = 1.5);
        yield return Edit("seed-beyond-int", r => r["seed"] = 1L << 31);
        yield return Edit("batch-size-zero", r => r["batch_size"] = 0);
        yield return Edit("batch-size-string", r => r["batch_size"] = "8");
        yield return Edit("format-model", r => r["format"] = "pure-model");
        yield return Edit("optimizer-unknown-kind", r => r["optimizer"] = new JsonObject { ["kind"] = "rmsprop" });
        yield return Edit("state-missing", r => r.Remove("state"));
        yield return Edit("adam-count-long-max", r => Adam(r)["count"] = long.MaxValue);
        yield return Edit("adam-count-negative", r => Adam(r)["count"] = -1);
        yield return Text("adam-count-beyond-long", t => ReplaceNumberAfter(t, "\"count\"", "18446744073709551616"));
        yield return Edit("adam-negative-second-moment", r => Adam(r)["second_moment"]![0]!["bias"]![0] = -1.0);
        yield return Text("adam-NaN-first-moment", t => ReplaceFirstNumberIn(t, "\"first_moment\"", "NaN"));
        yield return Text("duplicate-epoch", t => "{\"epoch\": 1," + t.TrimStart()[1..]);
        yield return Edit("model-layers-wrong-shape", r => r["model"]!["layers"]![0]!["outputs"] = 4);
        foreach (var defect in ModelDefects(r => r["model"]!.AsObject()).Where(d => d.Name is "weight-NaN-string" or "classes-duplicate" or "weight-row-too-long" or "invalid-utf8-class" or "version-newer"))
            yield return defect with { Name = "model-" + defect.Name };
    }

    private static IEnumerable<Mutation> ExperimentDefects()
    {
        yield return Text("duplicate-epochs", t => "{\"epochs\": 1," + t.TrimStart()[1..]);
        yield return Edit("epochs-string", r => r["epochs"] = "ten");
        yield return Edit("layers-string", r => r["layers"] = "3");
        yield return Edit("layers-fraction", r => r["layers"] = new JsonArray(3.5));
        yield return Edit("seed-beyond-int", r => r["seed"] = 1L << 31);
        yield return Edit("learning-rate-string", r => r["learning-rate"] = "fast");
        yield return Edit("data-number", r => r["data"] = 5);
        yield return Edit("layers-zero", r => r["layers"] = new JsonArray(0));
        yield return Edit("layers-2000000000", r => r["layers"] = new JsonArray(2_000_000_000));
        yield return Edit("layers-100000000", r => r["layers"] = new JsonArray(100_000_000));
        yield return BigArray("layers-10M-entries", (r, m) => r["layers"] = m, "1", 10_000_000);
        yield return Edit("epochs-zero", r => r["epochs"] = 0);
        yield return Edit("optimizer-unknown", r => r["optimizer"] = "rmsprop");
        yield return Edit("learning-rate-negative", r => r["learning-rate"] = -1);
        yield return Edit("batch-zero", r => r["batch"] = 0);
        yield return Edit("validation-fraction-1.5", r => r["validation-fraction"] = 1.5);
        yield return Edit("activation-unknown", r => r["activation"] = "swish");
        yield return Edit("dtype-float16", r => r["dtype"] = "float16");
        yield return Edit("data-missing-file", r => r["data"] = "no-such-data.csv");
        yield return Text("learning-rate-NaN-literal", t => ReplaceNumberAfter(t, "\"learning-rate\"", "NaN"));
        yield return Text("learning-rate-1e400", t => ReplaceNumberAfter(t, "\"learning-rate\"", "1e400"));
        yield return RawString("invalid-utf8-data", (r, m) => r["data"] = m, [0xC3, 0x28]);
        yield return RawString("invalid-utf8-activation", (r, m) => r["activation"] = m, [0xFF, 0xFE]);
    }

    private static IEnumerable<HostileCase> Build()
    {
        var readers = new (string Kind, string FileName, Func<string> Base, IEnumerable<Mutation> Defects, Func<CaseFolder, string, string[]>[] Commands, string[] CommandNames)[]
        {
            ("model", "model.json", () => Workspace.ModelJson, [.. Common(), .. ModelDefects(r => r)],
                [(_, p) => ["info", "--model", p], (_, p) => ["evaluate", "--model", p, "--data", Workspace.BlobsCsv, "--target", "label"]], ["info", "evaluate"]),
            ("checkpoint", "checkpoint.json", () => Workspace.CheckpointJson, [.. Common(), .. CheckpointDefects()],
                [(f, p) => ["train", "--resume", p, "--epochs", "1", "--output", f["out"]]], ["train--resume"]),
            ("experiment", "experiment.json", () => Workspace.ExperimentJson, [.. Common(), .. ExperimentDefects()],
                [(f, p) => ["train", "--experiment", p, "--output", f["out"]]], ["train--experiment"]),
        };
        foreach (var (kind, fileName, basePath, defects, commands, commandNames) in readers)
            foreach (var defect in defects.Where(d => !(kind == "experiment" && d.Name == "empty-object")))
                for (int c = 0; c < commands.Length; c++)
                {
                    // evaluate reads a model file as info does: it repeats only the defects that reach memory and encoding.
                    if (commandNames[c] == "evaluate" && !EvaluateToo.Contains(defect.Name)) continue;
                    var command = commands[c];
                    string named = defect.Name == "data-missing-file" ? "no-such-data.csv" : defect.Shared ? $"{kind}-{defect.Name}" : fileName;
                    yield return new HostileCase($"{kind}/{commandNames[c]}/{defect.Name}", 1, named, f =>
                    {
                        string path;
                        if (defect.Shared)
                        {
                            string folder = Workspace.Shared($"{kind}-{defect.Name}", p => Directory.CreateDirectory(p));
                            path = Path.Combine(folder, fileName);
                            lock (defect)
                                if (!File.Exists(path))
                                {
                                    if (defect.Name == "sparse-1.2GB") Data.Sparse(path, 1_200_000_000);
                                    else File.WriteAllBytes(path, defect.Make(File.ReadAllText(basePath())));
                                }
                        }
                        else path = f.Write(fileName, defect.Make(File.ReadAllText(basePath())));
                        if (kind != "model") File.Copy(kind == "checkpoint" ? Workspace.ExperimentJson : Workspace.CheckpointJson,
                            Path.Combine(Path.GetDirectoryName(path)!, kind == "checkpoint" ? "experiment.json" : "checkpoint.json"), overwrite: true);
                        return command(f, path);
                    });
                }
        yield return new HostileCase("checkpoint/train--resume/epoch-near-int-max-plus-epochs", 2, null, f =>
        {
            var root = JsonNode.Parse(File.ReadAllText(Workspace.CheckpointJson))!.AsObject();
            root["epoch"] = int.MaxValue - 1;
            File.Copy(Workspace.ExperimentJson, f["experiment.json"]);
            return ["train", "--resume", f.Write("checkpoint.json", root.ToJsonString()), "--epochs", "2", "--output", "out"];
        });
        yield return new HostileCase("checkpoint/train--resume/epochs-int-max", 2, null, f =>
        {
            File.Copy(Workspace.ExperimentJson, f["experiment.json"]);
            File.Copy(Workspace.CheckpointJson, f["checkpoint.json"]);
            return ["train", "--resume", f["checkpoint.json"], "--epochs", "2147483647", "--output", "out"];
        });
        yield return new HostileCase("checkpoint/train--resume/valid", 0, null, f =>
        {
            File.Copy(Workspace.ExperimentJson, f["experiment.json"]);
            File.Copy(Workspace.CheckpointJson, f["checkpoint.json"]);
            return ["train", "--resume", f["checkpoint.json"], "--epochs", "1", "--output", "out"];
        }, AcceptedBytes: 1 << 20);
    }

    private static HashSet<string> EvaluateToo =>
    [
        "unknown-property-100MB", "sparse-1.2GB", "deep-nesting-100000", "weight-row-100MB", "weight-row-1M", "invalid-utf8-class",
        "weight-NaN-literal", "outputs-int-max", "truncated-half", "utf16",
    ];

    private static JsonObject? FindAdam(JsonNode node) => node switch
    {
        JsonObject o when (string?)o["kind"] == "adam" => o,
        JsonObject o => o.Select(p => p.Value is null ? null : FindAdam(p.Value)).FirstOrDefault(x => x is not null),
        JsonArray a => a.Select(x => x is null ? null : FindAdam(x)).FirstOrDefault(x => x is not null),
        _ => null,
    };

    private static string ReplaceFirst(string text, string find, string with)
    {
        int at = text.IndexOf(find, StringComparison.Ordinal);
        return at < 0 ? throw new InvalidOperationException($"'{find}' is not in the base file") : text[..at] + with + text[(at + find.Length)..];
    }

    /// <summary>Replaces the first number after <paramref name="key"/> with <paramref name="with"/>.</summary>
    private static string ReplaceFirstNumberIn(string text, string key, string with)
    {
        int at = text.IndexOf(key, StringComparison.Ordinal);
        if (at < 0) throw new InvalidOperationException($"{key} is not in the base file");
        int start = text.IndexOfAny("-0123456789".ToCharArray(), at + key.Length);
        int end = start;
        while (end < text.Length && "+-.0123456789eE".Contains(text[end])) end++;
        return text[..start] + with + text[end..];
    }

    private static string ReplaceNumberAfter(string text, string key, string with) => ReplaceFirstNumberIn(text, key, with);
}
