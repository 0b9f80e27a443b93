using System.Net.Sockets;
using System.Text.Json;
using Bosun.Sdk.Images;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Bosun.Sdk;

/// <summary>
/// Builds (and optionally pushes) a deployment's image through the Docker Engine API (docs/behaviour.md §7): the project's
/// <c>dotnet publish</c> output on a .NET runtime base image with a generated Dockerfile, or the user's Dockerfile as
/// it is with the project folder as context. Progress goes to the deploy's output writer.
/// </summary>
internal static class ImageBuilds
{
    /// <summary>Overrides the generated Dockerfile's base image (default Microsoft's runtime or aspnet image of the app's .NET version).</summary>
    public const string BaseImageVariable = "BOSUN_DOCKER_BASE_IMAGE";

    /// <summary>Extra labels for the built image, written <c>key=value,key2=value2</c>.</summary>
    public const string ImageLabelsVariable = "BOSUN_DOCKER_IMAGE_LABELS";

    private const string CustomDockerfileEntry = ".bosun.Dockerfile";

    /// <summary>Builds <paramref name="image"/> from the entry assembly's project and returns the reference to record.</summary>
    public static Task<string> BuildAsync(DeploymentImage image, bool push, TextWriter output, CancellationToken cancellationToken) =>
        BuildAsync(image, push, ProjectDirectory.OfEntryAssembly(), output, cancellationToken);

