using Bosun.Testing;

namespace Bosun.Faults.Tests;

/// <summary>
/// A serving process stopped while its server is away: it exits within its bounds (the drain, a 10 s hand-back of what
/// a claim on its way may have taken, a 10 s attempt to pause its deployment) instead of retrying the pause for the
/// client's ten-minute outage window, and says that the deployment is not paused. Once the server is back, the
/// deployment is indeed not paused.
/// </summary>
public sealed class ServeStoppedWhileServerAwayTests
{
    [Fact]
    public async Task ServeStopped_WhileItsServerIsAway_ExitsWithinItsBoundsAndSaysTheDeploymentIsNotPaused()
    {
        await using var server = await TestServer.StartAsync();
        await using var serving = await ChildProcess.ServeTestFlowAsync("echo",
            new Dictionary<string, string?> { ["BOSUN_API_URL"] = server.ApiUrl.ToString(), ["BOSUN_FLOW_RUN_ID"] = null }, ["--in-process"]);
        var deployment = await server.Client.GetDeploymentByNameAsync("echo/served");
        await server.StopAsync();
        await serving.WaitForLineAsync("is not answering");

        serving.Terminate();

        // Generous for a loaded machine, and far below the ten minutes it took.
        Assert.Equal(0, await serving.WaitForExitAsync(TimeSpan.FromSeconds(150)));
        Assert.Contains("Could not pause deployment 'echo/served' (the server did not answer within 10 s)", serving.OutputText, StringComparison.Ordinal);
        await server.RestartAsync();
        Assert.False((await server.Client.GetDeploymentAsync(deployment.Id)).Paused);
    }
}
