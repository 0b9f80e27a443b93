namespace Bosun.Server.Storage;

/// <summary>The database was written by a newer Bosun; starting would corrupt it.</summary>
public sealed class SchemaTooNewException(int databaseVersion, int codeVersion)
    : Exception($"The database schema is at version {databaseVersion}, but this Bosun server only knows versions up to {codeVersion}. Upgrade Bosun, or point it at another database.")
{
    public int DatabaseVersion { get; } = databaseVersion;

    public int CodeVersion { get; } = codeVersion;
}
