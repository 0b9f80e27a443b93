using System.Text.Json;
using System.Text.Json.Nodes;
using Bosun.Contracts;
using Bosun.Server.Api.Security;
using Bosun.Server.Orchestration.Security;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Bosun.Server.Api.OpenApi;

/// <summary>
/// Makes /api/openapi.json say what the server does, from each endpoint's metadata so that a new route is described
/// without being listed here: its security requirement from the permission it declares (<see cref="Requires"/>, the
/// same metadata <see cref="ApiAuthentication"/> enforces), its ProblemDetails answers from what every route of the
/// group may answer (authentication, input limits, body parsing, a missing resource, the database away) plus those it
/// declares with <c>.ProducesProblem(status)</c>, deprecation from <see cref="ObsoleteAttribute"/> metadata, contract
/// enums by name, and the API version, licence and tag descriptions.
/// </summary>
internal static class ApiDocument
{
    public const string SecurityScheme = "bearer";

    public const string ProblemSchema = "ProblemDetails";

    private const string ProblemContentType = "application/problem+json";

    public static IServiceCollection AddBosunOpenApi(this IServiceCollection services) => services.AddOpenApi(options =>
    {
        options.AddSchemaTransformer(DescribeSchema);
        options.AddOperationTransformer(DescribeOperation);
        options.AddDocumentTransformer(DescribeDocument);
    });

    /// <summary>The ProblemDetails statuses every operation of <paramref name="operation"/>'s kind may answer.</summary>
    public static SortedSet<int> ErrorStatuses(OpenApiOperation operation, bool anonymous, IEnumerable<object> metadata)
    {
        var parameters = operation.Parameters ?? [];
        var hasBody = operation.RequestBody is not null;
        // InputLimits checks every query value of every /api route, declared or not: 422 is always possible.
        var statuses = new SortedSet<int> { StatusCodes.Status422UnprocessableEntity, StatusCodes.Status503ServiceUnavailable };
        if (hasBody || parameters.Any(p => p.In == ParameterLocation.Query))
        {
            statuses.Add(StatusCodes.Status400BadRequest);
        }

        if (hasBody)
        {
            statuses.Add(StatusCodes.Status413PayloadTooLarge);
            statuses.Add(StatusCodes.Status415UnsupportedMediaType);
        }

        if (!anonymous)
        {
            statuses.UnionWith([StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status429TooManyRequests]);
        }

        if (parameters.Any(p => p.In == ParameterLocation.Path))
        {
            statuses.Add(StatusCodes.Status404NotFound);
        }

        statuses.UnionWith(metadata.OfType<IProducesResponseTypeMetadata>().Select(m => m.StatusCode).Where(s => s >= 400));
        return statuses;
    }

