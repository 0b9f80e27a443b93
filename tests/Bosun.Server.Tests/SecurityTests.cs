using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Bosun.Client;
using Bosun.Contracts.FlowRuns;
using Bosun.Contracts.Logs;
using Bosun.Contracts.Security;
using Bosun.Contracts.States;
using Bosun.Contracts.TaskRuns;
using Bosun.Server.Orchestration;
using Bosun.Server.Security;
using Bosun.Server.Orchestration.Security;
using Bosun.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.Server.Tests;

/// <summary>API keys and roles, run tokens, the refusal to be open, and the permission of every route.</summary>
public sealed class SecurityTests
{
    private static readonly string[] Callers = ["none", "viewer", "developer", "worker", "admin"];

    private static async Task<Dictionary<string, string>> KeysAsync(TestServer server)
    {
        var admin = (await server.Client.CreateApiKeyAsync(new ApiKeyCreate("admin", ApiKeyRole.Admin))).Key;
        using var asAdmin = server.NewClient(admin);
        var keys = new Dictionary<string, string> { ["admin"] = admin };
        foreach (var role in new[] { ApiKeyRole.Viewer, ApiKeyRole.Developer, ApiKeyRole.Worker })
        {
            keys[role.ToString().ToLowerInvariant()] = (await asAdmin.CreateApiKeyAsync(new ApiKeyCreate(role.ToString(), role))).Key;
        }

        return keys;
    }

    [Fact]
    public async Task EveryRoute_EachCaller_AllowedOrRefusedAsItsPermissionDeclares()
    {
        await using var server = await TestServer.StartAsync();
        var keys = await KeysAsync(server);
        using var http = new HttpClient { BaseAddress = server.Server.BaseAddress };
        using var docRequest = new HttpRequestMessage(HttpMethod.Get, "api/openapi.json");
        docRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", keys["viewer"]);
        using var docResponse = await http.SendAsync(docRequest);
        var document = JsonNode.Parse(await docResponse.Content.ReadAsStringAsync())!;
        var checkedRoutes = 0;

        foreach (var (path, operations) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in operations!.AsObject())
            {
                var permissions = operation!["x-bosun-permissions"]!.AsArray().Select(p => p!.GetValue<string>()).ToList();
                foreach (var caller in Callers)
                {
                    using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), Fill(path).TrimStart('/'));
                    if (operation["requestBody"] is not null)
                    {
                        request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                    }

                    if (caller != "none")
                    {
                        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", keys[caller]);
                    }

                    using var response = await http.SendAsync(request);
                    var status = response.StatusCode;
                    var expected = Allowed(caller, permissions) ? "allowed" : caller == "none" ? "401" : "403";
                    var actual = status switch
                    {
                        HttpStatusCode.Unauthorized => "401",
                        HttpStatusCode.Forbidden => "403",
                        _ => "allowed",
                    };
                    Assert.True(expected == actual, $"{method.ToUpperInvariant()} {path} as {caller} (needs {string.Join("|", permissions)}): expected {expected}, got {(int)status}");
                }

