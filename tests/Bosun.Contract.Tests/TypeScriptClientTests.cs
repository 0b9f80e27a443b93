using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Bosun.Contracts.Security;
using Bosun.Testing;

namespace Bosun.Contract.Tests;

/// <summary>
/// A real outside client: TypeScript types generated from the live document (openapi-typescript), a script using them
/// with openapi-fetch (client/contract.ts) compiled by tsc and run by Node against a live server with API keys on.
/// </summary>
public sealed class TypeScriptClientTests
{
    [SkippableFact]
    public async Task GeneratedClient_LiveServer_CreatesPoolAndRunReadsLogsAndGetsTypedProblems()
    {
        await NodeTools.RequireAsync();
        await using var server = await TestServer.StartAsync();
        var admin = (await server.Client.CreateApiKeyAsync(new ApiKeyCreate("contract", ApiKeyRole.Admin))).Key;
        using var client = server.NewClient(admin);
        await client.PoolAsync("contract-pool");
        var deployment = await client.DeploymentAsync("contract-pool", "contract-deployment", "contract-flow");
        using var http = new HttpClient { BaseAddress = server.Server.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", admin);
        var generated = Path.Combine(NodeTools.ClientDirectory, "generated");
        Directory.CreateDirectory(generated);
        await File.WriteAllTextAsync(Path.Combine(generated, "openapi.json"), await http.GetStringAsync(new Uri("api/openapi.json", UriKind.Relative)));

        var types = await NodeTools.RunAsync("openapi-typescript", ["generated/openapi.json", "--output", "generated/bosun-api.d.ts", "--default-non-nullable", "false"]);
        Assert.True(types.ExitCode == 0, types.Output);
        var compiled = await NodeTools.RunAsync("tsc", ["--project", "tsconfig.json"]);
        Assert.True(compiled.ExitCode == 0, "the script does not type-check against the generated client:\n" + compiled.Output);
        var run = await NodeTools.RunAsync("node", ["out/contract.js"], new Dictionary<string, string?>
        {
            ["BOSUN_URL"] = server.Server.BaseAddress.ToString().TrimEnd('/'),
            ["BOSUN_API_KEY"] = admin,
            ["BOSUN_DEPLOYMENT"] = $"{deployment.FlowName}/{deployment.Name}",
        });

        Assert.True(run.ExitCode == 0, run.Output);
        var result = JsonNode.Parse(run.Output.Split('\n').Last(line => line.StartsWith('{')))!;
        var runId = Guid.Parse(result["run"]!.GetValue<string>());
        Assert.Equal("ts-pool", (await client.GetWorkPoolAsync("ts-pool")).Name);
        Assert.Equal(deployment.Id, (await client.GetFlowRunAsync(runId)).DeploymentId);
        Assert.Equal(["first line from TypeScript", "second line from TypeScript"], (await client.ReadLogsAsync(runId)).Items.Select(l => l.Message));
        Assert.Equal("[401,422,400]", result["refused"]!.ToJsonString());
        Assert.Equal(2, result["queues"]!.GetValue<int>());
    }
}
