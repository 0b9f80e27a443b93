using System.Net;
using System.Net.Sockets;
using Bosun.Testing;

namespace Bosun.Cli.Tests;

/// <summary>`bosun config ...` and where the API URL and key come from.</summary>
public sealed class ConfigCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task View_NothingConfigured_DefaultUrlNoKey()
    {
        var json = (await _cli.RunAsync("config", "view", "--output", "json")).Json();

        Assert.Equal("http://127.0.0.1:4200/api/", json.GetProperty("api_url").GetString());
        Assert.Equal("default", json.GetProperty("api_url_source").GetString());
        Assert.Equal("default", json.GetProperty("profile").GetString());
        Assert.False(json.TryGetProperty("api_key", out var key) && key.ValueKind != System.Text.Json.JsonValueKind.Null);
    }

    [Fact]
    public async Task Set_ApiUrl_StoredInProfilesFileAndUsedByCommands()
    {
        var pool = ServerFixture.Unique("pool");
        await fixture.Client.PoolAsync(pool);

        (await _cli.RunAsync("config", "set", "api-url", fixture.Server.ApiUrl.ToString())).Succeeded();
        var json = (await _cli.RunAsync("work-pool", "ls", "--output", "json")).Json();

        Assert.Contains(json.EnumerateArray(), item => item.GetProperty("name").GetString() == pool);
        Assert.Contains(fixture.Server.ApiUrl.ToString(), await File.ReadAllTextAsync(Path.Combine(_cli.Home, "profiles.json")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiUrl_OptionBeatsEnvironmentBeatsProfile()
    {
        (await _cli.RunAsync("config", "set", "api-url", "http://profile.invalid:1/api")).Succeeded();
        var fromProfile = (await _cli.RunAsync("config", "view", "-o", "json")).Json();
        _cli.Environment["BOSUN_API_URL"] = "http://environment.invalid:2/api";
        var fromEnvironment = (await _cli.RunAsync("config", "view", "-o", "json")).Json();
        var fromOption = (await _cli.RunAsync("config", "view", "-o", "json", "--api-url", "http://option.invalid:3/api")).Json();

        Assert.Equal(("http://profile.invalid:1/api/", "profile 'default'"),
            (fromProfile.GetProperty("api_url").GetString(), fromProfile.GetProperty("api_url_source").GetString()));
        Assert.Equal(("http://environment.invalid:2/api/", "BOSUN_API_URL"),
            (fromEnvironment.GetProperty("api_url").GetString(), fromEnvironment.GetProperty("api_url_source").GetString()));
        Assert.Equal(("http://option.invalid:3/api/", "--api-url"),
            (fromOption.GetProperty("api_url").GetString(), fromOption.GetProperty("api_url_source").GetString()));
    }

    [Fact]
    public async Task ApiKey_FromEnvironmentOrProfile_MaskedUnlessAsked()
    {
        (await _cli.RunAsync("config", "set", "api-key", "profile-secret")).Succeeded();
        var masked = (await _cli.RunAsync("config", "view")).Succeeded();
        var shown = (await _cli.RunAsync("config", "view", "--show-secrets", "-o", "json")).Json();
        _cli.Environment["BOSUN_API_KEY"] = "environment-secret";
        var fromEnvironment = (await _cli.RunAsync("config", "view", "--show-secrets", "-o", "json")).Json();

        Assert.DoesNotContain("profile-secret", masked.Out, StringComparison.Ordinal);
        Assert.Contains("********", masked.Out, StringComparison.Ordinal);
        Assert.Equal("profile-secret", shown.GetProperty("api_key").GetString());
        Assert.Equal(("environment-secret", "BOSUN_API_KEY"), (fromEnvironment.GetProperty("api_key").GetString(), fromEnvironment.GetProperty("api_key_source").GetString()));
    }

    [Fact]
    public async Task Profiles_SelectedByOptionOrEnvironment_KeepTheirOwnSettings()
    {
        (await _cli.RunAsync("config", "set", "api-url", "http://default.invalid/api")).Succeeded();
        (await _cli.RunAsync("config", "set", "api-url", "http://prod.invalid/api", "--profile", "prod")).Succeeded();

        var byOption = (await _cli.RunAsync("config", "view", "--profile", "prod", "-o", "json")).Json();
        _cli.Environment["BOSUN_PROFILE"] = "prod";
        var byEnvironment = (await _cli.RunAsync("config", "view", "-o", "json")).Json();
        var byDefault = (await _cli.RunAsync("config", "view", "--profile", "default", "-o", "json")).Json();

        Assert.Equal("http://prod.invalid/api/", byOption.GetProperty("api_url").GetString());
        Assert.Equal(("prod", "BOSUN_PROFILE"), (byEnvironment.GetProperty("profile").GetString(), byEnvironment.GetProperty("profile_source").GetString()));
        Assert.Equal("http://prod.invalid/api/", byEnvironment.GetProperty("api_url").GetString());
        Assert.Equal("http://default.invalid/api/", byDefault.GetProperty("api_url").GetString());
    }

    [Fact]
    public async Task Unset_ApiUrl_DefaultAppliesAgain()
    {
        (await _cli.RunAsync("config", "set", "api-url", "http://somewhere.invalid/api")).Succeeded();

        (await _cli.RunAsync("config", "unset", "api-url")).Succeeded();

        Assert.Equal("default", (await _cli.RunAsync("config", "view", "-o", "json")).Json().GetProperty("api_url_source").GetString());
        Assert.Contains("not set", (await _cli.RunAsync("config", "unset", "api-url")).Succeeded().Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Set_UnknownKey_FailsListingKeys()
    {
        (await _cli.RunAsync("config", "set", "colour", "blue")).FailedWith("'colour'", "api-url, api-key");
    }

    [Fact]
    public async Task Set_ApiUrlNotHttp_Fails()
    {
        (await _cli.RunAsync("config", "set", "api-url", "ftp://example/api")).FailedWith("not an http(s) address");

        Assert.False(File.Exists(Path.Combine(_cli.Home, "profiles.json")));
    }

    [Fact]
    public async Task UnknownProfile_ForACommand_FailsWithHowToCreateIt()
    {
        (await _cli.RunAsync("work-pool", "ls", "--profile", "staging")).FailedWith("no profile 'staging'", "bosun config set api-url URL --profile staging");
    }

    [Fact]
    public async Task ApiUrlOption_NotAnAddress_FailsNamingItsSource()
    {
        (await _cli.RunAsync("work-pool", "ls", "--api-url", "not a url")).FailedWith("'not a url'", "--api-url");
    }

    [Fact]
    public async Task UnreachableServer_OneLineNamingUrlExitOne()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var started = TimeProvider.System.GetTimestamp();

        (await _cli.RunAsync("work-pool", "ls", "--api-url", $"http://127.0.0.1:{port}/api"))
            .FailedWith($"No Bosun server answered at http://127.0.0.1:{port}/api/", "bosun server start");

        Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(10), "an unreachable server must be reported quickly");
    }
}
