using Microsoft.Extensions.Options;

namespace Bosun.Server.Orchestration;

/// <summary>Reports every invalid server setting at once, at start-up.</summary>
internal sealed class BosunServerOptionsValidator : IValidateOptions<BosunServerOptions>
{
    public ValidateOptionsResult Validate(string? name, BosunServerOptions options) =>
        options.Validate() is { Count: > 0 } failures ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
}
