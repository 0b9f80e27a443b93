using Microsoft.Extensions.Logging;

namespace Bosun.Client;

/// <summary>How a <see cref="BosunClient"/> talks to the server.</summary>
public sealed class BosunClientOptions
{
    /// <summary>The API address, e.g. http://127.0.0.1:4200/api (BOSUN_API_URL).</summary>
    public Uri ApiUrl { get; set; } = new("http://127.0.0.1:4200/api/");

    /// <summary>An API key sent as a bearer token, when the server requires one (BOSUN_API_KEY).</summary>
    public string? ApiKey { get; set; }

    /// <summary>Attempts for a request that failed transiently (no connection, 502, 503, 504). 1 means no retry.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>The first retry delay; it doubles on each attempt.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Timeout of one request (a long-poll claim adds its wait to this).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>
    /// How long a request is retried while the server does not answer (no connection, no answer in time, 502, 503,
    /// 504), counted from its first failure. Zero (the default) retries <see cref="MaxAttempts"/> times instead. Workers,
    /// serving processes and flow-run processes set it (<see cref="DefaultOutageRetryWindow"/>) so that a server restart
    /// or a short outage is ridden out rather than turned into a failure.
    /// </summary>
    public TimeSpan OutageRetryWindow { get; set; }

    /// <summary>The longest wait between two retries: delays double from <see cref="RetryDelay"/> up to this, with jitter, so a client notices within seconds that the server is back.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>The clock of the retry delays and the outage window.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Where the client writes one line when the server stops answering and one when it answers again (default: nowhere).</summary>
    public ILogger? Logger { get; set; }

    /// <summary>The outage retry window of workers, serving and flow-run processes unless configured: 10 minutes.</summary>
    public static TimeSpan DefaultOutageRetryWindow { get; } = TimeSpan.FromMinutes(10);

    /// <summary>The environment variable that sets a flow-run process's <see cref="OutageRetryWindow"/> in seconds (a worker passes its own on).</summary>
    public const string OutageRetryWindowVariable = "BOSUN_SERVER_RETRY_SECONDS";

    /// <summary>Options from BOSUN_API_URL and BOSUN_API_KEY, falling back to the defaults.</summary>
    public static BosunClientOptions FromEnvironment()
    {
        var options = new BosunClientOptions();
        var url = Environment.GetEnvironmentVariable("BOSUN_API_URL");
        if (!string.IsNullOrWhiteSpace(url))
        {
            options.ApiUrl = NormalizeApiUrl(url);
        }

        var key = Environment.GetEnvironmentVariable("BOSUN_API_KEY");
        if (!string.IsNullOrWhiteSpace(key))
        {
            options.ApiKey = key;
        }

        return options;
    }

    /// <summary>Parses an API address, adding the trailing slash relative paths need.</summary>
    public static Uri NormalizeApiUrl(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"'{url}' is not an http(s) address such as http://127.0.0.1:4200/api.", nameof(url));
        }

        return uri;
    }
}
