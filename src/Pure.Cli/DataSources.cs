using System.Collections.Immutable;

namespace Pure.Cli;

/// <summary>Labelled samples, one per column, as loaded (before any scaling).</summary>
/// <param name="Name">A short name for messages and the default output folder, e.g. "digits" or "iris".</param>
/// <param name="Features">n x m, as stored in the file.</param>
/// <param name="Labels">The m class labels as written in the file.</param>
/// <param name="Test">The data's own test part (IDX t10k files), or null to hold one out.</param>
internal sealed record LabelledData(string Name, ImmutableMatrix<double> Features, ImmutableArray<string> Labels, LabelledData? Test = null)
{
    /// <summary>m.</summary>
    public int Count => Labels.Length;
}

/// <summary>Loads the data a command names.</summary>
internal static class DataSources
{
    /// <summary>The embedded digits set, with labels "0".."9".</summary>
    public static LabelledData EmbeddedDigits()
    {
        var (features, labels) = Digits.Load();
        return new LabelledData("digits", features, [.. labels.Select(label => label.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
    }

    /// <summary>The data of a resolved experiment.</summary>
    public static LabelledData Load(Experiment experiment) => experiment.Data is null
        ? EmbeddedDigits()
        : throw new UsageException($"--data: only the embedded digits set is supported in this build, got '{experiment.Data}'.");
}
