using System.Globalization;
using Bosun.Contracts;
using Bosun.Contracts.Automations;
using Bosun.Server.Domain;
using Bosun.Server.Orchestration.Validation;
using Bosun.Server.Storage;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Orchestration.Automations;

/// <summary>Automations: create (checked as a whole), read, pause, resume, delete, and the ledger of their deliveries.</summary>
internal sealed class AutomationService(BosunDatabase database, TimeProvider timeProvider)
{
    private const int MaxActions = 10;

    /// <summary>
    /// Creates a rule. Sent again with the same <paramref name="requestKey"/> (a lost answer), it answers the rule the
    /// first attempt made, <c>Created</c> false; 409 for a rule of that name made otherwise.
    /// </summary>
    public async Task<(Automation Automation, bool Created)> CreateAsync(AutomationCreate request, string? requestKey, CancellationToken cancellationToken)
    {
        Validate(request);
        IdempotencyKeys.Check(requestKey);
        var now = timeProvider.GetUtcNow();
        var row = new AutomationRow
        {
            Id = requestKey is null ? Guid.NewGuid() : RequestKeyIds.Of(requestKey),
            Name = request.Name,
            Description = request.Description,
            Enabled = request.Enabled,
            TriggerKind = EnumNames.Of(request.Trigger.Kind),
            Definition = AutomationStore.WriteDefinition(request with { Description = null }),
            Created = Ms(now),
            Updated = Ms(now),
        };
        if (await database.WriteAsync(scope => AutomationStore.InsertAsync(scope, row, cancellationToken), cancellationToken))
        {
            return (row.ToContract(), true);
        }

        // A rule of that name, or one with this id: the first attempt of this request when its key made it.
        if (requestKey is not null
            && await database.ReadAsync(connection => AutomationStore.FindAsync(connection, row.Id.ToString(), cancellationToken), cancellationToken) is { } earlier)
        {
            return earlier.Name == request.Name ? (earlier.ToContract(), false) : throw RequestKeyIds.UsedElsewhere(requestKey, $"automation '{earlier.Name}'");
        }

        throw new ConflictException($"Automation '{request.Name}' already exists. Delete it first with `bosun automation delete {request.Name}`.");
    }

    /// <summary>
    /// Changes a rule: the fields given replace its own, then the whole rule is checked as on creation. Its events, windows
    /// and ledger stay; a delivery not yet made carries out the action at its index as the rule has it when attempted.
    /// </summary>
    public async Task<Automation> UpdateAsync(string idOrName, AutomationUpdate update, CancellationToken cancellationToken)
    {
        var row = await FindAsync(idOrName, cancellationToken);
        var current = AutomationStore.ReadDefinition(row.Definition);
        var description = update.Description is null ? row.Description : update.Description.Length == 0 ? null : update.Description;
        var merged = new AutomationCreate(update.Name ?? row.Name, update.Trigger ?? current.Trigger, update.Actions ?? current.Actions, description,
            update.Enabled ?? row.Enabled);
        Validate(merged);
        var changed = new AutomationRow
        {
            Id = row.Id,
            Name = merged.Name,
            Description = merged.Description,
            Enabled = merged.Enabled,
            TriggerKind = EnumNames.Of(merged.Trigger.Kind),
            Definition = AutomationStore.WriteDefinition(merged with { Description = null }),
            Created = row.Created,
            Updated = Ms(timeProvider.GetUtcNow()),
        };
        bool updated;
        try
        {
            updated = await database.WriteAsync(scope => AutomationStore.UpdateAsync(scope, changed, cancellationToken), cancellationToken);
        }
        catch (Exception ex) when (StoreFaults.IsUniqueViolation(ex))
        {
            // The only unique column written is the name: taken already, or by a create or rename that committed first.
            throw new ConflictException($"Automation '{merged.Name}' already exists; pick another name.");
        }

        if (!updated)
        {
            throw new NotFoundException($"Automation '{idOrName}' does not exist. List automations with `bosun automation ls`.");
        }

        return changed.ToContract();
    }

