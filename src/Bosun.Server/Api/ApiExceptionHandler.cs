using System.Text.Json;
using Bosun.Server.Domain;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace Bosun.Server.Api;

/// <summary>
/// Turns every failure into ProblemDetails: each kind of domain problem gets its status here, with its message; malformed requests
/// (bad JSON, oversized bodies) become 400 or 413, a value of the wrong kind in a field 422 naming the field
/// (<see cref="JsonFieldErrors"/>). Only real faults answer 500.
/// </summary>
internal sealed class ApiExceptionHandler(IProblemDetailsService problemDetails, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (((exception as BadHttpRequestException)?.InnerException as JsonException ?? exception as JsonException) is { } wrongValue
            // The handler runs with the endpoint cleared; the feature keeps the one that failed, and with it the body's type.
            && JsonFieldErrors.From(wrongValue, httpContext.Features.Get<IExceptionHandlerFeature>()?.Endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType) is { } fieldError)
        {
            exception = fieldError;
        }

        var problem = exception switch
        {
            DomainException domain => new ProblemDetails { Status = StatusOf(domain), Title = domain.Title, Detail = domain.Message },
            BadHttpRequestException bad => new ProblemDetails
            {
                Status = bad.StatusCode,
                Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Bad request",
                Detail = DescribeBadRequest(bad),
            },
            JsonException json => new ProblemDetails { Status = 400, Title = "Malformed JSON", Detail = json.Message },
            Orchestration.ServerStoppingException stopping => new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Server stopping",
                Detail = stopping.Message,
            },
            _ when Storage.StoreFaults.IsUniqueViolation(exception) => new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "Conflict",
                Detail = "The request clashed with a write made at the same time (a name or key taken meanwhile); nothing was changed by it. Read what is there now, and send it again if it still applies.",
            },
            _ when Storage.StoreFaults.IsUnavailable(exception) => new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Database unavailable",
                Detail = "The server cannot reach its database right now; nothing was changed by this request. Retry shortly.",
            },
            OperationCanceledException when httpContext.RequestAborted.IsCancellationRequested =>
                new ProblemDetails { Status = 499, Title = "Client closed request" },
            _ => null,
        };

        if (problem is null)
        {
            Log.UnhandledRequestError(logger, httpContext.Request.Method, httpContext.Request.Path, exception);
            problem = new ProblemDetails
            {
                Status = 500,
                Title = "Internal server error",
                Detail = "The server failed while handling this request; the error is in the server's log.",
            };
        }

        if (exception is DomainException { Errors: { } errors })
        {
            problem.Extensions["errors"] = errors;
        }

        httpContext.Response.StatusCode = problem.Status ?? 500;
        if (exception is Orchestration.ServerStoppingException)
        {
            httpContext.Response.Headers.RetryAfter = "1";
        }

        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    private static int StatusOf(DomainException exception) => exception switch
    {
        NotFoundException => StatusCodes.Status404NotFound,
        ConflictException => StatusCodes.Status409Conflict,
        ForbiddenException => StatusCodes.Status403Forbidden,
        ValidationException => StatusCodes.Status422UnprocessableEntity,
        BadRequestException => StatusCodes.Status400BadRequest,
        _ => throw new InvalidOperationException($"{exception.GetType().Name} has no HTTP status."),
    };

    private static string DescribeBadRequest(BadHttpRequestException bad)
    {
        if (bad.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return "The request body is larger than the server accepts; send less data per request.";
        }

        // Binding failures wrap the JsonException that names the path and position of the mistake.
        return bad.InnerException is JsonException json ? $"{bad.Message} {json.Message}" : bad.Message;
    }
}
