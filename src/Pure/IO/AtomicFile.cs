using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Pure;

/// <summary>
/// Writes files so that a reader sees the old file or the complete new one, never a part: the bytes go to a hidden
/// temporary file in the same folder (<c>.name.pid.guid.tmp</c>), are synced to the disk, and the temporary file is
/// renamed onto the target, whose folder is synced in turn. A failure (an exception, a full disk, a read-only
/// folder) deletes the temporary file and leaves the old file as it was; a process killed while writing leaves its
/// temporary file, which the next write of the same target deletes once that process is gone.
/// </summary>
internal static partial class AtomicFile
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes with <paramref name="write"/> to a temporary file, syncs it and renames it onto <paramref name="path"/>.</summary>
    /// <param name="path">The file to replace or create.</param>
    /// <param name="write">Writes the whole content; the stream is flushed to the disk after it returns.</param>
    internal static void Write(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        string name = Path.GetFileName(full);
        RemoveStaleTemporaries(folder, name);
        string temporary = Path.Combine(folder, $".{name}.{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
            SyncFolder(folder);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 without a byte order mark, as <see cref="Write(string, Action{Stream})"/> does.</summary>
    internal static void WriteText(string path, string text) => Write(path, stream =>
    {
        var bytes = Utf8.GetBytes(text);
        stream.Write(bytes, 0, bytes.Length);
    });

    /// <summary>True when <paramref name="entry"/> (a file or folder name) is a temporary file of <see cref="Write"/> for a file named <paramref name="name"/>.</summary>
    internal static bool IsTemporaryOf(string entry, string name) => OwnerOf(entry, $".{name}.", ".tmp") is not null;

    /// <summary>
    /// The process id in <paramref name="entry"/>, named <c>{prefix}{pid}[.-]{guid}{suffix}</c>, or null when the entry is not named so.
    /// </summary>
    internal static int? OwnerOf(string entry, string prefix, string suffix)
    {
        if (!entry.StartsWith(prefix, StringComparison.Ordinal) || !entry.EndsWith(suffix, StringComparison.Ordinal)) return null;
        string middle = entry[prefix.Length..^suffix.Length];
        int separator = middle.IndexOfAny(['.', '-']);
        if (separator < 1 || middle.Length - separator - 1 != 32) return null;
        return int.TryParse(middle.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : null;
    }

    /// <summary>
    /// True when process <paramref name="pid"/> runs and started before <paramref name="since"/> (the entry it owns was
    /// last written then): a process started later only reuses the id of the dead owner.
    /// </summary>
    internal static bool IsAlive(int pid, DateTime since)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited && (since >= DateTime.MaxValue.AddDays(-1) || process.StartTime.ToUniversalTime() <= since.AddSeconds(2));
        }
        catch (Exception problem) when (problem is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>Syncs the folder's entries (its renames) to the disk; a no-op where the system cannot open a folder (Windows) or has no libc to call.</summary>
    internal static void SyncFolder(string folder)
    {
        if (OperatingSystem.IsWindows()) return;
        int descriptor;
        try { descriptor = Open(folder, 0); }
        catch (Exception problem) when (problem is DllNotFoundException or EntryPointNotFoundException) { return; }
        if (descriptor < 0) return;
        try
        {
            if (Sync(descriptor) != 0)
            {
                int error = Marshal.GetLastPInvokeError();
                // EINVAL: the file system does not sync folders (some network and FUSE file systems); the rename still stands.
                if (error != 22) throw new IOException($"{folder}: could not sync the folder to the disk (errno {error}).");
            }
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    /// <summary>Deletes the temporary files of <paramref name="name"/> in <paramref name="folder"/> left by processes that are gone.</summary>
    private static void RemoveStaleTemporaries(string folder, string name)
    {
        if (!Directory.Exists(folder)) return;
        foreach (string entry in Directory.EnumerateFiles(folder, $".{name}.*.tmp"))
        {
            if (OwnerOf(Path.GetFileName(entry), $".{name}.", ".tmp") is not int pid || IsAlive(pid, File.GetLastWriteTimeUtc(entry))) continue;
            try { File.Delete(entry); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Sync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int descriptor);
}
