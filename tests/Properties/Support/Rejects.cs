namespace Pure.Properties;

/// <summary>Assertions on the argument exceptions of a guard: the exact type, the ParamName and the message text.</summary>
internal static class Rejects
{
    /// <summary>Asserts that <paramref name="call"/> throws exactly <see cref="ArgumentNullException"/> naming <paramref name="parameter"/>.</summary>
    public static void Null(string parameter, Action call)
    {
        var error = Assert.Throws<ArgumentNullException>(call);
        Assert.Equal(parameter, error.ParamName);
    }

    /// <summary>
    /// Asserts that <paramref name="call"/> throws exactly <typeparamref name="TException"/> naming <paramref name="parameter"/>,
    /// with <paramref name="expectedText"/> in its message.
    /// </summary>
    public static void With<TException>(string parameter, string expectedText, Action call) where TException : ArgumentException
    {
        var error = Assert.Throws<TException>(call);
        Assert.Equal(parameter, error.ParamName);
        Assert.Contains(expectedText, error.Message, StringComparison.Ordinal);
    }
}
