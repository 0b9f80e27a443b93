namespace Bosun.Contracts.ConcurrencyLimits;

/// <summary>
/// A tag concurrency limit: at most <paramref name="Limit"/> task runs carrying <paramref name="Tag"/> run at once, across
/// every flow run. A task run holds a slot from the moment the server grants it until the task ends (or its flow run ends).
/// </summary>
/// <param name="Id">The limit's id.</param>
/// <param name="Tag">The task tag it limits.</param>
/// <param name="Limit">Most task runs with the tag running at once (0 holds every one back).</param>
/// <param name="ActiveSlots">How many slots are held now.</param>
/// <param name="ActiveTaskRunIds">The task runs holding them, oldest first.</param>
/// <param name="Created">When it was created.</param>
/// <param name="Updated">When its limit last changed.</param>
public sealed record ConcurrencyLimit(
    Guid Id, string Tag, int Limit, int ActiveSlots, IReadOnlyList<Guid> ActiveTaskRunIds, DateTimeOffset Created, DateTimeOffset Updated);
