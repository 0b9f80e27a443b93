using System.Security.Claims;
using System.Text.RegularExpressions;
using Bosun.Client;
using Bosun.Contracts.Automations;
using Bosun.Contracts.ConcurrencyLimits;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Schedules;
using Bosun.Contracts.Security;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Server.Api.Security;
using Bosun.Server.Orchestration.Security;
using Bosun.Testing;
using Bosun.Ui;
using Bosun.Ui.Backend;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Server.Tests;

/// <summary>
/// Every change the web UI can make × every role: allowed or refused as the API's permission for the route doing the
/// same says, and audited once, as that route's name, with the signed-in key as actor and 200 or 403. Each action is
/// driven as a page's handler drives it, in one circuit activity (<see cref="IUiChangeLog.RunAsync"/>): the access
/// check (<see cref="UiAccess.RefusalAsync(UiPermission, string, string, CancellationToken)"/>, with the permission the
/// page asks for), then the backend the page calls.
/// </summary>
public sealed partial class UiAuditMatrixTests
{
    private sealed class FixedAuthentication(ClaimsPrincipal user) : AuthenticationStateProvider
    {
        public override Task<AuthenticationState> GetAuthenticationStateAsync() => Task.FromResult(new AuthenticationState(user));
    }

    /// <summary>What one role's attempt works on: made afresh for each role, by the admin, through the API.</summary>
    private sealed record World(TestServer Server, BosunClient Admin, string Pool, Deployment Deployment, Guid ScheduleId, FlowRun Scheduled, FlowRun Scheduled2,
        FlowRun Finished, FlowRun Finished2, FlowRun Suspended, string Tag, string Secret, Guid KeyId, string Automation, Guid SessionId)
    {
        public T Get<T>() where T : notnull => Server.Server.Services.GetRequiredService<T>();
    }

    /// <summary>One UI action: the API route's name, the permission the page asks (as in src/Bosun.Ui/Pages), how many changes it makes, and the backend calls.</summary>
    private sealed record UiAction(string Operation, UiPermission PagePermission, int Changes, Func<World, Task> Run, string Target);

