namespace Bosun.Testing;

/// <summary>
/// What scripts/ci-setup/20-docker.sh prepares for the Docker tests; the two must agree. Everything is on 127.0.0.1.
/// </summary>
public static class DockerTestEnvironment
{
    /// <summary>The .NET runtime base image made from this machine's own files (static busybox included): no pull.</summary>
    public const string BaseImage = "bosun-test/dotnet-runtime:10.0";

    /// <summary>The local registry with htpasswd credentials.</summary>
    public const string Registry = "127.0.0.1:5055";

    public const string RegistryUser = "bosun-test";

    public const string RegistryPassword = "bosun-test-password";

    /// <summary>Every image and container a test creates carries this label (value "true")...</summary>
    public const string TestLabel = "io.bosun.test";

    /// <summary>...and this one with the test's own id, by which it is cleaned up; nothing else is ever removed.</summary>
    public const string TestIdLabel = "io.bosun.test.id";
}
