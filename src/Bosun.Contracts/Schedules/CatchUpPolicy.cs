using System.Text.Json.Serialization;

namespace Bosun.Contracts.Schedules;

/// <summary>What happens to scheduled runs missed while Bosun or its workers were down.</summary>
[JsonConverter(typeof(NamedEnumConverter<CatchUpPolicy>))]
public enum CatchUpPolicy
{
    /// <summary>Run every missed run (Prefect's behaviour).</summary>
    [JsonStringEnumMemberName("ALL")] All,
    /// <summary>Run only the most recent missed run; the others are cancelled and counted as skipped.</summary>
    [JsonStringEnumMemberName("LATEST")] Latest,
    /// <summary>Run none of the missed runs; they are cancelled (or never created) and counted as skipped.</summary>
    [JsonStringEnumMemberName("SKIP")] Skip,
}
