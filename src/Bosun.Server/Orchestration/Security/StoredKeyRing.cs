using System.Xml.Linq;
using Bosun.Server.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.Options;

namespace Bosun.Server.Orchestration.Security;

/// <summary>
/// The data-protection key ring (it encrypts and signs the web UI's session cookies and antiforgery tokens) kept in the
/// store, each key's secret part encrypted with the server's key file: a session survives a restart, and a cookie one
/// replica issued works on every replica that shares the database and the key file. ASP.NET Core rotates the keys
/// itself (a new one every 90 days, made 2 days before the old one expires; old keys still read old cookies).
/// docs/security.md, "Web UI sessions".
/// </summary>
internal static class StoredKeyRing
{
    /// <summary>Every replica's purpose strings must match, whatever folder it runs from.</summary>
    public const string ApplicationName = "bosun";

    public static IServiceCollection AddStoredKeyRing(this IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName(ApplicationName);
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(provider => new ConfigureOptions<KeyManagementOptions>(options =>
        {
            options.XmlRepository = new Repository(provider.GetRequiredService<BosunDatabase>(), provider.GetRequiredService<TimeProvider>());
            options.XmlEncryptor = new Encryptor(provider.GetRequiredService<ServerKey>());
        }));
        return services;
    }

    /// <summary>
    /// Reads and adds keys in the store. The key manager calls it rarely (at start, when a cookie names a key it has not
    /// read yet, to add a key every 90 days), but from wherever data protection is used, a Blazor circuit's renderer
    /// included. <see cref="IXmlRepository"/> is synchronous, so the store's async calls run on the thread pool
    /// (<see cref="Task.Run(Func{Task})"/>): blocked on directly, their continuations would be posted to the caller's
    /// synchronization context, which the blocked caller holds (the circuit would hang), and a UI action's or request's
    /// pending audit entry would ride on the key's insert.
    /// </summary>
    private sealed class Repository(BosunDatabase database, TimeProvider timeProvider) : IXmlRepository
    {
        public IReadOnlyCollection<XElement> GetAllElements() =>
            Task.Run(() => AuditedChange.OutsideAsync(() =>
                    database.ReadAsync(connection => DataProtectionKeyStore.ListAsync(connection, CancellationToken.None), CancellationToken.None)))
                .GetAwaiter().GetResult().Select(xml => XElement.Parse(xml)).ToList();

        public void StoreElement(XElement element, string friendlyName) =>
            Task.Run(() => AuditedChange.OutsideAsync(() => database.WriteAsync(async scope =>
            {
                await DataProtectionKeyStore.InsertAsync(scope, friendlyName, element.ToString(SaveOptions.DisableFormatting), timeProvider.GetUtcNow(), CancellationToken.None);
                return 0;
            }, CancellationToken.None))).GetAwaiter().GetResult();
    }

    /// <summary>Encrypts a key's secret part with the server's key (AES-GCM), so that the database alone opens no session.</summary>
    private sealed class Encryptor(ServerKey key) : IXmlEncryptor
    {
        public EncryptedXmlInfo Encrypt(XElement plaintextElement) =>
            new(new XElement("encryptedByServerKey", key.EncryptKeyRing(plaintextElement.ToString(SaveOptions.DisableFormatting))), typeof(Decryptor));
    }

    /// <summary>Made by the key manager from the stored element's decryptor type, with the application's services.</summary>
    private sealed class Decryptor(IServiceProvider services) : IXmlDecryptor
    {
        public XElement Decrypt(XElement encryptedElement) =>
            XElement.Parse(services.GetRequiredService<ServerKey>().DecryptKeyRing(encryptedElement.Value));
    }
}
