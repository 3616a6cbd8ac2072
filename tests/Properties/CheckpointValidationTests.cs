using System.Text.Json.Nodes;

namespace Pure.Properties;

/// <summary>Checkpoints are refused where a resumed run could not use them, naming the file and the JSON path; the training data round-trips.</summary>
public class CheckpointValidationTests
{
    private static readonly Model<double> Model = new(Network.Create<double>([2, 2], [Activation.Identity], 1), Loss.Squared);

    private static readonly DataSource Data = new("data/train.csv", new string('a', 63) + "0");

    /// <summary>An Adam checkpoint after 5 steps, with nonzero moments, saved to a file of <paramref name="folder"/>.</summary>
    private static (string File, Checkpoint<double> Checkpoint) SaveAdam(TemporaryFolder folder, bool withData)
    {
        var optimizer = Optimizer.Adam(0.01);
        var inputs = ImmutableMatrix.FromRows<double>([[1, -1, 0.5], [0.25, 2, -1]]);
        var result = Training.Epochs(Model.Network, optimizer, Loss.Squared, new Dataset<double>(inputs, inputs), 1, 2, 3).Last();
        var checkpoint = new Checkpoint<double>(Model with { Network = result.Network }, optimizer, result.State, 2, 3, 1);
        if (withData) checkpoint = checkpoint.WithTrainingData([Data, new DataSource("labels.idx", new string('f', 64))]);
        string file = folder.File("adam checkpoint.json");
        CheckpointFile.Save(checkpoint, file);
        return (file, checkpoint);
    }

    public static TheoryData<string, string, string> Mutations => new()
    {
        { "duplicate key", "$.epoch", "duplicate property 'epoch'" },
        { "last epoch", "$.epoch", "expected an integer in [0, 2147483646], got 2147483647" },
        { "huge count", "$.state.states[0].count", "expected an integer in [0, 9007199254740991], got 9223372036854775807" },
        { "negative count", "$.state.states[0].count", "expected an integer in [0, 9007199254740991], got -1" },
        { "negative second moment", "$.state.states[0].second_moment[0].weight[1][0]", "expected a second moment of 0 or more (a mean of squared gradients), got -0.5" },
        { "negative second bias", "$.state.states[0].second_moment[0].bias[1]", "expected a second moment of 0 or more" },
        { "infinite first moment", "$.state.states[0].first_moment[0].bias[0]", "expected a finite double, got 1e999" },
        { "data not an array", "$.training_data", "expected an array" },
        { "data bad hash", "$.training_data[0].sha256", "Expected a SHA-256 of 64 lowercase hexadecimal digits, got \"ABC\"" },
        { "data empty name", "$.training_data[0].name", "expected a name of 1 to 4096 characters, got 0" },
        { "data unknown property", "$.training_data[0].size", "unknown property 'size'" },
        { "data missing hash", "$.training_data[0]", "missing property 'sha256'" },
        { "zero batch", "$.batch_size", "expected an integer in [1, 2147483647], got 0" },
    };

