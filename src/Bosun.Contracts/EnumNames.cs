using System.Reflection;
using System.Text.Json.Serialization;

namespace Bosun.Contracts;

/// <summary>
/// The one spelling of each contract enum's values, as the API writes and reads them (<c>LATEST</c>, <c>CANCEL_NEW</c>):
/// from each member's <see cref="JsonStringEnumMemberNameAttribute"/>, for the CLI's output and options and the server.
/// </summary>
public static class EnumNames
{
    /// <summary>Every name of <typeparamref name="TEnum"/>, in declaration order.</summary>
    /// <typeparam name="TEnum">A contract enum.</typeparam>
    public static IReadOnlyList<string> All<TEnum>() where TEnum : struct, Enum => Names<TEnum>.All;

    /// <summary>"ALL, LATEST, SKIP": the names of <typeparamref name="TEnum"/> for a message.</summary>
    /// <typeparam name="TEnum">A contract enum.</typeparam>
    public static string List<TEnum>() where TEnum : struct, Enum => Names<TEnum>.List;

    /// <summary>The name of <paramref name="value"/>.</summary>
    /// <typeparam name="TEnum">A contract enum.</typeparam>
    public static string Of<TEnum>(TEnum value) where TEnum : struct, Enum
    {
        foreach (var (member, name) in Names<TEnum>.Members)
        {
            if (EqualityComparer<TEnum>.Default.Equals(member, value))
            {
                return name;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(value), value, $"Not a defined {typeof(TEnum).Name}.");
    }

    /// <summary>Parses a name, ignoring case; numbers are not names.</summary>
    /// <typeparam name="TEnum">A contract enum.</typeparam>
    public static bool TryParse<TEnum>(string? name, out TEnum value) where TEnum : struct, Enum
    {
        foreach (var (member, memberName) in Names<TEnum>.Members)
        {
            if (string.Equals(memberName, name?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                value = member;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>The names of one enum, read once.</summary>
    private static class Names<TEnum> where TEnum : struct, Enum
    {
        public static readonly (TEnum Value, string Name)[] Members = typeof(TEnum).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(field => ((TEnum)field.GetValue(null)!, field.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? field.Name))
            .ToArray();

        public static readonly IReadOnlyList<string> All = Members.Select(member => member.Name).ToArray();

        public static readonly string List = string.Join(", ", All);
    }
}
