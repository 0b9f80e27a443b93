using Bosun.Server.Storage;

namespace Bosun.Server.Orchestration.Security;

/// <summary>
/// Secret values never appear in logs: every log line written is scrubbed of every stored secret's value before it is
/// stored. The decrypted values are kept in memory for a few seconds at most (other replicas' changes show up then).
/// </summary>
internal sealed class SecretRedactor(BosunDatabase database, ServerKey key, TimeProvider timeProvider) : IDisposable
{
    public const string Mask = "********";
    private static readonly TimeSpan Freshness = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IReadOnlyList<string> _values = [];
    private DateTimeOffset _loaded = DateTimeOffset.MinValue;

    public void Invalidate() => _loaded = DateTimeOffset.MinValue;

    public void Dispose() => _gate.Dispose();

    public async Task<Func<string, string>> RedactorAsync(CancellationToken cancellationToken)
    {
        if (timeProvider.GetUtcNow() - _loaded > Freshness)
        {
            await _gate.WaitAsync(cancellationToken);
            try
            {
                if (timeProvider.GetUtcNow() - _loaded > Freshness)
                {
                    var rows = await database.ReadAsync(connection => SecurityStore.ListSecretsAsync(connection, cancellationToken), cancellationToken);
                    // Longest first, so that a secret containing another is masked whole; very short values would mask noise.
                    _values = rows.Select(row => key.Decrypt(row.Ciphertext)).Where(value => value.Length >= 4).OrderByDescending(value => value.Length).ToList();
                    _loaded = timeProvider.GetUtcNow();
                }
            }
            finally
            {
                _gate.Release();
            }
        }

        var values = _values;
        return message => values.Aggregate(message, (text, value) => text.Contains(value, StringComparison.Ordinal) ? text.Replace(value, Mask, StringComparison.Ordinal) : text);
    }
}
