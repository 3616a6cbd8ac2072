namespace Pure.Cli;

/// <summary>Cells of the CSV files the command writes (predictions, sweep summaries).</summary>
internal static class CsvCell
{
    /// <summary>The text as one CSV cell: quoted, with quotes doubled, when it holds a comma, a quote or a line break (RFC 4180).</summary>
    public static string Quote(string text) =>
        text.AsSpan().IndexOfAny(",\"\r\n") < 0 ? text : "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
