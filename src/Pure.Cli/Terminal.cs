using System.Globalization;
using Spectre.Console;

namespace Pure.Cli;

/// <summary>Where a command writes: standard output and error, and whether a live display may be drawn.</summary>
/// <param name="Out">Results and progress lines.</param>
/// <param name="Error">Error messages.</param>
/// <param name="Live">True when standard output is an interactive terminal (and is <see cref="Console.Out"/>).</param>
internal sealed record Terminal(TextWriter Out, TextWriter Error, bool Live)
{
    /// <summary>The process's console: live when standard output is a terminal that Spectre.Console can drive.</summary>
    public static Terminal FromConsole() =>
        new(Console.Out, Console.Error, !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive && AnsiConsole.Profile.Capabilities.Ansi);

    /// <summary>Writes an invariant-culture line to <see cref="Out"/>.</summary>
    public void Line(FormattableString text) => Out.WriteLine(text.ToString(CultureInfo.InvariantCulture));
}

/// <summary>One row of history.csv.</summary>
/// <param name="Epoch">The epoch number, from 1 (continuing a resumed run's numbering).</param>
/// <param name="TrainLoss">The mean mini-batch loss over the epoch.</param>
/// <param name="ValidationLoss">The cost on the monitored part after the epoch, or null when there is none.</param>
/// <param name="ValidationAccuracy">The accuracy on the monitored part after the epoch, or null.</param>
/// <param name="Seconds">The epoch's own duration.</param>
/// <param name="Elapsed">Seconds since training started, at the end of the epoch.</param>
internal sealed record HistoryRow(int Epoch, double TrainLoss, double? ValidationLoss, double? ValidationAccuracy, double Seconds, double Elapsed);

/// <summary>Shows epochs as they finish: a live table on a terminal, one plain line each otherwise.</summary>
internal static class EpochDisplay
{
    private const int VisibleRows = 12;

    /// <summary>Enumerates <paramref name="rows"/> (which runs the training) and shows each; returns them all.</summary>
    /// <param name="terminal">Where to show them.</param>
    /// <param name="rows">The lazy epochs.</param>
    /// <param name="lastEpoch">The number of the last epoch, for the live display's progress.</param>
    /// <param name="part">The name of the monitored part: "validation" or "test".</param>
    public static List<HistoryRow> Show(Terminal terminal, IEnumerable<HistoryRow> rows, int lastEpoch, string part)
    {
        var shown = new List<HistoryRow>();
        if (!terminal.Live)
        {
            foreach (var row in rows)
            {
                shown.Add(row);
                terminal.Out.WriteLine(PlainLine(row, part));
            }
            return shown;
        }
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn(new TableColumn("epoch").RightAligned())
            .AddColumn(new TableColumn("train loss").RightAligned())
            .AddColumn(new TableColumn($"{part} loss").RightAligned())
            .AddColumn(new TableColumn($"{part} accuracy").RightAligned())
            .AddColumn(new TableColumn("seconds").RightAligned());
        table.Caption($"training: epoch 0 of {lastEpoch}");
        AnsiConsole.Live(table).Start(context =>
        {
            foreach (var row in rows)
            {
                shown.Add(row);
                if (table.Rows.Count == VisibleRows) table.Rows.RemoveAt(0);
                table.AddRow(Cell(row.Epoch), Cell(row.TrainLoss), Cell(row.ValidationLoss), Cell(row.ValidationAccuracy), Cell(row.Seconds, "F2"));
                double remaining = (lastEpoch - row.Epoch) * row.Elapsed / shown.Count;
                table.Caption(string.Create(CultureInfo.InvariantCulture,
                    $"[bold]epoch {row.Epoch}/{lastEpoch}[/] {Bar(row.Epoch, lastEpoch)} {row.Elapsed:F1} s, ~{remaining:F0} s left"));
                context.Refresh();
            }
        });
        return shown;
    }

    /// <summary>The plain line of one epoch.</summary>
    public static string PlainLine(HistoryRow row, string part) => string.Create(CultureInfo.InvariantCulture,
        $"epoch {row.Epoch,3}  train loss {row.TrainLoss:F4}") + (row.ValidationLoss is null ? "" : string.Create(CultureInfo.InvariantCulture,
        $"  {part} loss {row.ValidationLoss:F4}") + (row.ValidationAccuracy is null ? "" : string.Create(CultureInfo.InvariantCulture, $"  {part} accuracy {row.ValidationAccuracy:F4}"))) + string.Create(CultureInfo.InvariantCulture, $"  ({row.Elapsed:F1} s)");

    private static string Cell(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Cell(double? value, string format = "F4") => value is double x ? x.ToString(format, CultureInfo.InvariantCulture) : "-";

    private static string Bar(int done, int total)
    {
        const int width = 20;
        int filled = total == 0 ? width : (int)Math.Round((double)done * width / total);
        return $"[green]{new string('━', filled)}[/][grey]{new string('━', width - filled)}[/]";
    }
}
