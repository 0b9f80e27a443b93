using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Bosun.Worker.Infrastructure;

/// <summary>
/// Follows one container's <c>die</c> event (replayed from just before its creation), whose attributes carry the exit
/// code: the fallback for an auto-removed container that is gone before the wait call reaches the daemon.
/// </summary>
internal sealed class ContainerExitWatch : IProgress<Message>, IDisposable
{
    private readonly TaskCompletionSource<int> _exitCode = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();

    private ContainerExitWatch()
    {
    }

    public static ContainerExitWatch Start(DockerClient docker, string containerId, DateTimeOffset since)
    {
        var watch = new ContainerExitWatch();
        var parameters = new ContainerEventsParameters
        {
            Since = since.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["container"] = new Dictionary<string, bool> { [containerId] = true },
                ["event"] = new Dictionary<string, bool> { ["die"] = true },
            },
        };
        _ = watch.FollowAsync(docker, parameters);
        return watch;
    }

    /// <summary>The exit code from the die event, or null when none arrives within <paramref name="timeout"/>.</summary>
    public async Task<int?> ExitCodeAsync(TimeSpan timeout)
    {
        var first = await Task.WhenAny(_exitCode.Task, Task.Delay(timeout)).ConfigureAwait(false);
        return first == _exitCode.Task ? await _exitCode.Task.ConfigureAwait(false) : null;
    }

    public void Report(Message value)
    {
        if (value is { Action: "die" } && value.Actor?.Attributes is { } attributes
            && attributes.TryGetValue("exitCode", out var text)
            && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var code))
        {
            _exitCode.TrySetResult(code);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    private async Task FollowAsync(DockerClient docker, ContainerEventsParameters parameters)
    {
        try
        {
            await docker.System.MonitorEventsAsync(parameters, this, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or DockerApiException or HttpRequestException or IOException or ObjectDisposedException)
        {
            // Stopped, or the daemon went away: the wait result, or "exit unknown", decides.
        }
    }
}
