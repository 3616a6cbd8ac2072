using System.Globalization;

namespace Pure;

/// <summary>
/// The resource limits every reader checks before it allocates, so that a small hostile file cannot make a large
/// allocation. <see cref="Default"/> accepts every realistic data set (Fashion-MNIST's 60,000 x 784 uses a third of
/// <see cref="MaxSamplesTimesFeatures"/>); raise a limit with <c>with</c>, for example
/// <c>ReadLimits.Default with { MaxClasses = 20_000 }</c>, or on the command line with <c>--limit classes=20000</c>.
/// A refusal is an <see cref="InvalidDataException"/> (see <see cref="LimitExceeded"/>) naming the file, the limit, the actual value and the way to
/// raise it. See the table in docs/data.md.
/// </summary>
public sealed record ReadLimits
{
    /// <summary>The defaults (see docs/data.md for the reason behind each).</summary>
    public static ReadLimits Default { get; } = new();

    /// <summary>The most bytes a gzip IDX file or the entries of an .npz file may inflate to, counted while inflating; default 1 GiB.</summary>
    public long MaxDecompressedBytes { get; init => field = AtLeastOne(value, nameof(MaxDecompressedBytes)); } = 1L << 30;

    /// <summary>The most values (samples x features, in 64-bit arithmetic) one data file may hold; default 2^27 = 134,217,728 (1 GiB as float64).</summary>
    public long MaxSamplesTimesFeatures { get; init => field = AtLeastOne(value, nameof(MaxSamplesTimesFeatures)); } = 1L << 27;

    /// <summary>The most distinct class labels; default 1,000 (ImageNet's count), since one-hot targets cost classes x samples.</summary>
    public int MaxClasses { get; init => field = (int)AtLeastOne(value, nameof(MaxClasses)); } = 1000;

    /// <summary>The widest layer (inputs or outputs) a model or checkpoint may declare; default 2^20 = 1,048,576.</summary>
    public int MaxLayerWidth { get; init => field = (int)AtLeastOne(value, nameof(MaxLayerWidth)); } = 1 << 20;

    /// <summary>The most parameters (weights and biases, 64-bit sum) a model or checkpoint may declare; default 2^27 = 134,217,728.</summary>
    public long MaxParameters { get; init => field = AtLeastOne(value, nameof(MaxParameters)); } = 1L << 27;

    /// <summary>The largest JSON file (model, checkpoint, experiment), checked before reading and again while reading; default 1 GiB.</summary>
    public long MaxJsonBytes { get; init => field = AtLeastOne(value, nameof(MaxJsonBytes)); } = 1L << 30;

    /// <summary>The deepest nesting of a JSON file; default 64 (a format's own schema may allow less).</summary>
    public int MaxJsonDepth { get; init => field = (int)AtLeastOne(value, nameof(MaxJsonDepth)); } = 64;

    /// <summary>The longest JSON array; default 2^20 = 1,048,576 (a weight row holds at most <see cref="MaxLayerWidth"/> numbers).</summary>
    public int MaxJsonArrayLength { get; init => field = (int)AtLeastOne(value, nameof(MaxJsonArrayLength)); } = 1 << 20;

    /// <summary>The longest line of a CSV file, in characters without the line end; default 2^20 = 1,048,576.</summary>
    public int MaxCsvLineLength { get; init => field = (int)AtLeastOne(value, nameof(MaxCsvLineLength)); } = 1 << 20;

    /// <summary>The longest value quoted in an error message; longer ones are cut with an ellipsis and their full length; default 64.</summary>
    public int MaxEchoLength { get; init => field = (int)AtLeastOne(value, nameof(MaxEchoLength)); } = 64;

