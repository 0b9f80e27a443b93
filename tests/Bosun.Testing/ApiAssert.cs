using System.Net;
using Bosun.Client;

namespace Bosun.Testing;

/// <summary>Assertions about API errors.</summary>
public static class ApiAssert
{
    /// <summary>Asserts that <paramref name="call"/> fails with <paramref name="status"/> and a detail containing every fragment.</summary>
    public static async Task<BosunApiException> FailsAsync(HttpStatusCode status, Func<Task> call, params string[] detailFragments)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(detailFragments);
        BosunApiException? caught = null;
        try
        {
            await call();
        }
        catch (BosunApiException ex)
        {
            caught = ex;
        }

        if (caught is null)
        {
            throw new Xunit.Sdk.XunitException($"Expected the call to fail with {(int)status} {status}, but it succeeded.");
        }

        if (caught.StatusCode != status)
        {
            throw new Xunit.Sdk.XunitException($"Expected {(int)status} {status}, got {(int)caught.StatusCode} {caught.StatusCode}: {caught.Message}");
        }

        foreach (var fragment in detailFragments)
        {
            if (!caught.Message.Contains(fragment, StringComparison.OrdinalIgnoreCase))
            {
                throw new Xunit.Sdk.XunitException($"Expected the problem detail to mention '{fragment}', but it was: {caught.Message}");
            }
        }

        return caught;
    }
}
