namespace Bosun.Server.Domain;

/// <summary>Readable run names ("brave-heron"), like Prefect's, so people can say which run they mean.</summary>
internal static class RunNames
{
    private static readonly string[] Adjectives =
    [
        "amber", "bold", "brave", "bright", "calm", "clever", "cosmic", "crisp", "daring", "eager", "fast", "fearless",
        "gentle", "glad", "golden", "grand", "happy", "hardy", "jolly", "keen", "kind", "lively", "lucky", "merry",
        "mighty", "nimble", "noble", "proud", "quick", "quiet", "rapid", "rustic", "sharp", "shiny", "silver", "smart",
        "steady", "stellar", "swift", "tidy", "vivid", "warm", "wise", "witty", "zesty",
    ];

    private static readonly string[] Nouns =
    [
        "albatross", "anchor", "barnacle", "beacon", "bosun", "buoy", "capstan", "compass", "cormorant", "corsair",
        "current", "dolphin", "dory", "galley", "gull", "harbor", "heron", "hull", "keel", "kelp", "lagoon", "lantern",
        "mariner", "mast", "narwhal", "oar", "orca", "otter", "pelican", "petrel", "puffin", "reef", "rudder", "sail",
        "schooner", "seal", "sextant", "skiff", "sloop", "tern", "tide", "walrus", "whale", "wharf",
    ];

    public static string Next() =>
        $"{Adjectives[Random.Shared.Next(Adjectives.Length)]}-{Nouns[Random.Shared.Next(Nouns.Length)]}";
}