    public async Task<IReadOnlyList<Automation>> ListAsync(CancellationToken cancellationToken) =>
        (await database.ReadAsync(connection => AutomationStore.ListAsync(connection, cancellationToken), cancellationToken)).Select(row => row.ToContract()).ToList();

    public async Task<Automation> GetAsync(string idOrName, CancellationToken cancellationToken) => (await FindAsync(idOrName, cancellationToken)).ToContract();

    public async Task<Automation> SetEnabledAsync(string idOrName, bool enabled, CancellationToken cancellationToken)
    {
        var row = await FindAsync(idOrName, cancellationToken);
        await database.WriteAsync(scope => AutomationStore.SetEnabledAsync(scope, row.Id, enabled, timeProvider.GetUtcNow(), cancellationToken), cancellationToken);
        return await GetAsync(row.Id.ToString(), cancellationToken);
    }

    public async Task DeleteAsync(string idOrName, CancellationToken cancellationToken)
    {
        var row = await FindAsync(idOrName, cancellationToken);
        await database.WriteAsync(scope => AutomationStore.DeleteAsync(scope, row.Id, cancellationToken), cancellationToken);
    }

    public async Task<IReadOnlyList<AutomationDelivery>> HistoryAsync(string idOrName, int limit, CancellationToken cancellationToken)
    {
        var row = await FindAsync(idOrName, cancellationToken);
        return await database.ReadAsync(connection => AutomationStore.HistoryAsync(connection, row.Id, null, Math.Clamp(limit, 1, 1000), cancellationToken), cancellationToken);
    }

