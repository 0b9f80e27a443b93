namespace Bosun.Server.Storage;

/// <summary>Whose concurrency slots to count: a deployment's, a work pool's or a work queue's.</summary>
internal enum SlotScope
{
    Deployment,
    WorkPool,
    WorkQueue,
}
