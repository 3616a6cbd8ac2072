using System.Globalization;

namespace Pure.Cli;

/// <summary>
/// Replaces a run folder as a unit. The files are written into a hidden staging folder beside the target
/// (<c>.name.staging-pid-guid</c>), each synced to the disk, and the staging folder is synced; only then is it
/// published: the previous folder, when there is one, is renamed to <c>.name.old-pid-guid</c>, the staging folder is
/// renamed to the target, the parent folder is synced and the old folder deleted. A failure before the publishing
/// renames deletes the staging folder and leaves the previous folder untouched; a failure between the two renames
/// renames the old folder back.
/// </summary>
/// <remarks>
/// Between the two renames (two system calls) the target does not exist. A process killed there, or while writing,
/// leaves its staging or old folder behind; <see cref="Recover"/>, called by the next publish into the same parent,
/// deletes the staging folders of processes that are gone (a staging folder is never published by anyone but its
/// writer), restores an old folder when the target is missing, and deletes old folders otherwise.
/// </remarks>
internal static class RunFolder
{
    private const string Staging = ".staging-", Old = ".old-";

    /// <summary>Writes a run with <paramref name="write"/> (given the staging folder) and publishes it as <paramref name="target"/>.</summary>
    /// <param name="target">The run folder to replace or create.</param>
    /// <param name="write">Writes every file of the run into the folder it is given, syncing each to the disk.</param>
    public static void Publish(string target, Action<string> write)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(target));
        string parent = Path.GetDirectoryName(full) ?? throw new IOException($"{target}: expected a folder below a parent folder, got a root.");
        string name = Path.GetFileName(full);
        if (File.Exists(full)) throw new IOException($"{target}: expected a run folder, but a file of that name is in the way.");
        Directory.CreateDirectory(parent);
        Recover(parent, name);
        string staging = Path.Combine(parent, OwnName(name, Staging));
        string? old = null;
        try
        {
            Directory.CreateDirectory(staging);
            write(staging);
            AtomicFile.SyncFolder(staging);
            if (Directory.Exists(full))
            {
                old = Path.Combine(parent, OwnName(name, Old));
                Directory.Move(full, old);
            }
            Directory.Move(staging, full);
            AtomicFile.SyncFolder(parent);
        }
        catch (Exception problem)
        {
            if (old is not null && !Directory.Exists(full) && Directory.Exists(old)) Directory.Move(old, full);
            TryDelete(staging);
            if (problem is IOException or UnauthorizedAccessException)
                throw new IOException($"{target}: could not write the run, {(old is null && !Directory.Exists(full) ? "nothing was written" : "the previous run is unchanged")}: {problem.Message}", problem);
            throw;
        }
        if (old is not null) TryDelete(old);
    }

    /// <summary>
    /// Cleans what dead writers left beside <paramref name="name"/> in <paramref name="parent"/>: their staging folders
    /// are deleted; an old folder is renamed back to <paramref name="name"/> when that is missing, and deleted otherwise.
    /// Entries of live processes are left alone.
    /// </summary>
    public static void Recover(string parent, string name)
    {
        if (!Directory.Exists(parent)) return;
        string full = Path.Combine(parent, name);
        foreach (var entry in Stale(parent, name, Staging, Directory.GetLastWriteTimeUtc)) TryDelete(entry);
        // A rename keeps a folder's time of last write, so the owner of an old folder counts as alive while its id runs.
        foreach (var entry in Stale(parent, name, Old, _ => DateTime.MaxValue).OrderByDescending(Directory.GetLastWriteTimeUtc))
        {
            if (!Directory.Exists(full) && !File.Exists(full))
            {
                try
                {
                    Directory.Move(entry, full);
                    continue;
                }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
            TryDelete(entry);
        }
        foreach (string file in Directory.EnumerateFiles(parent, $".{name}.*.tmp"))
            if (AtomicFile.OwnerOf(Path.GetFileName(file), $".{name}.", ".tmp") is int pid && !AtomicFile.IsAlive(pid, File.GetLastWriteTimeUtc(file)))
                TryDelete(file);
    }

    /// <summary>True when <paramref name="entry"/> is a staging or old folder, or a temporary file, of a run folder named <paramref name="name"/>.</summary>
    public static bool IsLeftover(string entry, string name) =>
        AtomicFile.OwnerOf(entry, $".{name}{Staging}", "") is not null
        || AtomicFile.OwnerOf(entry, $".{name}{Old}", "") is not null
        || AtomicFile.IsTemporaryOf(entry, name);

    /// <summary>The folders of <paramref name="kind"/> of dead processes; <paramref name="since"/> gives the time the owner must have started by.</summary>
    private static IEnumerable<string> Stale(string parent, string name, string kind, Func<string, DateTime> since) =>
        Directory.EnumerateDirectories(parent, $".{name}{kind}*")
            .Where(entry => AtomicFile.OwnerOf(Path.GetFileName(entry), $".{name}{kind}", "") is int pid && !AtomicFile.IsAlive(pid, since(entry)))
            .ToList();

    private static string OwnName(string name, string kind) =>
        $".{name}{kind}{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}";

    private static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
            else if (File.Exists(path)) File.Delete(path);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
