using Bosun.Server.Storage;

namespace Bosun.Server.Tests;

/// <summary>
/// A real store failure at the audit insert, in the change's own transaction: a trigger that refuses the entries whose
/// route contains a text (every entry when none is given), on either store.
/// </summary>
internal static class AuditRefusal
{
    public static Task RefuseAsync(BosunDatabase database, string? routeContaining = null)
    {
        var condition = routeContaining is null ? null : $"NEW.route LIKE '%{routeContaining}%'";
        return ExecuteAsync(database, database.Dialect is PostgresDialect
            ? $"""
              CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN IF {condition ?? "TRUE"} THEN RAISE EXCEPTION 'audit entry refused'; END IF; RETURN NEW; END $$;
              CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit();
              """
            : $"CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log {(condition is null ? "" : "WHEN " + condition)} BEGIN SELECT RAISE(ABORT, 'audit entry refused'); END;");
    }

    public static Task AllowAsync(BosunDatabase database) =>
        ExecuteAsync(database, database.Dialect is PostgresDialect ? "DROP TRIGGER refuse_audit ON audit_log; DROP FUNCTION refuse_audit();" : "DROP TRIGGER refuse_audit;");

    private static Task<int> ExecuteAsync(BosunDatabase database, string sql) =>
        database.WriteAsync(async scope =>
        {
            await using var command = scope.Connection.CreateCommand();
            command.Transaction = scope.Transaction;
            command.CommandText = sql;
            return await command.ExecuteNonQueryAsync();
        }, default);
}
