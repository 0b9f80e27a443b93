using System.Globalization;

namespace Bosun.Ui;

/// <summary>
/// The time window a chart shows (the <c>window</c> query parameter: <c>24h</c> or <c>7d</c>) and its buckets. A window
/// ends with the bucket that holds now, and buckets start on whole multiples of their length in UTC, so a bucket's
/// figures do not shift from one refresh to the next.
/// </summary>
public sealed record ChartWindow(string Key, string Title, TimeSpan Length, TimeSpan Bucket)
{
    public static readonly ChartWindow Day = new("24h", "Last 24 hours", TimeSpan.FromDays(1), TimeSpan.FromHours(1));

    public static readonly ChartWindow Week = new("7d", "Last 7 days", TimeSpan.FromDays(7), TimeSpan.FromHours(6));

    public static readonly IReadOnlyList<ChartWindow> All = [Day, Week];

    /// <summary>The window a query value names; the last 24 hours for none or an unknown one.</summary>
    public static ChartWindow Parse(string? key) => All.FirstOrDefault(window => window.Key == key) ?? Day;

    public int Buckets => (int)(Length / Bucket);

    public (DateTimeOffset From, DateTimeOffset To) Range(DateTimeOffset now)
    {
        var to = new DateTimeOffset(((now.UtcTicks / Bucket.Ticks) + 1) * Bucket.Ticks, TimeSpan.Zero);
        return (to - Length, to);
    }

    /// <summary>The starts of the window's buckets, oldest first.</summary>
    public IReadOnlyList<DateTimeOffset> Starts(DateTimeOffset now)
    {
        var from = Range(now).From;
        return Enumerable.Range(0, Buckets).Select(index => from + (Bucket * index)).ToList();
    }

    /// <summary>A bucket's start as an axis or table label (UTC): the hour for a day, the day and hour for a week.</summary>
    public string Label(DateTimeOffset start) =>
        start.UtcDateTime.ToString(Length <= TimeSpan.FromDays(1) ? "HH:mm" : "ddd dd HH:mm", CultureInfo.InvariantCulture);
}
