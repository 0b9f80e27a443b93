using System.Collections;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Bosun.Testing;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.Server.Tests;

/// <summary>
/// A request body that leaves out a field with no default (a state's type, a line's time or level, an id) is a client
/// mistake: 422 naming the field, never the type's zero value (a SCHEDULED state, the year 1, DEBUG) taken as what the
/// client meant; a required name, list or object left out (or null) is a 422 too, not a null deeper down (a 500). Every
/// such field of every route's body is checked, and the OpenAPI document lists it as required.
/// </summary>
public sealed class RequiredFieldTests
{
    [Fact]
    public async Task EveryBodyType_ValueFieldsWithoutDefault_AreRequired()
    {
        await using var server = await TestServer.StartAsync();
        var bodies = server.Server.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .Select(endpoint => endpoint.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType)
            .OfType<Type>().ToHashSet();
        var missing = new List<string>();
        var seen = new HashSet<Type>();
        var checkedFields = 0;
        foreach (var body in bodies)
        {
            Walk(body);
        }

        Assert.True(checkedFields >= 10, $"only {checkedFields} value fields without a default found in {seen.Count} body types");
        Assert.True(missing.Count == 0, "Not marked [JsonRequired]: " + string.Join(", ", missing));

        void Walk(Type type)
        {
            type = Element(type) ?? type;
            if (type.Assembly != typeof(Contracts.ApiRoutes).Assembly || !seen.Add(type) || type.IsEnum)
            {
                return;
            }

            var constructor = type.GetConstructors().MaxBy(c => c.GetParameters().Length);
            foreach (var parameter in constructor?.GetParameters() ?? [])
            {
                var property = type.GetProperty(parameter.Name!, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
                if (parameter.ParameterType.IsValueType && Nullable.GetUnderlyingType(parameter.ParameterType) is null && !parameter.HasDefaultValue)
                {
                    checkedFields++;
                    if (property?.GetCustomAttribute<JsonRequiredAttribute>() is null)
                    {
                        missing.Add($"{type.Name}.{parameter.Name}");
                    }
                }
            }

            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                Walk(property.PropertyType);
            }
        }
    }

    [Fact]
    public async Task SetState_NoType_422NamingItAndTheRunKeepsItsState()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("p");
        var run = await server.Client.RunAsync(await server.Client.DeploymentAsync("p"));
        await server.Client.ClaimAsync("p");
        await server.Client.SetFlowRunStateAsync(run.Id, new Contracts.States.StateProposal(Contracts.States.StateType.Running));
        using var http = new HttpClient { BaseAddress = server.Server.BaseAddress };

        foreach (var body in new[] { "{}", """{"state": {"type": "COMPLETED"}}""" })
        {
            var (status, problem) = await PostAsync(http, $"api/flow_runs/{run.Id}/set_state", body);

            Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
            Assert.Equal(["is required"], problem["errors"]!["type"]!.AsArray().Select(message => message!.ToString()));
        }

        Assert.Equal(Contracts.States.StateType.Running, (await server.Client.GetFlowRunAsync(run.Id)).State.Type);
    }

    [Fact]
    public async Task WriteLogs_LineWithoutTimeLevelOrRun_422NamingEachAndNothingStored()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("p");
        var run = await server.Client.RunAsync(await server.Client.DeploymentAsync("p"));
        using var http = new HttpClient { BaseAddress = server.Server.BaseAddress };
        var body = $$"""[{"flow_run_id": "{{run.Id}}", "timestamp": "2026-12-05T10:00:00Z", "level": "INFO", "message": "fine"}, {"message": "no time, level or run"}]""";

        var (status, problem) = await PostAsync(http, "api/logs", body);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal(["[1].flow_run_id", "[1].level", "[1].timestamp"], problem["errors"]!.AsObject().Select(field => field.Key).Order(StringComparer.Ordinal));
        Assert.Empty((await server.Client.ReadLogsAsync(run.Id)).Items);
    }

    [Fact]
    public async Task SetPolicyExemptions_NoJobVariables_422NamingItNot500()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PoolAsync("p");
        var deployment = await server.Client.DeploymentAsync("p");
        using var http = new HttpClient { BaseAddress = server.Server.BaseAddress };

        foreach (var body in new[] { "{}", """{"job_variables": null}""" })
        {
            using var response = await http.PutAsync(new Uri($"api/deployments/{deployment.Id}/policy_exemptions", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
            var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            Assert.Equal(["is required"], problem["errors"]!["job_variables"]!.AsArray().Select(message => message!.ToString()));
        }
    }

    [Fact]
    public async Task SetStates_AProposalLeftOut_422NamingItsPlaceInTheBatch()
    {
        await using var server = await TestServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.Server.BaseAddress };
        var body = $$$"""{"proposals": [{"flow_run_id": "{{{Guid.NewGuid()}}}", "proposal": {"type": "RUNNING"}}, {"flow_run_id": "{{{Guid.NewGuid()}}}"}]}""";

        var (status, problem) = await PostAsync(http, "api/flow_runs/set_states", body);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.NotNull(problem["errors"]!["proposals[1].proposal"]);
    }

    [Fact]
    public async Task OpenApi_RequiredFieldsAreListedAsRequired()
    {
        await using var server = await TestServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.Server.BaseAddress };
        var schemas = JsonNode.Parse(await http.GetStringAsync(new Uri("api/openapi.json", UriKind.Relative)))!["components"]!["schemas"]!;

        Assert.Contains("type", schemas["StateProposal"]!["required"]!.AsArray().Select(name => name!.ToString()));
        Assert.Contains("timestamp", schemas["LogCreate"]!["required"]!.AsArray().Select(name => name!.ToString()));
    }

    private static async Task<(HttpStatusCode Status, JsonNode Problem)> PostAsync(HttpClient http, string path, string body)
    {
        using var response = await http.PostAsync(new Uri(path, UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    private static Type? Element(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) ? type.GetGenericArguments()[^1]
        : type.IsGenericType && Nullable.GetUnderlyingType(type) is { } inner ? inner
        : null;
}
