using Bosun.Contracts.Security;
using Bosun.Server.Orchestration.Security;
using Bosun.Server.Orchestration.Validation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Bosun.Server.Api.Security;

/// <summary>/api/api_keys, /api/secrets and run tokens.</summary>
internal static class SecurityEndpoints
{
    public static void MapSecurity(this IEndpointRouteBuilder api)
    {
        var keys = api.MapGroup("api_keys").WithTags("Security").Requires(Permission.Admin);
        keys.MapPost("", async Task<Results<Created<ApiKeyCreated>, Ok<ApiKeyCreated>>> (ApiKeyCreate request, [FromHeader(Name = "Idempotency-Key")] string? key,
            SecurityService service, HttpContext http, CancellationToken ct) =>
        {
            var (made, created) = await service.CreateKeyAsync(request, key, ApiAuthentication.CallerOf(http), ct);
            return created ? TypedResults.Created($"/api/api_keys/{made.ApiKey.Id}", made) : TypedResults.Ok(made);
        }).WithName("CreateApiKey").ProducesProblem(StatusCodes.Status409Conflict).WithSummary("Create an API key")
            .WithDescription("Create an API key; its secret is in this answer only. With an Idempotency-Key header the key's id and secret are made from it and the caller (the secret with the server's key), so the same create sent again by the same caller answers the same secret. " + IdempotencyKeys.CreateDescription);
        keys.MapPost("bootstrap", async Task<Created<ApiKeyCreated>> (ApiKeyBootstrap request, SecurityService service, AuthFailureLimiter limiter, HttpContext http, CancellationToken ct) =>
        {
            var address = http.Connection.RemoteIpAddress;
            if (limiter.IsBlocked(address, out var retryAfter))
            {
                throw new Domain.ForbiddenException($"Too many failed attempts from this address; try again in {Math.Ceiling(retryAfter.TotalSeconds)} s.");
            }

            try
            {
                var created = await service.BootstrapAsync(request, ct);
                return TypedResults.Created($"/api/api_keys/{created.ApiKey.Id}", created);
            }
            catch (Domain.ForbiddenException)
            {
                limiter.RecordFailure(address);
                throw;
            }
        }).Requires(Permission.Anonymous).WithName("BootstrapApiKey").ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Create the first admin key").WithDescription("Exchange the one-time bootstrap token a server without an admin key printed at start for the first admin key; closed once an admin key exists.");
        keys.MapGet("", (SecurityService service, CancellationToken ct) => service.ListKeysAsync(ct)).WithName("ListApiKeys")
            .WithSummary("List API keys").WithDescription("Every key with its name, role, prefix, expiry and last use; the keys themselves are never returned.")
            .WithMetadata(Paging.BareArray("/api/api_keys/page"));
        keys.MapGet("page", async (int? limit, string? cursor, SecurityService service, CancellationToken ct) =>
            Paging.ByKey(await service.ListKeysAsync(ct), key => Paging.Key(Paging.Key(key.Created), key.Id.ToString("N")), cursor, limit))
            .WithName("PageApiKeys").WithSummary("Page through API keys")
            .WithDescription("The keys, oldest first, with their name, role, prefix, expiry and last use (never the keys themselves), a page at a time (pass next_cursor as cursor).");
        keys.MapDelete("{keyId:guid}", async Task<NoContent> (Guid keyId, SecurityService service, CancellationToken ct) =>
        {
            await service.RevokeKeyAsync(keyId, ct);
            return TypedResults.NoContent();
        }).WithName("RevokeApiKey").WithSummary("Revoke an API key").WithDescription("Revoke a key: it is refused from the next request on.");

        var sessions = api.MapGroup(Contracts.ApiRoutes.UiSessions).WithTags("Security").Requires(Permission.Admin);
        sessions.MapGet("", async (int? limit, string? cursor, SecurityService service, CancellationToken ct) =>
            Paging.ByKey(await service.ListSessionsAsync(ct), session => Paging.Key(Paging.Key(session.Created), session.Id.ToString("N")), cursor, limit))
            .WithName("ListUiSessions").WithSummary("List web UI sessions")
            .WithDescription("Web UI sign-ins, oldest first, a page at a time (pass next_cursor as cursor): the key's id and name, when the session began, " +
                "was last used and expires, when it was ended (signed out, revoked, or its key revoked) and whether it works now. Ended sessions are listed for a week.");
        sessions.MapDelete("{sessionId:guid}", async Task<NoContent> (Guid sessionId, SecurityService service, CancellationToken ct) =>
        {
            await service.RevokeSessionAsync(sessionId, ct);
            return TypedResults.NoContent();
        }).WithName("RevokeUiSession").ProducesProblem(StatusCodes.Status404NotFound).WithSummary("Revoke a web UI session")
            .WithDescription("End a web UI session at once, on every replica: its next page load goes to the sign-in page and its open pages lose their controls. The key itself keeps working; revoke it to end all its sessions.");

        var secrets = api.MapGroup("secrets").WithTags("Security").Requires(Permission.Admin);
        secrets.MapGet("", (SecurityService service, CancellationToken ct) => service.ListSecretsAsync(ct)).WithName("ListSecrets").WithSummary("List secrets").WithDescription("Secret names; values are never returned.")
            .WithMetadata(Paging.BareArray("/api/secrets/page"));
        secrets.MapGet("page", async (int? limit, string? cursor, SecurityService service, CancellationToken ct) =>
            Paging.ByKey(await service.ListSecretsAsync(ct), secret => secret.Name, cursor, limit))
            .WithName("PageSecrets").WithSummary("Page through secrets").WithDescription("Secret names by name, a page at a time (pass next_cursor as cursor); values are never returned.");
        secrets.MapPut("{name}", async Task<NoContent> (string name, SecretValue value, SecurityService service, CancellationToken ct) =>
        {
            await service.SetSecretAsync(name, value, ct);
            return TypedResults.NoContent();
        }).WithName("SetSecret").WithSummary("Store a secret").WithDescription("Store a secret, encrypted at rest; job variables refer to it as {{ secret.NAME }}.");
        secrets.MapDelete("{name}", async Task<NoContent> (string name, SecurityService service, CancellationToken ct) =>
        {
            await service.DeleteSecretAsync(name, ct);
            return TypedResults.NoContent();
        }).WithName("DeleteSecret")
            .WithSummary("Delete a secret").WithDescription("Removes the secret; job variables that refer to it fail to render from then on.");
        secrets.MapPost("resolve", (SecretResolveRequest request, SecurityService service, HttpContext http, CancellationToken ct) =>
            service.ResolveAsync(request, ApiAuthentication.CallerOf(http), ct))
            .Requires(Permission.Work).WithName("ResolveSecrets").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Resolve a run's secrets (worker)").WithDescription("A worker resolves the secrets of a run it claimed, at render time.");
        secrets.MapPost("read", (SecretReadRequest request, SecurityService service, CancellationToken ct) => service.ReadForDeployAsync(request, ct))
            .Requires(Permission.Deploy).WithName("ReadSecrets").ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithSummary("Read secrets' values (deploy)")
            .WithDescription("A developer or admin key reads named secrets' values for a deploy-time step, such as a bosun.yaml push step's registry password ({{ secret.NAME }}). Recorded in the audit log with the names and the reason, never the values; viewer and worker keys are refused.");

        api.MapPost("flow_runs/{id:guid}/token", (Guid id, SecurityService service, CancellationToken ct) => service.IssueRunTokenAsync(id, ct))
            .Requires(Permission.Work, Permission.Deploy).WithTags("Security").WithName("IssueRunToken")
            .WithSummary("Issue a run token (worker)").WithDescription("A token scoped to this run, for its flow-run process (null when the server runs without authentication).");
    }
}
