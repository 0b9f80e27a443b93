namespace Bosun.Client;

/// <summary>No Bosun server answered at the configured address, even after retrying.</summary>
public sealed class BosunServerUnreachableException : Exception
{
    /// <summary>Creates the exception for <paramref name="apiUrl"/>.</summary>
    public BosunServerUnreachableException(Uri apiUrl, Exception innerException)
        : base($"No Bosun server answered at {apiUrl} ({innerException.Message}). Start one with `bosun server start`, or set BOSUN_API_URL.", innerException)
    {
        ApiUrl = apiUrl;
    }

    /// <summary>Creates an exception with a message.</summary>
    public BosunServerUnreachableException() : base("No Bosun server answered.")
    {
        ApiUrl = new Uri("http://127.0.0.1:4200/api/");
    }

    /// <summary>Creates an exception with a message.</summary>
    public BosunServerUnreachableException(string message) : base(message)
    {
        ApiUrl = new Uri("http://127.0.0.1:4200/api/");
    }

    /// <summary>Creates an exception with a message and cause.</summary>
    public BosunServerUnreachableException(string message, Exception innerException) : base(message, innerException)
    {
        ApiUrl = new Uri("http://127.0.0.1:4200/api/");
    }

    /// <summary>The API address that was tried.</summary>
    public Uri ApiUrl { get; }
}
