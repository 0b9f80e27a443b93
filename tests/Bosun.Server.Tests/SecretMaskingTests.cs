using System.Text.Json.Nodes;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.FlowRuns;
using Bosun.Testing;

namespace Bosun.Server.Tests;

/// <summary>
/// Job variables their pool's template marks secret (writeOnly, format password) are masked in every answer but the
/// claim's (docs/behaviour.md §5.3), and a masked value sent back keeps the value it stands for.
/// </summary>
public sealed class SecretMaskingTests
{
    private const string Password = "hunter2-registry-token";

    private static JsonObject Credentials(string password) =>
        JsonNode.Parse($$$"""{"registry_credentials": {"username": "ci", "password": "{{{password}}}", "registry": "127.0.0.1:5055"}}""")!.AsObject();

    [Fact]
    public async Task RegistryPassword_MaskedInEveryAnswer_ClaimKeepsIt()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p", type: "docker");
        var upserted = await client.UpsertDeploymentAsync(new DeploymentUpsert("f", "d", WorkPoolName: "p", JobVariables: Credentials(Password)));
        var run = await client.CreateFlowRunAsync(upserted.Id, new FlowRunCreate(JobVariables: Credentials(Password + "-run")));

        var answers = new List<string>
        {
            upserted.JobVariables.ToJsonString(),
            (await client.GetDeploymentAsync(upserted.Id)).JobVariables.ToJsonString(),
            (await client.GetDeploymentByNameAsync("f/d")).JobVariables.ToJsonString(),
            Assert.Single((await client.ListDeploymentsAsync()).Items).JobVariables.ToJsonString(),
            (await client.PauseDeploymentAsync(upserted.Id)).JobVariables.ToJsonString(),
            (await client.UpdateDeploymentAsync(upserted.Id, new DeploymentUpdate(Paused: false))).JobVariables.ToJsonString(),
            run.JobVariables.ToJsonString(),
            (await client.GetFlowRunAsync(run.Id)).JobVariables.ToJsonString(),
            (await client.PreviewJobAsync(upserted.Id)).Configuration.ToJsonString(),
        };

        Assert.All(answers, answer =>
        {
            Assert.DoesNotContain(Password, answer, StringComparison.Ordinal);
            Assert.Contains("********", answer, StringComparison.Ordinal);
            Assert.Contains("ci", answer, StringComparison.Ordinal);
        });
        var claimed = Assert.Single((await client.ClaimAsync("p")).Runs);
        Assert.Equal(Password, claimed.Deployment.JobVariables["registry_credentials"]!["password"]!.GetValue<string>());
        Assert.Equal(Password + "-run", claimed.FlowRun.JobVariables["registry_credentials"]!["password"]!.GetValue<string>());
    }

    [Fact]
    public async Task MaskedValueSentBack_KeepsTheStoredSecret()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p", type: "docker");
        var deployment = await client.UpsertDeploymentAsync(new DeploymentUpsert("f", "d", WorkPoolName: "p", JobVariables: Credentials(Password)));

        // A client that read the deployment (masked), changed something else and wrote the whole object back.
        var readBack = (JsonObject)deployment.JobVariables.DeepClone();
        readBack["image_pull_policy"] = "Never";
        await client.UpdateDeploymentAsync(deployment.Id, new DeploymentUpdate(JobVariables: readBack));
        await client.UpsertDeploymentAsync(new DeploymentUpsert("f", "d", WorkPoolName: "p", JobVariables: readBack));
        // A run override copied from an answer is no override.
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate(JobVariables: Credentials("********")));

        var claimed = Assert.Single((await client.ClaimAsync("p")).Runs);
        Assert.Equal(run.Id, claimed.FlowRun.Id);
        Assert.Equal(Password, claimed.Deployment.JobVariables["registry_credentials"]!["password"]!.GetValue<string>());
        Assert.Equal("Never", claimed.Deployment.JobVariables["image_pull_policy"]!.GetValue<string>());
        Assert.Null(claimed.FlowRun.JobVariables["registry_credentials"]!["password"]);
    }
}
