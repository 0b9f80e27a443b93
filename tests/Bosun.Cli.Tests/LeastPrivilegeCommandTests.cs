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

    [Fact]
    public async Task DeploymentExempt_AdminApprovesLockedValue_RunAcceptedInspectShowsIt_ClearRemovesIt_BadUseOneLineErrors()
    {
        await using var server = await TestServer.StartAsync();
        using var cli = new CliRunner(server.ApiUrl);
        var admin = (await cli.RunAsync("api-key", "create", "--name", "root", "--role", "admin", "--output", "json")).Json().GetProperty("key").GetString()!;
        cli.Environment["BOSUN_API_KEY"] = admin;
        var developer = (await cli.RunAsync("api-key", "create", "--name", "dev", "--role", "developer", "--output", "json")).Json().GetProperty("key").GetString()!;
        using var client = server.NewClient(admin);
        await client.PoolAsync("d", "docker");
        await client.DeploymentAsync("d", name: "gpu", flow: "train");
        // The new docker pool locks privileged: a run asking for it is refused until an admin approves it.
        (await cli.RunAsync("deployment", "run", "train/gpu", "--job-variable", "privileged=true")).FailedWith("privileged");

        (await cli.RunAsync("deployment", "exempt", "train/gpu", "--job-variable", "privileged=true", "--reason", "GPU driver")).Succeeded();

        Assert.Matches("Policy exemptions[^a-z]*\"privileged\":\\s*true", (await cli.RunAsync("deployment", "inspect", "train/gpu")).Succeeded().Out);
        (await cli.RunAsync("deployment", "run", "train/gpu", "--job-variable", "privileged=true")).Succeeded();
        var entry = (await cli.RunAsync("audit", "ls", "--output", "json")).Json().EnumerateArray().Single(e => e.GetProperty("action").GetString() == "SetDeploymentPolicyExemptions");
        Assert.Contains("GPU driver", entry.GetProperty("summary").GetString(), StringComparison.Ordinal);

        cli.Environment["BOSUN_API_KEY"] = developer;
        (await cli.RunAsync("deployment", "exempt", "train/gpu", "--clear")).FailedWith("admin");
        cli.Environment["BOSUN_API_KEY"] = admin;
        (await cli.RunAsync("deployment", "exempt", "train/gpu")).FailedWith("Nothing to approve");
        (await cli.RunAsync("deployment", "exempt", "train/gpu", "--clear", "--job-variable", "privileged=true")).FailedWith("--clear");
        (await cli.RunAsync("deployment", "exempt", "train/gpu", "--clear")).Succeeded();
        Assert.Matches("Policy exemptions\\W+none", (await cli.RunAsync("deployment", "inspect", "train/gpu")).Succeeded().Out);
        (await cli.RunAsync("deployment", "run", "train/gpu", "--job-variable", "privileged=true")).FailedWith("privileged");
    }

    [Fact]
    public async Task SessionLsAndRevoke_EndTheUiSession_BadIdIsAOneLineError()
    {
        await using var server = await TestServer.StartAsync();
        using var cli = new CliRunner(server.ApiUrl);
        var admin = (await cli.RunAsync("api-key", "create", "--name", "root", "--role", "admin", "--output", "json")).Json().GetProperty("key").GetString()!;
        cli.Environment["BOSUN_API_KEY"] = admin;
        var viewer = (await cli.RunAsync("api-key", "create", "--name", "carol", "--role", "viewer", "--output", "json")).Json().GetProperty("key").GetString()!;
        var cookie = await UiSignIn.SignInAsync(server.Server.BaseAddress, viewer);

        var sessions = (await cli.RunAsync("session", "ls", "--output", "json")).Json();
        var session = Assert.Single(sessions.EnumerateArray());
        Assert.Equal(("carol", true), (session.GetProperty("key_name").GetString(), session.GetProperty("active").GetBoolean()));
        var id = session.GetProperty("id").GetString()!;
        var table = (await cli.RunAsync("session", "ls")).Succeeded().Out;
        Assert.Contains("carol", table, StringComparison.Ordinal);
        Assert.Contains("active", table, StringComparison.Ordinal);

        Assert.Contains($"Revoked web UI session {id}.", (await cli.RunAsync("session", "revoke", id)).Succeeded().Out, StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, await UiSignIn.OpenAsync(server.Server.BaseAddress, cookie));
        Assert.False(Assert.Single((await cli.RunAsync("session", "ls", "--output", "json")).Json().EnumerateArray()).GetProperty("active").GetBoolean());
        (await cli.RunAsync("session", "revoke", "nope")).FailedWith("'nope' is not a session id");
        (await cli.RunAsync("session", "revoke", Guid.NewGuid().ToString())).FailedWith("does not exist");
        cli.Environment["BOSUN_API_KEY"] = viewer;
        (await cli.RunAsync("session", "ls")).FailedWith("admin");
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
