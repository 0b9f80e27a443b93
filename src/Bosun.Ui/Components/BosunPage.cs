using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace Bosun.Ui.Components;

/// <summary>
/// A page of the UI. It is prerendered (its content is in the first HTML answer, before the live connection) and then
/// rendered again on the circuit; what it read while prerendered it hands to its live copy (<see cref="HandOff"/>,
/// <see cref="TryTakeHandoff{T}"/>), so it reads once. <see cref="PageToken"/> ends when the page goes away (the
/// request, or the circuit's component), so reads and actions stop with it.
/// </summary>
public abstract class BosunPage : ComponentBase, IAsyncDisposable
{
    private readonly CancellationTokenSource _lifetime = new();
    private PersistingComponentStateSubscription? _persisting;

    [Inject]
    private PersistentComponentState PersistentState { get; set; } = default!;

    [Inject]
    private PrerenderHandoff Handoffs { get; set; } = default!;

    /// <summary>Cancelled when the page is disposed: pass it to every read and action.</summary>
    protected CancellationToken PageToken => _lifetime.Token;

    /// <summary>True while the page is rendered into the first HTML answer, before it is interactive.</summary>
    protected bool Prerendering => !RendererInfo.IsInteractive;

    private string HandoffKey => "bosun-handoff:" + GetType().FullName;

    /// <summary>While prerendering: keeps <paramref name="data"/> for the live copy of this page.</summary>
    private protected void HandOff(object data)
    {
        var token = Handoffs.Put(data);
        _persisting = PersistentState.RegisterOnPersisting(() =>
        {
            PersistentState.PersistAsJson(HandoffKey, token);
            return Task.CompletedTask;
        }, RenderMode.InteractiveServer);
    }

    /// <summary>On the circuit: what the prerendered copy of this page read, if it is still there.</summary>
    private protected bool TryTakeHandoff<T>(out T? data)
        where T : class
    {
        data = null;
        return PersistentState.TryTakeFromJson<string>(HandoffKey, out var token) && token is not null && Handoffs.TryTake(token, out data);
    }

    public async ValueTask DisposeAsync()
    {
        await _lifetime.CancelAsync();
        _persisting?.Dispose();
        await DisposePageAsync();
        _lifetime.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>What a page must stop or release when it goes away.</summary>
    protected virtual ValueTask DisposePageAsync() => ValueTask.CompletedTask;
}
