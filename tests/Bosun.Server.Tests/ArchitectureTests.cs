using System.Reflection;
using System.Text.RegularExpressions;
using NetArchTest.Rules;

namespace Bosun.Server.Tests;

/// <summary>
/// The server's walls (docs/architecture-layers.md): Ui → Api → Orchestration → Storage → Domain, each layer using only
/// the ones after it. Read from the compiled types' references (signatures and method bodies, lambdas and async state
/// machines included), so a `using` that sneaks an arrow upwards fails here, not in review.
/// </summary>
public sealed class ArchitectureTests
{
    /// <summary>From the bottom up; a layer may use the layers before it, never those after it.</summary>
    private static readonly string[] Layers = ["Domain", "Storage", "Orchestration", "Api", "Ui"];

    [Fact]
    public void ServerLayers_ReferenceOnlyLayersBelow_NoArrowPointsUp()
    {
        var violations = LayerViolations(typeof(BosunServer).Assembly, "Bosun.Server");

        Assert.True(violations.Count == 0, "Types that reference a layer above their own:\n" + string.Join("\n", violations));
    }

    [Fact]
    public void LayerViolations_StorageTypeUsingAnApiType_IsReported()
    {
        // The rule itself, on a fixture of this assembly built to break it: it must not pass everything.
        var violations = LayerViolations(typeof(ArchitectureTests).Assembly, typeof(LayeringFixture.Api.FixtureEndpoint).Namespace![..^".Api".Length]);

        var violation = Assert.Single(violations);
        Assert.Contains(typeof(LayeringFixture.Storage.FixtureStore).FullName!, violation, StringComparison.Ordinal);
        Assert.Contains("Api", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void Methods_TakingACancellationToken_TakeItLast()
    {
        // CA1068 (an error) passes a token followed by optional parameters; CONVENTIONS want it last there too.
        var methods = new[] { typeof(BosunServer), typeof(Client.BosunClient), typeof(Contracts.ApiRoutes) }
            .SelectMany(type => type.Assembly.GetTypes())
            .Where(type => !type.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute), false))
            .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                .Cast<MethodBase>().Concat(type.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.DeclaredOnly)))
            .Where(method => !method.Name.Contains('<', StringComparison.Ordinal));

        var misplaced = methods
            .Where(method => method.GetParameters() is { Length: > 0 } parameters
                && parameters.SkipLast(1).Any(parameter => parameter.ParameterType == typeof(CancellationToken)))
            .Select(method => $"{method.DeclaringType!.FullName}.{method.Name}({string.Join(", ", method.GetParameters().Select(p => p.ParameterType.Name))})")
            .ToList();

        Assert.True(misplaced.Count == 0, "Methods whose CancellationToken is not the last parameter:\n" + string.Join("\n", misplaced));
    }

    /// <summary>One line per type of a layer under <paramref name="root"/> that references a layer above it.</summary>
    private static List<string> LayerViolations(Assembly assembly, string root)
    {
        var violations = new List<string>();
        for (var i = 0; i < Layers.Length - 1; i++)
        {
            var above = Layers[(i + 1)..].Select(layer => $"{root}.{layer}").ToArray();
            var result = Types.InAssembly(assembly).That().ResideInNamespaceMatching($"^{Regex.Escape($"{root}.{Layers[i]}")}(\\.|$)")
                .ShouldNot().HaveDependencyOnAny(above).GetResult();
            violations.AddRange((result.FailingTypes ?? []).Select(type => $"{type.FullName} ({Layers[i]}) uses {string.Join(" or ", above)}: {type.Explanation}"));
        }

        return violations;
    }
}
