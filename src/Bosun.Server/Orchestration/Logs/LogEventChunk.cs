using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;
using Bosun.Contracts;
using Bosun.Contracts.Logs;

namespace Bosun.Server.Orchestration.Logs;

/// <summary>
/// Consecutive lines of a run in the form a follower receives them (docs/logs.md): one server-sent event per line,
/// <c>event: log</c>, <c>data:</c> the line as JSON, <c>id:</c> its id. The lines are formatted once, into one buffer, for
/// all of the run's followers; a follower sends a slice of it, one copy per follower and no work per line.
/// </summary>
internal sealed class LogEventChunk
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // As the serializer writes the line on its own: the same escaping, and no line breaks (a line is one data: field).
        Encoder = BosunJsonContext.Default.Options.Encoder,
        Indented = false,
    };

    private readonly long[] _ids;
    private readonly int[] _ends;
    private readonly byte[] _events;

    /// <summary>Formats <paramref name="lines"/> (at least one, in id order).</summary>
    public LogEventChunk(IReadOnlyList<LogEntry> lines)
    {
        ArgumentOutOfRangeException.ThrowIfZero(lines.Count);
        _ids = new long[lines.Count];
        _ends = new int[lines.Count];
        var buffer = new ArrayBufferWriter<byte>(lines.Count * 256);
        using var json = new Utf8JsonWriter(buffer, WriterOptions);
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            buffer.Write("event: log\ndata: "u8);
            JsonSerializer.Serialize(json, line, BosunJsonContext.Default.LogEntry);
            json.Flush();
            json.Reset();
            buffer.Write("\nid: "u8);
            Utf8Formatter.TryFormat(line.Id, buffer.GetSpan(20), out var written);
            buffer.Advance(written);
            buffer.Write("\n\n"u8);
            _ids[i] = line.Id;
            _ends[i] = buffer.WrittenCount;
        }

        _events = buffer.WrittenSpan.ToArray();
    }

    /// <summary>The number of lines.</summary>
    public int Count => _ids.Length;

    /// <summary>The size of the events.</summary>
    public int Bytes => _events.Length;

    /// <summary>The id of the last line.</summary>
    public long LastId => _ids[^1];

    /// <summary>The events of every line.</summary>
    public LogEventBatch All() => new([_events], Count, LastId);

    /// <summary>The events of up to <paramref name="limit"/> lines after <paramref name="after"/>, and how many lines that is.</summary>
    public LogEventBatch After(long after, int limit)
    {
        var first = Array.BinarySearch(_ids, after);
        first = first >= 0 ? first + 1 : ~first;
        var count = Math.Min(limit, _ids.Length - first);
        if (count <= 0)
        {
            return LogEventBatch.Empty(after);
        }

        var start = first == 0 ? 0 : _ends[first - 1];
        var last = first + count - 1;
        return new LogEventBatch([_events.AsMemory(start, _ends[last] - start)], count, _ids[last]);
    }
}
