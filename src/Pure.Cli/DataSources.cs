using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;

namespace Pure.Cli;

/// <summary>Labelled samples, one per column, as loaded (before any scaling).</summary>
/// <param name="Name">A short name for messages and the default output folder, e.g. "digits" or "iris".</param>
/// <param name="Features">n x m, as stored in the file: read, or still in an IDX file to be gathered by parts.</param>
/// <param name="Labels">The m class labels as written in the file.</param>
/// <param name="Target">The CSV target column's name, or null for other data.</param>
/// <param name="Test">The data's own test part (IDX t10k files), or null to hold one out.</param>
/// <param name="FeatureNames">The CSV header names of the feature columns, for messages, or null for other data.</param>
/// <param name="Files">The files read (not those of <paramref name="Test"/>), or null for the embedded digits set.</param>
/// <param name="SampleWeights">The m sample weights of the CSV column named by --sample-weight (finite, 0 or more), or null.</param>
internal sealed record LabelledData<T>(
    string Name, Samples<T> Features, ImmutableArray<string> Labels, string? Target = null, LabelledData<T>? Test = null, IReadOnlyList<string>? Files = null,
    IReadOnlyList<string>? FeatureNames = null, ImmutableArray<double>? SampleWeights = null)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>m.</summary>
    public int Count => Features.Columns;

    /// <summary>For regression: the numeric targets, k x m (one row per target column), or null for class labels.</summary>
    public ImmutableMatrix<T>? Targets { get; init; }

    /// <summary>For regression: the names of the k target columns; empty for class labels.</summary>
    public ImmutableArray<string> TargetNames { get; init; } = [];
}

/// <summary>Loads the data a command names: the embedded digits set, a CSV file, or IDX files.</summary>
internal static class DataSources
{
    private const string TrainImages = "train-images-idx3-ubyte", TrainLabels = "train-labels-idx1-ubyte";
    private const string TestImages = "t10k-images-idx3-ubyte", TestLabels = "t10k-labels-idx1-ubyte";

    /// <summary>
    /// Loads <paramref name="data"/>: null for the embedded digits set; a folder holding train-images-idx3-ubyte and
    /// train-labels-idx1-ubyte (raw or .gz; with t10k-* files as the test part when present); an IDX images file
    /// whose labels file is named like it with labels-idx1 for images-idx3; or a CSV file whose target column is
    /// <paramref name="target"/> (a name, or a 0-based index; null for the last column). Of IDX files only the labels
    /// and the headers are read (the sample limit checked): the images stay in their file until
    /// <see cref="Samples{T}.Gather"/> or <see cref="Samples{T}.ReadAll"/> reads them.
    /// </summary>
    /// <param name="data">The data argument.</param>
    /// <param name="target">The CSV target column.</param>
    /// <param name="preferTest">For a folder of IDX files: load the t10k pair as the samples when present (evaluate, gradcheck).</param>
    /// <param name="classes">
    /// For IDX files, whose labels are read before the images: the classes the labels must belong to (a model's), or
    /// null to require at least two classes in the first pair read and the test pair's labels among them. Labels that
    /// fail are refused before any image is read, so a huge images file with unusable labels costs no memory.
    /// </param>
    /// <param name="features">For IDX files: the number of features each sample must have (a model's inputs), checked from the header before the images are read; null for any.</param>
    /// <param name="testData">For CSV data: a CSV file with the same header loaded as the test part (<see cref="LabelledData{T}.Test"/>), or null.</param>
    /// <param name="sampleWeight">For CSV data: the name of the column holding the sample weights, which is then not a feature (nor in the test part), or null.</param>
    public static LabelledData<T> Load<T>(string? data, string? target, bool preferTest = false, ClassEncoding? classes = null, int? features = null, string? testData = null,
        string? sampleWeight = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (sampleWeight is not null && (data is null || Directory.Exists(data) || Path.GetFileName(data).Contains("-idx", StringComparison.Ordinal)))
            throw new UsageException($"--sample-weight applies to CSV or Parquet data, not to {(data is null ? "the embedded digits set" : "IDX files")}.");
        if (testData is not null && (data is null || Directory.Exists(data) || Path.GetFileName(data).Contains("-idx", StringComparison.Ordinal)))
            throw new UsageException($"--test-data applies to CSV or Parquet data, not to {(data is null ? "the embedded digits set" : "IDX files")}.");
        if (data is null)
        {
            if (target is not null) throw new UsageException("--target applies to CSV data, not to the embedded digits set.");
            var digits = Digits.Load();
            return new LabelledData<T>("digits", new MatrixSamples<T>(digits.FeaturesAs<T>()), digits.Targets);
        }
        string name = Commands.DataName(data);
        if (Directory.Exists(data))
        {
            if (target is not null) throw new UsageException("--target applies to CSV data, not to IDX files.");
            var train = FindPair(data, TrainImages, TrainLabels);
            var test = FindPair(data, TestImages, TestLabels);
            if (train is null && test is null)
                throw new FileNotFoundException($"{data}: expected IDX files {TrainImages}[.gz] and {TrainLabels}[.gz] (and optionally {TestImages}[.gz], {TestLabels}[.gz]) in this folder, found none.");
            if (preferTest || train is null) return ReadPair<T>(name, test ?? train!.Value, ref classes, features);
            var trainData = ReadPair<T>(name, train.Value, ref classes, features);
            return test is null ? trainData : trainData with { Test = ReadPair<T>(name, test.Value, ref classes, features) };
        }
        if (!File.Exists(data)) throw new FileNotFoundException($"--data: no such file or folder: {data}");
        if (Path.GetFileName(data).Contains("-idx", StringComparison.Ordinal))
        {
            if (target is not null) throw new UsageException("--target applies to CSV data, not to IDX files.");
            string labels = Path.Combine(Path.GetDirectoryName(data) ?? "", Path.GetFileName(data).Replace("images-idx3", "labels-idx1", StringComparison.Ordinal));
            if (labels == data || !File.Exists(labels))
                throw new FileNotFoundException($"{data}: expected the labels next to the images, in {labels}, but there is no such file.");
            return ReadPair<T>(name, (data, labels), ref classes, features);
        }
        var csv = ReadCsv(data, CsvTargetOf(target));
        LimitOptions.CheckClasses(csv.Targets, data);
        var loaded = new LabelledData<T>(name, new MatrixSamples<T>(csv.FeaturesAs<T>()), csv.Targets, csv.TargetName, Files: [data], FeatureNames: csv.FeatureNames);
        if (testData is not null) loaded = loaded with { Test = ReadTestCsv<T>(testData, csv) };
        return sampleWeight is null ? loaded : WithoutWeightColumn(loaded, csv, sampleWeight);
    }

