namespace Bosun.Server.Orchestration.Validation;

/// <summary>Rules for the names of pools, queues, workers, flows and deployments.</summary>
internal static class NameRules
{
    private static readonly char[] Forbidden = ['/', '%', '&', '<', '>'];

    public const int MaxLength = 200;

    /// <summary>Null when <paramref name="name"/> is acceptable, else what is wrong with it.</summary>
    public static string? Check(string? name, string what)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return $"{what} name must not be empty.";
        }

        if (name.Length > MaxLength)
        {
            return $"{what} name is {name.Length} characters long; the limit is {MaxLength}.";
        }

        if (name.IndexOfAny(Forbidden) >= 0)
        {
            return $"{what} name '{name}' contains a forbidden character; names may not contain / % & < >.";
        }

        if (name.Any(char.IsControl))
        {
            return $"{what} name must not contain control characters.";
        }

        return null;
    }
}