    private static readonly Dictionary<string, UiAction> Actions = new UiAction[]
    {
        // Work pools and queues (WorkPoolPage, NewWorkPoolPage): admin.
        new("CreateWorkPool", UiPermission.Admin, 1, w => w.Get<IWorkPoolBackend>().CreatePoolAsync(new WorkPoolCreate(w.Pool + "-new", "process"), default), "name="),
        new("PauseWorkPool", UiPermission.Admin, 1, w => w.Get<IWorkPoolBackend>().SetPoolPausedAsync(w.Pool, true, default), "name="),
        new("SetWorkPoolConcurrencyLimit", UiPermission.Admin, 1, w => w.Get<IWorkPoolBackend>().SetPoolLimitAsync(w.Pool, 3, default), "name="),
        new("DeleteWorkPool", UiPermission.Admin, 1, async w =>
        {
            await w.Admin.PoolAsync(w.Pool + "-gone");
            await w.Get<IWorkPoolBackend>().DeletePoolAsync(w.Pool + "-gone", default);
        }, "name="),
        new("CreateWorkQueue", UiPermission.Admin, 1, w => w.Get<IWorkPoolBackend>().CreateQueueAsync(w.Pool, new WorkQueueCreate("second"), default), "; fields: name=\"second\""),
        new("PauseWorkQueue", UiPermission.Admin, 1, w => w.Get<IWorkPoolBackend>().SetQueuePausedAsync(w.Pool, "fast", true, default), "pool=pool-"),
        new("UpdateWorkQueue", UiPermission.Admin, 1, w => w.Get<IWorkPoolBackend>().SetQueuePriorityAsync(w.Pool, "fast", 7, default), "pool=pool-"),
        new("SetWorkQueueConcurrencyLimit", UiPermission.Admin, 1, w => w.Get<IWorkPoolBackend>().SetQueueLimitAsync(w.Pool, "fast", 2, default), "pool=pool-"),
        new("DeleteWorkQueue", UiPermission.Admin, 1, w => w.Get<IWorkPoolBackend>().DeleteQueueAsync(w.Pool, "fast", default), "pool=pool-"),
        // The template tab's job-variable policy (WorkPoolPage): the pool's update, as PATCH /work_pools/{name} with a policy.
        new("UpdateWorkPool", UiPermission.Admin, 1, async w =>
        {
            var pool = await w.Get<IAdminBackend>().SetPolicyAsync(w.Pool, new Dictionary<string, JobVariableRule> { ["working_dir"] = new(JobVariableRuleMode.Locked) }, default);
            Assert.Equal(JobVariableRuleMode.Locked, pool.JobVariablePolicy!["working_dir"].Mode);
        }, "fields: job_variable_policy{working_dir}"),
        // Deployments and their schedules (DeploymentPage, DeploymentEditPage): deploy.
        new("PauseDeployment", UiPermission.Deploy, 1, w => w.Get<IDeploymentBackend>().SetPausedAsync(w.Deployment.Id, true, default), "id="),
        new("UpdateDeployment", UiPermission.Deploy, 1, w => w.Get<IDeploymentBackend>().UpdateAsync(w.Deployment.Id,
            new DeploymentUpdate(Description: "edited", CatchUp: CatchUpPolicy.Latest), default), "fields: description, catch_up"),
        new("DeleteDeployment", UiPermission.Deploy, 1, w => w.Get<IDeploymentBackend>().DeleteAsync(w.Deployment.Id, default), "id="),
        new("AddSchedule", UiPermission.Deploy, 1, w => w.Get<IDeploymentBackend>().AddScheduleAsync(w.Deployment.Id, new ScheduleSpec(Cron: "0 9 * * *"), default), "fields: cron"),
        new("UpdateSchedule", UiPermission.Deploy, 1, w => w.Get<IDeploymentBackend>().SetScheduleActiveAsync(w.Deployment.Id, w.ScheduleId, false, default), "scheduleId="),
        new("DeleteSchedule", UiPermission.Deploy, 1, w => w.Get<IDeploymentBackend>().DeleteScheduleAsync(w.Deployment.Id, w.ScheduleId, default), "scheduleId="),
        // Runs (DeploymentRunPage, FlowRunPage, FlowRunsPage): deploy.
        new("CreateFlowRun", UiPermission.Deploy, 1, w => w.Get<IFlowRunBackend>().CreateAsync(w.Deployment.Id, new FlowRunCreate(), default), "id="),
        new("CancelFlowRun", UiPermission.Deploy, 1, w => w.Get<IFlowRunBackend>().SetStateAsync(w.Scheduled.Id, new StateProposal(StateType.Cancelling), default), "state=CANCELLING"),
        new("SetFlowRunState", UiPermission.Deploy, 1, w => w.Get<IFlowRunBackend>().SetStateAsync(w.Finished.Id, new StateProposal(StateType.Scheduled), default), "state=SCHEDULED"),
        new("DeleteFlowRun", UiPermission.Deploy, 1, w => w.Get<IFlowRunBackend>().DeleteAsync(w.Finished.Id, default), "id="),
        // The run page's resume of a suspended run: scheduled again ("Resuming"), for a worker to start it afresh.
        new("ResumeFlowRun", UiPermission.Deploy, 1, async w =>
        {
            var resumed = await w.Get<IFlowRunBackend>().ResumeAsync(w.Suspended.Id, new FlowRunResume(), default);
            Assert.Equal(StateType.Scheduled, resumed.State.Type);
        }, "id="),
        // The runs list's bulk cancel: one change, and one entry, per run, as two API requests would be.
        new("CancelFlowRun", UiPermission.Deploy, 2, async w =>
        {
            await w.Get<IFlowRunBackend>().CancelAsync(w.Scheduled.Id, default);
            await w.Get<IFlowRunBackend>().CancelAsync(w.Scheduled2.Id, default);
        }, "id="),
        // The runs list's bulk retry: each finished run back to SCHEDULED, one entry per run.
        new("SetFlowRunState", UiPermission.Deploy, 2, async w =>
        {
            foreach (var run in new[] { w.Finished, w.Finished2 })
            {
                var result = await w.Get<IFlowRunBackend>().SetStateAsync(run.Id, new StateProposal(StateType.Scheduled, Message: "retry requested from the web UI"), default);
                Assert.Equal((SetStateStatus.Accept, StateType.Scheduled), (result.Status, result.State.Type));
            }
        }, "state=SCHEDULED"),
        // Automations (AutomationFormPage, AutomationPage): admin.
        new("CreateAutomation", UiPermission.Admin, 1, w => w.Get<IAutomationBackend>().CreateAsync(NewAutomation(w.Automation + "-new"), default), "fields: name="),
        new("UpdateAutomation", UiPermission.Admin, 1, w => w.Get<IAutomationBackend>().UpdateAsync(w.Automation, new AutomationUpdate(Description: "edited"), default), "description"),
        new("PauseAutomation", UiPermission.Admin, 1, w => w.Get<IAutomationBackend>().SetEnabledAsync(w.Automation, false, default), "name="),
        // Keys, secrets and tag limits (admin pages, ConcurrencyLimitsPage): admin.
        new("CreateApiKey", UiPermission.Admin, 1, w => w.Get<IAdminBackend>().CreateKeyAsync(new ApiKeyCreate(w.Pool + "-key", ApiKeyRole.Viewer), default), "role=\"viewer\""),
        new("RevokeApiKey", UiPermission.Admin, 1, w => w.Get<IAdminBackend>().RevokeKeyAsync(w.KeyId, default), "id="),
        new("RevokeUiSession", UiPermission.Admin, 1, async w =>
        {
            await w.Get<IAdminBackend>().RevokeSessionAsync(w.SessionId, default);
            Assert.Null(await w.Get<IAccessBackend>().FindWorkingSessionAsync(w.SessionId, default));
        }, "sessionId="),
        new("SetSecret", UiPermission.Admin, 1, w => w.Get<IAdminBackend>().SetSecretAsync(w.Secret, SecretValue, default), "fields: value"),
        new("DeleteSecret", UiPermission.Admin, 1, w => w.Get<IAdminBackend>().DeleteSecretAsync(w.Secret, default), "name="),
        new("CreateConcurrencyLimit", UiPermission.Admin, 1, w => w.Get<IAdminBackend>().SetTagLimitAsync(new ConcurrencyLimitCreate(w.Tag, 4), default), "tag="),
        new("DeleteConcurrencyLimit", UiPermission.Admin, 1, w => w.Get<IAdminBackend>().DeleteTagLimitAsync(w.Tag, default), "tag="),
    }.Select((action, index) => (action, index)).ToDictionary(pair => pair.action.Changes > 1 ? "Bulk" + pair.action.Operation : pair.action.Operation, pair => pair.action);