    [Theory]
    [MemberData(nameof(Mutations))]
    public void Load_refuses_naming_the_file_and_the_path(string mutation, string path, string expected)
    {
        using var folder = new TemporaryFolder();
        var (file, _) = SaveAdam(folder, withData: true);
        var json = JsonNode.Parse(File.ReadAllText(file))!;
        var adam = json["state"]!["states"]![0]!;
        var source = json["training_data"]![0]!;
        string? text = null;
        switch (mutation)
        {
            case "duplicate key": text = json.ToJsonString().Replace("\"epoch\":2,", "\"epoch\":2,\"epoch\":1,", StringComparison.Ordinal); break;
            case "last epoch": json["epoch"] = int.MaxValue; break;
            case "huge count": adam["count"] = long.MaxValue; break;
            case "negative count": adam["count"] = -1; break;
            case "negative second moment": adam["second_moment"]![0]!["weight"]![1]![0] = -0.5; break;
            case "negative second bias": adam["second_moment"]![0]!["bias"]![1] = -1e-300; break;
            case "infinite first moment":
                adam["first_moment"]![0]!["bias"]![0] = "overflow";
                text = json.ToJsonString().Replace("\"overflow\"", "1e999", StringComparison.Ordinal);
                break;
            case "data not an array": json["training_data"] = "data/train.csv"; break;
            case "data bad hash": source["sha256"] = "ABC"; break;
            case "data empty name": source["name"] = ""; break;
            case "data unknown property": source["size"] = 12; break;
            case "data missing hash": source.AsObject().Remove("sha256"); break;
            case "zero batch": json["batch_size"] = 0; break;
            default: throw new ArgumentException(mutation, nameof(mutation));
        }
        text ??= json.ToJsonString();
        Assert.NotEqual(File.ReadAllText(file), text);
        File.WriteAllText(file, text);
        var error = Assert.Throws<InvalidDataException>(() => CheckpointFile.Load<double>(file));
        Assert.True(error.Message.StartsWith($"{file}: {path}: ", StringComparison.Ordinal), error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Training_data_round_trips_and_old_checkpoints_load_without_it()
    {
        using var folder = new TemporaryFolder();
        var (file, saved) = SaveAdam(folder, withData: true);
        var loaded = CheckpointFile.Load<double>(file);
        Assert.Equal(saved, loaded);
        Assert.Equal([Data, new DataSource("labels.idx", new string('f', 64))], loaded.TrainingData.ToArray());
        Assert.Contains("\"training_data\"", File.ReadAllText(file));

        // A checkpoint without the field (as written before it existed) loads with no training data recorded.
        var json = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        json.Remove("training_data");
        File.WriteAllText(file, json.ToJsonString());
        var old = CheckpointFile.Load<double>(file);
        Assert.Empty(old.TrainingData);
        Assert.Equal(saved with { TrainingData = [] }, old);
        Assert.NotEqual(saved, old);

        // Saving without training data writes no field.
        CheckpointFile.Save(old, file);
        Assert.DoesNotContain("training_data", File.ReadAllText(file));
    }

    [Fact]
    public void DataSource_from_a_file_hashes_its_bytes()
    {
        using var folder = new TemporaryFolder();
        string file = folder.File("abc.csv");
        File.WriteAllText(file, "abc");
        var source = DataSource.FromFile(file);
        Assert.Equal(file, source.Name);
        // SHA-256("abc") from FIPS 180-2, appendix B.1.
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", source.Sha256);
    }

    [Fact]
    public void DataSource_refuses_bad_names_and_hashes()
    {
        Assert.Equal("Name", Assert.Throws<ArgumentException>(() => new DataSource("", new string('0', 64))).ParamName);
        Assert.Equal("Name", Assert.Throws<ArgumentException>(() => new DataSource(new string('x', DataSource.MaxNameLength + 1), new string('0', 64))).ParamName);
        var error = Assert.Throws<ArgumentException>(() => new DataSource("a", new string('0', 63)));
        Assert.Equal("Sha256", error.ParamName);
        Assert.Contains("64 lowercase hexadecimal digits", error.Message);
        Assert.Equal("Sha256", Assert.Throws<ArgumentException>(() => new DataSource("a", new string('A', 64))).ParamName);
        Assert.Throws<ArgumentException>(() => Data with { Sha256 = "g" + new string('0', 63) });
    }

    [Fact]
    public void Checkpoint_and_Adam_state_refuse_counts_a_resumed_run_cannot_use()
    {
        var state = Optimizer.Sgd(0.1).Init(Model.Network);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new Checkpoint<double>(Model, Optimizer.Sgd(0.1), state, int.MaxValue, 1, 1));
        Assert.Equal("Epoch", error.ParamName);
        Assert.Contains("2147483646", error.Message);
        Assert.Equal(int.MaxValue - 1, new Checkpoint<double>(Model, Optimizer.Sgd(0.1), state, int.MaxValue - 1, 1, 1).Epoch);

        var adam = Optimizer.ScaleByAdam().Init(Model.Network) as AdamState<double>;
        Assert.NotNull(adam);
        Assert.Equal("Count", Assert.Throws<ArgumentOutOfRangeException>(() => adam with { Count = AdamState<double>.MaxCount + 1 }).ParamName);
        Assert.Equal("Count", Assert.Throws<ArgumentOutOfRangeException>(() => adam with { Count = -1 }).ParamName);
        Assert.Equal(AdamState<double>.MaxCount, (adam with { Count = AdamState<double>.MaxCount }).Count);
    }

    [Fact]
    public void Checkpoint_refuses_null_training_data()
    {
        var state = Optimizer.Sgd(0.1).Init(Model.Network);
        var checkpoint = new Checkpoint<double>(Model, Optimizer.Sgd(0.1), state, 0, 1, 1);
        Assert.Equal("TrainingData", Assert.Throws<ArgumentException>(() => checkpoint.WithTrainingData([Data, null!])).ParamName);
        Assert.Empty(checkpoint.TrainingData);
    }
}
