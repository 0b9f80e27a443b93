using Bosun.Contracts.Logs;

namespace Bosun.Server.Storage;

/// <summary>
/// The lines one write added to a run, as a reader would find them in the store, and the id of the run's last line before
/// them (0 when it had none): a follower that has every line up to <paramref name="After"/> can take these without reading.
/// </summary>
internal sealed record WrittenLogLines(Guid RunId, long After, IReadOnlyList<LogEntry> Lines);
