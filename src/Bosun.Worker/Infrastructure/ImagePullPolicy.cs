namespace Bosun.Worker.Infrastructure;

/// <summary>When a docker worker pulls a run's image (docs/behaviour.md §5 <c>image_pull_policy</c>).</summary>
internal enum ImagePullPolicy
{
    /// <summary>Pull before every run.</summary>
    Always,

    /// <summary>Pull only when the image is not in the daemon's store.</summary>
    IfNotPresent,

    /// <summary>Never pull: the image must already be there.</summary>
    Never,
}
