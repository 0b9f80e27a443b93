using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Bosun.Worker.Infrastructure.Kubernetes;

/// <summary>
/// List-then-watch, as informers do: every object of the list, then every change from the list's resourceVersion on.
/// A watch the server ends (its timeout) is resumed from the last version seen; one whose version is too old (410 Gone)
/// starts again with a list; a connection error is retried with backoff. It ends only when its token is cancelled.
/// </summary>
internal static class KubernetesWatch
{
    /// <summary>Seconds a single watch request asks the server to keep it open.</summary>
    private const int WatchSeconds = 50;

    public delegate Task<HttpOperationResponse<TList>> ListRequest<TList>(bool watch, string? resourceVersion, int? timeoutSeconds, CancellationToken cancellationToken);

    public static async Task FollowAsync<T, TList>(ListRequest<TList> request, Action<WatchEventType, T> onChange, TimeProvider time, CancellationToken cancellationToken)
        where T : IKubernetesObject<V1ObjectMeta>
        where TList : IKubernetesObject<V1ListMeta>, IItems<T>
    {
        var backoff = TimeSpan.FromMilliseconds(200);
        string? version = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (version is null)
                {
                    using var list = await request(false, null, null, cancellationToken).ConfigureAwait(false);
                    foreach (var item in list.Body.Items)
                    {
                        onChange(WatchEventType.Added, item);
                    }

                    version = list.Body.Metadata?.ResourceVersion ?? "0";
                }

                Exception? streamError = null;
                var watchRequest = request(true, version, WatchSeconds, cancellationToken);
                // CS0618: WatchAsync is flagged for a future replacement; it is the one entry that watches any list call (ClientSets wrap it per resource).
#pragma warning disable CS0618
                await foreach (var (type, item) in watchRequest.WatchAsync<T, TList>(e => streamError = e, cancellationToken).ConfigureAwait(false))
#pragma warning restore CS0618
                {
                    version = item.Metadata?.ResourceVersion ?? version;
                    if (type != WatchEventType.Bookmark)
                    {
                        onChange(type, item);
                    }
                }

                if (streamError is KubernetesException { Status.Code: (int)HttpStatusCode.Gone })
                {
                    version = null;
                }

                backoff = TimeSpan.FromMilliseconds(200);
            }
            catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.Gone)
            {
                version = null;
            }
            catch (JsonException)
            {
                // A watch that the server closed before its first event has no body to read: watch again, not in a tight loop.
                await Task.Delay(backoff, time, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or HttpOperationException && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(backoff, time, cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.FromSeconds(Math.Min(10, backoff.TotalSeconds * 2));
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
    }
}
