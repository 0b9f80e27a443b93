using System.Text.Json.Nodes;
using Bosun.Contracts.Automations;
using Bosun.Contracts.States;
using Bosun.Server.Orchestration.Automations;

namespace Bosun.Server.Tests;

/// <summary>The pure parts of automations: which events a trigger matches, and how a body template renders.</summary>
public sealed class AutomationRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private static AutomationEvent Failed(string deployment = "etl/nightly", string pool = "prod", string[]? tags = null, DateTimeOffset? at = null) =>
        new(AutomationTriggerKind.RunState, "run_state:1", at ?? Now, at ?? Now, "failed", [], "etl", deployment, pool, tags ?? ["daily"], StateType.Failed);

    [Theory]
    [InlineData(null, null, null, null, true)]
    [InlineData("etl/nightly", "etl", "prod", "daily", true)]
    [InlineData("nightly", null, null, null, true)]
    [InlineData("other/nightly", null, null, null, false)]
    [InlineData(null, "other", null, null, false)]
    [InlineData(null, null, "dev", null, false)]
    [InlineData(null, null, null, "weekly", false)]
    public void Matches_Filters_AllMustHold(string? deployment, string? flow, string? pool, string? tag, bool expected) =>
        Assert.Equal(expected, AutomationMatcher.Matches(
            new AutomationTrigger(AutomationTriggerKind.RunState, [StateType.Failed, StateType.Crashed], deployment, flow, pool, tag), Failed(), Now, Now));

    [Fact]
    public void Matches_StateKindAndDuration_Checked()
    {
        Assert.False(AutomationMatcher.Matches(new AutomationTrigger(AutomationTriggerKind.RunState, [StateType.Completed]), Failed(), Now, Now));
        Assert.True(AutomationMatcher.Matches(new AutomationTrigger(AutomationTriggerKind.RunState), Failed(), Now, Now));
        Assert.False(AutomationMatcher.Matches(new AutomationTrigger(AutomationTriggerKind.RunWaiting), Failed(), Now, Now));
        var waiting = Failed() with { Kind = AutomationTriggerKind.RunWaiting, Since = Now.AddMinutes(-9) };
        Assert.False(AutomationMatcher.Matches(new AutomationTrigger(AutomationTriggerKind.RunWaiting, ForMinutes: 10), waiting, Now, Now));
        Assert.True(AutomationMatcher.Matches(new AutomationTrigger(AutomationTriggerKind.RunWaiting, ForMinutes: 10), waiting, Now, Now.AddMinutes(1)));
    }

    [Fact]
    public void Matches_WorkerOfflineBeforeTheRuleExisted_IsHistory()
    {
        var offline = new AutomationEvent(AutomationTriggerKind.WorkerOffline, "worker_offline:1", Now, Now, "gone", [], WorkPool: "prod");
        Assert.False(AutomationMatcher.Matches(new AutomationTrigger(AutomationTriggerKind.WorkerOffline), offline, Now.AddSeconds(1), Now.AddMinutes(1)));
        Assert.True(AutomationMatcher.Matches(new AutomationTrigger(AutomationTriggerKind.WorkerOffline), offline, Now.AddSeconds(-1), Now.AddMinutes(1)));
    }

    [Fact]
    public void Render_PlaceholdersInTextAndWholeValues_Substituted()
    {
        var payload = JsonNode.Parse("""{"event": {"run": {"name": "crimson-fox", "count": 3, "tags": ["a"]}}}""")!.AsObject();
        var template = JsonNode.Parse("""{"text": "{{ event.run.name }} x{{event.run.count}}", "n": "{{ event.run.count }}", "tags": "{{ event.run.tags }}", "list": ["{{ event.run.name }}", 7], "none": "{{ event.nope }}", "also": "({{ event.nope }})"}""");

        var body = BodyTemplate.Render(template, payload)!;

        Assert.Equal("""{"text":"crimson-fox x3","n":3,"tags":["a"],"list":["crimson-fox",7],"none":null,"also":"()"}""", body.ToJsonString());
    }
}
