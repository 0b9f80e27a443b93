using System.Net;
using System.Text.Json.Nodes;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Security;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;

namespace Bosun.Server.Tests;

/// <summary>
/// A work pool's job-variable policy through the real server and client: the defaults of new pools, the refusal (422
/// naming the variable and its rule) when a deployment or run asks for what it forbids, what preview-job says, and an
/// admin's per-deployment override. The worker's side is in Bosun.Worker.Tests and Bosun.Docker.Tests.
/// </summary>
public sealed class JobVariablePolicyTests
{
    private static DeploymentUpsert Upsert(string pool, JsonObject? jobVariables, string name = "dep") =>
        new("flow", name, Entrypoint: "test", WorkPoolName: pool, JobVariables: jobVariables);

    private static Task<WorkPool> PoolAsync(TestServer server, string name, string type, Dictionary<string, JobVariableRule>? policy) =>
        server.Client.CreateWorkPoolAsync(new WorkPoolCreate(name, type) { JobVariablePolicy = policy });

    [Fact]
    public async Task CreatePool_NoPolicyGiven_DockerLocksPrivilegedAndNetworkModeAllowsNoVolumes_ProcessConstrainsWorkingDir()
    {
        await using var server = await TestServer.StartAsync();

        var docker = await PoolAsync(server, "d", WorkPoolTypes.Docker, null);
        var process = await PoolAsync(server, "p", WorkPoolTypes.Process, null);
        var kubernetes = await PoolAsync(server, "k", WorkPoolTypes.Kubernetes, null);

        Assert.Equal(["network_mode", "privileged", "volumes"], docker.JobVariablePolicy!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(JobVariableRuleMode.Locked, docker.JobVariablePolicy["privileged"].Mode);
        Assert.Equal(JobVariableRuleMode.Locked, docker.JobVariablePolicy["network_mode"].Mode);
        Assert.Equal(JobVariableRuleMode.Constrained, docker.JobVariablePolicy["volumes"].Mode);
        Assert.Empty(docker.JobVariablePolicy["volumes"].Allowed!);
        Assert.Equal(JobVariableRuleMode.Constrained, Assert.Single(process.JobVariablePolicy!, rule => rule.Key == "working_dir").Value.Mode);
        Assert.Empty(kubernetes.JobVariablePolicy!);
        Assert.Equal(docker.JobVariablePolicy.Keys.Order(), (await server.Client.GetWorkPoolAsync("d")).JobVariablePolicy!.Keys.Order());
    }

    [Fact]
    public async Task CreatePool_PolicyNamesUnknownVariableOrBadPattern_422ListingEach()
    {
        await using var server = await TestServer.StartAsync();

        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => PoolAsync(server, "d", WorkPoolTypes.Docker, new()
        {
            ["no_such_variable"] = new(JobVariableRuleMode.Locked),
            ["image"] = new(JobVariableRuleMode.Constrained, Pattern: "(unclosed"),
            ["mem_limit"] = new(JobVariableRuleMode.Constrained, Maximum: JsonValue.Create("lots")),
        }), "no_such_variable", "is not a variable", "pattern of 'image'", "maximum of 'mem_limit'");
    }

    // The policy matrix of the server's side: each mode against a value asked by the deployment or by the run.
    [Theory]
    [InlineData("open", "deployment", true)]
    [InlineData("open", "run", true)]
    [InlineData("constrained-pass", "deployment", true)]
    [InlineData("constrained-pass", "run", true)]
    [InlineData("constrained-fail", "deployment", false)]
    [InlineData("constrained-fail", "run", false)]
    [InlineData("locked", "deployment", false)]
    [InlineData("locked", "run", false)]
    public async Task AskForVolume_PolicyModeAndLayer_AcceptedOrRefused422NamingVariableAndRule(string mode, string layer, bool accepted)
    {
        await using var server = await TestServer.StartAsync();
        var rule = mode switch
        {
            "open" => new JobVariableRule(JobVariableRuleMode.Open),
            "locked" => new JobVariableRule(JobVariableRuleMode.Locked),
            _ => new JobVariableRule(JobVariableRuleMode.Constrained, Pattern: "/data/[^:]*:.*"),
        };
        await PoolAsync(server, "d", WorkPoolTypes.Docker, new() { ["volumes"] = rule });
        var volumes = new JsonObject { ["volumes"] = new JsonArray(mode == "constrained-pass" ? "/data/in:/in:ro" : "/:/host") };

        async Task AskAsync()
        {
            var deployment = await server.Client.UpsertDeploymentAsync(Upsert("d", layer == "deployment" ? volumes : null));
            await server.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(JobVariables: layer == "run" ? volumes : null));
        }

        if (accepted)
        {
            await AskAsync();
            Assert.Single((await server.Client.ListFlowRunsAsync()).Items);
            return;
        }

