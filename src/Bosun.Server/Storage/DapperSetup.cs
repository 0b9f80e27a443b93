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
        SqlMapper.AddTypeHandler(typeof(Guid), new GuidAsText());
    }

    /// <summary>
    /// Guids (and Guid?s) as text. A null id is typed too: a parameter with no type has Npgsql infer one from its value
    /// whenever it is asked, and Dapper asks for every parameter of a <see cref="DynamicParameters"/> template; for DBNull
    /// that inference searched every type mapping and cached nothing (9.6 % of a PostgreSQL server's samples under a
    /// create loop, bench/README.md).
    /// </summary>
    private sealed class GuidAsText : SqlMapper.ITypeHandler
    {
        public void SetValue(IDbDataParameter parameter, object value)
        {
            parameter.DbType = DbType.String;
            parameter.Value = value is Guid guid ? guid.ToString("D") : DBNull.Value;
        }

        public object Parse(Type destinationType, object value) => value switch
        {
            string text => Guid.Parse(text),
            byte[] bytes => new Guid(bytes),
            Guid guid => guid,
            _ => throw new DataException($"Cannot read a Guid from {value.GetType().Name}."),
        };
    }
}
