using System.Security.Cryptography;
using System.Text;

namespace Bosun.Server.Orchestration.Security;

/// <summary>
/// The server's secret key (32 random bytes in a file created on first start, readable by its owner only): it encrypts
/// secrets at rest (AES-GCM) and the web UI's data-protection keys, signs run tokens (HMAC-SHA256, with a key derived for that use), and makes the
/// secrets of API keys created with an Idempotency-Key (HMAC-SHA256, with another derived key). Replicas share the file.
/// </summary>
internal sealed class ServerKey
{
    private readonly byte[] _encryptionKey;
    private readonly byte[] _signingKey;
    private readonly byte[] _keyRingKey;
    private readonly byte[] _apiKeyKey;

    public ServerKey(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        var master = LoadOrCreate(Path);
        _encryptionKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, info: Encoding.UTF8.GetBytes("bosun secrets"));
        _signingKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, info: Encoding.UTF8.GetBytes("bosun run tokens"));
        _keyRingKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, info: Encoding.UTF8.GetBytes("bosun data protection"));
        _apiKeyKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, info: Encoding.UTF8.GetBytes("bosun keyed api keys"));
    }

    public string Path { get; }

    public string Encrypt(string plaintext) => Encrypt(_encryptionKey, plaintext);

    public string Decrypt(string stored) => Decrypt(_encryptionKey, stored);

    /// <summary>Encrypts a data-protection key (StoredKeyRing), with a key derived for that use only.</summary>
    public string EncryptKeyRing(string plaintext) => Encrypt(_keyRingKey, plaintext);

    public string DecryptKeyRing(string stored) => Decrypt(_keyRingKey, stored);

    private static string Encrypt(byte[] key, string plaintext)
    {
        var data = Encoding.UTF8.GetBytes(plaintext);
        var nonce = RandomNumberGenerator.GetBytes(12);
        var tag = new byte[16];
        var cipher = new byte[data.Length];
        using var aes = new AesGcm(key, 16);
        aes.Encrypt(nonce, data, cipher, tag);
        return Convert.ToBase64String([.. nonce, .. tag, .. cipher]);
    }

    private static string Decrypt(byte[] key, string stored)
    {
        var bytes = Convert.FromBase64String(stored);
        var plain = new byte[bytes.Length - 28];
        using var aes = new AesGcm(key, 16);
        aes.Decrypt(bytes.AsSpan(0, 12), bytes.AsSpan(28), bytes.AsSpan(12, 16), plain);
        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>
    /// The secret of an API key whose create carried an Idempotency-Key (<paramref name="requestKey"/>, with its caller):
    /// the same for the same key, so a create sent again after a lost answer can answer it, and unguessable without the
    /// server's key and the request's key, which is not stored.
    /// </summary>
    public string ApiKeySecret(string requestKey) =>
        ApiKeySecrets.Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(_apiKeyKey, Encoding.UTF8.GetBytes(requestKey)));

    public string Sign(string payload) => Convert.ToHexStringLower(HMACSHA256.HashData(_signingKey, Encoding.UTF8.GetBytes(payload)));

    private static byte[] LoadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            var existing = Convert.FromBase64String(File.ReadAllText(path).Trim());
            return existing.Length == 32 ? existing : throw new InvalidOperationException($"The key file {path} does not hold a 32-byte key.");
        }

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var key = RandomNumberGenerator.GetBytes(32);
        var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // Readable by the server's user only: whoever reads it can decrypt every secret.
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, fileOptions))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(Convert.ToBase64String(key));
        }

        return key;
    }
}