    /// <summary>Builds <paramref name="image"/> from <paramref name="project"/> and returns the reference to record.</summary>
    public static async Task<string> BuildAsync(DeploymentImage image, bool push, ProjectDirectory project, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(project);
        var progress = new ProgressWriter(output);
        var reference = image.Reference;
        progress.Line($"Building image '{reference}' from the .NET project in {project.Path} ({Path.GetFileName(project.ProjectFile)}).");
        var endpoint = DockerEndpoint();
        using var configuration = new DockerClientConfiguration(endpoint);
        // Unversioned: the daemon's own API version; a newer pinned version fails on older engines.
        using var docker = configuration.CreateClient();
        var workDirectory = Path.Combine(Path.GetTempPath(), $"bosun-build-{Guid.NewGuid():N}");
        Directory.CreateDirectory(workDirectory);
        try
        {
            var context = BuildContext.Create();
            await using (context.ConfigureAwait(false))
            {
                var dockerfile = await FillContextAsync(context, image, project, workDirectory, progress, cancellationToken).ConfigureAwait(false);
                await BuildImageAsync(docker, await context.CompleteAsync().ConfigureAwait(false), dockerfile, image, Labels(project), progress, cancellationToken).ConfigureAwait(false);
            }

            if (push)
            {
                await PushAsync(docker, image, RegistryAuth.Find(image.Registry), progress, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                progress.Line("Not pushed (push: false): the image exists only in this machine's Docker daemon, so only a worker that uses this same " +
                    "Docker daemon can run this deployment. Deploy with push: true to publish it to a registry the workers pull from.");
            }

            return reference;
        }
        catch (Exception ex) when (ex is HttpRequestException or SocketException || ex is IOException && ex.InnerException is SocketException)
        {
            throw new DeploymentException($"Cannot reach the Docker daemon at {endpoint} to build image '{reference}': {ex.Message}. Start Docker, or point DOCKER_HOST at it.", ex);
        }
        finally
        {
            progress.Flush();
            try
            {
                Directory.Delete(workDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: the temp cleaner takes what is left.
            }
        }
    }

    /// <summary>
    /// What a container of <paramref name="reference"/> runs (its ENTRYPOINT and CMD), as a command line: a deployment of
    /// an image shows this, not a path on the deploying machine.
    /// </summary>
    public static async Task<string> EntrypointAsync(string reference, CancellationToken cancellationToken)
    {
        using var configuration = new DockerClientConfiguration(DockerEndpoint());
        using var docker = configuration.CreateClient();
        var inspected = await docker.Images.InspectImageAsync(reference, cancellationToken).ConfigureAwait(false);
        var words = (inspected.Config?.Entrypoint ?? []).Concat(inspected.Config?.Cmd ?? []);
        return ExecutableCommand.Quote(words);
    }

    /// <summary>The generated Dockerfile: the published app on the base image, run as the image's entrypoint.</summary>
    public static string GeneratedDockerfile(string baseImage, string assemblyName) => $"""
        FROM {baseImage}
        WORKDIR /app
        COPY app/ /app/
        ENTRYPOINT ["dotnet", "/app/{assemblyName}.dll"]

        """;

    /// <summary>Fills the context and returns the Dockerfile's name inside it.</summary>
    private static async Task<string> FillContextAsync(BuildContext context, DeploymentImage image, ProjectDirectory project, string workDirectory, ProgressWriter progress, CancellationToken cancellationToken)
    {
        if (image.Dockerfile is null)
        {
            var published = Path.Combine(workDirectory, "app");
            await DotnetPublish.RunAsync(project, published, progress, cancellationToken).ConfigureAwait(false);
            var app = DotnetPublish.ReadApp(published, Path.GetFileNameWithoutExtension(project.ProjectFile));
            var configured = Environment.GetEnvironmentVariable(BaseImageVariable);
            var baseImage = string.IsNullOrWhiteSpace(configured) ? app.DefaultBaseImage : configured.Trim();
            progress.Line($"Generated Dockerfile: {app.AssemblyName}.dll on {baseImage} " +
                (string.IsNullOrWhiteSpace(configured) ? $"(set {BaseImageVariable} to use another base image)." : $"(from {BaseImageVariable})."));
            await context.AddTextAsync("Dockerfile", GeneratedDockerfile(baseImage, app.AssemblyName), cancellationToken).ConfigureAwait(false);
            await context.AddDirectoryAsync(published, "app", null, cancellationToken).ConfigureAwait(false);
            return "Dockerfile";
        }

        var path = Path.GetFullPath(image.Dockerfile, project.Path);
        if (!File.Exists(path))
        {
            throw new DeploymentException($"Dockerfile '{image.Dockerfile}' not found at {path} (a relative path is relative to the project folder {project.Path}).");
        }

        progress.Line($"Using the Dockerfile {path} as it is, with the project folder {project.Path} as the build context.");
        await context.AddDirectoryAsync(project.Path, "", DockerIgnore.Load(project.Path), cancellationToken).ConfigureAwait(false);
        // Added under its own name, as the Docker CLI does, so that it is found also when outside the context or ignored.
        await context.AddTextAsync(CustomDockerfileEntry, await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        return CustomDockerfileEntry;
    }

    private static async Task BuildImageAsync(DockerClient docker, Stream context, string dockerfile, DeploymentImage image, Dictionary<string, string> labels, ProgressWriter progress, CancellationToken cancellationToken)
    {
        var reference = image.Reference;
        var parameters = new ImageBuildParameters { Tags = [reference], Dockerfile = dockerfile, Labels = labels, Remove = true, ForceRemove = true, Platform = image.Platform };
        if (image.BuildArgs is { Count: > 0 } arguments)
        {
            parameters.BuildArgs = arguments.ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);
            // Their names only: a value may have come from a secret.
            progress.Line($"Build arguments: {string.Join(", ", arguments.Keys)}.");
        }

        if (image.Platform is not null)
        {
            progress.Line($"Platform: {image.Platform}.");
        }

        var build = new DockerProgress(progress);
        try
        {
            await docker.Images.BuildImageFromDockerfileAsync(
                parameters,
                context,
                null,
                null,
                build,
                cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException ex)
        {
            throw BuildFailed(reference, build.CurrentStep, Reason(ex), ex);
        }

        if (build.Error is { } error)
        {
            throw BuildFailed(reference, build.CurrentStep, error, null);
        }

        progress.Line($"Built image '{reference}'.");
    }

    private static DeploymentException BuildFailed(string reference, string? step, string reason, Exception? inner)
    {
        var where = step is null ? "before its first step" : $"at {step}";
        var message = $"Building image '{reference}' failed {where}: {reason}";
        return inner is null ? new DeploymentException(message) : new DeploymentException(message, inner);
    }

    /// <summary>
    /// bosun.yaml's push step: pushes <paramref name="reference"/> (already built) with the step's own credentials, or,
    /// without them, those <see cref="RegistryAuth"/> finds.
    /// </summary>
    public static async Task PushAsync(string reference, (string Username, string Password)? credentials, TextWriter output, CancellationToken cancellationToken)
    {
        var image = DeploymentImage.Parse(reference);
        using var configuration = new DockerClientConfiguration(DockerEndpoint());
        using var docker = configuration.CreateClient();
        var auth = credentials is { } given
            ? (new AuthConfig { Username = given.Username, Password = given.Password, ServerAddress = image.Registry ?? RegistryAuth.DockerHub }, "the push step")
            : RegistryAuth.Find(image.Registry);
        await PushAsync(docker, image, auth, new ProgressWriter(output), cancellationToken).ConfigureAwait(false);
    }

    private static async Task PushAsync(
        DockerClient docker, DeploymentImage image, (AuthConfig Auth, string Source)? credentials, ProgressWriter progress, CancellationToken cancellationToken)
    {
        var registry = image.Registry;
        var where = registry ?? "Docker Hub";
        progress.Line(credentials is { } found
            ? $"Pushing image '{image.Reference}' to {where} as '{found.Auth.Username}' (credentials from {found.Source})."
            : $"Pushing image '{image.Reference}' to {where} without credentials.");
        var push = new DockerProgress(progress);
        string? error;
        try
        {
            await docker.Images.PushImageAsync(image.Name, new ImagePushParameters { Tag = image.Tag ?? "latest" },
                credentials?.Auth ?? new AuthConfig(), push, cancellationToken).ConfigureAwait(false);
            error = push.Error;
        }
        catch (DockerApiException ex)
        {
            error = Reason(ex);
        }

        if (error is not null)
        {
            throw new DeploymentException(
                $"Pushing image '{image.Reference}' to {where} failed: {error}. Log in with `docker login {registry ?? ""}`".TrimEnd() +
                $", or set {RegistryAuth.UsernameVariable} and {RegistryAuth.PasswordVariable}.");
        }

        progress.Line($"Pushed image '{image.Reference}' to {where}.");
    }

    private static Dictionary<string, string> Labels(ProjectDirectory project)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["io.bosun.built-by"] = "bosun-sdk",
            ["io.bosun.project"] = Path.GetFileNameWithoutExtension(project.ProjectFile),
        };
        foreach (var pair in (Environment.GetEnvironmentVariable(ImageLabelsVariable) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                labels[pair[..equals]] = pair[(equals + 1)..];
            }
        }

        return labels;
    }

    private static Uri DockerEndpoint()
    {
        var value = Environment.GetEnvironmentVariable("DOCKER_HOST");
        var endpoint = string.IsNullOrWhiteSpace(value) ? "unix:///var/run/docker.sock" : value;
        return Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)
            ? uri
            : throw new DeploymentException($"DOCKER_HOST '{value}' is not an address such as unix:///var/run/docker.sock or tcp://127.0.0.1:2375.");
    }

    /// <summary>The daemon's own words: the <c>message</c> of its JSON error body.</summary>
    private static string Reason(DockerApiException exception)
    {
        var body = exception.ResponseBody?.Trim();
        if (string.IsNullOrEmpty(body))
        {
            return $"{(int)exception.StatusCode} {exception.StatusCode}";
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("message", out var message)
                && message.GetString() is { Length: > 0 } text ? text.Trim() : body;
        }
        catch (JsonException)
        {
            return body;
        }
    }
}
