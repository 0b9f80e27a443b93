using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Bosun.Server.Orchestration.Security;

/// <summary>
/// Tokens scoped to one flow run: `bosunrun.RUN.DEPLOYMENT.EXPIRY.SIGNATURE`, signed with the server key. They let the
/// flow-run process propose its run's states, write its logs, heartbeat it and read it and its deployment — nothing else.
/// </summary>
internal sealed class RunTokens(ServerKey key, TimeProvider timeProvider)
{
    public const string Prefix = "bosunrun.";

    public (string Token, DateTimeOffset Expires) Issue(Guid runId, Guid? deploymentId, TimeSpan lifetime)
    {
        var expires = timeProvider.GetUtcNow() + lifetime;
        var payload = $"{runId:N}.{deploymentId ?? Guid.Empty:N}.{expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}";
        return ($"{Prefix}{payload}.{key.Sign(payload)}", expires);
    }

    /// <summary>The run and deployment of a valid, unexpired token; null otherwise.</summary>
    public (Guid RunId, Guid? DeploymentId)? Validate(string token)
    {
        var parts = token[Prefix.Length..].Split('.');
        if (parts.Length != 4 || !Guid.TryParseExact(parts[0], "N", out var runId) || !Guid.TryParseExact(parts[1], "N", out var deploymentId)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var expires))
        {
            return null;
        }

        var expected = key.Sign($"{parts[0]}.{parts[1]}.{parts[2]}");
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(parts[3])))
        {
            return null;
        }

        return DateTimeOffset.FromUnixTimeSeconds(expires) > timeProvider.GetUtcNow()
            ? (runId, deploymentId == Guid.Empty ? null : deploymentId)
            : null;
    }
}