    /// <summary>A page of the automation's deliveries, newest first, after the one a <paramref name="cursor"/> names.</summary>
    public async Task<Page<AutomationDelivery>> HistoryPageAsync(string idOrName, int limit, string? cursor, CancellationToken cancellationToken)
    {
        var after = KeyCursor.Parts(cursor, 3) is { } parts
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var created)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var index) && Guid.TryParse(parts[2], out var id)
            ? (created, index, id)
            : cursor is null ? ((long, int, Guid)?)null : throw BadRequestException.ForeignCursor();
        var row = await FindAsync(idOrName, cancellationToken);
        return await database.ReadAsync(async connection =>
        {
            var deliveries = await AutomationStore.HistoryAsync(connection, row.Id, after, limit + 1, cancellationToken);
            var (page, next) = KeyCursor.Cut(deliveries, limit, delivery =>
                [StoredValues.Ms(delivery.Created).ToString(CultureInfo.InvariantCulture), delivery.ActionIndex.ToString(CultureInfo.InvariantCulture), delivery.Id.ToString("D")]);
            return new Page<AutomationDelivery>(page, await AutomationStore.CountHistoryAsync(connection, row.Id, cancellationToken), 0, limit) { NextCursor = next };
        }, cancellationToken);
    }

    private async Task<AutomationRow> FindAsync(string idOrName, CancellationToken cancellationToken) =>
        await database.ReadAsync(connection => AutomationStore.FindAsync(connection, idOrName, cancellationToken), cancellationToken)
            ?? throw new NotFoundException($"Automation '{idOrName}' does not exist. List automations with `bosun automation ls`.");

    /// <summary>Every problem with the rule at once, each under the field it concerns.</summary>
    private static void Validate(AutomationCreate request)
    {
        var errors = new Dictionary<string, List<string>>();
        void Fail(string field, string message) => (errors.TryGetValue(field, out var list) ? list : errors[field] = []).Add(message);

        if (NameRules.Check(request.Name, "Automation") is { } nameProblem)
        {
            Fail("name", nameProblem);
        }

        var trigger = request.Trigger;
        if (trigger is null)
        {
            Fail("trigger", "is required");
        }
        else
        {
            var kind = trigger.Kind;
            var aboutRuns = kind is AutomationTriggerKind.RunState or AutomationTriggerKind.RunWaiting or AutomationTriggerKind.RunCreated;
            if (trigger.Threshold < 1)
            {
                Fail("trigger.threshold", "must be 1 or more");
            }

            if (trigger.Threshold > 1 && trigger.WithinMinutes is not > 0)
            {
                Fail("trigger.within_minutes", "a threshold above 1 needs a window: within_minutes greater than 0");
            }

            if (trigger.ForMinutes is { } minutes && (minutes < 0 || kind is not (AutomationTriggerKind.RunWaiting or AutomationTriggerKind.PoolNotReady)))
            {
                Fail("trigger.for_minutes", "is 0 or more, and only for run_waiting and pool_not_ready triggers");
            }

            if (trigger.States is { Count: > 0 } && kind != AutomationTriggerKind.RunState)
            {
                Fail("trigger.states", "only a run_state trigger watches states");
            }

            if (!aboutRuns && trigger.Tag is not null)
            {
                Fail("trigger.tag", "only triggers about runs filter by tag");
            }

            if (kind is AutomationTriggerKind.PoolNotReady or AutomationTriggerKind.WorkerOffline && (trigger.Deployment is not null || trigger.Flow is not null))
            {
                Fail("trigger", "pool_not_ready and worker_offline triggers filter by work_pool only");
            }
        }

        if (request.Actions is not { Count: > 0 and <= MaxActions })
        {
            Fail("actions", $"give 1 to {MaxActions} actions");
        }

        for (var index = 0; index < (request.Actions?.Count ?? 0); index++)
        {
            var action = request.Actions![index];
            var field = $"actions[{index}]";
            var kind = trigger?.Kind;
            switch (action.Kind)
            {
                case AutomationActionKind.Webhook when !Uri.TryCreate(action.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"):
                    Fail(field + ".url", "a webhook needs an absolute http or https URL");
                    break;
                case AutomationActionKind.Notify when string.IsNullOrWhiteSpace(action.Secret):
                    Fail(field + ".secret", "a notification names the secret holding its channel's webhook URL");
                    break;
                case AutomationActionKind.RunDeployment or AutomationActionKind.PauseDeployment or AutomationActionKind.ResumeDeployment:
                    if (action.Deployment is { } address && (address.Split('/') is not [{ Length: > 0 }, { Length: > 0 }]))
                    {
                        Fail(field + ".deployment", $"'{address}' is not flow/deployment");
                    }
                    else if (action.Deployment is null && kind is AutomationTriggerKind.PoolNotReady or AutomationTriggerKind.WorkerOffline)
                    {
                        Fail(field + ".deployment", "name the deployment: this trigger's events are not about one");
                    }

                    break;
                case AutomationActionKind.PauseWorkPool or AutomationActionKind.ResumeWorkPool when action.WorkPool is null && kind == AutomationTriggerKind.ScheduleSkipped:
                    Fail(field + ".work_pool", "name the work pool: this trigger's events are not about one");
                    break;
                case AutomationActionKind.CancelRun when kind is not (AutomationTriggerKind.RunState or AutomationTriggerKind.RunWaiting or AutomationTriggerKind.RunCreated):
                    Fail(field + ".kind", "cancel_run acts on the event's run: use it with run_state, run_waiting or run_created triggers");
                    break;
                case AutomationActionKind.RetryRun when kind is not (AutomationTriggerKind.RunState or AutomationTriggerKind.RunWaiting):
                    Fail(field + ".kind", "retry_run acts on the event's finished run: use it with run_state or run_waiting triggers");
                    break;
            }

            if (action.Kind is not (AutomationActionKind.Webhook or AutomationActionKind.Notify) && (action.Body is not null || action.Preset is not null))
            {
                Fail(field + ".body", "only webhooks and notifications have a body or preset");
            }
        }

        if (errors.Count > 0)
        {
            throw new ValidationException(
                string.Join("; ", errors.Select(pair => $"{pair.Key}: {string.Join("; ", pair.Value)}")),
                errors.ToDictionary(pair => pair.Key, pair => pair.Value.ToArray()));
        }
    }
}
