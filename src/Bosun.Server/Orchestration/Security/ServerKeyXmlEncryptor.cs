using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Bosun.Server.Orchestration.Security;

/// <summary>Encrypts a data-protection key with the server's key file (AES-GCM) before it is stored: the store alone cannot forge a session.</summary>
internal sealed class ServerKeyXmlEncryptor(ServerKey key) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        ArgumentNullException.ThrowIfNull(plaintextElement);
        var encrypted = new XElement("encryptedKey",
            new XComment(" Encrypted with the Bosun server's key file. "),
            new XElement("value", key.Encrypt(plaintextElement.ToString(SaveOptions.DisableFormatting))));
        return new EncryptedXmlInfo(encrypted, typeof(ServerKeyXmlDecryptor));
    }
}
