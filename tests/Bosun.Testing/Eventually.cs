namespace Bosun.Testing;

/// <summary>Waits on a condition with a deadline, instead of sleeping.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Polls <paramref name="condition"/> until it holds; fails with <paramref name="what"/> when the deadline passes,
    /// and with what <paramref name="seen"/> says of the last poll.
    /// </summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null, Func<string>? seen = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = TimeProvider.System.GetUtcNow() + (timeout ?? DefaultTimeout);
        var delay = TimeSpan.FromMilliseconds(10);
        while (true)
        {
            if (await condition())
            {
                return;
            }

            if (TimeProvider.System.GetUtcNow() > deadline)
            {
                throw new TimeoutException($"Timed out after {(timeout ?? DefaultTimeout).TotalSeconds:0.#} s waiting until {what}{(seen is null ? "" : $"; {seen()}")}.");
            }

            await Task.Delay(delay);
            delay = TimeSpan.FromMilliseconds(Math.Min(200, delay.TotalMilliseconds * 2));
        }
    }

    /// <summary>
    /// Polls <paramref name="read"/> until its value satisfies <paramref name="accept"/>, and returns that value; a
    /// timeout names the last value read (a record prints its fields), so a failure says where the value was stuck.
    /// </summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T>> read, Func<T, bool> accept, string what, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(accept);
        T value = default!;
        await WaitUntilAsync(async () => accept(value = await read()), what, timeout, () => $"last read {value?.ToString() ?? "nothing"}");
        return value;
    }
}
