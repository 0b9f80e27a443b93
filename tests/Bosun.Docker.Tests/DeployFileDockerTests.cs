using System.Text.Json.Nodes;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Testing;
using Docker.DotNet.Models;

namespace Bosun.Docker.Tests;

/// <summary>
/// `bosun deploy` of a bosun.yaml to a docker pool (the real CLI deploying examples/RepoInfo): the build step makes the
/// image on the local .NET runtime base image, a separate push step sends it to the local htpasswd registry with the
/// user from the deploying machine's environment and the password a Bosun secret (read with the deploying key), step
/// outputs fill later fields, and a docker worker pulls the image from the registry (its credentials a secret reference)
/// and runs the flow.
/// </summary>
public sealed class DeployFileDockerTests
{
    private const string Pool = "yaml-docker-pool";

    [SkippableFact]
    public async Task Deploy_BuildThenPushStepWithOutputs_WorkerPullsFromRegistryAndCompletes()
    {
        await using var docker = await DockerTest.StartAsync(needsRegistry: true);
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync(Pool, "docker");
        await client.SetSecretAsync("registry-password", DockerTestEnvironment.RegistryPassword);
        using var github = new StubHttpServer(new() { ["/repos/dotnet/runtime"] = """{"stargazers_count": 15003, "forks_count": 4703}""" });
        var folder = TempDirectory.Create("bosun-deploy-docker");
        var repository = $"{DockerTestEnvironment.Registry}/{docker.ImageName("deploy-yaml")}";
        var image = $"{repository}:v1";
        var yaml = Path.Combine(folder, "bosun.yaml");
        await File.WriteAllTextAsync(yaml, $$$"""
            deployments:
              - name: in-docker
                flow: get-repo-info
                project: {{{Path.Combine(RepoPaths.Root, "examples", "RepoInfo")}}}
                work_pool:
                  name: {{{Pool}}}
                  job_variables:
                    image: "{{ publish.image }}"
                    image_pull_policy: Always
                    env:
                      BUILT_FROM: "{{ build-image.image_name }} tag {{ build-image.tag }}"
                    labels:
                      {{{DockerTestEnvironment.TestLabel}}}: "true"
                      {{{DockerTestEnvironment.TestIdLabel}}}: "{{{docker.Id}}}"
                    registry_credentials:
                      username: {{{DockerTestEnvironment.RegistryUser}}}
                      password: "{{ secret.registry-password }}"
                      registry: {{{DockerTestEnvironment.Registry}}}
                parameters:
                  repoName: dotnet/runtime
                  apiUrl: {{{github.BaseUrl}}}
                description: "Image {{ build-image.image }}"
                build:
                  id: build-image
                  image: {{{repository}}}
                  tag: v1
                  platform: linux/amd64
                push:
                  id: publish
                  image: "{{ build-image.image }}"
                  username: "{{ env.YAML_REGISTRY_USER }}"
                  password: "{{ secret.registry-password }}"
            """);
        var environment = new Dictionary<string, string?>
        {
            ["BOSUN_API_URL"] = server.ApiUrl.ToString(),
            ["BOSUN_FLOW_RUN_ID"] = null,
            ["BOSUN_DOCKER_BASE_IMAGE"] = DockerTestEnvironment.BaseImage,
            ["BOSUN_DOCKER_IMAGE_LABELS"] = docker.ImageLabelsVariable,
            ["BOSUN_REGISTRY_USERNAME"] = null,
            ["BOSUN_REGISTRY_PASSWORD"] = null,
            // No docker login either: the push step's own credentials are the only ones.
            ["DOCKER_CONFIG"] = Path.Combine(folder, "no-docker-config"),
            ["YAML_REGISTRY_USER"] = DockerTestEnvironment.RegistryUser,
        };

        string output;
        await using (var cli = ChildProcess.StartCli(["deploy", "--file", yaml, "--no-build", "--configuration", RepoPaths.Configuration], environment))
        {
            var code = await cli.WaitForExitAsync(TimeSpan.FromMinutes(5));
            output = cli.OutputText;
            Assert.True(code == 0, $"bosun deploy exited {code}:\n{output}");
        }

        TempDirectory.Delete(folder);
        Assert.Contains($"Built image '{image}'.", output, StringComparison.Ordinal);
        // The registry password is a Bosun secret, read by the deploying key for the push step and never printed.
        Assert.Contains("Read the secret 'registry-password' for the push step.", output, StringComparison.Ordinal);
        Assert.Contains($"Pushing image '{image}' to {DockerTestEnvironment.Registry} as '{DockerTestEnvironment.RegistryUser}' (credentials from the push step).", output, StringComparison.Ordinal);
        Assert.Contains($"Pushed image '{image}' to {DockerTestEnvironment.Registry}.", output, StringComparison.Ordinal);
        Assert.DoesNotContain(DockerTestEnvironment.RegistryPassword, output, StringComparison.Ordinal);
        var deployment = await client.GetDeploymentByNameAsync("get-repo-info/in-docker");
        Assert.Equal(image, deployment.JobVariables["image"]!.GetValue<string>());
        Assert.Equal($"{repository} tag v1", deployment.JobVariables["env"]!["BUILT_FROM"]!.GetValue<string>());
        Assert.Equal($"Image {image}", deployment.Description);
        Assert.Contains("Platform: linux/amd64.", output, StringComparison.Ordinal);
        Assert.Equal("amd64", (await docker.Docker.Images.InspectImageAsync(image)).Architecture);
        // The image's entrypoint, not a path on the deploying machine.
        Assert.Equal("'dotnet' '/app/RepoInfo.dll'", deployment.Entrypoint);
        // What the worker runs must come from the registry, not from the deploying machine's daemon.
        await docker.Docker.Images.DeleteImageAsync(image, new ImageDeleteParameters { Force = true });

        await using var worker = await TestWorker.StartAsync(server, DockerTest.WorkerOptions(Pool));
        var run = await client.CreateFlowRunAsync(deployment.Id, new FlowRunCreate());
        var done = await client.WaitForTerminalAsync(run.Id, TimeSpan.FromMinutes(2));

        Assert.True(done.State.Type == StateType.Completed, $"{done.State.Type}: {done.State.Message}\n{(await client.LogsAsync(run.Id)).Text()}");
        var logs = await client.LogsContainingAsync(run.Id, "Forks 🍴 : 4703");
        Assert.Contains(logs, l => l is { Source: LogSource.Worker } && l.Message == $"Pulling image '{image}' (pull policy Always).");
        Assert.Contains(logs, l => l is { Source: LogSource.Worker } && l.Message.StartsWith("Status: Downloaded newer image", StringComparison.Ordinal));
        Assert.DoesNotContain(logs, l => l.Message.Contains(DockerTestEnvironment.RegistryPassword, StringComparison.Ordinal));
    }
}
