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
