using System.Collections.Immutable;
using System.Numerics;
using System.Text.Json;

namespace Pure;

/// <summary>
/// A training run paused after <see cref="Epoch"/> epochs: resume it with
/// <c>Training.Epochs(Model.Network, Optimizer, Model.Loss, training, BatchSize, epochs, Seed, state: State, firstEpoch: Epoch + 1, dropout: Dropout)</c>,
/// which continues bit for bit as if the run had not stopped.
/// </summary>
/// <param name="Model">The network after <see cref="Epoch"/> epochs, with its loss, scaling and classes.</param>
/// <param name="Optimizer">The optimizer, built from Pure's transforms (an optimizer defined elsewhere cannot be saved).</param>
/// <param name="State">The optimizer state after <see cref="Epoch"/> epochs.</param>
/// <param name="Epoch">The number of epochs completed, at least 0.</param>
/// <param name="Seed">The seed of the run's shuffles.</param>
/// <param name="BatchSize">The mini-batch size, at least 1.</param>
/// <remarks>
/// <see cref="TrainingData"/> records the files the run was trained on (empty when unknown, as in checkpoints written
/// before it existed); set it with an init accessor or <see cref="WithTrainingData"/>.
/// </remarks>
public sealed record Checkpoint<T>(Model<T> Model, Optimizer Optimizer, OptimizerState<T> State, int Epoch, int Seed, int BatchSize)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The network after <see cref="Epoch"/> epochs, with its loss, scaling and classes.</summary>
    public Model<T> Model { get; init => field = value ?? throw new ArgumentNullException(nameof(Model)); } = Model ?? throw new ArgumentNullException(nameof(Model));

    /// <summary>The optimizer.</summary>
    public Optimizer Optimizer { get; init => field = value ?? throw new ArgumentNullException(nameof(Optimizer)); } = Optimizer ?? throw new ArgumentNullException(nameof(Optimizer));

    /// <summary>The optimizer state after <see cref="Epoch"/> epochs.</summary>
    public OptimizerState<T> State { get; init => field = value ?? throw new ArgumentNullException(nameof(State)); } = State ?? throw new ArgumentNullException(nameof(State));

    /// <summary>The number of epochs completed, in [0, int.MaxValue - 1] so that the next epoch's number fits in an int.</summary>
    public int Epoch { get; init => field = CheckEpoch(value); } = CheckEpoch(Epoch);

    private readonly ValueArray<DataSource> _trainingData = ImmutableArray<DataSource>.Empty;

    /// <summary>The data files the run was trained on, in the order the trainer names them; empty when not recorded. Equality compares them in order.</summary>
    public ImmutableArray<DataSource> TrainingData
    {
        get => _trainingData.Items;
        init => _trainingData = value.IsDefault ? ImmutableArray<DataSource>.Empty
            : value.Contains(null!) ? throw new ArgumentException("Expected every training data source to be non-null.", nameof(TrainingData)) : value;
    }

    /// <summary>This checkpoint with <see cref="TrainingData"/> replaced (for F#, which cannot use <c>with</c>).</summary>
    /// <param name="trainingData">The data files the run was trained on.</param>
    public Checkpoint<T> WithTrainingData(IEnumerable<DataSource> trainingData)
    {
        ArgumentNullException.ThrowIfNull(trainingData);
        return this with { TrainingData = [.. trainingData] };
    }

    /// <summary>The mini-batch size.</summary>
    public int BatchSize { get; init => field = CheckBatchSize(value); } = CheckBatchSize(BatchSize);

    /// <summary>The run's dropout on the hidden layers, or null for none (and in checkpoints written before it existed).</summary>
    public Dropout? Dropout { get; init; }

    private static int CheckEpoch(int epoch) =>
        epoch is >= 0 and < int.MaxValue ? epoch
        : throw new ArgumentOutOfRangeException(nameof(Epoch), $"Expected 0 to {int.MaxValue - 1} completed epochs (the next epoch's number must fit in an int), got {epoch}.");

    private static int CheckBatchSize(int batchSize) =>
        batchSize >= 1 ? batchSize : throw new ArgumentOutOfRangeException(nameof(BatchSize), $"Expected a batch size of at least 1, got {batchSize}.");
}

/// <summary>A data file a run was trained on: its name (or path, as the trainer gave it) and the SHA-256 of its bytes.</summary>
/// <param name="Name">The file's name or path, not empty, at most <see cref="MaxNameLength"/> characters.</param>
/// <param name="Sha256">The SHA-256 of the file's bytes, 64 lowercase hexadecimal digits.</param>
public sealed record DataSource(string Name, string Sha256)
{
    /// <summary>The longest name accepted, in characters.</summary>
    public const int MaxNameLength = 4096;

