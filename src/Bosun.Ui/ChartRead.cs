namespace Bosun.Ui;

/// <summary>
/// What a page's chart last read, for which window and when. A chart over hours or days is read again every
/// <see cref="ReadEvery"/> (or at once for another window), not at each of the page's one-second refreshes.
/// </summary>
internal sealed record ChartRead<T>(ChartWindow Window, DateTimeOffset ReadAt, IReadOnlyList<T> Items)
{
    public static readonly TimeSpan ReadEvery = TimeSpan.FromSeconds(10);

    public static readonly ChartRead<T> None = new(ChartWindow.Day, DateTimeOffset.MinValue, []);

    public bool Due(ChartWindow window, DateTimeOffset now) => ReferenceEquals(this, None) || window != Window || now - ReadAt >= ReadEvery;
}
