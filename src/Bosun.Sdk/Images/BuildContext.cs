using System.Formats.Tar;
using System.Text;

namespace Bosun.Sdk.Images;

/// <summary>A build context: a tar stream in a temporary file (deleted on dispose) for the Engine API's build call.</summary>
internal sealed class BuildContext : IAsyncDisposable
{
    private readonly FileStream _file;
    private readonly TarWriter _writer;

    private BuildContext(FileStream file)
    {
        _file = file;
        _writer = new TarWriter(file, TarEntryFormat.Pax, leaveOpen: true);
    }

    public int FileCount { get; private set; }

    public static BuildContext Create() => new(new FileStream(
        System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"bosun-context-{Guid.NewGuid():N}.tar"),
        FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous));

    /// <summary>Adds every file under <paramref name="directory"/> as <paramref name="prefix"/>/..., skipping what <paramref name="ignore"/> excludes.</summary>
    public async Task AddDirectoryAsync(string directory, string prefix, DockerIgnore? ignore, CancellationToken cancellationToken)
    {
        var root = new DirectoryInfo(directory);
        foreach (var entry in root.EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var relative = System.IO.Path.GetRelativePath(root.FullName, entry.FullName).Replace('\\', '/');
            if (ignore?.Excludes(relative) == true || entry is DirectoryInfo && entry.LinkTarget is null)
            {
                continue;
            }

            await _writer.WriteEntryAsync(entry.FullName, prefix.Length == 0 ? relative : $"{prefix}/{relative}", cancellationToken).ConfigureAwait(false);
            FileCount++;
        }
    }

    /// <summary>Adds one file made in memory (the generated Dockerfile).</summary>
    public async Task AddTextAsync(string name, string content, CancellationToken cancellationToken)
    {
        using var data = new MemoryStream(Encoding.UTF8.GetBytes(content));
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name)
        {
            DataStream = data,
            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
        };
        await _writer.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
        FileCount++;
    }

    /// <summary>Ends the archive and returns it from its start, ready to send.</summary>
    public async Task<Stream> CompleteAsync()
    {
        await _writer.DisposeAsync().ConfigureAwait(false);
        _file.Position = 0;
        return _file;
    }

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync().ConfigureAwait(false);
        await _file.DisposeAsync().ConfigureAwait(false);
    }
}