                checkedRoutes++;
            }
        }

        Assert.True(checkedRoutes >= 50, $"only {checkedRoutes} routes checked");
    }

    private static bool Allowed(string caller, IReadOnlyList<string> permissions) => permissions.Any(permission => permission switch
    {
        "anonymous" => true,
        "read" => caller != "none",
        "deploy" => caller is "developer" or "admin",
        "work" => caller is "worker" or "admin",
        "runreport" => caller is "worker" or "developer" or "admin",
        "admin" => caller == "admin",
        _ => throw new InvalidOperationException($"unknown permission {permission}"),
    });

    private static string Fill(string path) => path
        .Replace("{id}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
        .Replace("{scheduleId}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
        .Replace("{keyId}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
        .Replace("{sessionId}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
        .Replace("{taskRunId}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
        .Replace("{name}", "missing", StringComparison.Ordinal)
        .Replace("{pool}", "missing", StringComparison.Ordinal)
        .Replace("{queue}", "missing", StringComparison.Ordinal)
        .Replace("{worker}", "missing", StringComparison.Ordinal)
        .Replace("{flow}", "missing", StringComparison.Ordinal)
        .Replace("{type}", "process", StringComparison.Ordinal);

    [Fact]
    public async Task AuthOn_OnlyHealthAnswersAnonymously()
    {
        await using var server = await TestServer.StartAsync();
        await KeysAsync(server);

        Assert.Equal("ok", (await server.Client.GetHealthAsync()).Status);
        await ApiAssert.FailsAsync(HttpStatusCode.Unauthorized, () => server.Client.ListWorkPoolsAsync(), "requires an API key");
        await ApiAssert.FailsAsync(HttpStatusCode.Unauthorized, () => server.NewClient("bosun_wrong").ListWorkPoolsAsync(), "not valid");
    }

    [Fact]
    public async Task RevokedKey_RefusedAtOnce()
    {
        await using var server = await TestServer.StartAsync();
        var keys = await KeysAsync(server);
        using var admin = server.NewClient(keys["admin"]);
        using var developer = server.NewClient(keys["developer"]);
        await developer.ListWorkPoolsAsync();

        var id = (await admin.ListApiKeysAsync()).Single(k => k.Role == ApiKeyRole.Developer).Id;
        await admin.RevokeApiKeyAsync(id);

        await ApiAssert.FailsAsync(HttpStatusCode.Unauthorized, () => developer.ListWorkPoolsAsync(), "revoked");
        Assert.True((await admin.ListApiKeysAsync()).Single(k => k.Id == id).Revoked);
    }

    [Fact]
    public async Task ExpiredKey_Refused()
    {
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var server = await TestServer.StartAsync(clock);
        var keys = await KeysAsync(server);
        using var admin = server.NewClient(keys["admin"]);
        var shortLived = (await admin.CreateApiKeyAsync(new ApiKeyCreate("temp", ApiKeyRole.Viewer, ExpiresInDays: 1))).Key;
        using var temp = server.NewClient(shortLived);
        await temp.ListWorkPoolsAsync();

        clock.Advance(TimeSpan.FromDays(2));

        await ApiAssert.FailsAsync(HttpStatusCode.Unauthorized, () => temp.ListWorkPoolsAsync(), "expired");
    }

    [Fact]
    public async Task WrongKeys_RateLimitedWith429()
    {
        await using var server = await TestServer.StartAsync();
        await KeysAsync(server);
        using var guesser = server.NewClient("bosun_guess");

        for (var i = 0; i < AuthFailureLimiter.MaxFailures; i++)
        {
            await ApiAssert.FailsAsync(HttpStatusCode.Unauthorized, () => guesser.ListWorkPoolsAsync());
        }

        await ApiAssert.FailsAsync(HttpStatusCode.TooManyRequests, () => guesser.ListWorkPoolsAsync(), "try again");
    }

    [Fact]
    public async Task RunToken_OnlyItsOwnRunAndDeployment_NoSecrets()
    {
        await using var server = await TestServer.StartAsync();
        var keys = await KeysAsync(server);
        using var admin = server.NewClient(keys["admin"]);
        using var worker = server.NewClient(keys["worker"]);
        await admin.PoolAsync("p");
        var deployment = await admin.DeploymentAsync("p");
        var other = await admin.DeploymentAsync("p", name: "other");
        var mine = await admin.RunAsync(deployment);
        var theirs = await admin.RunAsync(other);
        await admin.SetSecretAsync("db-password", "hunter2-hunter2");
        await worker.ClaimAsync("p", max: 2);
        var token = (await worker.IssueRunTokenAsync(mine.Id)).Token!;
        Assert.StartsWith("bosunrun.", token, StringComparison.Ordinal);
        using var run = server.NewClient(token);

        Assert.Equal(SetStateStatus.Accept, (await run.SetFlowRunStateAsync(mine.Id, new StateProposal(StateType.Running))).Status);
        await run.SendFlowRunHeartbeatAsync(mine.Id);
        await run.WriteLogsAsync([new LogCreate(mine.Id, TimeProvider.System.GetUtcNow(), RunLogLevel.Info, "mine")]);
        Assert.Equal(deployment.Id, (await run.GetDeploymentAsync(deployment.Id)).Id);
        Assert.Equal(mine.Id, (await run.GetFlowRunAsync(mine.Id)).Id);

        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => run.SetFlowRunStateAsync(theirs.Id, new StateProposal(StateType.Running)));
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => run.SetFlowRunStatesAsync(new FlowRunStateBatch(
            [new FlowRunStateProposal(mine.Id, new StateProposal(StateType.Completed)), new FlowRunStateProposal(theirs.Id, new StateProposal(StateType.Running))])), $"flow run {theirs.Id}");
        Assert.Equal(StateType.Running, (await admin.GetFlowRunAsync(mine.Id)).State.Type);
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => run.GetFlowRunAsync(theirs.Id));
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => run.GetDeploymentAsync(other.Id));
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => run.WriteLogsAsync([new LogCreate(theirs.Id, TimeProvider.System.GetUtcNow(), RunLogLevel.Info, "x")]));
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => run.ListSecretsAsync());
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => run.ResolveSecretsAsync(new SecretResolveRequest(mine.Id, ["db-password"])));
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => run.ListFlowRunsAsync());
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => run.IssueRunTokenAsync(mine.Id));
        // The signature's last digit changed (to another digit whatever it was: "00" in place of the last two was the
        // same token once in 256 runs).
        var forged = token[..^1] + (token[^1] == '0' ? '1' : '0');
        await ApiAssert.FailsAsync(HttpStatusCode.Unauthorized, () => server.NewClient(forged).GetFlowRunAsync(mine.Id));
    }

    [Fact]
    public async Task RunToken_CoversItsSubflowsChildRunsAndTaskRuns_RefusedOutsideItsTree()
    {
        await using var server = await TestServer.StartAsync();
        var keys = await KeysAsync(server);
        using var admin = server.NewClient(keys["admin"]);
        using var worker = server.NewClient(keys["worker"]);
        await admin.PoolAsync("p");
        var deployment = await admin.DeploymentAsync("p");
        var other = await admin.DeploymentAsync("p", name: "other");
        var mine = await admin.RunAsync(deployment);
        var theirs = await admin.RunAsync(other);
        await worker.ClaimAsync("p", max: 2);
        using var run = server.NewClient((await worker.IssueRunTokenAsync(mine.Id)).Token!);
        Assert.Equal(SetStateStatus.Accept, (await run.SetFlowRunStateAsync(mine.Id, new StateProposal(StateType.Running))).Status);
        var now = TimeProvider.System.GetUtcNow();

        // Its tree: a subflow, the subflow's subflow, a deployment run it starts; their states, task runs, results and logs.
        var child = await run.CreateSubflowRunAsync(mine.Id, new SubflowRunCreate("child-flow"));
        var grandchild = await run.CreateSubflowRunAsync(child.Id, new SubflowRunCreate("grandchild-flow"));
        Assert.Equal(SetStateStatus.Accept, Assert.Single((await run.SetFlowRunStatesAsync(new FlowRunStateBatch(
            [new FlowRunStateProposal(grandchild.Id, new StateProposal(StateType.Running))]))).Results).Result!.Status);
        var started = await run.CreateDeploymentChildRunAsync(mine.Id, new DeploymentRunCreate($"{other.FlowName}/{other.Name}"));
        Assert.Equal((mine.Id, other.Id), (started.ParentFlowRunId!.Value, started.DeploymentId!.Value));
        Assert.Equal(started.Id, (await run.GetFlowRunAsync(started.Id)).Id);
        Assert.Equal(grandchild.Id, (await run.GetFlowRunAsync(grandchild.Id)).Id);
        var taskRunId = Guid.NewGuid();
        await run.RecordTaskRunsAsync([new TaskRunReport(taskRunId, grandchild.Id, "t", 1, TaskRunStateType.Completed, 1, Result: JsonValue.Create(7), HasResult: true)]);
        Assert.Equal(grandchild.Id, (await run.GetTaskRunAsync(taskRunId)).FlowRunId);
        Assert.Equal(7, (await run.GetTaskRunResultAsync(taskRunId)).Value!.GetValue<int>());
        Assert.Equal(taskRunId, Assert.Single(await run.ListTaskRunsAsync(grandchild.Id)).Id);
        await run.WriteLogsAsync([new LogCreate(child.Id, now, RunLogLevel.Info, "child line"), new LogCreate(mine.Id, now, RunLogLevel.Info, "own line")]);
        // The children of a run of its tree (a resumed flow finds its completed subflows there), and no other list.
        Assert.Equal(new[] { child.Id, started.Id }.Order(), (await run.ListChildFlowRunsAsync(mine.Id)).Select(c => c.Id).Order());
        Assert.Equal(grandchild.Id, Assert.Single(await run.ListChildFlowRunsAsync(child.Id, "grandchild-flow", [StateType.Running])).Id);

        // Outside it: another run, that run's subflow and task run; a plain run of a deployment; deployments by name.
        var theirChild = await admin.CreateSubflowRunAsync(theirs.Id, new SubflowRunCreate("their-child"));
        var theirTask = Guid.NewGuid();
        await admin.RecordTaskRunsAsync([new TaskRunReport(theirTask, theirs.Id, "t", 1, TaskRunStateType.Completed, 1)]);
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => run.GetFlowRunAsync(theirChild.Id));
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => run.SetFlowRunStateAsync(theirChild.Id, new StateProposal(StateType.Running)));
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => run.CreateSubflowRunAsync(theirs.Id, new SubflowRunCreate("sneaky")));
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => run.CreateDeploymentChildRunAsync(theirs.Id, new DeploymentRunCreate($"{other.FlowName}/{other.Name}")));
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => run.GetTaskRunAsync(theirTask));
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => run.GetTaskRunResultAsync(theirTask));
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => run.ListTaskRunsAsync(theirs.Id));
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => run.ListChildFlowRunsAsync(theirs.Id));
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => run.ListFlowRunsAsync(new FlowRunFilter(ParentFlowRunId: mine.Id)));
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden,
            () => run.RecordTaskRunsAsync([new TaskRunReport(Guid.NewGuid(), grandchild.Id, "t", 1, TaskRunStateType.Running, 1), new TaskRunReport(Guid.NewGuid(), theirChild.Id, "t", 1, TaskRunStateType.Running, 1)]),
            theirChild.Id.ToString());
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => run.WriteLogsAsync([new LogCreate(theirChild.Id, now, RunLogLevel.Info, "x")]));
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => run.CreateFlowRunAsync(other.Id, new FlowRunCreate()));
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => run.GetDeploymentByNameAsync($"{other.FlowName}/{other.Name}"));
        Assert.Equal(2, (await admin.ListTaskRunsAsync(grandchild.Id)).Count + (await admin.ListTaskRunsAsync(theirs.Id)).Count);
    }

    [Fact]
    public async Task RunToken_LogBatchSentAgainAfterASubflowInItWasDeleted_AcknowledgedAndWrittenOnce_ANewKeyRefused()
    {
        await using var server = await TestServer.StartAsync();
        var keys = await KeysAsync(server);
        using var admin = server.NewClient(keys["admin"]);
        using var worker = server.NewClient(keys["worker"]);
        await admin.PoolAsync("p");
        var mine = await admin.RunAsync(await admin.DeploymentAsync("p"));
        await worker.ClaimAsync("p");
        using var run = server.NewClient((await worker.IssueRunTokenAsync(mine.Id)).Token!);
        var child = await run.CreateSubflowRunAsync(mine.Id, new SubflowRunCreate("child-flow"));
        var now = TimeProvider.System.GetUtcNow();
        List<LogCreate> lines = [new(mine.Id, now, RunLogLevel.Info, "own line"), new(child.Id, now, RunLogLevel.Info, "child line")];
        await run.WriteLogBatchAsync(lines, "batch-1");

        // The answer was lost and the subflow deleted before the batch is sent again. The batch was written, so it is
        // acknowledged: a 403 (the deleted run is no longer in the token's tree) would make a shipper send the own
        // line again as a new batch.
        await admin.DeleteFlowRunAsync(child.Id);
        await run.WriteLogBatchAsync(lines, "batch-1");

        Assert.Equal(["own line"], (await admin.AllLogsAsync(mine.Id)).Select(line => line.Message));
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => run.WriteLogBatchAsync(lines, "batch-2"), $"flow run {child.Id}");
        Assert.Equal(["own line"], (await admin.AllLogsAsync(mine.Id)).Select(line => line.Message));
    }

    [Fact]
    public async Task Secrets_NeverReturnedAndResolvedOnlyForClaimedRuns()
    {
        await using var server = await TestServer.StartAsync();
        var keys = await KeysAsync(server);
        using var admin = server.NewClient(keys["admin"]);
        using var worker = server.NewClient(keys["worker"]);
        await admin.PoolAsync("p");
        var run = await admin.RunAsync(await admin.DeploymentAsync("p"));
        await admin.SetSecretAsync("api-token", "tok-123456789");

        Assert.Equal("api-token", Assert.Single(await admin.ListSecretsAsync()).Name);
        await ApiAssert.FailsAsync(HttpStatusCode.Conflict, () => worker.ResolveSecretsAsync(new SecretResolveRequest(run.Id, ["api-token"])), "claimed");
        await worker.ClaimAsync("p");
        Assert.Equal("tok-123456789", (await worker.ResolveSecretsAsync(new SecretResolveRequest(run.Id, ["api-token"])))["api-token"]);
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => worker.ResolveSecretsAsync(new SecretResolveRequest(run.Id, ["nope"])), "'nope'");
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => worker.ListSecretsAsync());
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => server.NewClient(keys["developer"]).SetSecretAsync("x", "y"));
    }

    [Fact]
    public async Task ReadSecretsForDeploy_DeveloperAndAdminOnly_AuditedWithNamesNeverValues()
    {
        await using var server = await TestServer.StartAsync();
        var keys = await KeysAsync(server);
        using var admin = server.NewClient(keys["admin"]);
        using var developer = server.NewClient(keys["developer"]);
        await admin.SetSecretAsync("registry-password", "reg-pass-98765");
        var request = new SecretReadRequest(["registry-password"], "bosun deploy of 'f/d': push step");

        Assert.Equal("reg-pass-98765", (await developer.ReadSecretsAsync(request))["registry-password"]);
        Assert.Equal("reg-pass-98765", (await admin.ReadSecretsAsync(request))["registry-password"]);
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => server.NewClient(keys["viewer"]).ReadSecretsAsync(request));
        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => server.NewClient(keys["worker"]).ReadSecretsAsync(request));
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => developer.ReadSecretsAsync(new SecretReadRequest(["nope"])), "'nope'");

        var entries = (await admin.ListAuditEntriesAsync(keyName: "Developer")).Items.Where(e => e.Action == "ReadSecrets").ToList();
        Assert.Contains(entries, e => e.Status == 200 && e.Summary.Contains("names=[\"registry-password\"]", StringComparison.Ordinal)
            && e.Summary.Contains("reason=", StringComparison.Ordinal));
        Assert.DoesNotContain(entries, e => e.Summary.Contains("reg-pass-98765", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StoredSecrets_AreEncryptedAtRest()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.SetSecretAsync("plain-check", "very-recognisable-value");

        if (!TestDatabases.UsePostgres)
        {
            var bytes = await File.ReadAllBytesAsync(server.DatabasePath);
            var wal = File.Exists(server.DatabasePath + "-wal") ? await File.ReadAllBytesAsync(server.DatabasePath + "-wal") : [];
            Assert.DoesNotContain("very-recognisable-value", Encoding.UTF8.GetString(bytes) + Encoding.UTF8.GetString(wal), StringComparison.Ordinal);
        }

        Assert.True(File.Exists(Path.Combine(server.Directory, "bosun.key")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(server.Directory, "bosun.key")));
    }

    [Fact]
    public async Task NonLoopbackWithoutAdminKey_RefusesToStartThenTheBootstrapTokenLetsIt()
    {
        var directory = TempDirectory.Create("bosun-bind");
        var options = new BosunServerOptions { Host = "0.0.0.0", Port = 0, Database = await TestDatabases.ForDirectoryAsync(directory), KeyFile = Path.Combine(directory, "bosun.key") };

        await using (var open = BosunServer.Create(options))
        {
            var refusal = await Assert.ThrowsAsync<InsecureBindException>(() => open.StartAsync());
            Assert.Contains("--bootstrap-token", refusal.Message, StringComparison.Ordinal);
        }

        string key;
        await using (var local = await TestServer.StartAsync(directory: directory))
        {
            key = (await local.Client.BootstrapApiKeyAsync(new ApiKeyBootstrap(local.Server.BootstrapToken!, "first-admin"))).Key;
        }

        await using var secured = BosunServer.Create(options);
        await secured.StartAsync();
        Assert.Null(secured.BootstrapToken);
        var api = new Uri($"http://127.0.0.1:{secured.BaseAddress.Port}/api/");
        using var anonymous = new BosunClient(new BosunClientOptions { ApiUrl = api, MaxAttempts = 1 });
        using var withKey = new BosunClient(new BosunClientOptions { ApiUrl = api, MaxAttempts = 1, ApiKey = key });

        await ApiAssert.FailsAsync(HttpStatusCode.Unauthorized, () => anonymous.ListWorkPoolsAsync());
        Assert.Empty((await withKey.ListWorkPoolsAsync()).Items);
        await secured.StopAsync();
        await TestDatabases.DeleteDirectoryAsync(directory);
    }

    [Fact]
    public async Task BootstrapToken_WorksOnceThenTheRouteIsClosed()
    {
        await using var server = await TestServer.StartAsync();
        var token = server.Server.BootstrapToken!;
        var file = Path.Combine(server.Directory, "bootstrap-token");
        Assert.StartsWith("bosun_bootstrap_", token, StringComparison.Ordinal);
        Assert.Equal(token, (await File.ReadAllTextAsync(file)).Trim());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));

        await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => server.Client.BootstrapApiKeyAsync(new ApiKeyBootstrap(token + "x", "guess")), "not valid");
        var created = await server.Client.BootstrapApiKeyAsync(new ApiKeyBootstrap(token, "root", ExpiresInDays: 30));

        Assert.Equal((ApiKeyRole.Admin, "root"), (created.ApiKey.Role, created.ApiKey.Name));
        Assert.NotNull(created.ApiKey.Expires);
        await ApiAssert.FailsAsync(HttpStatusCode.Conflict, () => server.Client.BootstrapApiKeyAsync(new ApiKeyBootstrap(token, "again")), "closed");
        using var admin = server.NewClient(created.Key);
        Assert.Single(await admin.ListApiKeysAsync());
    }

    [Fact]
    public async Task BootstrapToken_NoneWhileAnAdminKeyWorks_AndANewOneAfterItIsRevoked()
    {
        var directory = TempDirectory.Create("bosun-bootstrap");
        string adminKey;
        Guid adminId;
        await using (var first = await TestServer.StartAsync(directory: directory))
        {
            var created = await first.Client.BootstrapApiKeyAsync(new ApiKeyBootstrap(first.Server.BootstrapToken!, "root"));
            (adminKey, adminId) = (created.Key, created.ApiKey.Id);
        }

        await using (var second = await TestServer.StartAsync(directory: directory))
        {
            Assert.Null(second.Server.BootstrapToken);
            await ApiAssert.FailsAsync(HttpStatusCode.Conflict, () => second.Client.BootstrapApiKeyAsync(new ApiKeyBootstrap("bosun_bootstrap_00", "x")), "closed");
            using var admin = second.NewClient(adminKey);
            await admin.RevokeApiKeyAsync(adminId);
        }

        // Locked out (the only admin key revoked): a restart gives a new token, the way back in.
        await using (var third = await TestServer.StartAsync(directory: directory))
        {
            Assert.NotNull(third.Server.BootstrapToken);
            Assert.Equal(ApiKeyRole.Admin, (await third.Client.BootstrapApiKeyAsync(new ApiKeyBootstrap(third.Server.BootstrapToken!, "root-2"))).ApiKey.Role);
        }

        await TestDatabases.DeleteDirectoryAsync(directory);
    }

    [Fact]
    public async Task CliServerStart_OnAllInterfacesWithoutKey_OneLineSayingHowToBootstrap()
    {
        var directory = TempDirectory.Create("bosun-bind-cli");
        await using var process = ChildProcess.StartCli(["server", "start", "--host", "0.0.0.0", "--port", "0", "--database", Path.Combine(directory, "bosun.db")]);

        Assert.Equal(1, await process.WaitForExitAsync());
        var error = Assert.Single(process.Output, l => l.StartsWith("Error:", StringComparison.Ordinal));
        Assert.Contains("bosun api-key create --name admin --role admin --bootstrap-token TOKEN", error, StringComparison.Ordinal);
        TempDirectory.Delete(directory);
    }

    [Fact]
    public async Task SecretInAStateMessage_IsMasked()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.SetSecretAsync("token", "tok-abcdef-123");
        await server.Client.PoolAsync("p");
        var run = await server.Client.RunAsync(await server.Client.DeploymentAsync("p"));
        await server.Client.ClaimAsync("p");
        await server.Client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Running));

        var failed = await server.Client.SetFlowRunStateAsync(run.Id, new StateProposal(StateType.Failed, Message: "login failed with tok-abcdef-123"));

        Assert.Equal("login failed with ********", failed.State.Message);
        Assert.DoesNotContain("tok-abcdef-123", string.Join(" ", (await server.Client.GetFlowRunStatesAsync(run.Id)).Select(s => s.Message)), StringComparison.Ordinal);
    }
}
