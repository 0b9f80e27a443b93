using System.Text.Json.Serialization;

namespace Bosun.Contracts.Deployments;

/// <summary>What happens to a new run when its deployment's concurrency limit is reached.</summary>
[JsonConverter(typeof(NamedEnumConverter<CollisionStrategy>))]
public enum CollisionStrategy
{
    /// <summary>The run waits (SCHEDULED, AwaitingConcurrencySlot) until a slot frees.</summary>
    [JsonStringEnumMemberName("ENQUEUE")] Enqueue,
    /// <summary>The run is cancelled.</summary>
    [JsonStringEnumMemberName("CANCEL_NEW")] CancelNew,
}
