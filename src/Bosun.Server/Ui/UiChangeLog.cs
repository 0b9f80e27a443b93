using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Bosun.Contracts;
using Bosun.Server.Orchestration.Audit;
using Bosun.Server.Orchestration.Security;
using Bosun.Server.Storage;
using Bosun.Ui.Backend;

namespace Bosun.Server.Ui;

/// <summary>
/// Audits the web UI's actions as <see cref="Api.Audit.AuditRecorder"/> audits the API's: each activity of a circuit runs
/// as an <see cref="AuditedChange"/>, so whatever it writes commits with an entry naming the signed-in key, the action
/// and the page as route ("UI /work-pools/proc"). Each change a backend names with <see cref="Describe"/> (the name of
/// the API route that does the same, and its target) gets an entry of its own, as one API request each would: a bulk
/// cancel of three runs is three entries. A change that writes nothing leaves no entry; a write no backend named is
/// recorded as <c>UiAction</c> rather than missed. A refusal is recorded, with status 403, under the route's name the page gives.
/// </summary>
internal sealed class UiChangeLog(AuditLog audit, ILogger<UiChangeLog> logger, EndpointDataSource endpoints) : IUiChangeLog
{
    private HashSet<string>? _operations;

    /// <summary>The circuit activity being run: who does it, on which page.</summary>
    private sealed record Activity(UiChangeLog Log, Func<UiUser?> Caller, Func<string> Page);

    private static readonly AsyncLocal<Activity?> Current = new();

    /// <summary>
    /// Names the change the current UI activity is about to make: the API route's name and its target, never a secret
    /// value. What the calling async method (the backend's call) writes from here on commits with an entry of its own.
    /// </summary>
    public static void Describe(string action, string summary)
    {
        if (Current.Value is { } activity)
        {
            activity.Log.CheckOperation(action);
            // Set here, the change is ambient for the rest of the backend's call (an async method), not for the page after it.
            new AuditedChange(() => activity.Log.Entry(activity.Caller(), action, activity.Page(), StatusCodes.Status200OK, summary)).Enter();
        }
    }

    /// <summary>
    /// The summary the API's audit gives the same request: <paramref name="target"/> (the route's values, e.g. "id=...")
    /// and the fields of <paramref name="body"/> as <see cref="Api.Audit.AuditRecorder"/> names them (names, an object's
    /// keys, never a secret's or job variable's value).
    /// </summary>
    public static string Summary<T>(string target, T body)
    {
        var summary = new StringBuilder(target);
        Api.Audit.AuditRecorder.AppendFields(summary, JsonSerializer.SerializeToElement(body, (JsonTypeInfo<T>)BosunJsonContext.Default.GetTypeInfo(typeof(T))!));
        return summary.ToString();
    }

    public async Task RunAsync(Func<UiUser?> caller, Func<string> page, Func<Task> activity)
    {
        var current = new Activity(this, caller, page);
        Current.Value = current;
        var change = new AuditedChange(() => Entry(caller(), "UiAction", page(), StatusCodes.Status200OK, ""));
        await change.RunAsync(activity);
    }

    public void CheckOperation(string operation)
    {
        // The routes are all mapped before the first circuit or request; read once, then kept.
        var operations = _operations ?? endpoints.Endpoints.Select(endpoint => endpoint.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName)
            .OfType<string>().ToHashSet(StringComparer.Ordinal);
        if (operations.Count > 0)
        {
            _operations = operations;
        }

        if (!operations.Contains(operation))
        {
            throw new InvalidOperationException(
                $"The web UI names a change '{operation}', but no API route is called that: a page's access check and its backend must give the name of the API route that makes the same change (e.g. PauseDeployment), which the audit log records.");
        }
    }

    public async Task RecordRefusalAsync(UiUser? caller, string page, string action, string operation, CancellationToken cancellationToken)
    {
        try
        {
            await AuditedChange.OutsideAsync(async () =>
            {
                await audit.RecordAsync(Entry(caller, operation, page, StatusCodes.Status403Forbidden, $"refused: {action}"), cancellationToken);
                return 0;
            });
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // As for the API's refusals: the refusal stands whether or not it could be recorded.
            Log.AuditWriteFailed(logger, operation, ex);
        }
    }

    private Contracts.Audit.AuditEntry Entry(UiUser? caller, string action, string page, int status, string summary) =>
        audit.NewEntry(Caller(caller), action, "UI " + page, status, summary);

    private static BosunCaller Caller(UiUser? user) => user is null ? new BosunCaller("unknown", null) : new BosunCaller(user.Name, user.Role, KeyId: user.KeyId);
}
