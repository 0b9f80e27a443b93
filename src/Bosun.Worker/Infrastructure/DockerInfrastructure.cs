using System.Net;
using System.Net.Sockets;
using Bosun.Contracts.WorkPools;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Bosun.Worker.Infrastructure;

/// <summary>
/// The docker work pool: each run is one container, made from the rendered job configuration (docs/behaviour.md §5) through the
/// Docker Engine API at <c>DOCKER_HOST</c> (default the local socket). Pull, create and start errors are
/// <see cref="SubmissionException"/>s with the reason, so the run becomes CRASHED saying it.
/// </summary>
internal sealed class DockerInfrastructure : FlowRunInfrastructure
{
    private readonly DockerClient _docker;

    public DockerInfrastructure()
        : this(DockerEndpoint.FromEnvironment())
    {
    }

    public DockerInfrastructure(Uri endpoint)
    {
        Endpoint = endpoint;
        // Unversioned: the daemon's own API version (1.41 here); a newer pinned version fails on older engines.
        using var configuration = new DockerClientConfiguration(endpoint);
        _docker = configuration.CreateClient();
    }

    public Uri Endpoint { get; }

    public override string Type => WorkPoolTypes.Docker;

    public override async Task<InfrastructureHandle> StartAsync(JobContext job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var settings = DockerJobSettings.From(job);
        try
        {
            await EnsureImageAsync(settings, job, cancellationToken).ConfigureAwait(false);
            var since = TimeProvider.System.GetUtcNow().AddSeconds(-1);
            var (id, name) = await CreateAsync(settings, cancellationToken).ConfigureAwait(false);
            job.WorkerLog($"Created container '{name}' ({ShortId(id)}) from image '{settings.Image}'.");
            return await StartContainerAsync(settings, job, id, name, since, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or SocketException or TimeoutException)
        {
            throw new SubmissionException($"cannot reach the Docker daemon at {Endpoint}: {ex.Message}", ex);
        }
    }

    /// <summary>The image is there, or is pulled, as its pull policy says; logging in only when a pull happens.</summary>
    private async Task EnsureImageAsync(DockerJobSettings settings, JobContext job, CancellationToken cancellationToken)
    {
        var image = settings.Image;
        switch (settings.PullPolicy)
        {
            case ImagePullPolicy.Never when !await ImageExistsAsync(image, cancellationToken).ConfigureAwait(false):
                throw new SubmissionException($"image '{image}' not found locally and pull policy is Never");
            case ImagePullPolicy.Never:
                job.WorkerLog($"Using local image '{image}' (pull policy Never).");
                return;
            case ImagePullPolicy.IfNotPresent when await ImageExistsAsync(image, cancellationToken).ConfigureAwait(false):
                job.WorkerLog($"Image '{image}' is present; not pulling (pull policy IfNotPresent).");
                return;
            default:
                await PullAsync(settings, job, cancellationToken).ConfigureAwait(false);
                return;
        }
    }

    private async Task<bool> ImageExistsAsync(string image, CancellationToken cancellationToken)
    {
        try
        {
            await _docker.Images.InspectImageAsync(image, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private async Task PullAsync(DockerJobSettings settings, JobContext job, CancellationToken cancellationToken)
    {
        var image = settings.Image;
        var reference = ImageReference.Parse(image);
        job.WorkerLog($"Pulling image '{image}' (pull policy {settings.PullPolicy}).");
        AuthConfig? auth = null;
        if (settings.RegistryCredentials is { } credentials)
        {
            var server = credentials.Registry ?? reference.Registry ?? "https://index.docker.io/v1/";
            auth = new AuthConfig { Username = credentials.Username, Password = credentials.Password, ServerAddress = server };
            job.WorkerLog($"Logging in to registry {server} as '{credentials.Username}'.");
            try
            {
                await _docker.System.AuthenticateAsync(auth, cancellationToken).ConfigureAwait(false);
            }
            catch (DockerApiException ex)
            {
                throw new SubmissionException($"logging in to registry {server} as '{credentials.Username}' failed: {DockerErrors.Reason(ex)}", ex);
            }
        }

        var progress = new DockerProgressLog(job.WorkerLog);
        try
        {
            await _docker.Images.CreateImageAsync(
                new ImagesCreateParameters { FromImage = reference.Repository, Tag = reference.Digest ?? reference.Tag ?? "latest" },
                auth,
                progress,
                cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException ex)
        {
            throw new SubmissionException($"pulling image '{image}' failed: {DockerErrors.Reason(ex)}", ex);
        }

        if (progress.Error is { } error)
        {
            throw new SubmissionException($"pulling image '{image}' failed: {error}");
        }
    }

    /// <summary>Creates the container; a taken name gets -1, -2... appended.</summary>
    private async Task<(string Id, string Name)> CreateAsync(DockerJobSettings settings, CancellationToken cancellationToken)
    {
        var parameters = new CreateContainerParameters
        {
            Image = settings.Image,
            Env = [.. settings.Environment],
            Labels = new Dictionary<string, string>(settings.Labels),
            // A command replaces the image's entrypoint; without one the image's own entrypoint and cmd run the flow.
            Entrypoint = settings.Command is { } command ? [.. command] : null,
            AttachStdout = settings.StreamOutput,
            AttachStderr = settings.StreamOutput,
            HostConfig = new HostConfig
            {
                NetworkMode = settings.NetworkMode ?? (settings.Networks.Count > 0 ? settings.Networks[0] : null),
                Binds = settings.Volumes.Count > 0 ? [.. settings.Volumes] : null,
                AutoRemove = settings.AutoRemove,
                Memory = settings.MemoryLimit ?? 0,
                MemorySwap = settings.MemorySwapLimit ?? 0,
                Privileged = settings.Privileged,
            },
            NetworkingConfig = settings.NetworkMode is null && settings.Networks.Count > 0
                ? new NetworkingConfig { EndpointsConfig = new Dictionary<string, EndpointSettings> { [settings.Networks[0]] = new() } }
                : null,
        };
        for (var attempt = 0; ; attempt++)
        {
            parameters.Name = attempt == 0 ? settings.Name : $"{settings.Name}-{attempt}";
            try
            {
                var created = await _docker.Containers.CreateContainerAsync(parameters, cancellationToken).ConfigureAwait(false);
                return (created.ID, parameters.Name);
            }
            catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict && attempt < 1000)
            {
                // The name is taken: try the next suffix.
            }
            catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
            {
                throw new SubmissionException($"creating container '{parameters.Name}' failed: image '{settings.Image}' is not in the Docker daemon's store ({DockerErrors.Reason(ex)})", ex);
            }
            catch (DockerApiException ex)
            {
                throw new SubmissionException($"creating container '{parameters.Name}' from image '{settings.Image}' failed: {DockerErrors.Reason(ex)}", ex);
            }
        }
    }

    private async Task<InfrastructureHandle> StartContainerAsync(DockerJobSettings settings, JobContext job, string id, string name, DateTimeOffset since, CancellationToken cancellationToken)
    {
        MultiplexedStream? output = null;
        ContainerExitWatch? exitWatch = null;
        try
        {
            // Named to the server before it starts (a request, which a stopping worker may cancel): a container that then
            // never starts is removed below like any other.
            if (job.Created is { } created)
            {
                await created(id, cancellationToken).ConfigureAwait(false);
            }

            foreach (var network in settings.Networks.Skip(1))
            {
                await _docker.Networks.ConnectNetworkAsync(network, new NetworkConnectParameters { Container = id }, cancellationToken).ConfigureAwait(false);
            }

            // Attached before the start so that no early line is lost, and a removed container's output is still read.
            if (settings.StreamOutput)
            {
                output = await _docker.Containers.AttachContainerAsync(id, tty: false,
                    new ContainerAttachParameters { Stream = true, Stdout = true, Stderr = true }, cancellationToken).ConfigureAwait(false);
            }

            // An auto-removed container may be gone before the wait call arrives; its die event still has the exit code.
            if (settings.AutoRemove)
            {
                exitWatch = ContainerExitWatch.Start(_docker, id, since);
            }

            await _docker.Containers.StartContainerAsync(id, new ContainerStartParameters(), cancellationToken).ConfigureAwait(false);
            return new DockerContainerHandle(_docker, id, output, job.Output, exitWatch);
        }
        catch (DockerApiException ex)
        {
            output?.Dispose();
            exitWatch?.Dispose();
            await RemoveQuietlyAsync(id).ConfigureAwait(false);
            throw new SubmissionException($"starting container '{name}' failed: {DockerErrors.Reason(ex)}", ex);
        }
        catch
        {
            output?.Dispose();
            exitWatch?.Dispose();
            await RemoveQuietlyAsync(id).ConfigureAwait(false);
            throw;
        }
    }

    private async Task RemoveQuietlyAsync(string id)
    {
        try
        {
            await _docker.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DockerApiException or HttpRequestException or IOException)
        {
            // Already gone (auto_remove), being removed, or the daemon went away: nothing more to do here.
        }
    }

    private static string ShortId(string id) => id.Length > 12 ? id[..12] : id;
}
