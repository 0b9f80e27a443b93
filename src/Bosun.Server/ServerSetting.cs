using Bosun.Server.Orchestration;

namespace Bosun.Server;

/// <summary>One setting of the server (<see cref="BosunServerSettings"/>).</summary>
/// <param name="Name">The option's name, and its key in the appsettings section <c>Bosun</c>.</param>
/// <param name="Flag">Its flag of <c>bosun server start</c>.</param>
/// <param name="EnvironmentVariable">Its environment variable.</param>
/// <param name="Description">What it does.</param>
/// <param name="Kind">What kind of value it takes.</param>
/// <param name="Set">Sets it from text; returns what is wrong with the text, or null.</param>
/// <param name="Show">Its value in a set of options, as text (the default, from fresh options).</param>
public sealed record ServerSetting(
    string Name,
    string Flag,
    string EnvironmentVariable,
    string Description,
    ServerSettingKind Kind,
    Func<BosunServerOptions, string, string?> Set,
    Func<BosunServerOptions, string> Show)
{
    /// <summary>The default, as text.</summary>
    public string Default => Show(new BosunServerOptions());
}
