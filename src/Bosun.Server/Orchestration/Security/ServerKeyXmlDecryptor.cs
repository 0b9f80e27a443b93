using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Bosun.Server.Orchestration.Security;

/// <summary>Decrypts what <see cref="ServerKeyXmlEncryptor"/> wrote; data protection creates it by type name with the service provider.</summary>
internal sealed class ServerKeyXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        ArgumentNullException.ThrowIfNull(encryptedElement);
        var value = encryptedElement.Element("value")?.Value
            ?? throw new InvalidOperationException("A stored data-protection key has no encrypted value.");
        return XElement.Parse(services.GetRequiredService<ServerKey>().Decrypt(value));
    }
}