    /// <summary>The limits by the names of <c>--limit name=value</c>: each name, its description and how to read and set it.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "decompressed-bytes", "samples-x-features", "classes", "layer-width", "parameters",
        "json-bytes", "json-depth", "json-array-length", "csv-line-length", "echo-length",
    ];

    /// <summary>The value of the limit called <paramref name="name"/> (one of <see cref="Names"/>).</summary>
    /// <exception cref="ArgumentException">The name is not one of <see cref="Names"/>.</exception>
    public long Get(string name) => name switch
    {
        "decompressed-bytes" => MaxDecompressedBytes,
        "samples-x-features" => MaxSamplesTimesFeatures,
        "classes" => MaxClasses,
        "layer-width" => MaxLayerWidth,
        "parameters" => MaxParameters,
        "json-bytes" => MaxJsonBytes,
        "json-depth" => MaxJsonDepth,
        "json-array-length" => MaxJsonArrayLength,
        "csv-line-length" => MaxCsvLineLength,
        "echo-length" => MaxEchoLength,
        _ => throw UnknownName(name),
    };

    /// <summary>A copy with the limit called <paramref name="name"/> (one of <see cref="Names"/>) set to <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentException">The name is unknown, or the value is below 1 or above the limit's type.</exception>
    public ReadLimits With(string name, long value)
    {
        int Small() => value is >= 1 and <= int.MaxValue
            ? (int)value
            : throw new ArgumentOutOfRangeException(nameof(value), $"Expected the limit {name} to be in [1, {int.MaxValue}], got {value}.");
        return name switch
        {
            "decompressed-bytes" => this with { MaxDecompressedBytes = value },
            "samples-x-features" => this with { MaxSamplesTimesFeatures = value },
            "classes" => this with { MaxClasses = Small() },
            "layer-width" => this with { MaxLayerWidth = Small() },
            "parameters" => this with { MaxParameters = value },
            "json-bytes" => this with { MaxJsonBytes = value },
            "json-depth" => this with { MaxJsonDepth = Small() },
            "json-array-length" => this with { MaxJsonArrayLength = Small() },
            "csv-line-length" => this with { MaxCsvLineLength = Small() },
            "echo-length" => this with { MaxEchoLength = Small() },
            _ => throw UnknownName(name),
        };
    }

    /// <summary>
    /// <paramref name="value"/> in single quotes, or when longer than <see cref="MaxEchoLength"/> its start, an
    /// ellipsis and its full length, e.g. 'abc…' (200,000,000 characters).
    /// </summary>
    public string Echo(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Length <= MaxEchoLength
            ? $"'{value}'"
            : $"'{value[..MaxEchoLength]}…' ({value.Length.ToString("N0", CultureInfo.InvariantCulture)} characters)";
    }

    /// <summary>As <see cref="Echo"/> without the quotes: the value, or its start, an ellipsis and its full length.</summary>
    internal string Cut(string value) => value.Length <= MaxEchoLength
        ? value
        : $"{value[..MaxEchoLength]}… ({value.Length.ToString("N0", CultureInfo.InvariantCulture)} characters)";

    /// <summary>
    /// The bytes of the JSON file at <paramref name="path"/> (an experiment file, or any settings file) after the checks
    /// every Pure JSON reader makes while reading: a file, not a folder; at most <see cref="MaxJsonBytes"/>; valid JSON
    /// and UTF-8; nesting within <see cref="MaxJsonDepth"/>; arrays within <see cref="MaxJsonArrayLength"/>; no
    /// duplicate keys. Deserialize the result with System.Text.Json.
    /// </summary>
    /// <exception cref="InvalidDataException">The file fails a check; the message names the file and the JSON path or byte.</exception>
    public byte[] ReadJsonFile(string path) => JsonInput.ReadFile(path, this);

    /// <summary>Throws when <paramref name="actual"/> exceeds the limit called <paramref name="name"/>.</summary>
    /// <param name="name">One of <see cref="Names"/>.</param>
    /// <param name="actual">The value found (or declared) in the source.</param>
    /// <param name="source">The file (or argument) in error messages.</param>
    /// <param name="what">What was counted, e.g. "60000 x 784 values".</param>
    /// <exception cref="InvalidDataException"><paramref name="actual"/> is above the limit.</exception>
    public void Check(string name, long actual, string source, string what)
    {
        long limit = Get(name);
        if (actual > limit) throw LimitExceeded.Create(source, name, limit, actual, what);
    }

    /// <summary>Checks a network's layer sizes (inputs first): every width against <see cref="MaxLayerWidth"/>, and the parameter count, summed in 64 bits, against <see cref="MaxParameters"/>.</summary>
    /// <param name="sizes">n_0, n_1, ..., n_L.</param>
    /// <param name="source">The file or argument that declared them, e.g. "--layers".</param>
    /// <exception cref="InvalidDataException">A width or the parameter count is above its limit.</exception>
    public void CheckLayerSizes(IReadOnlyList<int> sizes, string source)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        ArgumentNullException.ThrowIfNull(source);
        long parameters = 0;
        for (int l = 0; l < sizes.Count; l++)
        {
            Check("layer-width", sizes[l], source, $"a layer of {sizes[l]} units (layer {l})");
            if (l > 0) parameters += (long)sizes[l] * sizes[l - 1] + sizes[l];
        }
        Check("parameters", parameters, source, $"{parameters} parameters for the layer sizes {string.Join("-", sizes)}");
    }

    private static long AtLeastOne(long value, string name) => value >= 1
        ? value
        : throw new ArgumentOutOfRangeException(name, $"Expected {name} to be 1 or more, got {value}.");

    private static ArgumentException UnknownName(string name) =>
        new($"Expected a limit name, one of {string.Join(", ", Names)}, got '{name}'.", nameof(name));
}

