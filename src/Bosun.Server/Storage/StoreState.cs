namespace Bosun.Server.Storage;

/// <summary>What start-up learned about the store.</summary>
internal sealed class StoreState
{
    public int SchemaVersion { get; set; }
}
