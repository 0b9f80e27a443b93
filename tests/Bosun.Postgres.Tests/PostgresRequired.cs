using Bosun.Testing;

namespace Bosun.Postgres.Tests;

/// <summary>These tests need PostgreSQL: under CI=true its absence fails the test; elsewhere the test returns early, saying why.</summary>
internal static class PostgresRequired
{
    public static bool Cluster() => Check(TestDatabases.PostgresAdmin is null
        ? "no PostgreSQL test cluster: run scripts/ci-setup/10-postgres.sh or set BOSUN_TEST_POSTGRES"
        : null);

    public static bool PrivateCluster() => Check(PrivatePostgresCluster.Unavailable());

    private static bool Check(string? missing)
    {
        if (missing is null)
        {
            return true;
        }

        if (TestEnvironment.InCi)
        {
            Assert.Fail($"PostgreSQL is required under CI: {missing}.");
        }

        Console.WriteLine($"Not run: {missing}.");
        return false;
    }
}