    /// <summary>The file's name or path.</summary>
    public string Name { get; init => field = CheckName(value); } = CheckName(Name);

    /// <summary>The SHA-256 of the file's bytes, 64 lowercase hexadecimal digits.</summary>
    public string Sha256 { get; init => field = CheckSha256(value); } = CheckSha256(Sha256);

    /// <summary>The source for the file at <paramref name="path"/>, named by <paramref name="path"/> as given, with the SHA-256 of its bytes.</summary>
    public static DataSource FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var stream = File.OpenRead(path);
        return new DataSource(path, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream)));
    }

    private static string CheckName(string name)
    {
        ArgumentNullException.ThrowIfNull(name, nameof(Name));
        return name.Length is > 0 and <= MaxNameLength ? name
            : throw new ArgumentException($"Expected a data source name of 1 to {MaxNameLength} characters, got {name.Length}.", nameof(Name));
    }

    private static string CheckSha256(string sha256)
    {
        ArgumentNullException.ThrowIfNull(sha256, nameof(Sha256));
        return sha256.Length == 64 && sha256.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f') ? sha256
            : throw new ArgumentException($"Expected a SHA-256 of 64 lowercase hexadecimal digits, got \"{(sha256.Length > 80 ? sha256[..80] + "..." : sha256)}\".", nameof(Sha256));
    }
}

/// <summary>
/// Saves and loads a <see cref="Checkpoint{T}"/> as JSON (format "pure-checkpoint", version 1): the model object of
/// <see cref="ModelFile"/>, the optimizer's transforms, its state, the epoch, seed and batch size, every number exactly,
/// and, when recorded, the training data ("training_data": an array of {"name", "sha256"}; optional, so older files load)
/// and the dropout rates ("dropout": an array of one rate, or one per hidden layer; absent without dropout).
/// Loading refuses what a resumed run could not use, naming the file and the JSON path: duplicate or unknown
/// properties, an epoch outside [0, int.MaxValue - 1], a batch size below 1, an Adam count outside
/// [0, <see cref="AdamState{T}.MaxCount"/>], non-finite moments or parameters, and negative second moments.
/// </summary>
public static class CheckpointFile
{
    /// <summary>The value of the "format" property.</summary>
    public const string Format = "pure-checkpoint";

    /// <summary>The schema version this library writes and reads.</summary>
    public const int Version = 1;

    // root > state > chain states > state > moment layers > layer > weight > row, and a few nested chains.
    private const int MaxDepth = 16;

    /// <summary>The names the fixed objects of a checkpoint may hold, checked while reading (the optimizer's chains nest freely and are checked after).</summary>
    private static readonly Dictionary<string, string[]> Schema = new(ModelFile.SchemaAt("$.model"), StringComparer.Ordinal)
    {
        ["$"] = ["format", "version", "dtype", "epoch", "seed", "batch_size", "model", "optimizer", "state", "training_data", "dropout"],
        ["$.training_data[]"] = ["name", "sha256"],
    };

