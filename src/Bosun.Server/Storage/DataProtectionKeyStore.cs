using System.Xml.Linq;
using Dapper;
using Microsoft.AspNetCore.DataProtection.Repositories;
using static Bosun.Server.Storage.StoredValues;

namespace Bosun.Server.Storage;

/// <summary>
/// Keeps ASP.NET Core's data-protection keys (which sign and encrypt web UI session cookies) in the store, so sessions
/// survive a restart and every replica reads the same key ring. The elements arrive encrypted with the server's key
/// file (<see cref="Orchestration.Security.ServerKeyXmlEncryptor"/>); this class only stores them.
/// </summary>
internal sealed class DataProtectionKeyStore(BosunDatabase database, TimeProvider timeProvider) : IXmlRepository
{
    // IXmlRepository is synchronous. Data protection reads the ring at start and about once a day after, and writes a
    // key about every 90 days, each time on a thread pool thread with no synchronization context: blocking there is safe.
    public IReadOnlyCollection<XElement> GetAllElements() =>
        database.ReadAsync(async connection => (await connection.QueryAsync<string>(new CommandDefinition(
                "SELECT xml FROM data_protection_keys ORDER BY created, name"))).Select(xml => XElement.Parse(xml)).ToList(), CancellationToken.None)
            .GetAwaiter().GetResult();

    public void StoreElement(XElement element, string friendlyName)
    {
        var now = timeProvider.GetUtcNow();
        database.WriteAsync(scope => scope.Connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO data_protection_keys (name, xml, created) VALUES (@name, @xml, @now)",
                new { name = friendlyName, xml = element.ToString(SaveOptions.DisableFormatting), now = Ms(now) }, scope.Transaction)), CancellationToken.None)
            .GetAwaiter().GetResult();
    }
}
