using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;

namespace Pure;

/// <summary>
/// The class labels of a classification task, fitted on training labels and stored with the model: class k is
/// <see cref="Classes"/>[k], row k of a one-hot target and output k of the network.
/// </summary>
/// <param name="Classes">The distinct labels in class order.</param>
public sealed record ClassEncoding(ImmutableArray<string> Classes)
{
    /// <summary>The distinct labels in class order; at least two, none repeated.</summary>
    public ImmutableArray<string> Classes { get => _classes.Items; init => _classes = Check(value); }

    private readonly ValueArray<string> _classes = Check(Classes);

    /// <summary>The number of classes.</summary>
    public int ClassCount => Classes.Length;

    /// <summary>
    /// The classes of <paramref name="labels"/>: their distinct values, in numeric order when every label is a number
    /// (so "2" comes before "10") and in ordinal order otherwise.
    /// </summary>
    public static ClassEncoding Fit(IEnumerable<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var distinct = labels.Distinct(StringComparer.Ordinal)
            .Select(label => (Label: label, Number: double.TryParse(label, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) ? number : (double?)null))
            .ToArray();
        var ordered = distinct.All(label => label.Number is not null)
            ? distinct.OrderBy(label => label.Number).ThenBy(label => label.Label, StringComparer.Ordinal)
            : distinct.OrderBy(label => label.Label, StringComparer.Ordinal);
        return new ClassEncoding([.. ordered.Select(label => label.Label)]);
    }

    /// <summary>The class index of <paramref name="label"/>; throws if it is not one of <see cref="Classes"/>.</summary>
    public int IndexOf(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        int index = Classes.IndexOf(label, StringComparer.Ordinal);
        if (index < 0)
            throw new ArgumentException($"Expected one of the {ClassCount} classes ({Preview()}), got the label '{label}'.", nameof(label));
        return index;
    }

    /// <summary>The class index of each label, in order.</summary>
    public ImmutableArray<int> Encode(IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var result = ImmutableArray.CreateBuilder<int>(labels.Count);
        foreach (var label in labels) result.Add(IndexOf(label));
        return result.MoveToImmutable();
    }

    /// <summary>The one-hot targets of <paramref name="labels"/>: ClassCount x m, a 1 in row k of column j when label j is class k.</summary>
    public ImmutableMatrix<T> OneHot<T>(IReadOnlyList<string> labels) where T : unmanaged, IFloatingPointIeee754<T> =>
        Metrics.OneHot<T>(Encode(labels), ClassCount);

    /// <summary>The label of class <paramref name="index"/>.</summary>
    public string Decode(int index)
    {
        if ((uint)index >= (uint)ClassCount)
            throw new ArgumentOutOfRangeException(nameof(index), $"Expected a class index in [0, {ClassCount - 1}], got {index}.");
        return Classes[index];
    }

    private string Preview() => string.Join(", ", Classes.Take(10).Select(label => $"'{label}'")) + (ClassCount > 10 ? ", ..." : "");

    private static ImmutableArray<string> Check(ImmutableArray<string> classes)
    {
        if (classes.IsDefault || classes.Length < 2)
            throw new ArgumentException($"Expected at least 2 classes, got {(classes.IsDefault ? 0 : classes.Length)}.", nameof(Classes));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int k = 0; k < classes.Length; k++)
        {
            if (classes[k] is null) throw new ArgumentException($"Expected a label for every class, got null for class {k}.", nameof(Classes));
            if (!seen.Add(classes[k])) throw new ArgumentException($"Expected distinct classes, got '{classes[k]}' twice.", nameof(Classes));
        }
        return classes;
    }
}