    private static Task DescribeOperation(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        // A route that forgot to declare its permission is for admins only, as ApiAuthentication enforces it.
        var requires = metadata.OfType<Requires>().LastOrDefault() ?? new Requires(Permission.Admin);
        var permissions = requires.AnyOf.Select(p => p.ToString().ToLowerInvariant()).ToList();
        var anonymous = requires.AnyOf.Contains(Permission.Anonymous);
        operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
        operation.Extensions["x-bosun-permissions"] = new JsonNodeExtension(new JsonArray(permissions.Select(p => (JsonNode?)p).ToArray()));
        // Alternatives: any one permission will do. An empty requirement ({}) is OpenAPI's "no key needed".
        operation.Security = anonymous
            ? [new OpenApiSecurityRequirement()]
            : permissions.Select(p => new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SecurityScheme, context.Document)] = [p] }).ToList();

        operation.Responses ??= [];
        foreach (var status in ErrorStatuses(operation, anonymous, metadata))
        {
            var response = new OpenApiResponse
            {
                Description = ProblemTypes.ByStatus.TryGetValue(status, out var kind) ? kind.Meaning : Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status),
                Content = new Dictionary<string, OpenApiMediaType> { [ProblemContentType] = new() { Schema = new OpenApiSchemaReference(ProblemSchema, context.Document) } },
            };
            if (status == StatusCodes.Status429TooManyRequests)
            {
                response.Headers = new Dictionary<string, IOpenApiHeader> { ["Retry-After"] = new OpenApiHeader { Description = "Seconds until the address may try again.", Schema = new OpenApiSchema { Type = JsonSchemaType.Integer } } };
            }

            operation.Responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = response;
        }

        foreach (var response in operation.Responses.Values.OfType<OpenApiResponse>())
        {
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            response.Headers[ApiVersion.HeaderName] = new OpenApiHeaderReference(ApiVersion.HeaderName, context.Document);
        }

        if (metadata.OfType<ObsoleteAttribute>().LastOrDefault() is { } obsolete)
        {
            operation.Deprecated = true;
            operation.Description = $"**Deprecated:** {obsolete.Message} {operation.Description}".Trim();
        }

        return Task.CompletedTask;
    }

    private static Task DescribeDocument(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "Bosun API";
        document.Info.Version = ApiVersion.Current;
        document.Info.Description = "Workflow orchestration for .NET: work pools, workers, deployments and flow runs. "
            + $"Every answer carries the API version in the `{ApiVersion.HeaderName}` header; errors are RFC 9457 ProblemDetails "
            + $"(`{ProblemContentType}`) whose `type` names the kind of error (docs/api.md lists them).";
        document.Info.License = new OpenApiLicense { Name = "Apache-2.0", Identifier = "Apache-2.0" };
        document.Info.Extensions ??= new Dictionary<string, IOpenApiExtension>();
        document.Info.Extensions["x-bosun-server-version"] = new JsonNodeExtension(JsonValue.Create(BosunServer.Version));
        foreach (var server in document.Servers ?? [])
        {
            // The paths start with /api/, so the server is the origin without a trailing slash.
            server.Url = server.Url?.TrimEnd('/');
        }

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[SecurityScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "Bosun API key or run token",
            Description = "`Authorization: Bearer <key>`: an API key (`bosun api-key create`) whose role grants the operation's permission "
                + "(the requirement's role name, also in x-bosun-permissions), or the run token a worker issued to a flow-run process. "
                + "A server with no API key in its store (a loopback server before its first key) lets every request through.",
        };
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas[ProblemSchema] = Problem();
        document.Components.Headers ??= new Dictionary<string, IOpenApiHeader>();
        document.Components.Headers[ApiVersion.HeaderName] = new OpenApiHeader
        {
            Description = "The version of the API contract that answered (MAJOR.MINOR).",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, Examples = [ApiVersion.Current] },
        };
        foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
        {
            tag.Description = tag.Name is { } name ? ApiTags.Descriptions.GetValueOrDefault(name) : null;
        }

        return Task.CompletedTask;
    }

    private static bool IsNullable(IOpenApiSchema property) =>
        property.Type?.HasFlag(JsonSchemaType.Null) == true || property.OneOf?.Any(IsNullable) == true || property.AnyOf?.Any(IsNullable) == true;

    private static OpenApiSchema Problem() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "An error (RFC 9457). `type` names its kind, `detail` says what to do about it, and `errors` names the fields at fault.",
        Required = new HashSet<string> { "type", "title", "status" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Format = "uri",
                Description = $"The kind of error: {string.Join(", ", ProblemTypes.ByStatus.Values.Select(k => ProblemTypes.Prefix + k.Name))}, or about:blank.",
                Examples = [ProblemTypes.Of(StatusCodes.Status404NotFound)],
            },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The kind of error in a few words.", Examples = ["Not found"] },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Description = "The HTTP status.", Examples = [404] },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "What went wrong with this request and how to put it right.", Examples = ["Work pool 'nightly' does not exist."] },
            ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The request the error is about, when given." },
            ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The request's trace id, to find it in the server's log." },
            ["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "422 only: the messages by field (snake_case path, e.g. job_variables.image).",
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            },
        },
    };

    /// <summary>
    /// Contract enums travel by name (NamedEnumConverter): the schema lists the names and takes no numbers. A JsonObject
    /// (parameters, job variables) takes any fields: without saying so, generated clients type it as an object with none.
    /// </summary>
    private static Task DescribeSchema(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = Nullable.GetUnderlyingType(context.JsonTypeInfo.Type) ?? context.JsonTypeInfo.Type;
        if (schema.Required is { Count: > 0 } required && schema.Properties is { } properties)
        {
            // The API's JSON leaves null fields out (WhenWritingNull), and reading takes a missing field as null: a
            // nullable field is never required, whatever the record's constructor says.
            foreach (var name in required.Where(name => properties.TryGetValue(name, out var property) && IsNullable(property)).ToList())
            {
                required.Remove(name);
            }
        }

        if (type == typeof(JsonObject))
        {
            schema.AdditionalProperties = new OpenApiSchema();
            schema.Description ??= "A JSON object with any fields (parameters, job variables, a JSON Schema).";
            return Task.CompletedTask;
        }

        if (type == typeof(JsonArray) || type == typeof(JsonNode))
        {
            schema.Description ??= type == typeof(JsonArray) ? "A JSON array of any values." : "Any JSON value.";
            return Task.CompletedTask;
        }

        if (SchemaExamples.ByType.TryGetValue(type, out var example))
        {
            schema.Examples = [JsonSerializer.SerializeToNode(example, context.JsonTypeInfo)!];
            return Task.CompletedTask;
        }

        if (!type.IsEnum || type.Namespace?.StartsWith("Bosun.Contracts", StringComparison.Ordinal) != true)
        {
            return Task.CompletedTask;
        }

        var names = (IReadOnlyList<string>)typeof(EnumNames).GetMethod(nameof(EnumNames.All))!.MakeGenericMethod(type).Invoke(null, null)!;
        schema.Type = type == context.JsonTypeInfo.Type ? JsonSchemaType.String : JsonSchemaType.String | JsonSchemaType.Null;
        schema.Enum = names.Select(n => (JsonNode)JsonValue.Create(n)).ToList();
        schema.Examples = [names[0]];
        return Task.CompletedTask;
    }
}
