using Bosun.Contracts.Audit;

namespace Bosun.Server.Storage;

/// <summary>
/// A change being made on someone's behalf (an API request, a web UI action) whose audit entry must stand or fall with
/// it. While it is ambient (<see cref="RunAsync"/>), the first write transaction that commits (<see cref="BosunDatabase"/>)
/// inserts the entry in that same transaction: a change is never committed without its entry, and an entry the store
/// refuses rolls the change back. The entry is built once, on the first write (the caller is known by then), so a retried
/// transaction inserts the same one.
/// </summary>
internal sealed class AuditedChange(Func<AuditEntry> entry)
{
    private static readonly AsyncLocal<AuditedChange?> Ambient = new();

    private AuditEntry? _entry;
    private volatile bool _recorded;
    private volatile bool _closed;

    /// <summary>The change of this flow of work whose entry no transaction has committed yet; null when there is none.</summary>
    public static AuditedChange? Pending => Ambient.Value is { IsPending: true } change ? change : null;

    /// <summary>True while no committed transaction holds the entry and the change's work is still going on.</summary>
    public bool IsPending => !_recorded && !_closed;

    /// <summary>The entry, built on first use.</summary>
    public AuditEntry Entry => _entry ??= entry();

    /// <summary>True once a committed transaction holds the entry.</summary>
    public bool IsRecorded => _recorded;

    public void MarkRecorded() => _recorded = true;

    /// <summary>
    /// Runs <paramref name="work"/> with no change ambient: for bookkeeping done while serving someone (a session's key
    /// checked again, its last use noted), which is no change of theirs and must not take their entry.
    /// </summary>
    public static async Task<T> OutsideAsync<T>(Func<Task<T>> work)
    {
        // Set in this async method, the value reverts for the caller when it returns.
        Ambient.Value = null;
        return await work();
    }

    /// <summary>
    /// Makes this change ambient from here to the end of the calling async method (an AsyncLocal set in a method
    /// reverts for its caller when it returns): for a change named partway through a larger activity, such as one of the
    /// changes a web UI action makes. Unlike <see cref="RunAsync"/> nothing closes it; it ends with its method.
    /// </summary>
    public void Enter() => Ambient.Value = this;

    /// <summary>
    /// Runs <paramref name="work"/> with this change ambient. Work it starts and leaves running (fire and forget) keeps the
    /// ambient value, so the change is closed when <paramref name="work"/> returns: a later write does not carry the entry.
    /// </summary>
    public async Task RunAsync(Func<Task> work)
    {
        Ambient.Value = this;
        try
        {
            await work();
        }
        finally
        {
            _closed = true;
        }
    }
}
