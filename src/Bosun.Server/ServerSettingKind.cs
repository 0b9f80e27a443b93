namespace Bosun.Server;

/// <summary>What kind of value a <see cref="ServerSetting"/> takes.</summary>
public enum ServerSettingKind
{
    /// <summary>Text.</summary>
    Text,
    /// <summary>A whole number.</summary>
    Number,
    /// <summary>A duration: 90, 30s, 5m, 1h30m or 00:01:30.</summary>
    Duration,
    /// <summary>On or off: a flag without a value, or true/false in the environment and appsettings.</summary>
    Flag,
}
