using System.Net;
using Bosun.Contracts.Logs;
using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Server.Tests;

/// <summary>Logs: batched writes, ordered paged reads, and the live follow.</summary>
public sealed class LogTests
{
    [Fact]
    public async Task WriteLogs_Batch_ReadBackInOrderAndPaged()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("p");
        var run = await server.Client.RunAsync(await server.Client.DeploymentAsync("p"));
        var now = TimeProvider.System.GetUtcNow();
        var lines = Enumerable.Range(0, 250).Select(i => new LogCreate(run.Id, now, RunLogLevel.Info, $"line {i}")).ToList();

        await server.Client.WriteLogsAsync(lines);

        var first = await server.Client.ReadLogsAsync(run.Id, limit: 100);
        var rest = await server.Client.ReadLogsAsync(run.Id, after: first.Items[^1].Id, limit: 500);
        Assert.Equal(250, first.Total);
        Assert.Equal(Enumerable.Range(0, 250).Select(i => $"line {i}"), first.Items.Concat(rest.Items).Select(l => l.Message));
    }

    [Fact]
    public async Task WriteLogs_SameBatchKeyTwice_WrittenOnceAndAnotherKeyWrittenAgain()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("p");
        var run = await server.Client.RunAsync(await server.Client.DeploymentAsync("p"));
        var now = TimeProvider.System.GetUtcNow();
        var lines = Enumerable.Range(0, 3).Select(i => new LogCreate(run.Id, now, RunLogLevel.Info, $"line {i}")).ToList();

        await server.Client.WriteLogBatchAsync(lines, "batch-1");
        await server.Client.WriteLogBatchAsync(lines, "batch-1");
        Assert.Equal(3, (await server.Client.ReadLogsAsync(run.Id)).Total);

        await server.Client.WriteLogBatchAsync(lines, "batch-2");
        Assert.Equal(6, (await server.Client.ReadLogsAsync(run.Id)).Total);
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => server.Client.WriteLogBatchAsync(lines, new string('k', 201)),
            "Idempotency-Key");
        Assert.Equal(6, (await server.Client.ReadLogsAsync(run.Id)).Total);
    }

    [Fact]
    public async Task WriteLogs_UnknownRun_404AndNothingWritten()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("p");
        var run = await server.Client.RunAsync(await server.Client.DeploymentAsync("p"));
        var missing = Guid.NewGuid();
        var now = TimeProvider.System.GetUtcNow();

        await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => server.Client.WriteLogsAsync(
            [new LogCreate(run.Id, now, RunLogLevel.Info, "kept?"), new LogCreate(missing, now, RunLogLevel.Info, "lost")]), missing.ToString());

        Assert.Equal(0, (await server.Client.ReadLogsAsync(run.Id)).Total);
    }

    [Fact]
    public async Task WriteLogs_BatchSentAgainAfterOneOfItsRunsWasDeleted_AcknowledgedAndWrittenOnce_ANewKeyRefused()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("p");
        var deployment = await server.Client.DeploymentAsync("p");
        var (kept, deleted) = (await server.Client.RunAsync(deployment), await server.Client.RunAsync(deployment));
        var now = TimeProvider.System.GetUtcNow();
        List<LogCreate> lines = [new(kept.Id, now, RunLogLevel.Info, "kept"), new(deleted.Id, now, RunLogLevel.Info, "of a deleted run")];
        await server.Client.WriteLogBatchAsync(lines, "batch-1");

        // The answer was lost, and the run deleted before the batch is sent again: the batch is written, so it is
        // acknowledged, not refused (a refusal would make a shipper send the kept run's line again as a new batch).
        await server.Client.DeleteFlowRunAsync(deleted.Id);
        await server.Client.WriteLogBatchAsync(lines, "batch-1");

        Assert.Equal(["kept"], (await server.Client.AllLogsAsync(kept.Id)).Select(line => line.Message));
        await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => server.Client.WriteLogBatchAsync(lines, "batch-2"), deleted.Id.ToString());
        Assert.Equal(["kept"], (await server.Client.AllLogsAsync(kept.Id)).Select(line => line.Message));
    }

    [Fact]
    public async Task FollowLogs_StreamsNewLinesUntilRunEnds()
    {
        await using var server = await TestServer.StartAsync();
        var client = server.Client;
        await client.PoolAsync("p");
        var run = await client.RunAsync(await client.DeploymentAsync("p"));
        await client.ClaimAsync("p");
        await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running));
        await client.WriteLogsAsync([new LogCreate(run.Id, TimeProvider.System.GetUtcNow(), RunLogLevel.Info, "before follow")]);
        using var follower = server.NewClient();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = new List<string>();
        var firstSeen = new TaskCompletionSource();

        var following = Task.Run(async () =>
        {
            await foreach (var line in follower.FollowLogsAsync(run.Id, cancellationToken: cts.Token))
            {
                received.Add(line.Message);
                firstSeen.TrySetResult();
            }
        });
        await firstSeen.Task.WaitAsync(cts.Token);
        await client.WriteLogsAsync([new LogCreate(run.Id, TimeProvider.System.GetUtcNow(), RunLogLevel.Warning, "live line", LogSource.Worker)]);
        await client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Completed));
        await following.WaitAsync(cts.Token);

        Assert.Equal(["before follow", "live line"], received);
    }
}
