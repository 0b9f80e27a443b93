using System.Security.Cryptography;
using System.Text;

namespace Bosun.Server.Orchestration.Security;

/// <summary>API keys are 32 random bytes, shown once; only their SHA-256 is stored (they are too long to guess, so no slow hash is needed).</summary>
internal static class ApiKeySecrets
{
    public const string Prefix = "bosun_";

    public const string BootstrapPrefix = "bosun_bootstrap_";

    public static string NewKey() => Prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public static string NewBootstrapToken() => BootstrapPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
