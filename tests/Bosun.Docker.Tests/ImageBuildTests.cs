using Bosun.Sdk;
using Bosun.Sdk.Images;
using Bosun.Testing;

namespace Bosun.Docker.Tests;

/// <summary>
/// The SDK's image build in this process, on small projects made in a temporary folder: where it builds from, how a
/// failed publish, a failed Dockerfile step and a refused push are told, and where push credentials come from.
/// </summary>
public sealed class ImageBuildTests
{
    private static string TinyProject(string dockerfile)
    {
        var folder = TempDirectory.Create("bosun-image-project");
        File.WriteAllText(Path.Combine(folder, "Tiny.csproj"), """<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><UseAppHost>false</UseAppHost></PropertyGroup></Project>""");
        File.WriteAllText(Path.Combine(folder, "Dockerfile"), dockerfile);
        return folder;
    }

    private static ProjectDirectory Project(string folder) => new(folder, Path.Combine(folder, "Tiny.csproj"));

    /// <summary>Runs <paramref name="body"/> with these environment variables, then puts the old values back.</summary>
    private static async Task WithEnvironmentAsync(Dictionary<string, string?> variables, Func<Task> body)
    {
        var old = variables.Keys.ToDictionary(k => k, Environment.GetEnvironmentVariable);
        foreach (var (name, value) in variables)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        try
        {
            await body();
        }
        finally
        {
            foreach (var (name, value) in old)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }

    [Fact]
    public void ProjectDirectory_FromTheBuildOutputFolder_TheEntryAssemblysProject()
    {
        var bin = Path.GetDirectoryName(RepoPaths.BuiltDll("examples/RepoInfo", "RepoInfo"))!;

        var project = ProjectDirectory.Find("RepoInfo", [bin, Environment.CurrentDirectory]);

        Assert.Equal(Path.Combine(RepoPaths.Root, "examples", "RepoInfo"), project.Path);
        Assert.Equal(Path.Combine(project.Path, "RepoInfo.csproj"), project.ProjectFile);
    }

    [Fact]
    public void ProjectDirectory_NoProjectAnywhereAbove_FailsSayingWhereItLooked()
    {
        var folder = TempDirectory.Create("bosun-not-a-project");
        File.WriteAllText(Path.Combine(folder, "app.py"), "print('not .NET')");

        var error = Assert.Throws<DeploymentException>(() => ProjectDirectory.Find("App", [folder]));

        Assert.StartsWith($"No .NET project (.csproj) found in {folder} or any folder above", error.Message, StringComparison.Ordinal);
        Assert.Contains("Run the deploy from the project's folder", error.Message, StringComparison.Ordinal);
        TempDirectory.Delete(folder);
    }

    [Fact]
    public void ProjectDirectory_SeveralProjectsNoneNamedLikeTheApp_FailsNamingThem()
    {
        var folder = TempDirectory.Create("bosun-two-projects");
        File.WriteAllText(Path.Combine(folder, "One.csproj"), "<Project />");
        File.WriteAllText(Path.Combine(folder, "Two.csproj"), "<Project />");

        var error = Assert.Throws<DeploymentException>(() => ProjectDirectory.Find("App", [folder]));

        Assert.Contains("holds several projects (One.csproj, Two.csproj) and none is named App.csproj", error.Message, StringComparison.Ordinal);
        TempDirectory.Delete(folder);
    }

    [Theory]
    [InlineData("bin/Debug/App.dll", true)]
    [InlineData("obj/project.assets.json", true)]
    [InlineData("src/bin/x", true)]
    [InlineData("Program.cs", false)]
    [InlineData("notes/a.md", true)]
    [InlineData("notes/README.md", false)]
    [InlineData("secret.txt", true)]
    public void DockerIgnore_Patterns_AsTheDockerCliReadsThem(string path, bool excluded)
    {
        var ignore = DockerIgnore.Parse(["# build output", "bin/", "/obj", "**/bin", "notes/*.md", "!notes/README.md", "secret.*"]);

        Assert.Equal(excluded, ignore.Excludes(path));
    }

    [SkippableFact]
    public async Task Build_DockerfileStepFails_SaysWhichStepAndWhy()
    {
        await using var docker = await DockerTest.StartAsync();
        var folder = TinyProject($"FROM {DockerTestEnvironment.BaseImage}\nRUN echo about to fail && exit 3\n");
        var output = new StringWriter();

        var error = await Assert.ThrowsAsync<DeploymentException>(() =>
            ImageBuilds.BuildAsync(new DeploymentImage(docker.ImageName("failing"), "1", "Dockerfile"), push: false, Project(folder), output, CancellationToken.None));

        // Steps 3 and 4 are the two labels every image the SDK builds carries (io.bosun.built-by, io.bosun.project).
        Assert.Equal($"Building image '{docker.ImageName("failing")}:1' failed at Step 2/4 : RUN echo about to fail && exit 3: " +
            "The command '/bin/sh -c echo about to fail && exit 3' returned a non-zero code: 3", error.Message);
        Assert.Contains("about to fail", output.ToString(), StringComparison.Ordinal);
        Assert.False(await docker.ImageExistsAsync($"{docker.ImageName("failing")}:1"));
        TempDirectory.Delete(folder);
    }

    [SkippableFact]
    public async Task Build_ProjectDoesNotCompile_SaysDotnetPublishFailedWithTheError()
    {
        await using var docker = await DockerTest.StartAsync();
        var folder = TinyProject("unused");
        await File.WriteAllTextAsync(Path.Combine(folder, "Program.cs"), "System.Console.WriteLine(\"missing parenthesis\";");
        var output = new StringWriter();

        var error = await Assert.ThrowsAsync<DeploymentException>(() =>
            ImageBuilds.BuildAsync(new DeploymentImage(docker.ImageName("not-compiling"), "1"), push: false, Project(folder), output, CancellationToken.None));

        Assert.StartsWith($"`dotnet publish {Path.Combine(folder, "Tiny.csproj")} -c Release` failed with exit code 1:", error.Message, StringComparison.Ordinal);
        Assert.Contains("error CS1026", error.Message, StringComparison.Ordinal);
        Assert.Contains($"$ dotnet publish {Path.Combine(folder, "Tiny.csproj")} -c Release -o", output.ToString(), StringComparison.Ordinal);
        TempDirectory.Delete(folder);
    }

    [SkippableFact]
    public async Task Push_NoCredentials_FailsSayingHowToLogIn()
    {
        await using var docker = await DockerTest.StartAsync(needsRegistry: true);
        var folder = TinyProject($"FROM {DockerTestEnvironment.BaseImage}\nLABEL {DockerTestEnvironment.TestLabel}=true {DockerTestEnvironment.TestIdLabel}={docker.Id}\n");
        var name = $"{DockerTestEnvironment.Registry}/{docker.ImageName("no-credentials")}";
        var output = new StringWriter();

        var error = await Assert.ThrowsAsync<DeploymentException>(() => WithEnvironmentAsync(
            new() { ["DOCKER_CONFIG"] = folder, ["BOSUN_REGISTRY_USERNAME"] = null, ["BOSUN_REGISTRY_PASSWORD"] = null },
            () => ImageBuilds.BuildAsync(new DeploymentImage(name, "1", "Dockerfile"), push: true, Project(folder), output, CancellationToken.None)));

        Assert.StartsWith($"Pushing image '{name}:1' to {DockerTestEnvironment.Registry} failed:", error.Message, StringComparison.Ordinal);
        Assert.EndsWith($"Log in with `docker login {DockerTestEnvironment.Registry}`, or set BOSUN_REGISTRY_USERNAME and BOSUN_REGISTRY_PASSWORD.", error.Message, StringComparison.Ordinal);
        Assert.Contains($"Pushing image '{name}:1' to {DockerTestEnvironment.Registry} without credentials.", output.ToString(), StringComparison.Ordinal);
        TempDirectory.Delete(folder);
    }

    [SkippableFact]
    public async Task Push_CredentialsFromEnvironment_PushedToTheRegistry()
    {
        await using var docker = await DockerTest.StartAsync(needsRegistry: true);
        var folder = TinyProject($"FROM {DockerTestEnvironment.BaseImage}\nLABEL {DockerTestEnvironment.TestLabel}=true {DockerTestEnvironment.TestIdLabel}={docker.Id}\n");
        var name = $"{DockerTestEnvironment.Registry}/{docker.ImageName("env-credentials")}";
        var output = new StringWriter();

        var reference = "";
        await WithEnvironmentAsync(
            new()
            {
                ["DOCKER_CONFIG"] = folder,
                ["BOSUN_REGISTRY_USERNAME"] = DockerTestEnvironment.RegistryUser,
                ["BOSUN_REGISTRY_PASSWORD"] = DockerTestEnvironment.RegistryPassword,
            },
            async () => reference = await ImageBuilds.BuildAsync(new DeploymentImage(name, "1", "Dockerfile"), push: true, Project(folder), output, CancellationToken.None));

        Assert.Equal($"{name}:1", reference);
        var text = output.ToString();
        Assert.Contains($"as '{DockerTestEnvironment.RegistryUser}' (credentials from BOSUN_REGISTRY_USERNAME/BOSUN_REGISTRY_PASSWORD).", text, StringComparison.Ordinal);
        Assert.Contains($"Pushed image '{name}:1' to {DockerTestEnvironment.Registry}.", text, StringComparison.Ordinal);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Head, new Uri($"http://{DockerTestEnvironment.Registry}/v2/{docker.ImageName("env-credentials")}/manifests/1"));
        request.Headers.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{DockerTestEnvironment.RegistryUser}:{DockerTestEnvironment.RegistryPassword}")));
        request.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.v2+json");
        using var response = await http.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        TempDirectory.Delete(folder);
    }
    [SkippableFact]
    public async Task Build_BuildArgsAndPlatform_GivenToTheDockerfile_ValuesNotPrinted()
    {
        await using var docker = await DockerTest.StartAsync();
        var folder = TinyProject($"FROM {DockerTestEnvironment.BaseImage}\nARG GREETING\nLABEL {DockerTestEnvironment.TestLabel}=true {DockerTestEnvironment.TestIdLabel}={docker.Id} io.bosun.test.greeting=$GREETING\n");
        var name = docker.ImageName("build-args");
        var output = new StringWriter();
        var image = new DeploymentImage(name, "1", "Dockerfile")
        {
            BuildArgs = new Dictionary<string, string> { ["GREETING"] = "hello-from-a-build-arg" },
            Platform = "linux/amd64",
        };

        await ImageBuilds.BuildAsync(image, push: false, Project(folder), output, CancellationToken.None);

        var built = await docker.Docker.Images.InspectImageAsync($"{name}:1");
        Assert.Equal("hello-from-a-build-arg", built.Config.Labels["io.bosun.test.greeting"]);
        Assert.Equal(("linux", "amd64"), (built.Os, built.Architecture));
        var text = output.ToString();
        Assert.Contains("Build arguments: GREETING.", text, StringComparison.Ordinal);
        Assert.Contains("Platform: linux/amd64.", text, StringComparison.Ordinal);
        TempDirectory.Delete(folder);
    }
}
