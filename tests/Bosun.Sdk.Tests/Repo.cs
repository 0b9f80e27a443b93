namespace Bosun.Sdk.Tests;

/// <summary>A record result with a collection, for the result round trips.</summary>
public sealed record Repo(string Name, int Stars, IReadOnlyList<string> Topics);

/// <summary>Records with lists compare their lists by reference; results come back as new lists.</summary>
internal sealed class RepoComparer : IEqualityComparer<Repo?>
{
    public static RepoComparer Instance { get; } = new();

    public bool Equals(Repo? x, Repo? y) =>
        x is null || y is null ? x is null && y is null : x.Name == y.Name && x.Stars == y.Stars && x.Topics.SequenceEqual(y.Topics);

    public int GetHashCode(Repo? obj) => obj?.Name.GetHashCode(StringComparison.Ordinal) ?? 0;
}
