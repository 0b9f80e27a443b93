using System.Text.Json.Nodes;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Security;
using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Worker.Tests;

/// <summary>
/// A secret in a job variable, end to end with auth on: the flow sees the value; the value appears nowhere in the API's
/// answers, the run's logs or the CLI's output; the flow-run process holds a run token, not the worker's key.
/// </summary>
public sealed class SecretEndToEndTests
{
    private const string Secret = "s3cr3t-Value-4242";

    [Fact]
    public async Task SecretInJobVariable_FlowSeesItAndItAppearsNowhereElse()
    {
        await using var server = await TestServer.StartAsync();
        var admin = (await server.Client.CreateApiKeyAsync(new ApiKeyCreate("admin", ApiKeyRole.Admin))).Key;
        using var asAdmin = server.NewClient(admin);
        var workerKey = (await asAdmin.CreateApiKeyAsync(new ApiKeyCreate("worker", ApiKeyRole.Worker))).Key;
        await asAdmin.SetSecretAsync("db-password", Secret);
        await asAdmin.PoolAsync("proc");
        var proof = Path.Combine(TempDirectory.Create("bosun-secret"), "proof");
        // The command holds only a hash of the secret, so that it can check the value without containing it.
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Secret)));
        var script = $"""test "$(printf %s "$DB_PASSWORD" | sha256sum | cut -d' ' -f1)" = "{hash}" && echo saw-it > {proof}; echo "password is $DB_PASSWORD"; echo "key kind ${"{"}BOSUN_API_KEY%%.*{"}"}"; {FakeFlow.Propose("RUNNING")}; {FakeFlow.Propose("COMPLETED")}""";
        var deployment = await asAdmin.CommandDeploymentAsync("proc", FakeFlow.Shell(script),
            jobVariables: JsonNode.Parse("""{"env": {"DB_PASSWORD": "{{ secret.db-password }}"}}""")!.AsObject());
        // The worker's own key is in its environment, as it would be in production: the run must not inherit it.
        Environment.SetEnvironmentVariable("BOSUN_API_KEY", workerKey);
        FlowRun done;
        FlowRun run;
        try
        {
            await using var worker = await TestWorker.StartAsync(server, WorkerScenario.Options("proc"), workerKey);
            run = await asAdmin.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
            done = await asAdmin.WaitForTerminalAsync(run.Id);
        }
        finally
        {
            Environment.SetEnvironmentVariable("BOSUN_API_KEY", null);
        }

        Assert.Equal(StateType.Completed, done.State.Type);
        Assert.Equal("saw-it", (await File.ReadAllTextAsync(proof)).Trim());
        var logs = await asAdmin.FinalLogsAsync(run.Id);
        Assert.Contains(logs, l => l.Message == "password is ********");
        Assert.Contains(logs, l => l.Message == "key kind bosunrun");
        var everything = string.Join("\n",
            logs.Select(l => l.Message)
                .Append((await asAdmin.GetFlowRunAsync(run.Id)).ToString())
                .Append((await asAdmin.GetDeploymentAsync(deployment.Id)).JobVariables.ToJsonString())
                .Append((await asAdmin.PreviewJobAsync(deployment.Id)).Configuration.ToJsonString())
                .Append(string.Join(",", (await asAdmin.ListSecretsAsync()).Select(s => s.ToString()))));
        Assert.DoesNotContain(Secret, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(workerKey, everything, StringComparison.Ordinal);

        var environment = new Dictionary<string, string?> { ["BOSUN_API_URL"] = server.ApiUrl.ToString(), ["BOSUN_API_KEY"] = admin };
        foreach (var command in new[] { new[] { "flow-run", "logs", run.Id.ToString() }, ["flow-run", "inspect", run.Id.ToString(), "--output", "json"],
            ["deployment", "inspect", deployment.FullName], ["deployment", "preview-job", deployment.FullName, "--output", "json"] })
        {
            await using var cli = ChildProcess.StartCli(command, environment);
            Assert.Equal(0, await cli.WaitForExitAsync());
            Assert.DoesNotContain(Secret, cli.OutputText, StringComparison.Ordinal);
        }
    }
}
