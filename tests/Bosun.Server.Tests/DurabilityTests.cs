using System.Collections.Concurrent;
using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Testing;

namespace Bosun.Server.Tests;

/// <summary>A server killed with SIGKILL in the middle of writes restarts with everything it acknowledged.</summary>
public sealed class DurabilityTests
{
    [Fact]
    public async Task Server_KilledDuringWrites_KeepsEveryAcknowledgedWrite()
    {
        var directory = TempDirectory.Create("bosun-durability");
        var database = await TestDatabases.ForDirectoryAsync(directory);
        var acknowledgedRuns = new ConcurrentBag<Guid>();
        var acknowledgedLogs = new ConcurrentBag<(Guid Run, string Message)>();
        Guid deploymentId;

        await using (var process = ChildProcess.StartCli(["server", "start", "--port", "0", "--database", database]))
        {
            var line = await process.WaitForLineAsync("is running at");
            var apiUrl = new Uri(line[(line.IndexOf("http", StringComparison.Ordinal))..].Trim() + "api/");
            using var client = new BosunClient(new BosunClientOptions { ApiUrl = apiUrl, MaxAttempts = 1 });
            await client.PoolAsync("p");
            deploymentId = (await client.DeploymentAsync("p")).Id;
            using var stop = new CancellationTokenSource();

            async Task WriterAsync(int writer)
            {
                using var own = new BosunClient(new BosunClientOptions { ApiUrl = apiUrl, MaxAttempts = 1 });
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    try
                    {
                        var run = await own.CreateFlowRunAsync(deploymentId, new FlowRunCreate(Name: $"w{writer}-{i}"));
                        acknowledgedRuns.Add(run.Id);
                        var message = $"writer {writer} line {i}";
                        await own.WriteLogsAsync([new LogCreate(run.Id, TimeProvider.System.GetUtcNow(), RunLogLevel.Info, message)]);
                        acknowledgedLogs.Add((run.Id, message));
                    }
                    catch (Exception ex) when (ex is BosunServerUnreachableException or HttpRequestException or BosunApiException)
                    {
                        return;
                    }
                }
            }

            var writers = Enumerable.Range(0, 4).Select(WriterAsync).ToList();
            await Eventually.WaitUntilAsync(() => Task.FromResult(acknowledgedLogs.Count >= 300), "300 writes were acknowledged");
            process.Kill();
            await process.WaitForExitAsync();
            await Task.WhenAll(writers);
        }

        await using var restarted = await TestServer.StartAsync(directory: directory);
        var stored = await restarted.Client.ListFlowRunsAsync(new FlowRunFilter(Limit: 1));
        Assert.True(stored.Total >= acknowledgedRuns.Count, $"{acknowledgedRuns.Count} runs acknowledged, {stored.Total} stored in {database}");
        foreach (var id in acknowledgedRuns)
        {
            Assert.Equal(id, (await restarted.Client.GetFlowRunAsync(id)).Id);
        }

        foreach (var group in acknowledgedLogs.GroupBy(l => l.Run))
        {
            var lines = (await restarted.Client.ReadLogsAsync(group.Key)).Items.Select(l => l.Message).ToHashSet();
            Assert.Superset(group.Select(l => l.Message).ToHashSet(), lines);
        }

        await TestDatabases.DeleteDirectoryAsync(directory);
    }
}
