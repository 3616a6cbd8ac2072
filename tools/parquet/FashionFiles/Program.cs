// dotnet run --project tools/parquet/FashionFiles -c Release -- ../shared/data/fashion-mnist /tmp/fashion
// writes /tmp/fashion/fashion.csv and /tmp/fashion/fashion.parquet: the 60,000 training images (784 pixel columns
// p0..p783, 0..255) and the label column, the same values in both.
using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Pure;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: FashionFiles <folder with train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz> <output folder>");
    return 2;
}
Directory.CreateDirectory(args[1]);
var images = Idx.ReadSamples<double>(Path.Combine(args[0], "train-images-idx3-ubyte.gz"));
var labels = Idx.ReadLabels(Path.Combine(args[0], "train-labels-idx1-ubyte.gz"));
var names = Enumerable.Range(0, images.Rows).Select(i => $"p{i}").ToImmutableArray();
var data = new CsvData("fashion", names, "label", images, [.. labels.Select(label => label.ToString(CultureInfo.InvariantCulture))]) { TargetColumn = names.Length + 1 };
ParquetFile.Write(Path.Combine(args[1], "fashion.parquet"), data);
using (var csv = new StreamWriter(Path.Combine(args[1], "fashion.csv"), false, new UTF8Encoding(false)))
{
    csv.Write(string.Join(",", names.Append("label")) + "\n");
    var line = new StringBuilder();
    for (int j = 0; j < images.Columns; j++)
    {
        line.Clear();
        for (int i = 0; i < images.Rows; i++) line.Append(images[i, j].ToString(CultureInfo.InvariantCulture)).Append(',');
        csv.Write(line.Append(data.Targets[j]).Append('\n'));
    }
}
Console.WriteLine($"wrote {images.Columns} samples x {images.Rows} features to {args[1]}/fashion.csv and fashion.parquet");
return 0;
