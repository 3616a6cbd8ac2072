using FsCheck;
using FsCheck.Fluent;

namespace Pure.Properties.Support;

/// <summary>Runs FsCheck properties inside xunit facts; a failure throws with the counterexample and the replay seed.</summary>
public static class Checks
{
    /// <summary>The shared configuration: at least 100 cases (200 by default), throw on failure (the message carries the replay).</summary>
    public static Config Config(int maxTest = 200) => FsCheck.Config.QuickThrowOnFailure.WithMaxTest(maxTest).WithQuietOnSuccess(true);

    /// <summary>Checks <paramref name="property"/> with <see cref="Config"/>.</summary>
    public static void Run(Property property, int maxTest = 200) => Check.One(Config(maxTest), property);
}
