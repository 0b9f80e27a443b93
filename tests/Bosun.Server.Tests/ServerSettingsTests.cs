using Microsoft.Extensions.Configuration;

namespace Bosun.Server.Tests;

/// <summary>The server's settings (docs/behaviour.md §10): defaults, then appsettings, then the environment, then flags; every problem at once.</summary>
public sealed class ServerSettingsTests
{
    /// <summary>The settings with one environment variable set and nothing else.</summary>
    private static (Orchestration.BosunServerOptions Options, IReadOnlyList<string> Failures) FromEnvironment(string variable, string value) =>
        BosunServerSettings.Load(null, new Dictionary<string, string> { [variable] = value }.GetValueOrDefault, _ => null);

    /// <summary>No failure where <paramref name="expected"/> is null; otherwise exactly one, starting with it.</summary>
    private static void AssertFailure(IReadOnlyList<string> failures, string? expected)
    {
        if (expected is null)
        {
            Assert.Empty(failures);
        }
        else
        {
            Assert.StartsWith(expected, Assert.Single(failures), StringComparison.Ordinal);
        }
    }

    private static IConfiguration AppSettings(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>($"Bosun:{v.Key}", v.Value))).Build();

    [Fact]
    public void Load_NothingGiven_TheDocumentedDefaults()
    {
        var (options, failures) = BosunServerSettings.Load(null, _ => null, _ => null);

        Assert.Empty(failures);
        Assert.Equal((TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(15)), (options.RunHeartbeatTimeout, options.WorkerTimeout, options.LateRunThreshold));
        Assert.Equal((TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1), 1000),
            (options.MissedRunGrace, options.ServiceInterval, options.MinScheduleInterval, options.MaxScheduledRunsPerSweep));
        Assert.Equal("90 s", BosunServerSettings.All.Single(s => s.Name == "WorkerTimeout").Default);
        Assert.Equal("24 h", BosunServerSettings.All.Single(s => s.Name == "RunTokenLifetime").Default);
        Assert.Equal(TimeSpan.FromMilliseconds(2), options.ClaimGather);
        Assert.Equal("2 ms", BosunServerSettings.All.Single(s => s.Name == "ClaimGather").Default);
        Assert.Equal(10_000, options.ListCountLimit);
    }

    [Theory]
    [InlineData("500", 500, null)]
    [InlineData("0", 10_000, "BOSUN_LIST_COUNT_LIMIT '0' is not a whole number of at least 1")]
    public void ListCountLimit_FromTheEnvironment_OneOrMore(string value, int limit, string? failure)
    {
        var (options, failures) = FromEnvironment("BOSUN_LIST_COUNT_LIMIT", value);

        AssertFailure(failures, failure);
        Assert.Equal(limit, options.ListCountLimit);
    }

    [Theory]
    [InlineData("0", 0, null)]
    [InlineData("20ms", 20, null)]
    [InlineData("2s", 0, "ClaimGather must be 0 to 1 s")]
    public void ClaimGather_FromTheEnvironment_ZeroToOneSecond(string value, int milliseconds, string? failure)
    {
        var (options, failures) = FromEnvironment("BOSUN_CLAIM_GATHER", value);

        AssertFailure(failures, failure);
        if (failure is null)
        {
            Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), options.ClaimGather);
        }
    }

    [Fact]
    public void Load_EverySource_FlagBeatsEnvironmentBeatsAppSettings()
    {
        var appSettings = AppSettings(("WorkerTimeout", "1m"), ("LateRunThreshold", "20s"), ("MissedRunGrace", "00:00:30"), ("Port", "4300"));
        var environment = new Dictionary<string, string> { ["BOSUN_WORKER_TIMEOUT"] = "45s", ["BOSUN_MISSED_RUN_GRACE"] = "12", ["BOSUN_INSECURE_ALLOW_ANONYMOUS"] = "true" };
        var flags = new Dictionary<string, string> { ["--worker-timeout"] = "30s", ["--service-interval"] = "500ms" };

        var (options, failures) = BosunServerSettings.Load(appSettings, environment.GetValueOrDefault, setting => flags.GetValueOrDefault(setting.Flag));

        Assert.Empty(failures);
        Assert.Equal(TimeSpan.FromSeconds(30), options.WorkerTimeout);
        Assert.Equal(TimeSpan.FromSeconds(12), options.MissedRunGrace);
        Assert.Equal(TimeSpan.FromSeconds(20), options.LateRunThreshold);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.ServiceInterval);
        Assert.Equal(4300, options.Port);
        Assert.True(options.AllowAnonymous);
        Assert.False(options.InMemoryUiSessionKeys);
    }

    [Fact]
    public void UiSessionKeys_StoredByDefault_InMemoryWithTheFlagOrTheEnvironment()
    {
        Assert.False(new Orchestration.BosunServerOptions().InMemoryUiSessionKeys);
        var fromEnvironment = FromEnvironment("BOSUN_IN_MEMORY_UI_SESSION_KEYS", "true");
        Assert.Empty(fromEnvironment.Failures);
        Assert.True(fromEnvironment.Options.InMemoryUiSessionKeys);
        var fromFlag = BosunServerSettings.Load(null, _ => null, setting => setting.Flag == "--in-memory-ui-session-keys" ? "true" : null);
        Assert.Empty(fromFlag.Failures);
        Assert.True(fromFlag.Options.InMemoryUiSessionKeys);
    }

    [Fact]
    public void Metrics_OnByDefault_OffWithTheFlagOrTheEnvironment()
    {
        Assert.False(new Orchestration.BosunServerOptions().DisableMetrics);
        var fromEnvironment = FromEnvironment("BOSUN_NO_METRICS", "true");
        Assert.Empty(fromEnvironment.Failures);
        Assert.True(fromEnvironment.Options.DisableMetrics);
        var fromFlag = BosunServerSettings.Load(null, _ => null, setting => setting.Flag == "--no-metrics" ? "true" : null);
        Assert.Empty(fromFlag.Failures);
        Assert.True(fromFlag.Options.DisableMetrics);
    }

    [Fact]
    public void Load_BadValuesEverywhere_EveryFailureAtOnceNamingItsSource()
    {
        var appSettings = AppSettings(("MissedRunGrace", "soon"), ("MaxScheduledRunsPerSweep", "0"));
        var environment = new Dictionary<string, string> { ["BOSUN_WORKER_TIMEOUT"] = "abc", ["BOSUN_INSECURE_ALLOW_ANONYMOUS"] = "maybe" };
        var flags = new Dictionary<string, string> { ["--port"] = "70000", ["--run-heartbeat-timeout"] = "NaN", ["--service-interval"] = "0" };

        var (_, failures) = BosunServerSettings.Load(appSettings, environment.GetValueOrDefault, setting => flags.GetValueOrDefault(setting.Flag));

        Assert.Collection(failures.Order(StringComparer.Ordinal),
            f => Assert.StartsWith("--port '70000' is not a whole number from 0 to 65535", f, StringComparison.Ordinal),
            f => Assert.StartsWith("--run-heartbeat-timeout 'NaN' is not a duration", f, StringComparison.Ordinal),
            f => Assert.StartsWith("BOSUN_INSECURE_ALLOW_ANONYMOUS 'maybe' is not true or false", f, StringComparison.Ordinal),
            f => Assert.StartsWith("BOSUN_WORKER_TIMEOUT 'abc' is not a duration", f, StringComparison.Ordinal),
            f => Assert.StartsWith("ServiceInterval must be positive", f, StringComparison.Ordinal),
            f => Assert.StartsWith("appsettings Bosun:MaxScheduledRunsPerSweep '0' is not a whole number of at least 1", f, StringComparison.Ordinal),
            f => Assert.StartsWith("appsettings Bosun:MissedRunGrace 'soon' is not a duration", f, StringComparison.Ordinal));
    }

    [Fact]
    public void Settings_EachHasAFlagAnEnvironmentVariableAndADescription()
    {
        Assert.All(BosunServerSettings.All, setting =>
        {
            Assert.StartsWith("--", setting.Flag, StringComparison.Ordinal);
            Assert.StartsWith("BOSUN_", setting.EnvironmentVariable, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(setting.Description));
            Assert.NotNull(typeof(Orchestration.BosunServerOptions).GetProperty(setting.Name));
        });
        Assert.Equal(BosunServerSettings.All.Count, BosunServerSettings.All.Select(s => s.Flag).Distinct().Count());
    }
}
