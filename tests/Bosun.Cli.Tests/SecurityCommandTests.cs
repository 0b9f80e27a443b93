using Bosun.Contracts.Security;
using Bosun.Testing;

namespace Bosun.Cli.Tests;

/// <summary>`bosun api-key ...` and `bosun secret ...` against a server that turns authentication on.</summary>
public sealed class SecurityCommandTests
{
    [Fact]
    public async Task ApiKey_CreateLsRevoke_AndTheServerRequiresKeysAfterwards()
    {
        await using var server = await TestServer.StartAsync();
        using var cli = new CliRunner(server.ApiUrl);

        var created = (await cli.RunAsync("api-key", "create", "--name", "admin", "--role", "admin", "--output", "json")).Json();
        var adminKey = created.GetProperty("key").GetString()!;
        Assert.StartsWith("bosun_", adminKey, StringComparison.Ordinal);

        (await cli.RunAsync("api-key", "ls")).FailedWith("requires an API key");
        cli.Environment["BOSUN_API_KEY"] = adminKey;
        var viewer = (await cli.RunAsync("api-key", "create", "--name", "dash", "--role", "viewer", "--output", "json")).Json();
        var listed = (await cli.RunAsync("api-key", "ls", "--output", "json")).Json();
        Assert.Equal(["admin", "dash"], listed.EnumerateArray().Select(k => k.GetProperty("name").GetString()));
        Assert.DoesNotContain(adminKey, listed.ToString(), StringComparison.Ordinal);

        (await cli.RunAsync("api-key", "revoke", viewer.GetProperty("api_key").GetProperty("id").GetString()!)).Succeeded();
        cli.Environment["BOSUN_API_KEY"] = viewer.GetProperty("key").GetString()!;
        (await cli.RunAsync("work-pool", "ls")).FailedWith("revoked");
        (await cli.RunAsync("api-key", "create", "--name", "x", "--role", "owner")).FailedWith("not a role");
    }

    [Fact]
    public async Task ApiKey_BootstrapToken_CreatesTheFirstAdminKeyOnceThroughTheApi()
    {
        await using var server = await TestServer.StartAsync();
        using var cli = new CliRunner(server.ApiUrl) { StandardInput = server.Server.BootstrapToken + "\n" };

        (await cli.RunAsync("api-key", "create", "--name", "ops", "--role", "worker", "--bootstrap-token", "-")).FailedWith("--role admin");
        var key = (await cli.RunAsync("api-key", "create", "--name", "root", "--role", "admin", "--bootstrap-token", "-", "--output", "json"))
            .Json().GetProperty("key").GetString()!;

        await ApiAssert.FailsAsync(System.Net.HttpStatusCode.Unauthorized, () => server.Client.ListWorkPoolsAsync());
        using var admin = server.NewClient(key);
        Assert.Equal(ApiKeyRole.Admin, Assert.Single(await admin.ListApiKeysAsync()).Role);
        (await cli.RunAsync("api-key", "create", "--name", "again", "--role", "admin", "--bootstrap-token", "-")).FailedWith("bootstrap route is closed");
    }

    [Fact]
    public async Task Secret_SetFromStdinListDelete_ValueNeverPrinted()
    {
        await using var server = await TestServer.StartAsync();
        using var cli = new CliRunner(server.ApiUrl) { StandardInput = "pa55-word-value\n" };

        var set = (await cli.RunAsync("secret", "set", "db-password")).Succeeded();
        Assert.Contains("{{ secret.db-password }}", set.Out, StringComparison.Ordinal);
        var listed = (await cli.RunAsync("secret", "ls")).Succeeded();
        Assert.Contains("db-password", listed.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("pa55-word-value", set.Out + listed.Out, StringComparison.Ordinal);

        (await cli.RunAsync("secret", "delete", "db-password")).Succeeded();
        Assert.Empty(await server.Client.ListSecretsAsync());
        cli.StandardInput = "";
        (await cli.RunAsync("secret", "set", "empty")).FailedWith("standard input");
    }
}
