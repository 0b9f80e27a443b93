using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Bosun.Contracts;
using Bosun.Contracts.Security;
using Bosun.Server.Api;
using Bosun.Server.Api.Automations;
using Bosun.Server.Api.Deployments;
using Bosun.Server.Api.FlowRuns;
using Bosun.Server.Api.Logs;
using Bosun.Server.Api.OpenApi;
using Bosun.Server.Api.Metrics;
using Bosun.Server.Api.Security;
using Bosun.Server.Api.TaskRuns;
using Bosun.Server.Api.WorkPools;
using Bosun.Server.Orchestration;
using Bosun.Server.Orchestration.Automations;
using Bosun.Server.Orchestration.Deployments;
using Bosun.Server.Orchestration.FlowRuns;
using Bosun.Server.Orchestration.Logs;
using Bosun.Server.Orchestration.Security;
using Bosun.Server.Orchestration.WorkPools;
using Bosun.Server.Security;
using Bosun.Server.Storage;
using Bosun.Server.Ui;
using Bosun.Ui;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Scalar.AspNetCore;

namespace Bosun.Server;

/// <summary>Builds and runs a Bosun server: the REST API under /api, its OpenAPI document, and the background services.</summary>
public sealed class BosunServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BosunServer(WebApplication app) => _app = app;

    /// <summary>The server's version.</summary>
    public static string Version { get; } =
        typeof(BosunServer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>The application's services (for tests and hosts).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The address the server listens on, e.g. http://127.0.0.1:4200 (known after <see cref="StartAsync"/>).</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The store, for people: "SQLite /path/bosun.db" or "PostgreSQL host:port/database" (never a password).</summary>
    public string StoreDescription => _app.Services.GetRequiredService<BosunDatabase>().Dialect.Description;

    /// <summary>The API's base address: <see cref="BaseAddress"/> + /api/.</summary>
    public Uri ApiAddress => new(BaseAddress, "api/");

    /// <summary>Builds a server from options; <paramref name="configure"/> may replace services (a TimeProvider in tests).</summary>
    public static BosunServer Create(BosunServerOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(BosunServer).Assembly.GetName().Name,
            // The host reads appsettings.json from the current folder, and by default watches for it to change: with a
            // watcher on every folder under the current one (4,828 inotify watches started in /tmp; every folder of the
            // machine started in /, as a service is), woken by every write under it, the database's own included (the
            // server's CPU per W1 job, store below: 1.64 ms watched, 1.24 not). Settings are read once, at start
            // (BosunServerSettings), so nothing is watched.
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss ";
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // The slim builder's Kestrel already serves plain HTTP, all the server listens on; UseKestrel would add the HTTPS
        // configuration and the QUIC transport (System.Net.Quic, ~0.9 MiB mapped) for endpoints it never has.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes);
        builder.WebHost.UseUrls($"http://{FormatHost(options.Host)}:{options.Port}");
        builder.Services.AddBosunServer(options);
        builder.Services.AddBosunUi().AddUiBackends();
        configure?.Invoke(builder);
        // After configure: a host embedding the server may set the OTEL_* settings in its configuration rather than the environment.
        Orchestration.Tracing.ServerTracing.AddOtlpTracing(builder.Services, builder.Configuration);

        var app = builder.Build();
        if (!options.DisableMetrics)
        {
            // Created now, not at the first scrape: its listener counts only what is measured once it exists.
            app.Services.GetRequiredService<Orchestration.Metrics.MetricsService>();
        }

        app.UseApiVersionHeader();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<Api.Audit.AuditRecorder>();
        app.UseMiddleware<ApiAuthentication>();
        app.UseMiddleware<Api.Audit.AuditedChangeScope>();
        var api = app.MapGroup("/api");
        api.AddEndpointFilter<InputLimits>();
        api.MapGet(ApiRoutes.Health, (BosunDatabase database, StoreState state, Leadership leadership) =>
            TypedResults.Ok(new HealthResponse("ok", Version, database.Dialect.Kind, state.SchemaVersion, leadership.IsHeld)))
            .WithTags("Health").WithName("Health")
            .WithSummary("Server health").WithDescription("Whether the server is up: its version, its store (sqlite or postgresql), the schema version, and whether this replica holds the scheduler lease. Needs no key.").Requires(Permission.Anonymous);
        api.MapWorkPools();
        api.MapDeployments();
        api.MapFlowRuns();
        api.MapLogs();
        api.MapTaskRuns();
        api.MapSecurity();
        Api.Audit.AuditEndpoints.MapAudit(api);
        api.MapDeploymentPolicy();
        api.MapAutomations();
        Api.ConcurrencyLimits.ConcurrencyLimitEndpoints.MapConcurrencyLimits(api);
        api.MapFallback(() => TypedResults.Problem(statusCode: 404, title: "Not found", detail: "No API route matches this path and method; see /api/docs."))
            .Requires(Permission.Anonymous);
        app.MapOpenApi("/api/openapi.json").Requires(Permission.Read);
        app.MapScalarApiReference("/api/docs", scalar => scalar.WithOpenApiRoutePattern("/api/openapi.json").WithTitle("Bosun API")).Requires(Permission.Read);
        app.MapMetrics(enabled: !options.DisableMetrics);
        app.MapBosunUi();
        return new BosunServer(app);
    }

    /// <summary>
    /// The one-time token that creates the first admin key (<c>bosun api-key create --bootstrap-token</c>), when the server
    /// started without one; null when an admin key exists. Also in <see cref="BootstrapTokenFile"/>.
    /// </summary>
    public string? BootstrapToken { get; private set; }

    /// <summary>The file holding <see cref="BootstrapToken"/>, readable by the server's user only: <c>bootstrap-token</c> beside the key file.</summary>
    public string? BootstrapTokenFile { get; private set; }

    /// <summary>
    /// Migrates the store, refuses to serve a non-loopback address without authentication, issues a bootstrap token when
    /// no admin key exists, catches the schedules up (so that no worker claims a run the catch-up policy skips), then
    /// starts listening.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await InitializeStoreAsync(_app.Services, cancellationToken);
        var options = _app.Services.GetRequiredService<IOptions<BosunServerOptions>>().Value;
        BootstrapToken = await _app.Services.GetRequiredService<SecurityService>().IssueBootstrapTokenAsync(cancellationToken);
        if (BootstrapToken is not null && !IsLoopback(options.Host) && !options.AllowAnonymous)
        {
            throw new InsecureBindException(options.Host);
        }

        if (BootstrapToken is not null)
        {
            BootstrapTokenFile = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(options.EffectiveKeyFile))!, "bootstrap-token");
            await WriteOwnerOnlyAsync(BootstrapTokenFile, BootstrapToken + "\n", cancellationToken);
        }

        if (await _app.Services.GetRequiredService<Leadership>().IsLeaderAsync(cancellationToken))
        {
            await _app.Services.GetServices<IHostedService>().OfType<Orchestration.Scheduling.SchedulerService>().Single().SweepAsync(cancellationToken);
        }

        // Each endpoint's request delegate is built when its data source is first read, by default on the first request:
        // built here, a loaded machine's first heartbeats after a restart do not wait for every route to be compiled.
        foreach (var source in ((IEndpointRouteBuilder)_app).DataSources)
        {
            _ = source.Endpoints;
        }

        await _app.StartAsync(cancellationToken);
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
    }

    /// <summary>Waits until the host is asked to stop (Ctrl-C, SIGTERM).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    /// <summary>Stops listening and the background services.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
    }

    private static async Task InitializeStoreAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var database = services.GetRequiredService<BosunDatabase>();
        var version = await new SchemaMigrator(database.Dialect, services.GetRequiredService<TimeProvider>()).MigrateAsync(cancellationToken);
        services.GetRequiredService<StoreState>().SchemaVersion = version;
        var logger = services.GetRequiredService<ILogger<BosunServer>>();
        Log.StoreReady(logger, database.Dialect.Kind, version, database.Dialect.Location);
    }

    /// <summary>Writes <paramref name="text"/> to a new file that only this process's user can read (mode 0600 on Unix).</summary>
    private static async Task WriteOwnerOnlyAsync(string path, string text, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Delete(path);
        var file = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            file.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using var stream = new FileStream(path, file);
        await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text), cancellationToken);
    }

    private static bool IsLoopback(string host) =>
        host is "localhost" || (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var address) && System.Net.IPAddress.IsLoopback(address));

    private static string FormatHost(string host) => host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;
}