    private const string SecretValue = "matrix-secret-value-7f3a";

    public static TheoryData<string, ApiKeyRole> Rows()
    {
        var rows = new TheoryData<string, ApiKeyRole>();
        foreach (var action in Actions.Keys)
        {
            foreach (var role in Enum.GetValues<ApiKeyRole>())
            {
                rows.Add(action, role);
            }
        }

        return rows;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task UiAction_AllowedAsTheApiRouteAllows_AuditedOnceAsTheRoute(string name, ApiKeyRole role)
    {
        var action = Actions[name];
        await using var server = await TestServer.StartAsync();
        var security = server.Server.Services.GetRequiredService<SecurityService>();
        using var admin = server.NewClient((await security.CreateKeyAsync(new ApiKeyCreate("root", ApiKeyRole.Admin), default)).Key);
        var world = await WorldAsync(server, admin, role.ToString().ToLowerInvariant());
        var userName = "ui-" + role.ToString().ToLowerInvariant();
        var (access, keyId) = await SignedInAsync(server, userName, role);
        var allowedByApi = ApiAllows(server, action.Operation, role);

        string? refusal = null;
        await server.Server.Services.GetRequiredService<IUiChangeLog>().RunAsync(() => access.Caller, () => UiActionScope.PageOf(null), async () =>
        {
            refusal = await access.RefusalAsync(action.PagePermission, "do " + name, action.Operation, default);
            if (refusal is null)
            {
                await action.Run(world);
            }
        });

        Assert.Equal(allowedByApi, refusal is null);
        // The sign-in is audited too (SignIn); the rest are the action's.
        var all = (await admin.ListAuditEntriesAsync(TimeSpan.FromHours(1), userName)).Items;
        Assert.Single(all, entry => entry.Action == "SignIn");
        var entries = all.Where(entry => entry.Action != "SignIn").ToList();
        Assert.Equal(allowedByApi ? action.Changes : 1, entries.Count);
        Assert.All(entries, entry =>
        {
            // A refusal too carries the route's name, never the generic UiAction: the API's 403 for the route would say the same.
            Assert.NotEqual("UiAction", entry.Action);
            Assert.Equal((action.Operation, keyId, allowedByApi ? 200 : 403, "UI /"), (entry.Action, entry.KeyId, entry.Status, entry.Route));
            Assert.Contains(allowedByApi ? action.Target : "refused: do " + name, entry.Summary, StringComparison.Ordinal);
            Assert.DoesNotContain(SecretValue, entry.Summary, StringComparison.Ordinal);
        });
    }

    /// <summary>
    /// The matrix drives the refusal with the row's name; this holds the pages to the same names. Every name a UI backend
    /// records a change under is one some page's access check also refuses under (the operations in the calls to
    /// <see cref="UiAccess.RefusalAsync(UiPermission, string, string, CancellationToken)"/> and the pages' helpers that
    /// pass one on), every name a page gives is an API route's, and every row of the matrix is one a page gives.
    /// </summary>
    [Fact]
    public async Task UiPages_RefuseUnderTheNamesTheirActionsAreAuditedUnder()
    {
        await using var server = await TestServer.StartAsync();
        var routes = server.Server.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .Select(e => e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var refusedAs = Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "src", "Bosun.Ui", "Pages"), "*.razor", SearchOption.AllDirectories)
            .SelectMany(File.ReadLines)
            .Where(line => OperationCall().IsMatch(line))
            .SelectMany(line => OperationName().Matches(line).Select(match => match.Groups[1].Value))
            .ToHashSet(StringComparer.Ordinal);
        var auditedAs = Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "src", "Bosun.Server", "Ui"), "*Backend.cs")
            .SelectMany(file => OperationName().Matches(File.ReadAllText(file)).Select(match => match.Groups[1].Value))
            .ToHashSet(StringComparer.Ordinal);
        // A session's own events (AccessBackend): no page refuses them and no API route makes them.
        auditedAs.ExceptWith(["SignIn", "SignOut"]);

        Assert.NotEmpty(auditedAs);
        Assert.Empty(auditedAs.Except(refusedAs).Order(StringComparer.Ordinal));
        Assert.Empty(refusedAs.Except(routes).Order(StringComparer.Ordinal));
        Assert.Empty(Actions.Values.Select(action => action.Operation).Except(refusedAs).Order(StringComparer.Ordinal));
    }

    /// <summary>A line of a page that names the operation of an access check: the check itself, or a helper of the page that passes one to it.</summary>
    [GeneratedRegex(@"RefusalAsync\(|ActAsync\(|ProposeAsync\(|BulkAsync\(|string Operation =>")]
    private static partial Regex OperationCall();

    /// <summary>An API route's name as a string literal: two or more capitalised words ("PauseDeployment"; not "Cancelled").</summary>
    [GeneratedRegex(@"""([A-Z][a-z]+(?:[A-Z][a-z]*)+)""")]
    private static partial Regex OperationName();

    /// <summary>
    /// What the API's route of that name lets the role do (its <see cref="Requires"/>). The run reporting a worker key
    /// may do on a run (SetFlowRunState) is a run's progress, not a change a person makes (the API's audit skips it too):
    /// the UI has no such action, so it does not count.
    /// </summary>
    private static bool ApiAllows(TestServer server, string operation, ApiKeyRole role)
    {
        var endpoint = server.Server.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .Single(e => e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName == operation);
        var requires = endpoint.Metadata.GetMetadata<Requires>() ?? new Requires(Permission.Admin);
        var caller = new BosunCaller("someone", role);
        return requires.AnyOf.Any(permission => permission != Permission.RunReport && caller.Has(permission));
    }

    private static AutomationCreate NewAutomation(string name) =>
        new(name, new AutomationTrigger(AutomationTriggerKind.RunState, [StateType.Failed]), [new AutomationAction(AutomationActionKind.Webhook, "http://127.0.0.1:9/hook")]);

    private static async Task<World> WorldAsync(TestServer server, BosunClient admin, string suffix)
    {
        var pool = "pool-" + suffix;
        await admin.PoolAsync(pool);
        await admin.CreateWorkQueueAsync(pool, new WorkQueueCreate("fast"));
        var deployment = await admin.DeploymentAsync(pool, name: "dep-" + suffix);
        var later = TimeProvider.System.GetUtcNow().AddDays(30);
        // Anchored a month ahead: anchored now, its first run was due at once, and when the scheduler had created it
        // before a claim below, the claim took that run instead of the one the test had just created (seen in CI).
        var schedule = await admin.AddScheduleAsync(deployment.Id, new ScheduleSpec(IntervalSeconds: 3600, Anchor: later));
        var finished = await admin.RunAsync(deployment);
        Assert.Equal(finished.Id, Assert.Single((await admin.ClaimAsync(pool, max: 1)).Runs).FlowRun.Id);
        await admin.CompleteAsync(finished.Id);
        var finished2 = await admin.RunAsync(deployment);
        Assert.Equal(finished2.Id, Assert.Single((await admin.ClaimAsync(pool, max: 1)).Runs).FlowRun.Id);
        await admin.CompleteAsync(finished2.Id);
        var suspended = await admin.RunAsync(deployment);
        Assert.Equal(suspended.Id, Assert.Single((await admin.ClaimAsync(pool, max: 1)).Runs).FlowRun.Id);
        await admin.SetFlowRunStateAsync(suspended.Id, new StateProposal(StateType.Running));
        var suspension = await admin.PauseFlowRunAsync(suspended.Id, new FlowRunPause(TimeoutSeconds: 3600) { Suspend = true });
        Assert.Equal((SetStateStatus.Accept, StateType.Paused, StateNames.Suspended), (suspension.Status, suspension.State.Type, suspension.State.Name));
        var scheduled = await admin.RunAsync(deployment, at: later);
        var scheduled2 = await admin.RunAsync(deployment, at: later);
        var tag = "tag-" + suffix;
        await admin.CreateConcurrencyLimitAsync(new ConcurrencyLimitCreate(tag, 2));
        var secret = "secret-" + suffix;
        await admin.SetSecretAsync(secret, "old-value");
        var key = await admin.CreateApiKeyAsync(new ApiKeyCreate("spare-" + suffix, ApiKeyRole.Viewer));
        // The spare key signed in to the UI: the session an admin may revoke.
        var spare = await server.Server.Services.GetRequiredService<IAccessBackend>().AuthenticateKeyAsync(key.Key, default);
        var session = await server.Server.Services.GetRequiredService<IAccessBackend>().StartSessionAsync(spare!, default);
        var automation = "auto-" + suffix;
        await admin.CreateAutomationAsync(NewAutomation(automation));
        return new World(server, admin, pool, deployment, schedule.Id, scheduled, scheduled2, finished, finished2, suspended, tag, secret, key.ApiKey.Id, automation, session);
    }

    private static async Task<(UiAccess Access, Guid KeyId)> SignedInAsync(TestServer server, string name, ApiKeyRole role)
    {
        var created = await server.Server.Services.GetRequiredService<SecurityService>().CreateKeyAsync(new ApiKeyCreate(name, role), default);
        var backend = server.Server.Services.GetRequiredService<IAccessBackend>();
        var user = await backend.AuthenticateKeyAsync(created.Key, default);
        Assert.NotNull(user);
        var sessionId = await backend.StartSessionAsync(user, default);
        return (new UiAccess(new FixedAuthentication(UiSessions.Principal(sessionId, created.ApiKey.Id, user)), backend, TimeProvider.System,
            server.Server.Services.GetRequiredService<IUiChangeLog>()), created.ApiKey.Id);
    }
}
