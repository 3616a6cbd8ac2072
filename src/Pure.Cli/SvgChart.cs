using System.Globalization;
using System.Xml.Linq;

namespace Pure.Cli;

/// <summary>One line of a chart: a name for the legend and one value per epoch (null or non-finite values are left out).</summary>
internal sealed record ChartSeries(string Name, IReadOnlyList<double?> Values);

/// <summary>A line chart over epochs as a standalone SVG document: axes with ticks and labels, one polyline per series, a legend.</summary>
internal static class SvgChart
{
    private const double Width = 720, Height = 440, Left = 72, Right = 180, Top = 40, Bottom = 56;
    private static readonly string[] Colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e"];
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    /// <summary>The chart of <paramref name="series"/> over epochs <paramref name="epochs"/>.</summary>
    /// <param name="title">The title.</param>
    /// <param name="yLabel">The label of the y axis.</param>
    /// <param name="epochs">The x value of each value of a series.</param>
    /// <param name="series">The lines.</param>
    /// <param name="categories">Null for a numeric x axis labelled "epoch"; else the x axis is <paramref name="xLabel"/> with one tick per
    /// category, labelled with its text, <paramref name="epochs"/> are the categories' positions (0, 1, ...) and every point gets a marker.</param>
    /// <param name="xLabel">The label of a categorical x axis.</param>
    public static XDocument Render(string title, string yLabel, IReadOnlyList<int> epochs, IReadOnlyList<ChartSeries> series,
        IReadOnlyList<string>? categories = null, string xLabel = "epoch")
    {
        var points = series.SelectMany(s => s.Values).OfType<double>().Where(double.IsFinite).ToArray();
        double yMin = points.Length == 0 ? 0 : points.Min(), yMax = points.Length == 0 ? 1 : points.Max();
        var yTicks = Ticks(yMin, yMax);
        var xTicks = categories is null ? Ticks(epochs.Count == 0 ? 0 : epochs[0], epochs.Count == 0 ? 1 : epochs[^1]) : [.. Enumerable.Range(0, categories.Count).Select(i => (double)i)];
        double x0 = categories is null ? xTicks[0] : -0.5, x1 = categories is null ? xTicks[^1] : categories.Count - 0.5, y0 = yTicks[0], y1 = yTicks[^1];
        double plotWidth = Width - Left - Right, plotHeight = Height - Top - Bottom;
        double X(double epoch) => Left + (epoch - x0) / (x1 - x0) * plotWidth;
        double Y(double value) => Top + plotHeight - (value - y0) / (y1 - y0) * plotHeight;

        var root = new XElement(Svg + "svg",
            new XAttribute("width", N(Width)), new XAttribute("height", N(Height)),
            new XAttribute("viewBox", $"0 0 {N(Width)} {N(Height)}"),
            new XAttribute("font-family", "sans-serif"), new XAttribute("font-size", "12"),
            new XElement(Svg + "title", title),
            new XElement(Svg + "rect", new XAttribute("width", "100%"), new XAttribute("height", "100%"), new XAttribute("fill", "white")),
            Text(Left + plotWidth / 2, Top / 2 + 6, title, "middle", ("font-size", "15"), ("font-weight", "bold")));

        var axes = new XElement(Svg + "g", new XAttribute("class", "axes"), new XAttribute("stroke", "#333"));
        axes.Add(Line(Left, Top + plotHeight, Left + plotWidth, Top + plotHeight), Line(Left, Top, Left, Top + plotHeight));
        root.Add(axes);
        foreach (double tick in xTicks)
        {
            root.Add(Line(X(tick), Top + plotHeight, X(tick), Top + plotHeight + 5, "#333"));
            root.Add(Text(X(tick), Top + plotHeight + 19, categories is null ? N(tick) : categories[(int)tick], "middle"));
        }
        foreach (double tick in yTicks)
        {
            root.Add(Line(Left - 5, Y(tick), Left, Y(tick), "#333"));
            root.Add(Line(Left, Y(tick), Left + plotWidth, Y(tick), "#e5e5e5"));
            root.Add(Text(Left - 8, Y(tick) + 4, N(tick), "end"));
        }
        root.Add(Text(Left + plotWidth / 2, Height - 14, categories is null ? "epoch" : xLabel, "middle"));
        root.Add(Text(18, Top + plotHeight / 2, yLabel, "middle", ("transform", $"rotate(-90 18 {N(Top + plotHeight / 2)})")));

        for (int s = 0; s < series.Count; s++)
        {
            string color = Colors[s % Colors.Length];
            var coordinates = Enumerable.Range(0, Math.Min(epochs.Count, series[s].Values.Count))
                .Where(i => series[s].Values[i] is double v && double.IsFinite(v))
                .Select(i => $"{N(X(epochs[i]))},{N(Y(series[s].Values[i]!.Value))}");
            root.Add(new XElement(Svg + "polyline", new XAttribute("class", "series"), new XAttribute("data-name", series[s].Name),
                new XAttribute("fill", "none"), new XAttribute("stroke", color), new XAttribute("stroke-width", "2"),
                new XAttribute("points", string.Join(" ", coordinates))));
            if (categories is not null)
                foreach (int i in Enumerable.Range(0, Math.Min(epochs.Count, series[s].Values.Count)).Where(i => series[s].Values[i] is double v && double.IsFinite(v)))
                    root.Add(new XElement(Svg + "circle", new XAttribute("class", "marker"), new XAttribute("cx", N(X(epochs[i]))),
                        new XAttribute("cy", N(Y(series[s].Values[i]!.Value))), new XAttribute("r", "4"), new XAttribute("fill", color)));
            double legendY = Top + 12 + 20 * s;
            root.Add(Line(Width - Right + 16, legendY, Width - Right + 40, legendY, color, 2));
            root.Add(Text(Width - Right + 46, legendY + 4, series[s].Name, "start"));
        }
        return new XDocument(new XDeclaration("1.0", "utf-8", null), root);
    }

    /// <summary>About five round tick values (1, 2 or 5 times a power of ten) whose range covers [min, max].</summary>
    public static double[] Ticks(double min, double max)
    {
        if (!(max > min))
        {
            double pad = min == 0 ? 1 : Math.Abs(min) * 0.1;
            (min, max) = (min - pad, max + pad);
        }
        double rough = (max - min) / 5;
        double power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        double step = new[] { 1.0, 2, 5, 10 }.Select(f => f * power).First(s => s >= rough);
        double first = Math.Floor(min / step) * step, last = Math.Ceiling(max / step) * step;
        int count = (int)Math.Round((last - first) / step);
        return [.. Enumerable.Range(0, count + 1).Select(i => Math.Round(first + i * step, 12))];
    }

    private static XElement Line(double x1, double y1, double x2, double y2, string? stroke = null, double width = 1) =>
        new(Svg + "line", new XAttribute("x1", N(x1)), new XAttribute("y1", N(y1)), new XAttribute("x2", N(x2)), new XAttribute("y2", N(y2)),
            stroke is null ? null : new XAttribute("stroke", stroke), new XAttribute("stroke-width", N(width)));

    private static XElement Text(double x, double y, string text, string anchor, params (string Name, string Value)[] extra) =>
        new(Svg + "text", new XAttribute("x", N(x)), new XAttribute("y", N(y)), new XAttribute("text-anchor", anchor),
            extra.Select(attribute => new XAttribute(attribute.Name, attribute.Value)), text);

    private static string N(double value) => Math.Round(value, 6).ToString("G", CultureInfo.InvariantCulture);
}
