using System.Globalization;
using System.Text.Json.Nodes;

namespace Bosun.Kubernetes.Emulator;

/// <summary>
/// The emulated etcd: objects by kind, namespace and name, one resourceVersion counter across kinds, and every change
/// kept until a test compacts the history (<see cref="Compact"/>): a watch from a version older than that is 410 Gone.
/// </summary>
internal sealed class ResourceStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Dictionary<string, JsonObject>> _objects = new(StringComparer.Ordinal);
    private readonly List<Change> _history = [];
    private long _version = 1000;
    private long _compactedThrough;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long Version
    {
        get
        {
            lock (_gate)
            {
                return _version;
            }
        }
    }

    public JsonObject? Get(string kind, string ns, string name)
    {
        lock (_gate)
        {
            return Of(kind).TryGetValue(Key(ns, name), out var item) ? item.DeepClone().AsObject() : null;
        }
    }

    public (List<JsonObject> Items, long Version) List(string kind, string? ns, string? labelSelector = null, string? fieldSelector = null)
    {
        lock (_gate)
        {
            var items = Of(kind).Values
                .Where(i => (ns is null || Namespace(i) == ns) && Selectors.Matches(i, labelSelector, fieldSelector))
                .OrderBy(i => i["metadata"]!["name"]!.GetValue<string>(), StringComparer.Ordinal)
                .Select(i => i.DeepClone().AsObject())
                .ToList();
            return (items, _version);
        }
    }

    /// <summary>Stores a new object; null when one of that name exists.</summary>
    public JsonObject? Add(string kind, JsonObject item)
    {
        lock (_gate)
        {
            var key = Key(Namespace(item), item["metadata"]!["name"]!.GetValue<string>());
            if (Of(kind).ContainsKey(key))
            {
                return null;
            }

            Of(kind)[key] = item;
            return Record(kind, "ADDED", item);
        }
    }

    /// <summary>Changes an object in place; null when it does not exist, or when <paramref name="change"/> returns false (nothing written).</summary>
    public JsonObject? Update(string kind, string ns, string name, Func<JsonObject, bool> change)
    {
        lock (_gate)
        {
            if (!Of(kind).TryGetValue(Key(ns, name), out var item) || !change(item))
            {
                return null;
            }

            return Record(kind, "MODIFIED", item);
        }
    }

    public JsonObject? Remove(string kind, string ns, string name)
    {
        lock (_gate)
        {
            if (!Of(kind).Remove(Key(ns, name), out var item))
            {
                return null;
            }

            return Record(kind, "DELETED", item);
        }
    }

    /// <summary>Forgets every change so far, as etcd's compaction does: watches from an older version get 410 Gone.</summary>
    public void Compact()
    {
        lock (_gate)
        {
            _history.Clear();
            _compactedThrough = _version;
        }
    }

    /// <summary>The oldest version a watch can start from (0: any), with the current version.</summary>
    public (long Oldest, long Current) WatchableVersions()
    {
        lock (_gate)
        {
            return (_compactedThrough, _version);
        }
    }

    /// <summary>The changes after <paramref name="version"/>, and a task that completes at the next change.</summary>
    public (List<Change> Changes, Task Next) ChangesAfter(long version)
    {
        lock (_gate)
        {
            var start = _history.FindIndex(c => c.Version > version);
            return (start < 0 ? [] : _history[start..], _changed.Task);
        }
    }

    public static string Namespace(JsonObject item) => item["metadata"]?["namespace"]?.GetValue<string>() ?? "";

    public static string Now(TimeProvider time) => time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private JsonObject Record(string kind, string type, JsonObject item)
    {
        _version++;
        item["metadata"]!["resourceVersion"] = _version.ToString(CultureInfo.InvariantCulture);
        var copy = item.DeepClone().AsObject();
        _history.Add(new Change(_version, kind, type, copy));
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.SetResult();
        return copy.DeepClone().AsObject();
    }

    private Dictionary<string, JsonObject> Of(string kind)
    {
        if (!_objects.TryGetValue(kind, out var items))
        {
            items = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
            _objects[kind] = items;
        }

        return items;
    }

    private static string Key(string ns, string name) => $"{ns}/{name}";

    public sealed record Change(long Version, string Kind, string Type, JsonObject Object);
}