    /// <summary>
    /// <paramref name="loaded"/> with the feature column <paramref name="column"/> taken out as its sample weights (and out of
    /// its test part's features); a weight that is negative or not finite is refused naming the file, the line and the column.
    /// </summary>
    private static LabelledData<T> WithoutWeightColumn<T>(LabelledData<T> loaded, CsvData csv, string column) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = csv.FeatureNames.IndexOf(column);
        if (k < 0)
            throw new UsageException($"--sample-weight: expected one of the feature columns of {csv.Source} ({string.Join(", ", csv.FeatureNames)}), got '{column}'.");
        var weights = ImmutableArray.CreateBuilder<double>(csv.Count);
        for (int j = 0; j < csv.Count; j++)
        {
            double w = csv.Features[k, j];
            if (!double.IsFinite(w) || w < 0)
                throw new InvalidDataException($"{csv.Source}: {(csv.LineNumbers.IsDefault ? $"row {j + 1}" : $"line {csv.LineNumbers[j]}")}, column '{column}': expected a finite sample weight of 0 or more, got {Settings.Format(w)}.");
            weights.Add(w);
        }
        return loaded with
        {
            Features = WithoutRow(loaded.Features, k), FeatureNames = [.. csv.FeatureNames.Where((_, i) => i != k)], SampleWeights = weights.MoveToImmutable(),
            Test = loaded.Test is null ? null : loaded.Test with { Features = WithoutRow(loaded.Test.Features, k), FeatureNames = [.. csv.FeatureNames.Where((_, i) => i != k)] },
        };
    }

    /// <summary>The samples without feature row <paramref name="k"/>.</summary>
    private static MatrixSamples<T> WithoutRow<T>(Samples<T> samples, int k) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var all = samples.ReadAll();
        return new MatrixSamples<T>(ImmutableMatrix.Create(all.Rows - 1, all.Columns, (i, j) => all[i < k ? i : i + 1, j]));
    }

    /// <summary>The test part of CSV data from <paramref name="path"/>, whose header must be that of <paramref name="train"/>; refused naming the file and the first column that differs.</summary>
    private static LabelledData<T> ReadTestCsv<T>(string path, CsvData train) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"--test-data: no such file: {path}");
        CsvData test;
        try { test = ReadTable(path, CsvTarget.Named(train.TargetName!)); }
        catch (ArgumentException problem) when (problem.ParamName == "target")
        {
            throw new InvalidDataException($"{path}: expected the columns of {train.Source}, but it has no column '{train.TargetName}' (the target).", problem);
        }
        string[] expected = Header(train), got = Header(test);
        for (int i = 0; i < Math.Max(expected.Length, got.Length); i++)
            if (i >= expected.Length || i >= got.Length || expected[i] != got[i])
                throw new InvalidDataException($"{path}: expected the columns of {train.Source}, but column {i + 1} is "
                    + $"{(i < got.Length ? $"'{got[i]}'" : "missing")} where {train.Source} has {(i < expected.Length ? $"'{expected[i]}'" : "none")}.");
        return new LabelledData<T>(Commands.DataName(path), new MatrixSamples<T>(test.FeaturesAs<T>()), test.Targets, test.TargetName, Files: [path], FeatureNames: test.FeatureNames);
    }

    /// <summary>The header row of CSV data: the feature names with the target put back at its column.</summary>
    private static string[] Header(CsvData csv)
    {
        var names = csv.FeatureNames.ToList();
        names.Insert(csv.TargetColumn - 1, csv.TargetName!);
        return [.. names];
    }

    /// <summary>
    /// Regression data from the CSV file <paramref name="data"/>: the columns named by <paramref name="target"/> (names or
    /// 0-based indices separated by commas; the last column when null) as numeric targets, every other column a feature;
    /// with <paramref name="testData"/>, a CSV file with the same header loaded the same way as the test part.
    /// </summary>
    public static LabelledData<T> LoadRegression<T>(string? data, string? target, string? testData = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (data is not null && testData is not null)
        {
            var train = LoadRegression<T>(data, target);
            if (!File.Exists(testData)) throw new FileNotFoundException($"--test-data: no such file: {testData}");
            var test = LoadRegression<T>(testData, target);
            if (!test.FeatureNames!.SequenceEqual(train.FeatureNames!) || !test.TargetNames.SequenceEqual(train.TargetNames))
                throw new InvalidDataException($"{testData}: expected the columns of {data} ({string.Join(",", train.FeatureNames!.Concat(train.TargetNames))} in some order), got other ones.");
            return train with { Test = test };
        }
        if (data is null || Directory.Exists(data) || Path.GetFileName(data).Contains("-idx", StringComparison.Ordinal))
            throw new UsageException("--task regression: expected a CSV file or a Parquet file with numeric target columns (--data file.csv or file.parquet), not the embedded digits set or IDX files.");
        if (!File.Exists(data)) throw new FileNotFoundException($"--data: no such file or folder: {data}");
        var csv = ReadCsv(data, CsvTarget.None);
        var names = csv.FeatureNames;
        var rows = TargetRows(names, target);
        if (rows.Length >= names.Length)
            throw new UsageException($"--target: {data} has {names.Length} columns; naming {rows.Length} as targets leaves no feature.");
        var all = csv.FeaturesAs<T>();
        var featureRows = Enumerable.Range(0, names.Length).Except(rows).ToArray();
        ImmutableMatrix<T> Select(int[] picked) => ImmutableMatrix.Create<T>(picked.Length, all.Columns, (i, j) => all[picked[i], j]);
        var targetNames = ImmutableArray.CreateRange(rows.Select(row => names[row]));
        return new LabelledData<T>(Commands.DataName(data), new MatrixSamples<T>(Select(featureRows)), [], string.Join(",", targetNames), Files: [data],
            FeatureNames: [.. featureRows.Select(row => names[row])])
        { Targets = Select(rows), TargetNames = targetNames };
    }

    /// <summary>The column of each target named in <paramref name="target"/> (comma-separated names or 0-based indices; the last column when null), distinct.</summary>
    private static int[] TargetRows(ImmutableArray<string> names, string? target)
    {
        if (target is null) return [names.Length - 1];
        var rows = new List<int>();
        foreach (string cell in target.Split(',', StringSplitOptions.TrimEntries))
        {
            int row = int.TryParse(cell, NumberStyles.None, CultureInfo.InvariantCulture, out int index) ? index : names.IndexOf(cell);
            if (row < 0 || row >= names.Length)
                throw new UsageException($"--target: expected column names or indices from 0 to {names.Length - 1} separated by commas, but '{cell}' names no column; the columns are {string.Join(", ", names.Take(20))}{(names.Length > 20 ? ", ..." : "")}.");
            if (rows.Contains(row)) throw new UsageException($"--target: the column '{names[row]}' is named twice.");
            rows.Add(row);
        }
        return [.. rows];
    }

    /// <summary>The file the labels of <paramref name="data"/> were read from, for messages: the CSV file, the IDX labels file, or digits.csv.</summary>
    public static string LabelSource<T>(LabelledData<T> data) where T : unmanaged, IFloatingPointIeee754<T> =>
        data.Files is { Count: > 0 } files ? files[^1] : "digits.csv";

    /// <summary>The SHA-256 (lowercase hex) of each file the data were read from, by path; for the embedded digits set, of its digits.csv, by the name "digits".</summary>
    public static IReadOnlyDictionary<string, string> Hashes<T>(LabelledData<T> data) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (data.Files is null) return new Dictionary<string, string> { [data.Name] = Digits.Sha256() };
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string file in data.Files.Concat(data.Test?.Files ?? []))
            hashes[file] = RunFiles.Sha256(file);
        return hashes;
    }

    /// <summary>The features of a CSV or Parquet file for prediction: every column, or every column but <paramref name="target"/> when given (of any type).</summary>
    public static CsvData ReadFeatures(string path, string? target) =>
        ReadCsv(path, target is null ? CsvTarget.None : CsvTargetOf(target), anyTarget: true);

    /// <summary>
    /// Reads a CSV or a Parquet file (Parquet when its name ends in .parquet or it starts with the bytes PAR1); with
    /// <paramref name="anyTarget"/>, a Parquet target column may also hold non-integer numbers.
    /// </summary>
    private static CsvData ReadTable(string path, CsvTarget target, bool anyTarget = false) =>
        ParquetFile.IsParquet(path) ? ParquetFile.Read(path, target, LimitOptions.Current, numericTargets: anyTarget) : Csv.Read(path, target, LimitOptions.Current);

    /// <summary>Reads a CSV or Parquet file; a --target the file has no column for is a wrong command line (exit 2), not a bad file.</summary>
    private static CsvData ReadCsv(string path, CsvTarget target, bool anyTarget = false)
    {
        try { return ReadTable(path, target, anyTarget); }
        catch (ArgumentException problem) when (problem.ParamName == "target") { throw new UsageException($"--target: {Program.WithoutParameter(problem)}"); }
    }

    /// <summary>The target of a CSV file: a name, a 0-based index when the text is a number, or the last column when null.</summary>
    private static CsvTarget CsvTargetOf(string? target) =>
        target is null ? CsvTarget.Last
        : int.TryParse(target, NumberStyles.None, CultureInfo.InvariantCulture, out int index) ? CsvTarget.At(index) : CsvTarget.Named(target);

    private static string Text(int label) => label.ToString(CultureInfo.InvariantCulture);

    private static (string Images, string Labels)? FindPair(string folder, string images, string labels)
    {
        string? Find(string name) => new[] { name + ".gz", name }.Select(file => Path.Combine(folder, file)).FirstOrDefault(File.Exists);
        var (imagesPath, labelsPath) = (Find(images), Find(labels));
        if (imagesPath is null && labelsPath is null) return null;
        if (imagesPath is null || labelsPath is null)
            throw new FileNotFoundException($"{folder}: found {Path.GetFileName(imagesPath ?? labelsPath)} but not {(imagesPath is null ? images : labels)}[.gz] to go with it.");
        return (imagesPath, labelsPath);
    }

    /// <summary>Reads an IDX pair: the labels first, checked against <paramref name="classes"/> (fitted from them when null), then the images.</summary>
    private static LabelledData<T> ReadPair<T>(string name, (string Images, string Labels) pair, ref ClassEncoding? classes, int? features)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var limits = LimitOptions.Current;
        var labelHeader = Idx.ReadHeader(pair.Labels, limits);
        var imageHeader = Idx.ReadHeader(pair.Images, limits);
        if (labelHeader.Dimensions[0] != imageHeader.Dimensions[0])
            throw new InvalidDataException($"{pair.Labels}: expected {imageHeader.Dimensions[0]} labels, one per image of {pair.Images}, got {labelHeader.Dimensions[0]}.");
        long sampleSize = imageHeader.Dimensions.Skip(1).Aggregate(1L, (product, dimension) => product * dimension);
        if (features is int expected && sampleSize != expected)
            throw new InvalidDataException($"{pair.Images}: expected {expected} features per sample, as the model takes, got {sampleSize} ({string.Join(" x ", imageHeader.Dimensions.Skip(1))}).");
        var labels = Idx.ReadLabels(pair.Labels, limits);
        var texts = ImmutableArray.CreateRange(labels, Text);
        LimitOptions.CheckClasses(texts, pair.Labels);
        classes ??= TrainJob.Labelled(pair.Labels, texts, ClassEncoding.Fit);
        TrainJob.Labelled(pair.Labels, texts, classes.Encode);
        Idx.CheckSamples(imageHeader, pair.Images, limits);
        return new LabelledData<T>(name, new IdxSamples<T>(pair.Images, imageHeader, limits), texts, Files: [pair.Images, pair.Labels]);
    }

}

