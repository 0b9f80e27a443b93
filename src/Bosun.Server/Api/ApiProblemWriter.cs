using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Bosun.Server.Api;

/// <summary>
/// Writes every error of an /api route as <c>application/problem+json</c>, whatever the request's Accept header says.
/// ASP.NET Core's own writer only writes for a client that accepts JSON; for <c>Accept: text/html</c> no writer took the
/// problem, and an exception handler that cannot write answers 500. An API client that asked for HTML still gets an
/// error it can read, with the status that says what went wrong.
/// </summary>
internal sealed class ApiProblemWriter(IOptions<ProblemDetailsOptions> problemOptions, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> jsonOptions) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => context.HttpContext.Request.Path.StartsWithSegments("/api");

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        var problem = context.ProblemDetails;
        problem.Status ??= http.Response.StatusCode;
        problem.Title ??= Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(problem.Status.Value);
        // The kind's own URI, in place of the framework's RFC section links: clients switch on it (docs/api.md).
        problem.Type = OpenApi.ProblemTypes.Of(problem.Status.Value);
        problemOptions.Value.CustomizeProblemDetails?.Invoke(context);
        problem.Extensions.TryAdd("traceId", System.Diagnostics.Activity.Current?.Id ?? http.TraceIdentifier);
        return new ValueTask(http.Response.WriteAsJsonAsync(problem, jsonOptions.Value.SerializerOptions.GetTypeInfo(typeof(ProblemDetails)),
            contentType: "application/problem+json", http.RequestAborted));
    }
}
