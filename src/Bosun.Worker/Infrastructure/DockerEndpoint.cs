namespace Bosun.Worker.Infrastructure;

/// <summary>Where the Docker Engine API is: <c>DOCKER_HOST</c>, else the local socket.</summary>
internal static class DockerEndpoint
{
    public const string DefaultSocket = "unix:///var/run/docker.sock";

    public static Uri FromEnvironment()
    {
        var value = Environment.GetEnvironmentVariable("DOCKER_HOST");
        var endpoint = string.IsNullOrWhiteSpace(value) ? DefaultSocket : value;
        return Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)
            ? uri
            : throw new WorkerStartupException($"DOCKER_HOST '{value}' is not an address such as unix:///var/run/docker.sock or tcp://127.0.0.1:2375.");
    }
}
