using Bosun.Testing;

namespace Bosun.Faults.Tests;

/// <summary>
/// Each fault case runs on SQLite and on PostgreSQL at the same time (CI runs this project once, so it covers both
/// stores itself). Without a PostgreSQL cluster the PostgreSQL half fails under CI=true and is left out elsewhere.
/// </summary>
internal static class Stores
{
    public static async Task EachAsync(Func<bool, Task> scenario)
    {
        var stores = new List<bool> { false };
        if (TestDatabases.PostgresAdmin is not null)
        {
            stores.Add(true);
        }
        else if (TestEnvironment.InCi)
        {
            Assert.Fail("PostgreSQL is required under CI: run scripts/ci-setup/10-postgres.sh or set BOSUN_TEST_POSTGRES.");
        }
        else
        {
            Console.WriteLine("PostgreSQL half not run: no test cluster (scripts/ci-setup/10-postgres.sh or BOSUN_TEST_POSTGRES).");
        }

        var runs = stores.Select(async postgres =>
        {
            try
            {
                await scenario(postgres);
                return null;
            }
            catch (Exception ex)
            {
                return new InvalidOperationException($"On {(postgres ? "PostgreSQL" : "SQLite")}: {ex.Message}", ex);
            }
        }).ToList();
        var failures = (await Task.WhenAll(runs)).OfType<Exception>().ToList();
        if (failures.Count > 0)
        {
            throw new AggregateException(failures);
        }
    }
}
