namespace Bosun.Ui.Backend;

/// <summary>One watcher of one run (see <see cref="IFlowRunBackend.Watch"/>); dispose it to stop watching.</summary>
public interface IRunWatch : IDisposable
{
    /// <summary>A task that completes when a change is waiting to be taken (at once if one already is).</summary>
    Task NextAsync();

    /// <summary>The changes since the last call, cleared.</summary>
    RunChanges Take();
}
