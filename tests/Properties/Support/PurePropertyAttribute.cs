using FsCheck.Xunit;

namespace Pure.Properties.Support;

/// <summary>
/// FsCheck.Xunit's <see cref="PropertyAttribute"/> with the suite's one configuration: 200 cases unless
/// <c>MaxTest</c> says otherwise, and the seed taken from the environment variable <see cref="ReplayVariable"/>
/// when it is set (the pair FsCheck prints as the replay of a failure, "seed,gamma" or "(seed,gamma)"), so that a
/// red CI run is replayed exactly by setting that variable. A <c>Replay</c> named on the attribute wins over it.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class PurePropertyAttribute : PropertyAttribute
{
    /// <summary>The environment variable that pins the seed of every property: PURE_FSCHECK_REPLAY="seed,gamma".</summary>
    public const string ReplayVariable = "PURE_FSCHECK_REPLAY";

    /// <summary>The default number of cases per property.</summary>
    public const int DefaultMaxTest = 200;

    /// <summary>Applies <see cref="DefaultMaxTest"/> and the replay seed from <see cref="ReplayVariable"/>, if set.</summary>
    public PurePropertyAttribute()
    {
        MaxTest = DefaultMaxTest;
        if (EnvironmentReplay() is { } replay) Replay = replay;
    }

    /// <summary>The replay seed named by <see cref="ReplayVariable"/>, or null when it is unset or blank.</summary>
    public static string? EnvironmentReplay() =>
        Environment.GetEnvironmentVariable(ReplayVariable) is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}
