using Bosun.Sdk;

namespace MyFlows;

/// <summary>The project's flows: ordinary methods, callable directly, served, or deployed to a work pool.</summary>
public static class HelloFlows
{
    /// <summary>Greets <paramref name="name"/>; the greeting is the run's result and a line in its logs.</summary>
    [Flow("hello", LogPrints = true, Description = "Greet someone.")]
    public static string Hello(string name = "world")
    {
        var greeting = $"Hello, {name}!";
        Console.WriteLine(greeting);
        return greeting;
    }
}
