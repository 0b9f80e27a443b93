using System.Text.Json;
using Docker.DotNet;

namespace Bosun.Worker.Infrastructure;

/// <summary>The daemon's own words for a failed call: the <c>message</c> of its JSON error body.</summary>
internal static class DockerErrors
{
    public static string Reason(DockerApiException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var body = exception.ResponseBody?.Trim();
        if (!string.IsNullOrEmpty(body))
        {
            try
            {
                using var document = JsonDocument.Parse(body);
                if (document.RootElement.ValueKind == JsonValueKind.Object
                    && document.RootElement.TryGetProperty("message", out var message)
                    && message.GetString() is { Length: > 0 } text)
                {
                    return text;
                }
            }
            catch (JsonException)
            {
                // Not JSON: the body itself is the best reason there is.
            }

            return body;
        }

        return $"{(int)exception.StatusCode} {exception.StatusCode}";
    }
}
