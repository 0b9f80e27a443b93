using System.Text;
using System.Text.Json;
using Bosun.Contracts;
using Bosun.Contracts.Logs;

namespace Bosun.Client;

/// <summary>
/// Log lines that did not fit in memory, on disk as JSON lines in chunks (one per spill), oldest first. Not thread-safe:
/// the <see cref="LogShipper"/> calls it under its lock.
/// </summary>
internal sealed class LogSpillFile(string path, long maxBytes) : IDisposable
{
    private readonly Queue<(long Offset, int Length)> _chunks = new();
    private FileStream? _file;
    private long _end;

    public string Path { get; } = path;

    public bool IsEmpty => _chunks.Count == 0;

    /// <summary>Appends <paramref name="lines"/> as one chunk; false (nothing written) when it would pass the size limit.</summary>
    public bool TryAppend(IReadOnlyList<LogCreate> lines)
    {
        var text = new StringBuilder();
        foreach (var line in lines)
        {
            text.Append(JsonSerializer.Serialize(line, BosunJsonContext.Default.LogCreate)).Append('\n');
        }

        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        if (_end + bytes.Length > maxBytes)
        {
            return false;
        }

        if (_file is null)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            _file = new FileStream(Path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read, 1 << 16, FileOptions.DeleteOnClose);
        }

        _file.Position = _end;
        _file.Write(bytes);
        _file.Flush();
        _chunks.Enqueue((_end, bytes.Length));
        _end += bytes.Length;
        return true;
    }

    /// <summary>Takes the oldest chunk out of the file; once the last is taken the file is emptied.</summary>
    public List<LogCreate> TakeOldest()
    {
        var (offset, length) = _chunks.Dequeue();
        var bytes = new byte[length];
        _file!.Position = offset;
        _file.ReadExactly(bytes);
        var lines = new List<LogCreate>();
        foreach (var json in Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            lines.Add(JsonSerializer.Deserialize(json, BosunJsonContext.Default.LogCreate)!);
        }

        if (_chunks.Count == 0)
        {
            _file.SetLength(0);
            _end = 0;
        }

        return lines;
    }

    public void Dispose() => _file?.Dispose();
}
