// The Docker tests share one daemon, one registry and two cores: they run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
