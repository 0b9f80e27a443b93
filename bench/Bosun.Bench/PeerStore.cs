namespace Bosun.Bench;

/// <summary>
/// Where one system of the comparison keeps its jobs: a fresh temp folder (SQLite files, key files) and, on PostgreSQL,
/// a fresh database in the shared cluster; both removed afterwards.
/// </summary>
internal sealed class PeerStore : IAsyncDisposable
{
    private PeerStore(string directory, string? postgres)
    {
        Directory = directory;
        Postgres = postgres;
    }

    public string Directory { get; }

    /// <summary>The connection string of the fresh database, or null on SQLite.</summary>
    public string? Postgres { get; }

    public static async Task<PeerStore> CreateAsync(string store)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"bosun-peers-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(directory);
        return new PeerStore(directory, store == "postgres" ? await PostgresBenchmarks.CreateDatabaseAsync() : null);
    }

    /// <summary>The location a product is given: the PostgreSQL connection string, or a SQLite file named for it.</summary>
    public string Location(string product) => Postgres ?? Path.Combine(Directory, $"{product}.db");

    public async ValueTask DisposeAsync()
    {
        if (Postgres is not null)
        {
            await PostgresBenchmarks.DropDatabaseAsync(Postgres);
        }

        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
