namespace Bosun.Ui.Backend;

/// <summary>A pool's slot use in one bucket of a chart's window: the most runs holding a slot at once, and the average over the bucket.</summary>
public sealed record SlotUse(DateTimeOffset Start, int Peak, double Average);
