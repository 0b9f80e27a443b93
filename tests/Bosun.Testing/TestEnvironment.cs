namespace Bosun.Testing;

/// <summary>Facts about where the tests run.</summary>
public static class TestEnvironment
{
    /// <summary>True under CI=true, where a missing service (dockerd, PostgreSQL, Chromium) fails a test instead of skipping it.</summary>
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
}
