using System.Data;
using Dapper;

namespace Bosun.Server.Storage;

/// <summary>Dapper conventions for the store: snake_case columns, ids kept as text in every dialect.</summary>
internal static class DapperSetup
{
    private static int _done;

    public static void EnsureConfigured()
    {
        if (Interlocked.Exchange(ref _done, 1) == 1)
        {
            return;
        }

        DefaultTypeMap.MatchNamesWithUnderscores = true;
        SqlMapper.RemoveTypeMap(typeof(Guid));
        SqlMapper.RemoveTypeMap(typeof(Guid?));
        SqlMapper.AddTypeHandler(new GuidAsText());
    }

    private sealed class GuidAsText : SqlMapper.TypeHandler<Guid>
    {
        public override void SetValue(IDbDataParameter parameter, Guid value)
        {
            parameter.DbType = DbType.String;
            parameter.Value = value.ToString("D");
        }

        public override Guid Parse(object value) => value switch
        {
            string text => Guid.Parse(text),
            byte[] bytes => new Guid(bytes),
            Guid guid => guid,
            _ => throw new DataException($"Cannot read a Guid from {value.GetType().Name}."),
        };
    }
}
