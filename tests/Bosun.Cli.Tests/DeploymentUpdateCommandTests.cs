using System.Text.Json.Nodes;
using Bosun.Contracts.Deployments;
using Bosun.Contracts.Schedules;
using Bosun.Contracts.WorkPools;
using Bosun.Testing;

namespace Bosun.Cli.Tests;

/// <summary>`bosun deployment update`: every option, merged --param/--job-variable, --clear, and errors naming the option.</summary>
public sealed class DeploymentUpdateCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly CliRunner _cli = fixture.NewCli();

    public void Dispose() => _cli.Dispose();

    private async Task<Deployment> DeploymentAsync()
    {
        var pool = ServerFixture.Unique("pool");
        await fixture.Client.PoolAsync(pool, "docker");
        await fixture.Client.CreateWorkQueueAsync(pool, new WorkQueueCreate("fast"));
        return await fixture.Client.UpsertDeploymentAsync(new DeploymentUpsert(ServerFixture.Unique("etl"), "nightly", "cmd",
            new JsonObject { ["day"] = "today", ["count"] = 1 },
            JsonNode.Parse("""{"type": "object", "properties": {"day": {"type": "string"}, "count": {"type": "integer"}}}""")!.AsObject(),
            pool, JobVariables: JsonNode.Parse("""{"image": "img:1", "registry_credentials": {"username": "u", "password": "s3cret-pw"}}""")!.AsObject(),
            Tags: ["old"], Description: "old", ConcurrencyLimit: 2));
    }

    [Fact]
    public async Task Update_EveryOption_SavedAsGiven()
    {
        var deployment = await DeploymentAsync();

        var json = (await _cli.RunAsync("deployment", "update", deployment.FullName, "--work-queue", "fast", "--param", "count=3", "--job-variable", "image=img:2",
            "--tag", "a", "--tag", "b", "--description", "new", "--version", "7", "--concurrency-limit", "1", "--collision-strategy", "cancel_new",
            "--catch-up", "latest", "--paused", "true", "--retries", "2", "--retry-delay-seconds", "15",
            "--timeout-seconds", "600", "--crash-retries", "3", "--crash-retry-delay-seconds", "20",
            "--start-timeout-seconds", "90", "--start-timeout-action", "LEAVE_LATE", "--output", "json")).Json();

        var after = await fixture.Client.GetDeploymentAsync(deployment.Id);
        Assert.Equal(after.Id, json.GetProperty("id").GetGuid());
        Assert.Equal("fast", after.WorkQueueName);
        Assert.Equal("""{"day":"today","count":3}""", after.Parameters.ToJsonString());
        Assert.Equal("img:2", after.JobVariables["image"]!.GetValue<string>());
        Assert.Equal(["a", "b"], after.Tags);
        Assert.Equal(("new", "7", 1), (after.Description, after.Version, after.ConcurrencyLimit));
        Assert.Equal((CollisionStrategy.CancelNew, CatchUpPolicy.Latest, true), (after.CollisionStrategy, after.CatchUp, after.Paused));
        Assert.Equal((2, 15), (after.Retries, after.RetryDelaySeconds));
        Assert.Equal((600, 3, 20), (after.TimeoutSeconds, after.CrashRetries, after.CrashRetryDelaySeconds));
        Assert.Equal((90, StartTimeoutAction.LeaveLate), (after.StartTimeoutSeconds, after.StartTimeoutAction));
        Assert.Equal("LEAVE_LATE", json.GetProperty("start_timeout_action").GetString());
        Assert.Equal("LATEST", json.GetProperty("catch_up").GetString());
        // --job-variable changed one key; the secret the answer masked kept its value.
        var claimed = await fixture.Client.ClaimAsync(deployment.WorkPoolName!);
        Assert.Empty(claimed.Runs);
        await fixture.Client.UpdateDeploymentAsync(deployment.Id, new DeploymentUpdate(Paused: false));
        await fixture.Client.RunAsync(after);
        var run = Assert.Single((await fixture.Client.ClaimAsync(deployment.WorkPoolName!, queues: ["fast"])).Runs);
        Assert.Equal("s3cret-pw", run.Deployment.JobVariables["registry_credentials"]!["password"]!.GetValue<string>());
    }

    [Fact]
    public async Task Update_Clear_EmptiesTheFields()
    {
        var deployment = await DeploymentAsync();

        (await _cli.RunAsync("deployment", "update", deployment.FullName, "--clear", "concurrency-limit", "--clear", "description", "--clear", "tags")).Succeeded();

        var after = await fixture.Client.GetDeploymentAsync(deployment.Id);
        Assert.Equal((null, null, 0), (after.ConcurrencyLimit, after.Description, after.Tags.Count));
    }

    [Theory]
    [InlineData("--catch-up", "sometimes", "--catch-up 'sometimes' is not one of ALL, LATEST, SKIP")]
    [InlineData("--collision-strategy", "drop", "--collision-strategy 'drop' is not one of ENQUEUE, CANCEL_NEW")]
    [InlineData("--clear", "name", "--clear 'name'")]
    [InlineData("--params", "[1]", "--params must be a JSON object")]
    [InlineData("--work-queue", "nowhere", "no queue named 'nowhere'")]
    [InlineData("--concurrency-limit", "-1", "concurrency_limit")]
    [InlineData("--timeout-seconds", "0", "timeout_seconds")]
    public async Task Update_BadValue_OneLineErrorNothingSaved(string option, string value, string says)
    {
        var deployment = await DeploymentAsync();

        (await _cli.RunAsync("deployment", "update", deployment.FullName, "--description", "changed", option, value)).FailedWith(says);

        Assert.Equal("old", (await fixture.Client.GetDeploymentAsync(deployment.Id)).Description);
    }

    [Fact]
    public async Task Update_NothingGiven_SaysSo()
    {
        var deployment = await DeploymentAsync();

        (await _cli.RunAsync("deployment", "update", deployment.FullName)).FailedWith("Nothing to update");
    }

    [Fact]
    public async Task Inspect_PolicyAndStrategy_SpelledAsTheApiSpellsThem()
    {
        var deployment = await DeploymentAsync();
        await fixture.Client.UpdateDeploymentAsync(deployment.Id, new DeploymentUpdate(CatchUp: CatchUpPolicy.Skip, CollisionStrategy: CollisionStrategy.CancelNew));

        var result = (await _cli.RunAsync("deployment", "inspect", deployment.FullName)).Succeeded();

        Assert.Contains("SKIP", result.Out, StringComparison.Ordinal);
        Assert.Contains("CANCEL_NEW", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("Skip", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pw", result.Out, StringComparison.Ordinal);
    }
}
