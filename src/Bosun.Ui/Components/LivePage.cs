using Bosun.Ui.Backend;
using Microsoft.AspNetCore.Components;

namespace Bosun.Ui.Components;

/// <summary>
/// A page that stays current without reloading: <see cref="LoadAsync"/> runs when the page opens (while it is
/// prerendered; the live copy takes that read over instead of reading again), then about once a second on the circuit
/// (sooner at the wake-ups the page names), re-rendering after each read. Each refresh first checks that the session
/// still works (<see cref="UiAccess"/>).
/// </summary>
public abstract class LivePage : BosunPage
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

    /// <summary>What the page read, for its live copy (see <see cref="BosunPage"/>); null when there is nothing to hand over.</summary>
    private protected abstract object? Snapshot();

    /// <summary>Takes over what the prerendered copy read (a value <see cref="Snapshot"/> returned).</summary>
    private protected abstract void Restore(object snapshot);

    /// <summary>A task that completes when the page should read again before its second is up; null for none.</summary>
    private protected virtual Task? NextWake() => null;

    /// <summary>Reads again now (after an action, or when route parameters change).</summary>
    protected void RefreshSoon() => _live?.Poke();

    protected override async Task OnInitializedAsync()
    {
        Now = Clock.GetUtcNow();
        if (Prerendering)
        {
            await RefreshAsync(PageToken);
            if (Loaded && Snapshot() is { } snapshot)
            {
                HandOff(new Handed(Now, snapshot));
            }

            return;
        }

        var restored = TryTakeHandoff<Handed>(out var handed);
        if (restored)
        {
            Now = handed!.Now;
            Restore(handed.Page);
            Loaded = true;
        }

        _live = new LiveRefresh(Clock, RefreshAsync, Failed, NextWake);
        _live.Start(readFirst: !restored);
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        Now = Clock.GetUtcNow();
        try
        {
            // An open page notices a revoked key within seconds: nothing more is read, and the layout sends it to sign in.
            if (await Access.CheckAsync(fresh: false, cancellationToken) is null)
            {
                return;
            }

            await LoadAsync(cancellationToken);
        }
        catch (Exception ex) when (Prerendering && ex is not OperationCanceledException)
        {
            // Prerendered, the page shows the problem like its live copy does; the live copy reads again.
            Failed(ex);
            return;
        }

        LoadError = null;
        Loaded = true;
        StateHasChanged();
    }

    private void Failed(Exception exception)
    {
        LoadError = exception is BackendProblemException problem ? problem.Message : $"Reading from the store failed: {exception.Message}";
        StateHasChanged();
    }

    protected override async ValueTask DisposePageAsync()
    {
        if (_live is not null)
        {
            await _live.DisposeAsync();
        }
    }

    /// <summary>What the prerendered page hands to its live copy: the clock reading it rendered with, and its data.</summary>
    private sealed record Handed(DateTimeOffset Now, object Page);
}
