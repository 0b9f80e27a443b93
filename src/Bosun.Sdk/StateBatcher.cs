using System.Net;
using Bosun.Client;
using Bosun.Contracts.States;

namespace Bosun.Sdk;

/// <summary>
/// Serve's final states, gathered: a proposal made when nothing is on its way waits <paramref name="gather"/> (default
/// <see cref="DefaultGather"/>) for others, and one made while a request is on its way goes with the next one, so that a
/// process ending many runs at once (runs claimed together end together) sends one request (and the server one write
/// transaction) for them instead of one each. Each proposal keeps its own answer, and a failed request (after the
/// client's retries) fails each proposal it carried as a request of its own would have.
/// </summary>
internal sealed class StateBatcher(BosunClient client, TimeSpan? gather = null)
{
    /// <summary>Most proposals in one request (the server's limit).</summary>
    public const int MaxBatch = 100;

    /// <summary>How long a first proposal waits for others: long enough for runs that end together, short beside any run.</summary>
    public static readonly TimeSpan DefaultGather = TimeSpan.FromMilliseconds(2);

    private readonly TimeSpan _gather = gather ?? DefaultGather;

    private readonly Lock _lock = new();
    private readonly List<Pending> _waiting = [];
    private bool _sending;

    /// <summary>
    /// Sends a gathered batch with something else that goes to the server anyway (serve's claim for the slots these runs
    /// free, <see cref="Worker.Runtime.WorkerRuntime.TryCarryFinalStatesAsync"/>); null when it did not, and the batch goes
    /// on its own.
    /// </summary>
    public Func<IReadOnlyList<FlowRunStateProposal>, Task<IReadOnlyList<FlowRunSetStateResult>?>>? Carrier { get; set; }

    /// <summary>Proposes <paramref name="proposal"/> for <paramref name="runId"/> with the next request; its answer.</summary>
    public Task<SetStateResult> ProposeAsync(Guid runId, StateProposal proposal)
    {
        var pending = new Pending(new FlowRunStateProposal(runId, proposal), new TaskCompletionSource<SetStateResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        bool start;
        lock (_lock)
        {
            _waiting.Add(pending);
            start = !_sending;
            _sending = true;
        }

        if (start)
        {
            _ = Task.Run(SendAsync);
        }

        return pending.Answer.Task;
    }

    private async Task SendAsync()
    {
        if (_gather > TimeSpan.Zero)
        {
            await Task.Delay(_gather).ConfigureAwait(false);
        }

        while (true)
        {
            List<Pending> batch;
            lock (_lock)
            {
                if (_waiting.Count == 0)
                {
                    _sending = false;
                    return;
                }

                batch = _waiting.GetRange(0, Math.Min(MaxBatch, _waiting.Count));
                _waiting.RemoveRange(0, batch.Count);
            }

            try
            {
                IReadOnlyList<FlowRunStateProposal> proposals = [.. batch.Select(p => p.Proposal)];
                var results = Carrier is { } carrier ? await carrier(proposals).ConfigureAwait(false) : null;
                results ??= (await client.SetFlowRunStatesAsync(new FlowRunStateBatch(proposals), CancellationToken.None).ConfigureAwait(false)).Results;
                for (var i = 0; i < batch.Count; i++)
                {
                    if (i < results.Count && results[i] is { Result: { } result })
                    {
                        batch[i].Answer.TrySetResult(result);
                    }
                    else
                    {
                        var error = i < results.Count ? results[i].Error : null;
                        batch[i].Answer.TrySetException(new BosunApiException(HttpStatusCode.NotFound, "Not found", error ?? $"flow run {batch[i].Proposal.FlowRunId} was not answered"));
                    }
                }
            }
#pragma warning disable CA1031 // Whatever ended the request ends each proposal it carried, as it would have ended a request of its own.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                foreach (var pending in batch)
                {
                    pending.Answer.TrySetException(ex);
                }
            }
        }
    }

    private sealed record Pending(FlowRunStateProposal Proposal, TaskCompletionSource<SetStateResult> Answer);
}