/// <summary>
/// The samples of a data set, one per column: held as a matrix, or still in an IDX file. <see cref="Gather"/> puts
/// the parts of a split straight into new arrays of their final size, so training data cost no full-size copy.
/// </summary>
internal abstract class Samples<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>n, the features per sample.</summary>
    public abstract int Rows { get; }

    /// <summary>m, the number of samples.</summary>
    public abstract int Columns { get; }

    /// <summary>Every sample, as a matrix (reads an IDX file's images).</summary>
    public abstract ImmutableMatrix<T> ReadAll();

    /// <summary>
    /// One new column-major array per part, Rows x part.Length, holding the samples the part lists in its order (as
    /// <see cref="ImmutableMatrix{T}.SelectColumns(ReadOnlySpan{int})"/> would); the caller owns the arrays. No sample may be in two parts.
    /// </summary>
    public abstract T[][] Gather(IReadOnlyList<ImmutableArray<int>> parts);

    /// <summary>A new, zeroed array per part.</summary>
    private protected T[][] Allocate(IReadOnlyList<ImmutableArray<int>> parts)
    {
        var arrays = new T[parts.Count][];
        for (int k = 0; k < parts.Count; k++)
        {
            foreach (int column in parts[k])
                if ((uint)column >= (uint)Columns)
                    throw new ArgumentOutOfRangeException(nameof(parts), $"Expected column indices in [0, {Columns}), got {column}.");
            arrays[k] = new T[checked(parts[k].Length * Rows)];
        }
        return arrays;
    }
}

