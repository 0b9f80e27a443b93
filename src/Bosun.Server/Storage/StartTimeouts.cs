using Bosun.Contracts;
using Bosun.Contracts.Deployments;

namespace Bosun.Server.Storage;

/// <summary>The stored start-timeout action: null (never set) is FAIL, the default.</summary>
internal static class StartTimeouts
{
    public static StartTimeoutAction Parse(string? stored) =>
        stored is not null && EnumNames.TryParse<StartTimeoutAction>(stored, out var action) ? action : StartTimeoutAction.Fail;
}
