using Bosun.Server.Domain;
using Bosun.Server.Orchestration;
using Microsoft.AspNetCore.Components;

namespace Bosun.Server.Ui.Components;

/// <summary>
/// A page that stays current without reloading: <see cref="LoadAsync"/> runs when the page opens, then about once a
/// second (sooner on the server's change signals the page names), on the circuit, re-rendering after each read. Each
/// refresh first checks that the session still works (<see cref="UiAccess"/>).
/// </summary>
public abstract class LivePage : ComponentBase, IAsyncDisposable
{
    private LiveRefresh? _live;

    [Inject]
    private TimeProvider Clock { get; set; } = default!;

    /// <summary>Who is signed in, and what they may do: pages show controls only when <see cref="UiAccess.Can"/> allows them.</summary>
    [Inject]
    private protected UiAccess Access { get; set; } = default!;

    /// <summary>The clock reading of the last refresh: "12 seconds ago" is computed against it.</summary>
    protected DateTimeOffset Now { get; private set; }

    /// <summary>Why the last refresh failed, or null.</summary>
    protected string? LoadError { get; private set; }

    /// <summary>True once a refresh has succeeded.</summary>
    protected bool Loaded { get; private set; }

    /// <summary>Reads what the page shows.</summary>
    protected abstract Task LoadAsync(CancellationToken cancellationToken);

    /// <summary>Signals that make the page read again before its second is up.</summary>
    private protected virtual ChangeSignal[] WakeUps => [];

    /// <summary>Reads again now (after an action, or when route parameters change).</summary>
    protected void RefreshSoon() => _live?.Poke();

    protected override void OnInitialized()
    {
        Now = Clock.GetUtcNow();
        _live = new LiveRefresh(Clock, RefreshAsync, Failed, WakeUps);
        _live.Start();
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        Now = Clock.GetUtcNow();
        // An open page notices a revoked key within seconds: nothing more is read, and the layout sends it to sign in.
        if (await Access.CheckAsync(cancellationToken: cancellationToken) is null)
        {
            return;
        }

        await LoadAsync(cancellationToken);
        LoadError = null;
        Loaded = true;
        StateHasChanged();
    }

    private void Failed(Exception exception)
    {
        LoadError = exception is DomainException problem ? problem.Message : $"Reading from the store failed: {exception.Message}";
        StateHasChanged();
    }

    public async ValueTask DisposeAsync()
    {
        if (_live is not null)
        {
            await _live.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}
