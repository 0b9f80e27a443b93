namespace Bosun.Contracts;

/// <summary>A page of results: the items and the total that matched.</summary>
/// <typeparam name="T">The item type.</typeparam>
/// <param name="Items">This page.</param>
/// <param name="Total">All rows that matched the filter; -1 where it was not counted (a run's log lines after the first page).</param>
/// <param name="Offset">The offset of this page.</param>
/// <param name="Limit">The page size asked for.</param>
public sealed record Page<T>(IReadOnlyList<T> Items, int Total, int Offset, int Limit)
{
    /// <summary>The cursor of the next page where the list pages by cursor and more rows follow; null on the last page.</summary>
    public string? NextCursor { get; init; }

    /// <summary>
    /// True where counting stopped at the server's limit (flow runs: <c>--list-count-limit</c>, 10,000 by default) before
    /// the last match: at least <see cref="Total"/> rows match. A first page then costs the same on a store of millions.
    /// </summary>
    public bool TotalIsLowerBound { get; init; }
}
