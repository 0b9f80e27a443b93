using Bosun.Contracts;

namespace Bosun.Cli.Input;

/// <summary>An option that takes one of a contract enum's names (<c>--catch-up LATEST</c>), spelled as the API spells it.</summary>
internal static class EnumOption
{
    public static TEnum? Parse<TEnum>(string? text, string optionName) where TEnum : struct, Enum =>
        text is null ? null
        : EnumNames.TryParse<TEnum>(text, out var value) ? value
        : throw new CliException($"{optionName} '{text}' is not one of {EnumNames.List<TEnum>()}.");
}