/// <summary>Samples read into a matrix (CSV files, the embedded digits).</summary>
internal sealed class MatrixSamples<T>(ImmutableMatrix<T> matrix) : Samples<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc />
    public override int Rows => matrix.Rows;

    /// <inheritdoc />
    public override int Columns => matrix.Columns;

    /// <inheritdoc />
    public override ImmutableMatrix<T> ReadAll() => matrix;

    /// <inheritdoc />
    public override T[][] Gather(IReadOnlyList<ImmutableArray<int>> parts)
    {
        var arrays = Allocate(parts);
        for (int k = 0; k < parts.Count; k++)
            for (int j = 0; j < parts[k].Length; j++)
                matrix.ColumnSpan(parts[k][j]).CopyTo(arrays[k].AsSpan(j * Rows, Rows));
        return arrays;
    }
}

/// <summary>
/// The images of an IDX file whose header has been checked (the sample limit included) but whose elements have not
/// been read: <see cref="Gather"/> decodes them once, item by item, into the parts' arrays.
/// </summary>
internal sealed class IdxSamples<T>(string path, IdxHeader header, ReadLimits limits) : Samples<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc />
    public override int Rows => (int)header.ItemSize;

    /// <inheritdoc />
    public override int Columns => header.ItemCount;

    /// <inheritdoc />
    public override ImmutableMatrix<T> ReadAll() => Idx.ReadSamples<T>(path, limits);

    /// <inheritdoc />
    public override T[][] Gather(IReadOnlyList<ImmutableArray<int>> parts)
    {
        var arrays = Allocate(parts);
        // Where each item goes: part[item] (-1 for none) at column position[item].
        var part = new int[Columns];
        var position = new int[Columns];
        part.AsSpan().Fill(-1);
        for (int k = 0; k < parts.Count; k++)
            for (int j = 0; j < parts[k].Length; j++)
            {
                int item = parts[k][j];
                if (part[item] >= 0) throw new ArgumentException($"Expected every sample in one part at most, but sample {item} is in parts {part[item]} and {k}.", nameof(parts));
                (part[item], position[item]) = (k, j);
            }
        int rows = Rows;
        Idx.ReadSamplesInto<T>(path, limits, header, item => part[item] < 0 ? [] : arrays[part[item]].AsSpan(position[item] * rows, rows));
        return arrays;
    }
}
