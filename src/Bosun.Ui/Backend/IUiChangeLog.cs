namespace Bosun.Ui.Backend;

/// <summary>
/// The audit log's side of the web UI: every action a person does in the UI is recorded like the API's changes, with
/// the signed-in key as the actor. The UI runs each of its inbound activities (a click, a form submitted) through
/// <see cref="RunAsync"/>; the host records an entry in the transaction of the first change the activity writes.
/// </summary>
public interface IUiChangeLog
{
    /// <summary>
    /// Runs one activity of a circuit. <paramref name="caller"/> and <paramref name="page"/> are asked when the activity
    /// first writes to the store (the action has re-checked the key by then).
    /// </summary>
    Task RunAsync(Func<UiUser?> caller, Func<string> page, Func<Task> activity);

    /// <summary>
    /// Throws <see cref="InvalidOperationException"/> unless <paramref name="operation"/> is the name of an API route: the
    /// name a page's access check or a backend's change gives must be one the API's audit would record for the same
    /// change. Checked on every use, so a misspelt name fails the first test (or click) that reaches it.
    /// </summary>
    void CheckOperation(string operation);

    /// <summary>
    /// Records that <paramref name="caller"/> was refused <paramref name="action"/> (as the API records a 403): as
    /// <paramref name="operation"/>, the name of the API route that does the same, the name the action is recorded under when done.
    /// </summary>
    Task RecordRefusalAsync(UiUser? caller, string page, string action, string operation, CancellationToken cancellationToken);
}
