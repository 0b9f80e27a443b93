// The emulator's pods are containers on the one shared dockerd, and the box has two cores: one test class at a time;
// slow cases inside a test run in parallel where they are independent.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
