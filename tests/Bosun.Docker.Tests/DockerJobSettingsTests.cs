using Bosun.Worker.Infrastructure;

namespace Bosun.Docker.Tests;

/// <summary>The rules of the docker pool variables that need no daemon: pull policy default, sizes, names.</summary>
public sealed class DockerJobSettingsTests
{
    [Theory]
    [InlineData("my-image", "Always")]
    [InlineData("my-image:latest", "Always")]
    [InlineData("127.0.0.1:5055/team/my-image", "Always")]
    [InlineData("my-image:tutorial", "IfNotPresent")]
    [InlineData("127.0.0.1:5055/team/my-image:1.2", "IfNotPresent")]
    [InlineData("my-image@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "IfNotPresent")]
    public void PullPolicyOf_Unset_AlwaysForLatestOrUntaggedElseIfNotPresent(string image, string expected) =>
        Assert.Equal(Enum.Parse<ImagePullPolicy>(expected), DockerJobSettings.PullPolicyOf(null, image));

    [Theory]
    [InlineData("Never", "Never")]
    [InlineData("always", "Always")]
    [InlineData("IfNotPresent", "IfNotPresent")]
    public void PullPolicyOf_Set_ThatPolicyWhateverTheTag(string value, string expected) =>
        Assert.Equal(Enum.Parse<ImagePullPolicy>(expected), DockerJobSettings.PullPolicyOf(value, "my-image:latest"));

    [Fact]
    public void PullPolicyOf_Unknown_SubmissionErrorNamingTheChoices() =>
        Assert.Equal("image_pull_policy 'Sometimes' is not one of Always, IfNotPresent, Never",
            Assert.Throws<SubmissionException>(() => DockerJobSettings.PullPolicyOf("Sometimes", "x")).Message);

    [Theory]
    [InlineData("512m", 512L * 1024 * 1024)]
    [InlineData("512MB", 512L * 1024 * 1024)]
    [InlineData("1g", 1024L * 1024 * 1024)]
    [InlineData("1.5g", 1536L * 1024 * 1024)]
    [InlineData("64k", 64L * 1024)]
    [InlineData("1000000", 1000000L)]
    [InlineData("100b", 100L)]
    [InlineData("-1", -1L)]
    public void ParseBytes_DockerSizes_Bytes(string text, long expected) =>
        Assert.Equal(expected, DockerJobSettings.ParseBytes(text, "mem_limit"));

    [Theory]
    [InlineData("lots")]
    [InlineData("12q")]
    [InlineData("0")]
    [InlineData("")]
    public void ParseBytes_NotASize_SubmissionError(string text) =>
        Assert.Contains("is not a size such as 512m", Assert.Throws<SubmissionException>(() => DockerJobSettings.ParseBytes(text, "mem_limit")).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("crimson-fox", "crimson-fox")]
    [InlineData("my flow/run #3!", "my-flow-run-3")]
    [InlineData("__hidden.name", "hidden.name")]
    [InlineData("x", "bosun-flow-run-x")]
    [InlineData("äöü", "bosun-flow-run")]
    public void ContainerName_AnyText_NameDockerAccepts(string wanted, string expected) =>
        Assert.Equal(expected, DockerJobSettings.ContainerName(wanted));

    [Theory]
    [InlineData("http://127.0.0.1:4200/api", "host")]
    [InlineData("http://localhost:4200/api", "host")]
    [InlineData("http://bosun.example:4200/api", null)]
    public void DefaultNetworkMode_ApiOnLoopback_Host(string apiUrl, string? expected) =>
        Assert.Equal(expected, DockerJobSettings.DefaultNetworkMode([], apiUrl));

    [Fact]
    public void DefaultNetworkMode_NetworksGiven_NoModeSoTheNetworksApply() =>
        Assert.Null(DockerJobSettings.DefaultNetworkMode(["my-network"], "http://127.0.0.1:4200/api"));
}
