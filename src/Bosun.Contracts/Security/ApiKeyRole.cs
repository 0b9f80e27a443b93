using System.Text.Json.Serialization;

namespace Bosun.Contracts.Security;

/// <summary>What an API key may do.</summary>
[JsonConverter(typeof(NamedEnumConverter<ApiKeyRole>))]
public enum ApiKeyRole
{
    /// <summary>Read everything; change nothing.</summary>
    [JsonStringEnumMemberName("viewer")] Viewer,
    /// <summary>Read; deploy, run, cancel and retry flows; manage schedules.</summary>
    [JsonStringEnumMemberName("developer")] Developer,
    /// <summary>Read; heartbeat, claim and update runs, write their logs, resolve secrets for runs it claimed.</summary>
    [JsonStringEnumMemberName("worker")] Worker,
    /// <summary>Everything, including work pools, API keys and secrets.</summary>
    [JsonStringEnumMemberName("admin")] Admin,
}
