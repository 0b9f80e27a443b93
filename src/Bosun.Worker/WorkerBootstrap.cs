using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.Templates;
using Bosun.Contracts.WorkPools;
using Microsoft.Extensions.Logging;

namespace Bosun.Worker;

/// <summary>
/// Before the worker polls: find its pool (or create it with the worker's type and default template), and refuse a
/// type mismatch naming both types (docs/behaviour.md §6; Prefect only warns). Waits, with backoff, while the server is unreachable.
/// </summary>
public static class WorkerBootstrap
{
    public static async Task<WorkPool> PreparePoolAsync(BosunClient client, WorkerOptions options, ILogger logger, TimeProvider timeProvider, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        var delay = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                var pool = await GetOrCreateAsync(client, options, logger, cancellationToken).ConfigureAwait(false);
                if (options.Type is { } type && type != pool.Type)
                {
                    throw new WorkerStartupException(
                        $"This is a {type} worker, but work pool '{pool.Name}' is of type {pool.Type}. Start it with --type {pool.Type}, or use a {type} pool.");
                }

                return pool;
            }
            catch (BosunServerUnreachableException ex)
            {
                Log.ServerUnreachable(logger, ex.Message, delay);
            }

            await Task.Delay(delay, timeProvider, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromSeconds(Math.Min(30, delay.TotalSeconds * 2));
        }
    }

    private static async Task<WorkPool> GetOrCreateAsync(BosunClient client, WorkerOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetWorkPoolAsync(options.PoolName, cancellationToken).ConfigureAwait(false);
        }
        catch (BosunApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            if (!options.CreatePoolIfMissing)
            {
                throw new WorkerStartupException($"Work pool '{options.PoolName}' does not exist. Create it with `bosun work-pool create {options.PoolName} --type TYPE`.");
            }
        }

        var type = options.Type ?? WorkPoolTypes.Process;
        JsonObject? template = null;
        if (options.BaseJobTemplatePath is { } path)
        {
            try
            {
                template = JsonNode.Parse(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)) as JsonObject
                    ?? throw new WorkerStartupException($"Base job template '{path}' is not a JSON object.");
            }
            catch (JsonException ex)
            {
                throw new WorkerStartupException($"Base job template '{path}' is not valid JSON: {ex.Message}", ex);
            }
        }

        try
        {
            var pool = await client.CreateWorkPoolAsync(new WorkPoolCreate(options.PoolName, type, BaseJobTemplate: template ?? DefaultJobTemplates.For(type)), cancellationToken).ConfigureAwait(false);
            Log.PoolCreated(logger, pool.Name, pool.Type);
            return pool;
        }
        catch (BosunApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            // Another worker created it at the same moment.
            return await client.GetWorkPoolAsync(options.PoolName, cancellationToken).ConfigureAwait(false);
        }
        catch (BosunApiException ex)
        {
            throw new WorkerStartupException($"Could not create work pool '{options.PoolName}': {ex.Message}", ex);
        }
    }
}
