using Microsoft.AspNetCore.Components;
using Bosun.Ui.Backend;
using Microsoft.AspNetCore.Components.Server.Circuits;

namespace Bosun.Ui;

/// <summary>
/// Makes every inbound activity of a circuit (an event handler run for a click or a form, a navigation) one audited UI
/// action (<see cref="IUiChangeLog"/>): what it writes to the store is recorded with the signed-in key as actor and the
/// page as route. Registered per circuit, so it sees the same <see cref="UiAccess"/> as the circuit's pages.
/// </summary>
internal sealed class UiActionScope(UiAccess access, NavigationManager navigation, IServiceProvider services) : CircuitHandler
{
    private readonly IUiChangeLog? _changes = services.GetService<IUiChangeLog>();

    public override Func<CircuitInboundActivityContext, Task> CreateInboundActivityHandler(Func<CircuitInboundActivityContext, Task> next) =>
        _changes is null ? next : context => _changes.RunAsync(() => access.Caller, () => PageOf(navigation), () => next(context));

    /// <summary>The page's path, e.g. /work-pools/proc/template (before the circuit knows its address: "/").</summary>
    public static string PageOf(NavigationManager? navigation)
    {
        if (navigation is null)
        {
            return "/";
        }

        try
        {
            return "/" + navigation.ToBaseRelativePath(navigation.Uri).Split('?', '#')[0];
        }
        catch (InvalidOperationException)
        {
            return "/";
        }
    }
}
