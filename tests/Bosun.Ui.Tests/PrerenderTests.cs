using System.Net;
using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.Automations;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.Security;
using Bosun.Contracts.States;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;

namespace Bosun.Ui.Tests;

/// <summary>
/// Every page is prerendered: a plain HTTP GET (no browser, no script, no circuit) gets the page with its content in
/// the HTML, as a slow link, a screen reader on first load, curl or a search tool sees it. Its controls are disabled
/// until the circuit makes them work.
/// </summary>
public sealed class PrerenderTests
{
    [Fact]
    public async Task PlainGet_EveryPageWithAuthOff_HtmlHoldsPoolsRunsStatesAndLogs()
    {
        await using var server = await TestServer.StartAsync();
        var seeded = await SeedAsync(server.Client);
        using var http = UiGateTests.NewHttp(server);

        await AssertPagesAsync(http, cookie: null, seeded);
    }

    [Fact]
    public async Task PlainGet_EveryPageSignedIn_HtmlHoldsPoolsRunsStatesAndLogs()
    {
        await using var server = await TestServer.StartAsync();
        var admin = await server.Client.CreateApiKeyAsync(new ApiKeyCreate("admin", ApiKeyRole.Admin));
        using var asAdmin = server.NewClient(admin.Key);
        var seeded = await SeedAsync(asAdmin);
        using var http = UiGateTests.NewHttp(server);

        using (var anonymous = await http.GetAsync($"/flow-runs/{seeded.Finished.Id}"))
        {
            Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        }

        var (antiforgery, token) = await UiGateTests.SignInFormAsync(http);
        using var signIn = await UiGateTests.PostSignInAsync(http, antiforgery, token, admin.Key);
        var session = signIn.Headers.GetValues("Set-Cookie").Single(value => value.StartsWith(UiSession.SessionCookie + "=", StringComparison.Ordinal)).Split(';')[0];

        await AssertPagesAsync(http, session, seeded);
    }

    private static async Task AssertPagesAsync(HttpClient http, string? cookie, Seeded seeded)
    {
        var finished = seeded.Finished;
        var waiting = seeded.Waiting;
        var pages = new (string Path, string[] Content)[]
        {
            // Text is HTML-encoded as Razor writes it: quotes in JSON blocks are &quot;, apostrophes &#x27;.
            ("/", ["<h1>Dashboard</h1>", "data-state-count=\"COMPLETED\"", "data-chart=\"runs-by-state\"", "data-pool=\"prerender-pool\"", "Not ready"]),
            ("/work-pools", ["data-pool=\"prerender-pool\"", "Not ready", "process"]),
            ("/work-pools/prerender-pool", ["<h1>prerender-pool</h1>", "data-chart=\"slot-use\"", "data-queue=\"default\"", "data-queue=\"prerender-queue\""]),
            ("/work-pools/prerender-pool/upcoming?hours=6", ["data-preview-queue=\"default\"", "data-preview-queue=\"prerender-queue\"", $"data-preview-run=\"{waiting.Name}\"", "In the next 6 hours"]),
            ("/deployments?pool=prerender-pool&status=NOT_READY", ["data-deployment=\"prerender-flow/prerender-deployment\"", "1 deployment matches"]),
            ("/automations?q=prerender&status=active", ["data-automation=\"prerender-rule\"", "1 of 1 automation shown"]),
            ("/work-pools/prerender-pool/runs", [$"data-run=\"{finished.Name}\"", $"data-run=\"{waiting.Name}\"", "data-state=\"COMPLETED\"", "data-state=\"SCHEDULED\""]),
            ("/work-pools/prerender-pool/template", ["<h2>Job configuration</h2>", "&quot;command&quot;: &quot;{{ command }}&quot;",
                "data-policy=\"working_dir\"", "data-mode=\"constrained\"", "id=\"policy-text\""]),
            ("/deployments", ["data-deployment=\"prerender-flow/prerender-deployment\"", "prerender-pool"]),
            ($"/deployments/{seeded.Deployment.Id}", ["prerender-flow/prerender-deployment", "data-variable=\"greeting\"", $"data-run=\"{finished.Name}\"", "<dt>Catch-up</dt><dd>ALL</dd>", "<dt>Skipped slots</dt><dd>0</dd>",
                $"data-duration-run=\"{finished.Name}\""]),
            ($"/deployments/{seeded.Deployment.Id}/edit", ["Edit prerender-flow/prerender-deployment", "id=\"param-greeting\"", "id=\"edit-catch-up\"", "Save changes"]),
            ($"/deployments/{seeded.Deployment.Id}/run", ["Run prerender-flow/prerender-deployment", "id=\"param-greeting\"", "Rendered job configuration", "&quot;stream_output&quot;: true"]),
            ("/flow-runs", [$"data-run=\"{finished.Name}\"", $"data-run=\"{waiting.Name}\"", "data-state=\"COMPLETED\"", "2 runs"]),
            ($"/flow-runs/{finished.Id}", [$"<h1>{finished.Name}</h1>", "data-state=\"COMPLETED\"", "a prerendered log line", "data-log-id=", "class=\"timeline\"", "id=\"tasks-heading\"",
                "data-result-serializer>json<", "&quot;prerendered&quot;: &quot;result&quot;"]),
            ($"/flow-runs/{waiting.Id}", [$"<h1>{waiting.Name}</h1>", "data-state=\"SCHEDULED\"", "data-waiting-reason", "no worker online for pool &#x27;prerender-pool&#x27;"]),
            ("/automations/new", ["<h1>Create an automation</h1>", "id=\"automation-action-0\"", "Add an action"]),
            ("/automations/prerender-rule/edit", ["<h1>Edit prerender-rule</h1>", "value=\"prerender-rule\"", "value=\"https://hooks.example.com/prerender\"",
                "id=\"automation-action-1\"", "Remove action 2", "Save changes"]),
            ("/work-pools/new", ["<h1>Create a work pool</h1>", "id=\"pool-template\"", "job_configuration"]),
            ("/workers", ["<h1>Workers</h1>"]),
            ("/concurrency-limits", ["<h1>Concurrency limits</h1>", "Create or change a limit"]),
            ("/admin/audit", ["<h1>Audit log</h1>", "data-action=\"CreateWorkPool\""]),
            ("/admin/api-keys", ["<h1>API keys</h1>", "Create a key"]),
            ("/admin/secrets", ["<h1>Secrets</h1>", "Set a secret"]),
        };

        foreach (var (path, content) in pages)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (cookie is not null)
            {
                request.Headers.Add("Cookie", cookie);
            }

            using var response = await http.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} answered {(int)response.StatusCode}");
            var html = await response.Content.ReadAsStringAsync();
            foreach (var expected in content)
            {
                Assert.True(html.Contains(expected, StringComparison.Ordinal), $"{path}: the prerendered HTML lacks {expected}");
            }

