using Microsoft.Extensions.Options;

namespace Bosun.Server.Orchestration;

/// <summary>Reports every invalid server setting at once, at start-up.</summary>
internal sealed class BosunServerOptionsValidator : IValidateOptions<BosunServerOptions>
{
    public ValidateOptionsResult Validate(string? name, BosunServerOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Host))
        {
            failures.Add("Host must not be empty.");
        }

        if (options.Port is < 0 or > 65535)
        {
            failures.Add($"Port {options.Port} is outside 0-65535.");
        }

        if (string.IsNullOrWhiteSpace(options.Database))
        {
            failures.Add("Database must name a SQLite file.");
        }

        if (options.MaxRequestBodyBytes < 1024)
        {
            failures.Add("MaxRequestBodyBytes must be at least 1024.");
        }

        if (options.LateRunThreshold <= TimeSpan.Zero || options.ServiceInterval <= TimeSpan.Zero || options.RunHeartbeatTimeout <= TimeSpan.Zero)
        {
            failures.Add("LateRunThreshold, ServiceInterval and RunHeartbeatTimeout must be positive.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
