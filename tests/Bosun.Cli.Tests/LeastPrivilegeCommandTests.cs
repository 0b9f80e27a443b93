using System.Text.Json;
using System.Text.RegularExpressions;
using Bosun.Testing;

namespace Bosun.Cli.Tests;

/// <summary>`bosun work-pool inspect|update --job-variable-policy`, `api-key create --pool` and `audit ls` against a real server.</summary>
public sealed partial class LeastPrivilegeCommandTests
{
    [Fact]
    public async Task WorkPool_UpdatePolicyFromFile_InspectShowsEachRule()
    {
        await using var server = await TestServer.StartAsync();
        using var cli = new CliRunner(server.ApiUrl);
        await server.Client.PoolAsync("d", "docker");
        var file = Path.Combine(server.Directory, "policy.json");
        await File.WriteAllTextAsync(file, """{"privileged": {"mode": "locked"}, "mem_limit": {"mode": "constrained", "maximum": "4g"}}""");

        (await cli.RunAsync("work-pool", "update", "d", "--job-variable-policy", file)).Succeeded();
        var inspect = (await cli.RunAsync("work-pool", "inspect", "d")).Succeeded();

        // The grid may wrap a long value: compare with whitespace collapsed.
        var text = Whitespace().Replace(inspect.Out, " ");
        Assert.Contains("mem_limit: constrained to at most \"4g\"; privileged: locked", text, StringComparison.Ordinal);
        await File.WriteAllTextAsync(file, """{"privileged": {"mode": "sometimes"}}""");
        (await cli.RunAsync("work-pool", "update", "d", "--job-variable-policy", file)).FailedWith("--job-variable-policy");
    }

    [Fact]
    public async Task ApiKeyWithPool_AndAuditLs_FilteredByKeyName()
    {
        await using var server = await TestServer.StartAsync();
        using var cli = new CliRunner(server.ApiUrl);
        var admin = (await cli.RunAsync("api-key", "create", "--name", "root", "--role", "admin", "--output", "json")).Json().GetProperty("key").GetString()!;
        cli.Environment["BOSUN_API_KEY"] = admin;

        var worker = (await cli.RunAsync("api-key", "create", "--name", "gpu-worker", "--role", "worker", "--pool", "gpu", "--output", "json")).Json();
        (await cli.RunAsync("work-pool", "create", "gpu", "--type", "process")).Succeeded();

        Assert.Equal(["gpu"], worker.GetProperty("api_key").GetProperty("pools").EnumerateArray().Select(p => p.GetString()));
        var entries = (await cli.RunAsync("audit", "ls", "--since", "1h", "--key", "root", "--output", "json")).Json();
        Assert.Equal(["CreateApiKey", "CreateWorkPool"], entries.EnumerateArray().Select(e => e.GetProperty("action").GetString()).Order(StringComparer.Ordinal));
        Assert.All(entries.EnumerateArray(), e => Assert.Equal("root", e.GetProperty("key_name").GetString()));
        (await cli.RunAsync("audit", "ls", "--since", "soon")).FailedWith("--since 'soon' is not a duration");
        Assert.Equal(JsonValueKind.Array, entries.ValueKind);
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