            // Content, not a placeholder; controls disabled until the circuit is up; the circuit takes the page over.
            Assert.DoesNotContain("aria-busy=\"true\"", html, StringComparison.Ordinal);
            Assert.Contains("<fieldset class=\"page\" role=\"none\" disabled>", html, StringComparison.Ordinal);
            Assert.Contains("<!--Blazor:", html, StringComparison.Ordinal);
        }
    }

    private static async Task<Seeded> SeedAsync(BosunClient client)
    {
        await client.CreateWorkPoolAsync(new WorkPoolCreate("prerender-pool", "process"));
        await client.CreateWorkQueueAsync("prerender-pool", new WorkQueueCreate("prerender-queue"));
        var schema = JsonNode.Parse("""{"type": "object", "properties": {"greeting": {"type": "string"}}}""")!.AsObject();
        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("prerender-flow", "prerender-deployment", "echo hi",
            ParameterSchema: schema, WorkPoolName: "prerender-pool"));
        // No claim: a claim would make its worker count as online, and the pool Ready.
        var finished = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(Name: "prerender-finished"));
        await client.SetFlowRunStateAsync(finished.Id, new StateProposal(StateType.Running));
        await client.WriteLogsAsync([new LogCreate(finished.Id, TimeProvider.System.GetUtcNow(), RunLogLevel.Info, "a prerendered log line")]);
        await client.SetFlowRunResultAsync(finished.Id, new Contracts.Results.ResultWrite(JsonNode.Parse("""{"prerendered": "result"}""")));
        await client.SetFlowRunStateAsync(finished.Id, new StateProposal(StateType.Completed));
        var waiting = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(Name: "prerender-waiting"));
        await client.CreateAutomationAsync(new AutomationCreate("prerender-rule", new AutomationTrigger(AutomationTriggerKind.RunState, Deployment: "prerender-flow/prerender-deployment"),
            [new AutomationAction(AutomationActionKind.Webhook, "https://hooks.example.com/prerender"), new AutomationAction(AutomationActionKind.PauseDeployment)]));
        return new Seeded(deployment, finished, waiting);
    }

    private sealed record Seeded(Deployment Deployment, FlowRun Finished, FlowRun Waiting);
}