/// <summary>Registration of the server's services.</summary>
public static class BosunServerServiceCollectionExtensions
{
    /// <summary>Adds the Bosun server's services with <paramref name="options"/>, storing in the SQLite file they name.</summary>
    public static IServiceCollection AddBosunServer(this IServiceCollection services, BosunServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        DapperSetup.EnsureConfigured();
        services.AddSingleton<IValidateOptions<BosunServerOptions>, BosunServerOptionsValidator>();
        services.AddOptions<BosunServerOptions>().Configure(target =>
        {
            foreach (var property in typeof(BosunServerOptions).GetProperties().Where(p => p.CanWrite))
            {
                property.SetValue(target, property.GetValue(options));
            }
        }).ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(provider => new BosunDatabase(SqlDialect.For(provider.GetRequiredService<IOptions<BosunServerOptions>>().Value.Database)));
        services.AddSingleton<StoreState>();
        services.AddSingleton(provider => new ServerKey(provider.GetRequiredService<IOptions<BosunServerOptions>>().Value.EffectiveKeyFile));
        services.AddSingleton<RunTokens>();
        if (!options.InMemoryUiSessionKeys)
        {
            services.AddStoredKeyRing();
        }
        services.AddSingleton<SecretRedactor>();
        services.AddSingleton<SecurityService>();
        services.AddSingleton<AuthFailureLimiter>();
        services.AddSingleton<Leadership>();
        services.AddHostedService<ReplicaNotifications>();
        services.AddSingleton<ClaimSignal>();
        services.AddSingleton<RunSignals>();
        services.AddSingleton<RunLogFeeds>();
        services.AddSingleton<SchedulerSignal>();
        services.AddSingleton<WorkPoolService>();
        services.AddSingleton<DeploymentService>();
        services.AddSingleton<HeldProposals>();
        services.AddSingleton<FlowRunService>();
        services.AddSingleton<ClaimService>();
        services.AddSingleton<LogService>();
        services.AddSingleton<FlowRunSummaries>();
        services.AddSingleton(provider => new ResultFolder(provider.GetRequiredService<IOptions<BosunServerOptions>>().Value.EffectiveResultDirectory));
        services.AddSingleton<Orchestration.TaskRuns.TaskRunService>();
        services.AddSingleton<Orchestration.ConcurrencyLimits.ConcurrencyLimitService>();
        services.AddHostedService<LateRunService>();
        services.AddHostedService<AbandonedRunService>();
        services.AddHostedService<RunTimeoutService>();
        services.AddHostedService<StartTimeoutService>();
        services.AddHostedService<PausedRunService>();
        services.AddSingleton<Orchestration.Metrics.ServerMetrics>();
        services.AddSingleton<Orchestration.Metrics.MetricsService>();
        services.AddHostedService<Orchestration.Scheduling.SchedulerService>();
        services.AddSingleton<Orchestration.Audit.AuditLog>();
        services.AddHostedService<Orchestration.Audit.AuditRetentionService>();
        services.AddHostedService<Orchestration.FlowRuns.ClaimRetentionService>();
        services.AddSingleton<AutomationSignal>();
        services.AddSingleton<AutomationService>();
        services.AddSingleton<AutomationActions>();
        services.AddHostedService<AutomationDispatcher>();
        services.AddHostedService<AutomationConditionService>();
        services.AddHostedService<AutomationRetentionService>();
        services.AddExceptionHandler<ApiExceptionHandler>();
        // Before AddProblemDetails: the first writer that can write an /api problem is ours, whatever the Accept header.
        services.AddSingleton<Microsoft.AspNetCore.Http.IProblemDetailsWriter, ApiProblemWriter>();
        services.AddProblemDetails(problems => problems.CustomizeProblemDetails = context =>
        {
            // Responses that never reached a handler (413 from the body reader, 405, 415) still say what to fix.
            context.ProblemDetails.Detail ??= context.ProblemDetails.Status switch
            {
                StatusCodes.Status413PayloadTooLarge => $"The request body is larger than the server accepts ({options.MaxRequestBodyBytes:N0} bytes); send less data per request.",
                StatusCodes.Status405MethodNotAllowed => $"{context.HttpContext.Request.Method} is not allowed on {context.HttpContext.Request.Path}; see /api/docs for the methods it takes.",
                StatusCodes.Status415UnsupportedMediaType => "Send the body as JSON with Content-Type: application/json.",
                StatusCodes.Status404NotFound => "No API route matches this path and method; see /api/docs.",
                _ => null,
            };
        });
        services.Configure<RouteHandlerOptions>(routing => routing.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(json =>
        {
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, BosunJsonContext.Default);
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        });
        services.AddBosunOpenApi();
        return services;
    }
}
