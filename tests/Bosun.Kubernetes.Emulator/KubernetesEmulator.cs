using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bosun.Kubernetes.Emulator;

/// <summary>
/// A Kubernetes API server for tests, on 127.0.0.1: the subset of the REST API the worker's client uses (see README.md
/// beside this file), with one emulated node (<see cref="EmulatedNode"/>) that runs each pod as a container on the
/// local dockerd. It records every request as the RBAC verb, resource and namespace the real API server would authorize.
/// </summary>
internal sealed class KubernetesEmulator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ApiRequest> _requests = new();
    private CancellationTokenSource _watches = new();
    private int _expiredWatches;

    private KubernetesEmulator(WebApplication app, ResourceStore store, EmulatedNode node)
    {
        _app = app;
        Store = store;
        Node = node;
    }

    public ResourceStore Store { get; }

    public EmulatedNode Node { get; }

    public Uri Url { get; private set; } = null!;

    /// <summary>Every request so far, as (verb, resource[/subresource], namespace).</summary>
    public IReadOnlyCollection<ApiRequest> Requests => _requests;

    /// <summary>How many watches were answered 410 Gone (a resourceVersion older than the compacted history).</summary>
    public int ExpiredWatches => Volatile.Read(ref _expiredWatches);

    /// <summary>
    /// Compacts the history and ends every open watch, as an API server restart after an etcd compaction does: each
    /// watcher comes back with its last resourceVersion and is told it is too old.
    /// </summary>
    public async Task CompactAndDropWatchesAsync()
    {
        Store.Compact();
        // Not disposed: a watch starting at this moment may still link to it (a cancelled source holds nothing else).
        await Interlocked.Exchange(ref _watches, new CancellationTokenSource()).CancelAsync();
    }

    public static async Task<KubernetesEmulator> StartAsync(EmulatedNodeOptions options)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var store = new ResourceStore();
        var node = new EmulatedNode(store, options, TimeProvider.System);
        var emulator = new KubernetesEmulator(app, store, node);
        emulator.Map();
        await app.StartAsync();
        emulator.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return emulator;
    }

    /// <summary>A kubeconfig file pointing at this emulator, with a context of <paramref name="context"/>.</summary>
    public string WriteKubeconfig(string directory, string context = "emulator")
    {
        var path = Path.Combine(directory, $"kubeconfig-{context}");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: emulator
              cluster:
                server: {Url.ToString().TrimEnd('/')}
            users:
            - name: emulator-user
              user:
                token: emulator-token
            contexts:
            - name: {context}
              context:
                cluster: emulator
                user: emulator-user
                namespace: default
            current-context: {context}
            """);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await Node.DisposeAsync();
        await _app.DisposeAsync();
        _watches.Dispose();
    }

    private void Map()
    {
        _app.Use(async (context, next) =>
        {
            _requests.Enqueue(ApiRequest.From(context.Request));
            await next(context);
        });

        const string jobs = "/apis/batch/v1/namespaces/{ns}/jobs";
        _app.MapPost(jobs, (string ns, HttpRequest request) => CreateJobAsync(ns, request));
        _app.MapGet(jobs, (string ns, HttpContext context) => ListAsync("jobs", "JobList", "batch/v1", ns, context));
        _app.MapGet(jobs + "/{name}", (string ns, string name) => Get("jobs", "jobs.batch", ns, name));
        _app.MapPut(jobs + "/{name}", (string ns, string name, HttpRequest request) => ReplaceJobAsync(ns, name, request));
        _app.MapDelete(jobs + "/{name}", (string ns, string name, HttpRequest request) => DeleteJobAsync(ns, name, request));
        _app.MapGet("/api/v1/namespaces/{ns}/pods", (string ns, HttpContext context) => ListAsync("pods", "PodList", "v1", ns, context));
        _app.MapGet("/api/v1/namespaces/{ns}/pods/{name}", (string ns, string name) => Get("pods", "pods", ns, name));
        _app.MapGet("/api/v1/namespaces/{ns}/pods/{name}/log", (string ns, string name, HttpContext context) => Node.WriteLogsAsync(ns, name, context));
        _app.MapGet("/api/v1/namespaces/{ns}/events", (string ns, HttpContext context) => ListAsync("events", "EventList", "v1", ns, context));
        _app.MapFallback(() => ApiStatus.NoRoute());
    }

    private IResult Get(string kind, string resource, string ns, string name) =>
        Store.Get(kind, ns, name) is { } item ? Json(item) : ApiStatus.NotFound(resource, name);

    private async Task<IResult> CreateJobAsync(string ns, HttpRequest request)
    {
        JsonObject job;
        try
        {
            job = (await JsonNode.ParseAsync(request.Body))?.AsObject() ?? throw new JsonException("empty body");
        }
        catch (JsonException ex)
        {
            return ApiStatus.BadRequest($"the body of the request was in an unknown format - accepted media types include: application/json ({ex.Message})");
        }

        var metadata = job["metadata"] as JsonObject ?? [];
        job["metadata"] = metadata;
        var name = metadata["name"]?.GetValue<string>();
        if (name is null && metadata["generateName"]?.GetValue<string>() is { Length: > 0 } prefix)
        {
            name = prefix + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..5];
        }

        var problems = new List<(string, string)>();
        if (name is null)
        {
            problems.Add(("metadata.name", "Required value: name or generateName is required"));
        }
        else if (name.Length > 63)
        {
            problems.Add(("metadata.name", $"Invalid value: \"{name}\": must be no more than 63 characters"));
        }
        else if (!System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"))
        {
            problems.Add(("metadata.name", $"Invalid value: \"{name}\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"));
        }

        var containers = job["spec"]?["template"]?["spec"]?["containers"] as JsonArray;
        if (containers is not { Count: > 0 })
        {
            problems.Add(("spec.template.spec.containers", "Required value"));
        }

        for (var i = 0; i < (containers?.Count ?? 0); i++)
        {
            if (containers![i]?["image"] is null)
            {
                problems.Add(($"spec.template.spec.containers[{i}].image", "Required value"));
            }
        }

        if (problems.Count > 0)
        {
            return ApiStatus.Invalid("Job.batch", name ?? "", problems);
        }

        var uid = Guid.NewGuid().ToString();
        metadata["name"] = name;
        metadata["namespace"] = ns;
        metadata["uid"] = uid;
        metadata["creationTimestamp"] = ResourceStore.Now(TimeProvider.System);
        metadata["generation"] = 1;
        var spec = job["spec"]!.AsObject();
        spec["backoffLimit"] ??= 6;
        spec["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["batch.kubernetes.io/controller-uid"] = uid } };
        var templateMetadata = spec["template"]!["metadata"] as JsonObject ?? [];
        spec["template"]!["metadata"] = templateMetadata;
        var podLabels = templateMetadata["labels"] as JsonObject ?? [];
        templateMetadata["labels"] = podLabels;
        podLabels["batch.kubernetes.io/controller-uid"] = uid;
        podLabels["controller-uid"] = uid;
        podLabels["batch.kubernetes.io/job-name"] = name;
        podLabels["job-name"] = name;
        job["status"] = new JsonObject();
        var created = Store.Add("jobs", job);
        if (created is null)
        {
            return ApiStatus.AlreadyExists("jobs.batch", name!);
        }

        Node.JobCreated(ns, name!);
        return Json(created, StatusCodes.Status201Created);
    }

    private async Task<IResult> ReplaceJobAsync(string ns, string name, HttpRequest request)
    {
        var body = (await JsonNode.ParseAsync(request.Body))!.AsObject();
        var conflict = false;
        var updated = Store.Update("jobs", ns, name, job =>
        {
            if (body["metadata"]?["resourceVersion"]?.GetValue<string>() is { } version && version != job["metadata"]!["resourceVersion"]!.GetValue<string>())
            {
                conflict = true;
                return false;
            }

            // Labels and annotations are mutable; the spec's pod template and selector are not (and status is a subresource).
            job["metadata"]!["labels"] = body["metadata"]?["labels"]?.DeepClone();
            job["metadata"]!["annotations"] = body["metadata"]?["annotations"]?.DeepClone();
            return true;
        });
        return conflict ? ApiStatus.Conflict("jobs.batch", name) : updated is null ? ApiStatus.NotFound("jobs.batch", name) : Json(updated);
    }

    private async Task<IResult> DeleteJobAsync(string ns, string name, HttpRequest request)
    {
        string? policy = request.Query["propagationPolicy"];
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            var options = await JsonNode.ParseAsync(request.Body);
            policy = options?["propagationPolicy"]?.GetValue<string>() ?? policy;
        }

        // batch/v1 Jobs orphan their pods unless told otherwise (the REST strategy's default garbage collection policy).
        var result = Node.DeleteJob(ns, name, policy ?? "Orphan");
        return result is null ? ApiStatus.NotFound("jobs.batch", name) : Json(result);
    }

    private async Task<IResult> ListAsync(string kind, string listKind, string apiVersion, string ns, HttpContext context)
    {
        var query = context.Request.Query;
        string? labels = query["labelSelector"];
        string? fields = query["fieldSelector"];
        if (Selectors.Problem(labels, fields) is { } problem)
        {
            return ApiStatus.BadRequest(problem);
        }

        if (query["watch"] is not ["true" or "1"])
        {
            var (items, version) = Store.List(kind, ns, labels, fields);
            return Json(new JsonObject
            {
                ["kind"] = listKind,
                ["apiVersion"] = apiVersion,
                ["metadata"] = new JsonObject { ["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture) },
                ["items"] = new JsonArray([.. items]),
            });
        }

        await WatchAsync(kind, ns, labels, fields, query["resourceVersion"], query["timeoutSeconds"], context);
        return Results.Empty;
    }

    /// <summary>
    /// A watch: newline-separated <c>{"type": ..., "object": ...}</c> events, flushed one by one. Without a
    /// resourceVersion (or "0") it starts with the current objects as ADDED events, as the API server does.
    /// </summary>
    private async Task WatchAsync(string kind, string ns, string? labels, string? fields, string? resourceVersion, string? timeoutSeconds, HttpContext context)
    {
        var response = context.Response;
        response.ContentType = "application/json";
        var timeout = int.TryParse(timeoutSeconds, CultureInfo.InvariantCulture, out var seconds) ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromMinutes(30);
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _watches.Token);
        ending.CancelAfter(timeout);
        await response.StartAsync(ending.Token);
        long version;
        if (string.IsNullOrEmpty(resourceVersion) || resourceVersion == "0")
        {
            var (items, listed) = Store.List(kind, ns, labels, fields);
            foreach (var item in items)
            {
                await WriteEventAsync(response, "ADDED", item, ending.Token);
            }

            version = listed;
        }
        else
        {
            version = long.Parse(resourceVersion, CultureInfo.InvariantCulture);
            var (oldest, current) = Store.WatchableVersions();
            if (version < oldest)
            {
                // As the API server answers a watch from a compacted version: one ERROR event carrying a 410 Status, then the end.
                Interlocked.Increment(ref _expiredWatches);
                await WriteEventAsync(response, "ERROR", ApiStatus.Expired(version, current), ending.Token);
                return;
            }
        }

        try
        {
            while (true)
            {
                var (changes, next) = Store.ChangesAfter(version);
                foreach (var change in changes)
                {
                    version = change.Version;
                    if (change.Kind == kind && ResourceStore.Namespace(change.Object) == ns && Selectors.Matches(change.Object, labels, fields))
                    {
                        await WriteEventAsync(response, change.Type, change.Object, ending.Token);
                    }
                }

                await next.WaitAsync(ending.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // The watch's timeout, or the client went away: the response ends.
        }
    }

    private static async Task WriteEventAsync(HttpResponse response, string type, JsonObject item, CancellationToken cancellationToken)
    {
        var line = new JsonObject { ["type"] = type, ["object"] = item.DeepClone() }.ToJsonString() + "\n";
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(line), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    private static IResult Json(JsonObject item, int status = StatusCodes.Status200OK) =>
        Results.Content(item.ToJsonString(), "application/json", statusCode: status);
}
