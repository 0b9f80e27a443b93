namespace Bosun.Client;

/// <summary>
/// One line when the server stops answering and one when it answers again, however many requests fail in between:
/// an outage of minutes is two lines in a worker's or flow process's output, not a stack trace per retry.
/// </summary>
internal sealed class ServerOutage(BosunClientOptions options)
{
    private long _sinceTicks;

    public void Failed(string reason)
    {
        var now = options.TimeProvider.GetUtcNow();
        if (options.Logger is { } logger && Interlocked.CompareExchange(ref _sinceTicks, now.UtcTicks, 0) == 0)
        {
            Log.ServerNotAnswering(logger, options.ApiUrl, reason, options.OutageRetryWindow);
        }
    }

    /// <summary>
    /// The server answered a request sent at <paramref name="sentAt"/> (now, when not given). The outage is counted up to
    /// when that request was sent: a long-polling claim answered 20 s after the server came back does not make a 4 s
    /// outage read as 24 s.
    /// </summary>
    public void Answered(DateTimeOffset? sentAt = null)
    {
        if (Interlocked.Read(ref _sinceTicks) == 0 || options.Logger is not { } logger)
        {
            return;
        }

        var since = Interlocked.Exchange(ref _sinceTicks, 0);
        if (since != 0)
        {
            var duration = (sentAt ?? options.TimeProvider.GetUtcNow()) - new DateTimeOffset(since, TimeSpan.Zero);
            Log.ServerAnswersAgain(logger, options.ApiUrl, duration > TimeSpan.Zero ? duration : TimeSpan.Zero);
        }
    }
}
