using System.Xml.Linq;
using FsCheck;
using FsCheck.Fluent;

namespace Pure.Cli.Tests;

/// <summary>The hand-written SVG charts.</summary>
public sealed class SvgChartTests
{
    [Fact]
    public void TicksAreAFewAscendingRoundValuesCoveringTheRange()
    {
        var bounds = ArbMap.Default.ArbFor<NormalFloat>().Generator.Select(x => x.Get)
            .Where(x => Math.Abs(x) < 1e9).Two()
            .Select(pair => (Min: Math.Min(pair.Item1, pair.Item2), Max: Math.Max(pair.Item1, pair.Item2)));
        var property = Prop.ForAll(bounds.ToArbitrary(), range =>
        {
            var ticks = SvgChart.Ticks(range.Min, range.Max);
            return ticks.Length >= 2 && ticks.Length <= 12
                && ticks[0] <= range.Min && ticks[^1] >= range.Max
                && ticks.Zip(ticks.Skip(1)).All(pair => pair.First < pair.Second);
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500).WithQuietOnSuccess(true), property);
    }

    [Fact]
    public void NonFiniteAndMissingValuesAreLeftOutAndTextIsEscaped()
    {
        var chart = SvgChart.Render("a < b & c", "loss", [1, 2, 3, 4],
            [new ChartSeries("x<y", [1.0, double.NaN, null, 2.0]), new ChartSeries("empty", [null, null, null, null])]);

        var parsed = XDocument.Parse(chart.ToString());
        XNamespace svg = "http://www.w3.org/2000/svg";
        var lines = parsed.Descendants(svg + "polyline").ToArray();
        Assert.Equal(2, lines[0].Attribute("points")!.Value.Split(' ').Length);
        Assert.Equal("", lines[1].Attribute("points")!.Value);
        Assert.Contains(parsed.Descendants(svg + "text"), text => text.Value == "a < b & c");
        Assert.Contains(parsed.Descendants(svg + "text"), text => text.Value == "x<y");
    }
}
