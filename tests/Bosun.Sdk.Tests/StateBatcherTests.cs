using System.Net;
using System.Text.Json;
using Bosun.Client;
using Bosun.Contracts.States;
using Bosun.Testing;

namespace Bosun.Sdk.Tests;

/// <summary>Serve's final states gathered into batched requests: proposals made within the gather or while one is on its way go together, each with its own answer.</summary>
public sealed class StateBatcherTests
{
    [Fact]
    public async Task ProposalsMadeWhileARequestIsOnItsWay_GoInTheNextRequestTogether_EachWithItsOwnAnswer()
    {
        await using var server = await TestServer.StartAsync();
        var runs = await server.Client.RunningRunsAsync(12);
        using var handler = new HeldRequests(new SocketsHttpHandler());
        using var client = new BosunClient(new HttpClient(handler), new BosunClientOptions { ApiUrl = server.ApiUrl, MaxAttempts = 1 }, ownsHttpClient: true);
        var batcher = new StateBatcher(client);

        var unknown = Guid.NewGuid();
        var first = batcher.ProposeAsync(runs[0], new StateProposal(StateType.Completed));
        await handler.Arrived.Task.WaitAsync(TimeSpan.FromSeconds(60));
        // While the first request is held on its way, the other runs end.
        var later = runs[1..].Select(id => batcher.ProposeAsync(id, new StateProposal(StateType.Failed, Message: $"failed {id}"))).ToList();
        var missing = batcher.ProposeAsync(unknown, new StateProposal(StateType.Completed));
        handler.Release.SetResult();

        Assert.Equal((SetStateStatus.Accept, StateType.Completed), ((await first).Status, (await first).State.Type));
        var answers = await Task.WhenAll(later);
        Assert.All(answers.Zip(runs[1..]), pair => Assert.Equal((SetStateStatus.Accept, StateType.Failed, $"failed {pair.Second}"),
            (pair.First.Status, pair.First.State.Type, pair.First.State.Message)));
        var error = await Assert.ThrowsAsync<BosunApiException>(() => missing);
        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Contains($"flow run {unknown} does not exist", error.Message, StringComparison.Ordinal);
        // One request for the first proposal, one for the twelve made while it was held.
        Assert.Equal([1, 12], handler.BatchSizes);
        Assert.Equal(StateType.Failed, (await server.Client.GetFlowRunAsync(runs[^1])).State.Type);
    }

    [Fact]
    public async Task ProposalsMadeWithinTheGather_GoInOneRequest()
    {
        await using var server = await TestServer.StartAsync();
        var runs = await server.Client.RunningRunsAsync(3);
        using var handler = new HeldRequests(new SocketsHttpHandler()) { HoldFirst = false };
        using var client = new BosunClient(new HttpClient(handler), new BosunClientOptions { ApiUrl = server.ApiUrl, MaxAttempts = 1 }, ownsHttpClient: true);
        // A whole second of gathering; the later proposals come 100 ms after the first (runs ending a moment apart), well
        // within it even on a loaded machine. Without the gather the first would have gone alone by then.
        var batcher = new StateBatcher(client, TimeSpan.FromSeconds(1));

        var first = batcher.ProposeAsync(runs[0], new StateProposal(StateType.Completed));
        await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System);
        var answers = await Task.WhenAll(runs[1..].Select(id => batcher.ProposeAsync(id, new StateProposal(StateType.Completed))).Prepend(first));

        Assert.All(answers, answer => Assert.Equal(SetStateStatus.Accept, answer.Status));
        Assert.Equal([3], handler.BatchSizes);
    }

    [Fact]
    public async Task RequestFails_EachProposalItCarriedFailsWithItsError_LaterProposalsAreSent()
    {
        await using var server = await TestServer.StartAsync();
        var runs = await server.Client.RunningRunsAsync(3);
        using var handler = new HeldRequests(new SocketsHttpHandler()) { FailFirst = true };
        using var client = new BosunClient(new HttpClient(handler),
            new BosunClientOptions { ApiUrl = server.ApiUrl, MaxAttempts = 1, OutageRetryWindow = TimeSpan.Zero }, ownsHttpClient: true);
        var batcher = new StateBatcher(client);

        var first = batcher.ProposeAsync(runs[0], new StateProposal(StateType.Completed));
        await handler.Arrived.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var second = batcher.ProposeAsync(runs[1], new StateProposal(StateType.Completed));
        handler.Release.SetResult();

        await Assert.ThrowsAsync<BosunServerUnreachableException>(() => first);
        Assert.Equal(SetStateStatus.Accept, (await second).Status);
        Assert.Equal(SetStateStatus.Accept, (await batcher.ProposeAsync(runs[2], new StateProposal(StateType.Completed))).Status);
        Assert.Equal(StateType.Running, (await server.Client.GetFlowRunAsync(runs[0])).State.Type);
        Assert.Equal(StateType.Completed, (await server.Client.GetFlowRunAsync(runs[1])).State.Type);
    }

    /// <summary>Holds the first request until released (failing it when asked), and records how many proposals each request carried.</summary>
    private sealed class HeldRequests(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        public TaskCompletionSource Arrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool FailFirst { get; init; }

        public bool HoldFirst { get; init; } = true;

        public List<int> BatchSizes { get; } = [];

        private int _requests;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            using (var body = JsonDocument.Parse(await request.Content!.ReadAsStringAsync(cancellationToken)))
            {
                lock (BatchSizes)
                {
                    BatchSizes.Add(body.RootElement.GetProperty("proposals").GetArrayLength());
                }
            }

            if (Interlocked.Increment(ref _requests) == 1 && HoldFirst)
            {
                Arrived.SetResult();
                await Release.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
                if (FailFirst)
                {
                    throw new HttpRequestException(HttpRequestError.ConnectionError, "the connection was reset (test)");
                }
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
