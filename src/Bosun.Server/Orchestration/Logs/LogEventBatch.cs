namespace Bosun.Server.Orchestration.Logs;

/// <summary>
/// What a follower sends next: the events of <paramref name="Count"/> consecutive lines (slices of
/// <see cref="LogEventChunk"/>s, in order), the last of them <paramref name="LastId"/>.
/// </summary>
internal readonly record struct LogEventBatch(IReadOnlyList<ReadOnlyMemory<byte>> Events, int Count, long LastId)
{
    /// <summary>No lines; <paramref name="after"/> stays where it was.</summary>
    public static LogEventBatch Empty(long after) => new([], 0, after);
}
