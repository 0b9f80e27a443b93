using System.Text.Json.Serialization;

namespace Bosun.Contracts.WorkPools;

/// <summary>How far deployments and runs may change one job variable of a work pool's base job template.</summary>
[JsonConverter(typeof(NamedEnumConverter<JobVariableRuleMode>))]
public enum JobVariableRuleMode
{
    /// <summary>Any value the template's schema accepts.</summary>
    [JsonStringEnumMemberName("open")] Open,
    /// <summary>Only values the rule's allow-list, pattern or range accept (each item of an array, each value of an object).</summary>
    [JsonStringEnumMemberName("constrained")] Constrained,
    /// <summary>Only the pool's value (the template's default, or unset when it has none).</summary>
    [JsonStringEnumMemberName("locked")] Locked,
}
