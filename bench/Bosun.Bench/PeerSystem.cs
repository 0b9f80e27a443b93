namespace Bosun.Bench;

/// <summary>One system of the peer comparison: a product on a store, with the library's defaults or "tuned".</summary>
internal sealed record PeerSystem(string Product, string Store, bool Tuned = false)
{
    /// <summary>The order they run in within a round: products interleaved, so each sees the same machine.</summary>
    public static readonly IReadOnlyList<PeerSystem> All =
    [
        new("bosun", "sqlite"), new("hangfire", "sqlite"), new("quartz", "sqlite"),
        new("bosun", "postgres"), new("hangfire", "postgres"), new("quartz", "postgres"),
        new("hangfire", "postgres", Tuned: true), new("quartz", "postgres", Tuned: true),
    ];

    public string Name => $"{Product}-{Store}{(Tuned ? "-tuned" : "")}";
}
