using System.Text.Json.Serialization;

namespace Bosun.Contracts.Automations;

/// <summary>Where an action's delivery stands.</summary>
[JsonConverter(typeof(NamedEnumConverter<DeliveryStatus>))]
public enum DeliveryStatus
{
    /// <summary>Not yet delivered: due now or waiting to try again.</summary>
    [JsonStringEnumMemberName("PENDING")] Pending,
    /// <summary>Done (a webhook answered 2xx).</summary>
    [JsonStringEnumMemberName("DELIVERED")] Delivered,
    /// <summary>Given up after the last attempt, or refused for good (a 4xx other than 408/429).</summary>
    [JsonStringEnumMemberName("FAILED")] Failed,
}