/// <summary>The refusals of <see cref="ReadLimits"/>: <see cref="InvalidDataException"/>s whose <see cref="Exception.Data"/> names the limit.</summary>
public static class LimitExceeded
{
    /// <summary>The key of <see cref="Exception.Data"/> that holds the limit's name (one of <see cref="ReadLimits.Names"/>) in a refusal.</summary>
    public const string LimitNameKey = "Pure.LimitName";

    /// <summary>The refusal of <paramref name="source"/>: the message names the source, the limit, the actual value and how to raise the limit.</summary>
    /// <param name="source">The file or argument refused.</param>
    /// <param name="limitName">The limit's name, one of <see cref="ReadLimits.Names"/>.</param>
    /// <param name="limit">The limit's value.</param>
    /// <param name="actual">The value found, or the count at which reading stopped.</param>
    /// <param name="what">What was counted.</param>
    public static InvalidDataException Create(string source, string limitName, long limit, long actual, string what)
    {
        var error = new InvalidDataException(
            $"{source}: {what}: {actual} is above the limit {limitName} = {limit}; if you mean it, raise it with --limit {limitName}=N (library: ReadLimits.{PropertyOf(limitName)}).");
        error.Data[LimitNameKey] = limitName;
        return error;
    }

    /// <summary>The limit's name when <paramref name="error"/> is a refusal made by <see cref="Create"/>, else null.</summary>
    public static string? LimitName(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.Data[LimitNameKey] as string;
    }

    /// <summary>The <see cref="ReadLimits"/> property of a limit name.</summary>
    internal static string PropertyOf(string limitName) => limitName switch
    {
        "decompressed-bytes" => nameof(ReadLimits.MaxDecompressedBytes),
        "samples-x-features" => nameof(ReadLimits.MaxSamplesTimesFeatures),
        "classes" => nameof(ReadLimits.MaxClasses),
        "layer-width" => nameof(ReadLimits.MaxLayerWidth),
        "parameters" => nameof(ReadLimits.MaxParameters),
        "json-bytes" => nameof(ReadLimits.MaxJsonBytes),
        "json-depth" => nameof(ReadLimits.MaxJsonDepth),
        "json-array-length" => nameof(ReadLimits.MaxJsonArrayLength),
        "csv-line-length" => nameof(ReadLimits.MaxCsvLineLength),
        "echo-length" => nameof(ReadLimits.MaxEchoLength),
        _ => limitName,
    };
}

/// <summary>
/// A read-only view of an inflating stream that counts the bytes it hands out and refuses to go past
/// <see cref="ReadLimits.MaxDecompressedBytes"/>, whatever a header or a zip directory declared.
/// </summary>
internal sealed class InflateLimitStream(Stream inner, long limit, string source, long alreadyInflated = 0) : Stream
{
    /// <summary>The bytes inflated so far, starting from the bytes other streams of the same file inflated before.</summary>
    public long Inflated { get; private set; } = alreadyInflated;

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException("An inflating stream has no known length.");

    /// <inheritdoc />
    public override long Position
    {
        get => Inflated;
        set => throw new NotSupportedException("An inflating stream cannot seek.");
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        // Never ask for more than one byte past the limit, so the refusal comes before the bytes are kept.
        long room = limit - Inflated + 1;
        if (buffer.Length > room) buffer = buffer[..(int)room];
        int read = inner.Read(buffer);
        Inflated += read;
        if (Inflated > limit)
            throw LimitExceeded.Create(source, "decompressed-bytes", limit, Inflated, "inflating, counted as the data were inflated");
        return read;
    }

    /// <inheritdoc />
    public override void Flush() { }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("An inflating stream cannot seek.");

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException("An inflating stream is read-only.");

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("An inflating stream is read-only.");

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