        var refusal = await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, AskAsync, "volumes", mode == "locked" ? "locked" : "constrained to matching \"/data/[^:]*:.*\"");
        Assert.True(refusal.Errors.ContainsKey("job_variables.volumes"), refusal.Message);
        Assert.Empty((await server.Client.ListFlowRunsAsync()).Items);
    }

    [Fact]
    public async Task CreateRun_MemLimitAboveMaximumSize_Refused_BelowAccepted()
    {
        await using var server = await TestServer.StartAsync();
        await PoolAsync(server, "d", WorkPoolTypes.Docker, new() { ["mem_limit"] = new(JobVariableRuleMode.Constrained, Maximum: JsonValue.Create("4g")) });
        var deployment = await server.Client.UpsertDeploymentAsync(Upsert("d", new JsonObject { ["mem_limit"] = "2g" }));

        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => server.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(JobVariables: new JsonObject { ["mem_limit"] = "8g" })),
            "mem_limit is constrained to at most \"4g\"", "\"8g\" is above the maximum");
        var run = await server.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(JobVariables: new JsonObject { ["mem_limit"] = "512m" }));
        Assert.Equal("512m", run.JobVariables["mem_limit"]!.GetValue<string>());
    }

    [Fact]
    public async Task DefaultDockerPool_PrivilegedRun_RefusedForADeveloperKey()
    {
        await using var server = await TestServer.StartAsync();
        var admin = (await server.Client.CreateApiKeyAsync(new ApiKeyCreate("admin", ApiKeyRole.Admin))).Key;
        using var asAdmin = server.NewClient(admin);
        using var developer = server.NewClient((await asAdmin.CreateApiKeyAsync(new ApiKeyCreate("dev", ApiKeyRole.Developer))).Key);
        await asAdmin.PoolAsync("d", WorkPoolTypes.Docker);
        var deployment = await developer.UpsertDeploymentAsync(Upsert("d", new JsonObject { ["image"] = "app:1" }));

        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => developer.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(JobVariables: new JsonObject
        {
            ["privileged"] = true,
            ["volumes"] = new JsonArray("/:/host"),
        })), "privileged is locked to false; true was asked", "volumes is constrained to one of []");
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => developer.UpdateDeploymentAsync(deployment.Id, new DeploymentUpdate(JobVariables: new JsonObject { ["network_mode"] = "host" })),
            "network_mode is locked to unset");
    }

    [Fact]
    public async Task PreviewJob_PolicyTightenedAfterDeployment_ShowsPoolValueForLockedAndListsRefused()
    {
        await using var server = await TestServer.StartAsync();
        await PoolAsync(server, "d", WorkPoolTypes.Docker, []);
        var deployment = await server.Client.UpsertDeploymentAsync(Upsert("d", new JsonObject { ["privileged"] = true, ["volumes"] = new JsonArray("/:/host") }));
        await server.Client.UpdateWorkPoolAsync("d", new WorkPoolUpdate
        {
            JobVariablePolicy = new Dictionary<string, JobVariableRule>
            {
                ["privileged"] = new(JobVariableRuleMode.Locked),
                ["volumes"] = new(JobVariableRuleMode.Constrained, Allowed: []),
            },
        });

        var preview = await server.Client.PreviewJobAsync(deployment.Id);

        Assert.False(preview.Configuration["privileged"]!.GetValue<bool>());
        var locked = Assert.Single(preview.PolicyLocked!);
        Assert.Equal(("privileged", "locked to false"), (locked.Variable, locked.Rule));
        var refused = Assert.Single(preview.PolicyRefused!);
        Assert.Equal("volumes", refused.Variable);
        Assert.Contains("\"/:/host\" is not in the allowed list", refused.Message, StringComparison.Ordinal);
        // New runs of the deployment are refused until it changes or an admin exempts it.
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => server.Client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate()), "privileged", "volumes");
    }

    [Fact]
    public async Task SetPolicyExemptions_AdminApprovesPrivileged_RunsAcceptedAuditedAndOtherValuesStillRefused()
    {
        await using var server = await TestServer.StartAsync();
        var admin = (await server.Client.CreateApiKeyAsync(new ApiKeyCreate("root", ApiKeyRole.Admin))).Key;
        using var asAdmin = server.NewClient(admin);
        using var developer = server.NewClient((await asAdmin.CreateApiKeyAsync(new ApiKeyCreate("dev", ApiKeyRole.Developer))).Key);
        await asAdmin.PoolAsync("d", WorkPoolTypes.Docker);
        var deployment = await developer.UpsertDeploymentAsync(Upsert("d", null));

        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden,
            () => developer.SetDeploymentPolicyExemptionsAsync(deployment.Id, new PolicyExemptionUpdate(new JsonObject { ["privileged"] = true })), "admin");
        var exempted = await asAdmin.SetDeploymentPolicyExemptionsAsync(deployment.Id,
            new PolicyExemptionUpdate(new JsonObject { ["privileged"] = true, ["volumes"] = new JsonArray("/srv/models:/models:ro") }, "GPU driver needs it"));

        Assert.True(exempted.JobVariables["privileged"]!.GetValue<bool>());
        Assert.Equal(["privileged", "volumes"], exempted.PolicyExemptions!.Select(pair => pair.Key).Order(StringComparer.Ordinal));
        var run = await developer.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        Assert.True((await developer.PreviewJobAsync(deployment.Id)).Configuration["privileged"]!.GetValue<bool>());
        // The override approves these values only: another volume, asked by a run or a later change, is refused again.
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => developer.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(JobVariables: new JsonObject { ["volumes"] = new JsonArray("/:/host") })), "volumes");
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => developer.UpdateDeploymentAsync(deployment.Id, new DeploymentUpdate(JobVariables: new JsonObject { ["volumes"] = new JsonArray("/etc:/etc") })), "volumes");

        var attempts = (await asAdmin.ListAuditEntriesAsync(TimeSpan.FromHours(1))).Items.Where(e => e.Action == "SetDeploymentPolicyExemptions").ToList();
        Assert.Equal([("dev", 403), ("root", 200)], attempts.Select(e => (e.KeyName, e.Status)).Order());
        var entry = attempts.Single(e => e.Status == 200);
        Assert.Contains("job_variables{privileged,volumes}", entry.Summary, StringComparison.Ordinal);
        Assert.Contains("reason=\"GPU driver needs it\"", entry.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("/srv/models", entry.Summary, StringComparison.Ordinal);
        Assert.NotEqual(Guid.Empty, run.Id);
    }
}