    /// <summary>Writes <paramref name="checkpoint"/> to <paramref name="path"/> (replacing it) through a temporary file.</summary>
    /// <exception cref="ArgumentException">The model uses a custom activation or loss, a transform, schedule or state has no kind in <paramref name="kinds"/> (the message says how to register one), or the state does not fit the optimizer and network.</exception>
    /// <param name="checkpoint">The checkpoint.</param>
    /// <param name="path">The file to write.</param>
    /// <param name="kinds">The registry of checkpoint kinds; null for <see cref="CheckpointKinds.Default"/>, Pure's own.</param>
    public static void Save<T>(Checkpoint<T> checkpoint, string path, CheckpointKinds? kinds = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ModelJson.CheckSavable(checkpoint.Model, nameof(checkpoint));
        kinds ??= CheckpointKinds.Default;
        kinds.CheckOptimizer(checkpoint.Optimizer, nameof(checkpoint));
        kinds.CheckStateKinds(checkpoint.State, nameof(checkpoint));
        kinds.CheckState(checkpoint.State, checkpoint.Optimizer.Init(checkpoint.Model.Network), "State");
        AtomicFile.Write(path, stream =>
        {
            using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            writer.WriteStartObject();
            writer.WriteString("format", Format);
            writer.WriteNumber("version", Version);
            writer.WriteString("dtype", ModelJson.DType<T>());
            writer.WriteNumber("epoch", checkpoint.Epoch);
            writer.WriteNumber("seed", checkpoint.Seed);
            writer.WriteNumber("batch_size", checkpoint.BatchSize);
            if (checkpoint.TrainingData.Length > 0)
            {
                writer.WriteStartArray("training_data");
                foreach (var source in checkpoint.TrainingData)
                {
                    writer.WriteStartObject();
                    writer.WriteString("name", source.Name);
                    writer.WriteString("sha256", source.Sha256);
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
            }
            if (checkpoint.Dropout is { } dropout)
            {
                writer.WriteStartArray("dropout");
                foreach (double rate in dropout.Rates) writer.WriteRawValue(JsonNumbers.Format(rate), skipInputValidation: true);
                writer.WriteEndArray();
            }
            writer.WritePropertyName("model");
            ModelJson.Write(writer, checkpoint.Model);
            writer.WritePropertyName("optimizer");
            kinds.WriteOptimizer(writer, checkpoint.Optimizer);
            writer.WritePropertyName("state");
            kinds.WriteState(writer, checkpoint.State);
            writer.WriteEndObject();
            writer.Flush();
            stream.Write("\n"u8);
        });
    }

    /// <summary>Reads the checkpoint in <paramref name="path"/>, whose dtype must match <typeparamref name="T"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid checkpoint; the message names the file and the JSON path.</exception>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="limits">The size limits checked while reading (file size, nesting, array lengths, layer widths, parameters); null for <see cref="ReadLimits.Default"/>.</param>
    /// <param name="kinds">The registry of checkpoint kinds the file was saved with; null for <see cref="CheckpointKinds.Default"/>, Pure's own.</param>
    public static Checkpoint<T> Load<T>(string path, ReadLimits? limits = null, CheckpointKinds? kinds = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var document = JsonInput.Parse(JsonInput.ReadFile(path, limits, MaxDepth, Schema), path, MaxDepth);
        var root = new JsonField(document.RootElement, "$", path);
        ModelJson.CheckHeader<T>(root, Format, Version);
        var properties = root.Object(["format", "version", "dtype", "epoch", "seed", "batch_size", "model", "optimizer", "state"], "training_data", "dropout");
        int epoch = (int)properties["epoch"].Integer(0, int.MaxValue - 1);
        int seed = (int)properties["seed"].Integer(int.MinValue, int.MaxValue);
        int batchSize = (int)properties["batch_size"].Integer(1, int.MaxValue);
        var model = ModelJson.Read<T>(properties["model"], limits);
        kinds ??= CheckpointKinds.Default;
        var optimizer = kinds.ReadOptimizer(properties["optimizer"]);
        var state = kinds.ReadState(properties["state"], optimizer.Init(model.Network));
        var trainingData = properties.TryGetValue("training_data", out var data) ? ReadTrainingData(data) : [];
        var dropout = properties.TryGetValue("dropout", out var rates) ? ReadDropout(rates, model.Network.Layers.Length - 1) : null;
        return new Checkpoint<T>(model, optimizer, state, epoch, seed, batchSize) { TrainingData = trainingData, Dropout = dropout };
    }

    /// <summary>The "dropout" array: one rate in [0, 1), or one per hidden layer.</summary>
    private static Dropout ReadDropout(JsonField node, int hiddenLayers)
    {
        var rates = node.Array(1, Math.Max(1, hiddenLayers)).Select(rate => rate.Double()).ToArray();
        for (int i = 0; i < rates.Length; i++)
            if (!(rates[i] >= 0 && rates[i] < 1)) throw node.Error($"Expected dropout rates in [0, 1), got {rates[i]} at index {i}.");
        if (rates.Length != 1 && rates.Length != hiddenLayers)
            throw node.Error($"Expected one dropout rate or one per hidden layer ({hiddenLayers}), got {rates.Length}.");
        if (hiddenLayers == 0 && rates[0] != 0) throw node.Error("Expected no dropout for a network without hidden layers.");
        return new Dropout(rates);
    }

    private const int MaxDataSources = 100;

    private static ImmutableArray<DataSource> ReadTrainingData(JsonField node)
    {
        var sources = node.Array(0, MaxDataSources);
        var result = ImmutableArray.CreateBuilder<DataSource>(sources.Length);
        foreach (var source in sources)
        {
            var properties = source.Object(["name", "sha256"]);
            string name = properties["name"].String(), sha256 = properties["sha256"].String();
            if (name.Length is 0 or > DataSource.MaxNameLength)
                throw properties["name"].Error($"expected a name of 1 to {DataSource.MaxNameLength} characters, got {name.Length}.");
            try
            {
                result.Add(new DataSource(name, sha256));
            }
            catch (ArgumentException e)
            {
                throw properties["sha256"].Error(e.Message);
            }
        }
        return result.MoveToImmutable();
    }
}
