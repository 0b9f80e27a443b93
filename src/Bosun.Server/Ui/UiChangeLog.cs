using Bosun.Server.Orchestration.Audit;
using Bosun.Server.Orchestration.Security;
using Bosun.Server.Storage;
using Bosun.Ui.Backend;

namespace Bosun.Server.Ui;

/// <summary>
/// Audits the web UI's actions as <see cref="Api.Audit.AuditRecorder"/> audits the API's: each activity of a circuit runs
/// as an <see cref="AuditedChange"/>, so whatever it writes commits with an entry naming the signed-in key, the action
/// (the name of the API route that does the same, which the backend gives with <see cref="Describe"/>) and the page as
/// route ("UI /work-pools/proc"). An activity that writes nothing leaves no entry; a write no backend named is recorded
/// as <c>UiAction</c> rather than missed.
/// </summary>
internal sealed class UiChangeLog(AuditLog audit, ILogger<UiChangeLog> logger) : IUiChangeLog
{
    /// <summary>What the activity does, named by the backend before it writes.</summary>
    private sealed class Activity
    {
        public string? Action;
        public string? Summary;
    }

    private static readonly AsyncLocal<Activity?> Current = new();

    /// <summary>Names the change the current UI activity is about to make: the API route's name and its target, never a secret value.</summary>
    public static void Describe(string action, string summary)
    {
        if (Current.Value is { } activity)
        {
            (activity.Action, activity.Summary) = (action, summary);
        }
    }

    public async Task RunAsync(Func<UiUser?> caller, Func<string> page, Func<Task> activity)
    {
        var current = new Activity();
        Current.Value = current;
        var change = new AuditedChange(() => audit.NewEntry(Caller(caller()), current.Action ?? "UiAction", "UI " + page(), StatusCodes.Status200OK,
            current.Summary ?? ""));
        await change.RunAsync(activity);
    }

    public async Task RecordRefusalAsync(UiUser? caller, string page, string action, CancellationToken cancellationToken)
    {
        try
        {
            await AuditedChange.OutsideAsync(async () =>
            {
                await audit.RecordAsync(audit.NewEntry(Caller(caller), "UiAction", "UI " + page, StatusCodes.Status403Forbidden, $"refused: {action}"), cancellationToken);
                return 0;
            });
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // As for the API's refusals: the refusal stands whether or not it could be recorded.
            Log.AuditWriteFailed(logger, "UiAction", ex);
        }
    }

    private static BosunCaller Caller(UiUser? user) => user is null ? new BosunCaller("unknown", null) : new BosunCaller(user.Name, user.Role, KeyId: user.KeyId);
}
