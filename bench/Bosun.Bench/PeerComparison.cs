using System.Globalization;
using System.Text;
using Bosun.Bench.Peers;
using Bosun.Testing;

namespace Bosun.Bench;

/// <summary>
/// `peers`: W1, W2, W3 and memory of Bosun, Hangfire and Quartz.NET side by side (bench/README.md). Each system runs
/// with its jobs created by a producer process and executed by another process with 8 executors; the systems take
/// turns within a round so that they see the same machine.
/// </summary>
internal static class PeerComparison
{
    private static readonly TimeSpan Ready = TimeSpan.FromMinutes(2);

    public static async Task<string> RunAsync(PeerWorkloads workloads, int rounds, IReadOnlyCollection<string>? only)
    {
        var systems = PeerSystem.All.Where(s => only is null || only.Contains(s.Name)).ToList();
        var results = new List<PeerResult>();
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var system in systems)
            {
                try
                {
                    var result = await RunSystemAsync(system, workloads, round);
                    results.Add(result);
                    Console.WriteLine($"  round {round}, {result.Line()}");
                }
                catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException)
                {
                    Console.WriteLine($"  round {round}, {system.Name}: FAILED: {ex.Message}");
                }
            }
        }

        return Summary(results, workloads);
    }

    private static async Task<PeerResult> RunSystemAsync(PeerSystem system, PeerWorkloads workloads, int round)
    {
        var loadAtStart = LoadAverage.OneMinute();
        await using var store = await PeerStore.CreateAsync(system.Store);
        var processes = new List<PeerProcess>();
        try
        {
            var (executors, producer, bosunApi) = await StartAsync(system, store, processes);
            var main = executors[0].Process;
            var (w1First, w2First, w3First) = (workloads.WarmUp, workloads.WarmUp + workloads.W1, workloads.WarmUp + workloads.W1 + workloads.W2);

            await RunBatchAsync(producer, main, 0, workloads.WarmUp, "0 0 0", PerJob(workloads.WarmUp));
            var idle = executors.ToDictionary(e => e.Name, e => e.Process.ResidentMiB());

            var own = processes.ToList();
            var requestsBefore = bosunApi is null ? null : await PrometheusText.RequestCountsAsync(new Uri(bosunApi));
            var storeBefore = bosunApi is null ? null : await PrometheusText.SumsAsync(new Uri(bosunApi), StoreWrites);
            var w1 = await MeasureAsync(executors, own, () => RunBatchAsync(producer, main, w1First, workloads.W1, "0 0 0", PerJob(workloads.W1)));
            if (requestsBefore is not null)
            {
                var after = await PrometheusText.RequestCountsAsync(new Uri(bosunApi!));
                w1 = w1 with
                {
                    RequestsPerJob = after.Select(pair => (pair.Key, Count: (pair.Value - requestsBefore.GetValueOrDefault(pair.Key)) / workloads.W1))
                        .Where(pair => pair.Count > 0.005).OrderByDescending(pair => pair.Count).ToDictionary(pair => pair.Key, pair => pair.Count),
                    WritesPerTransaction = WritesPerTransaction(storeBefore!, await PrometheusText.SumsAsync(new Uri(bosunApi!), StoreWrites)),
                };
            }

            var partsAfterW1 = executors.ToDictionary(e => e.Name, e => ResidentMemory.Parts(e.Process.Id));
            var w2 = await MeasureAsync(executors, own, () => RunBatchAsync(producer, main, w2First, workloads.W2,
                $"{Num(workloads.W2IntervalMs)} 0 0", TimeSpan.FromMilliseconds(workloads.W2 * workloads.W2IntervalMs) + PerJob(workloads.W2)));
            var storeBeforeW3 = bosunApi is null ? null : await PrometheusText.SumsAsync(new Uri(bosunApi), StoreWrites);
            var w3 = await MeasureAsync(executors, own, () => RunBatchAsync(producer, main, w3First, workloads.W3,
                $"{Num(workloads.W3IntervalMs)} {Num(workloads.W3LeadMs)} 1000", TimeSpan.FromMilliseconds(workloads.W3 * workloads.W3IntervalMs + workloads.W3LeadMs) + PerJob(workloads.W3)));
            if (storeBeforeW3 is not null)
            {
                w3 = w3 with { WritesPerTransaction = WritesPerTransaction(storeBeforeW3, await PrometheusText.SumsAsync(new Uri(bosunApi!), StoreWrites)) };
            }

            return new PeerResult(system, round, loadAtStart, w1, w2, w3, idle, partsAfterW1);
        }
        finally
        {
            // The producer first, then the executors, the Bosun server last: each stops while what it talks to is up.
            foreach (var process in processes.AsEnumerable().Reverse())
            {
                await process.DisposeAsync();
            }
        }
    }

    /// <summary>Generous time for a batch to run: 30 s plus 50 ms per job (a system at 20 jobs/s still finishes).</summary>
    private static TimeSpan PerJob(int jobs) => TimeSpan.FromSeconds(30 + jobs * 0.05);

    /// <summary>Starts a system's processes in <paramref name="processes"/> (in start order); returns the ones whose memory counts, and the producer.</summary>
    private static async Task<(List<(string Name, PeerProcess Process)> Executors, PeerProcess Producer, string? BosunApi)> StartAsync(
        PeerSystem system, PeerStore store, List<PeerProcess> processes)
    {
        var executors = new List<(string, PeerProcess)>();
        string[] arguments;
        string dll;
        string? bosunApi = null;
        if (system.Product == "bosun")
        {
            var (server, apiUrl) = await PeerProcess.StartBosunServerAsync(store.Location("bosun"), Path.Combine(store.Directory, "bosun.key"), Ready);
            processes.Add(server);
            executors.Add(("server", server));
            dll = BenchArtifacts.BenchDll("Bosun.Bench.Peers.Bosun");
            arguments = [apiUrl];
            bosunApi = apiUrl;
        }
        else
        {
            dll = BenchArtifacts.BenchDll(system.Product == "hangfire" ? "Bosun.Bench.Peers.Hangfire" : "Bosun.Bench.Peers.Quartz");
            arguments = system.Tuned ? [system.Store, store.Location(system.Product), "tuned"] : [system.Store, store.Location(system.Product)];
        }

        var executor = PeerProcess.Start($"{system.Name} executor", dll, ["executor", .. arguments]);
        processes.Add(executor);
        await executor.AnswerAsync(Ready);
        executors.Insert(0, (system.Product == "bosun" ? "serve" : "executor", executor));
        var producer = PeerProcess.Start($"{system.Name} producer", dll, ["producer", .. arguments]);
        processes.Add(producer);
        await producer.AnswerAsync(Ready);
        return (executors, producer, bosunApi);
    }

    /// <summary>
    /// Has the producer create <paramref name="count"/> jobs from index <paramref name="first"/> (pacing: "INTERVAL_MS
    /// DELAY_MS ALIGN_MS") while collecting their starts from the executor; then waits until the store holds no
    /// unfinished job, so that the next batch starts on an idle system.
    /// </summary>
    private static async Task<Batch> RunBatchAsync(PeerProcess producer, PeerProcess executor, int first, int count, string pacing, TimeSpan timeout)
    {
        var producing = producer.AskAsync($"create {first} {count} {pacing}", timeout);
        var starts = new Dictionary<int, double>();
        var duplicates = 0;
        var deadline = TimeProvider.System.GetUtcNow() + timeout;
        while (starts.Count < count)
        {
            if (TimeProvider.System.GetUtcNow() > deadline)
            {
                throw new TimeoutException($"{count - starts.Count} of {count} jobs had not started after {timeout.TotalSeconds:0} s");
            }

            await Task.Delay(100);
            foreach (var start in (await executor.AskAsync("starts", Ready)).EnumerateArray())
            {
                var index = start[0].GetInt32();
                if (index < first || index >= first + count || !starts.TryAdd(index, start[1].GetDouble()))
                {
                    duplicates++;
                }
            }
        }

        var created = (await producing).EnumerateArray().Select(c => new CreatedJob(c[0].GetInt32(), c[1].GetDouble(), c[2].GetDouble())).ToList();
        var settled = TimeProvider.System.GetUtcNow() + Ready;
        while ((await producer.AskAsync("unfinished", Ready)).GetInt64() is var unfinished and > 0)
        {
            if (TimeProvider.System.GetUtcNow() > settled)
            {
                throw new TimeoutException($"{unfinished} jobs were still unfinished in the store {Ready.TotalSeconds:0} s after the last had started");
            }

            await Task.Delay(100);
        }

        return new Batch(created, starts, duplicates);
    }

    /// <summary>Runs a workload while sampling, every 100 ms, the executing processes' resident memory and the machine's CPU and load.</summary>
    /// <param name="executors">The processes whose memory counts.</param>
    /// <param name="own">All the system's processes (producer included), whose CPU is the system's own.</param>
    /// <param name="workload">The batch.</param>
    private static async Task<Measured> MeasureAsync(List<(string Name, PeerProcess Process)> executors, List<PeerProcess> own, Func<Task<Batch>> workload)
    {
        var peaks = executors.ToDictionary(e => e.Name, _ => 0.0);
        var cpu = new List<(double Ms, MachineCpu Cpu, double[] OwnMs, double Load)>();
        double[] OwnCpu() => own.Select(p => ProcessCpu.Ms(p.Id)).ToArray();
        using var stop = new CancellationTokenSource();
        var sampling = Task.Run(async () =>
        {
            do
            {
                foreach (var (name, process) in executors)
                {
                    peaks[name] = Math.Max(peaks[name], process.ResidentMiB());
                }

                cpu.Add((Clock.NowMs(), MachineCpu.Now(), OwnCpu(), LoadAverage.OneMinute()));
                await Task.Delay(100, CancellationToken.None);
            }
            while (!stop.IsCancellationRequested);
        });
        var (start, ownStart) = (MachineCpu.Now(), OwnCpu());
        var batch = await workload();
        await stop.CancelAsync();
        await sampling;
        // The CPU up to the first sample after the last start: what the machine spent while the jobs were created and
        // started. The wait for the last final states to be written, and the coordinator's polls after it, are left out.
        var end = cpu.FirstOrDefault(c => c.Ms >= batch.LastStart, cpu[^1]);
        var byProcess = own.Select((p, i) => (p.Role, Ms: (end.OwnMs[i] - ownStart[i]) / batch.Starts.Count)).ToDictionary(x => x.Role, x => x.Ms);
        return new Measured(batch, MachineCpu.BusyMs(start, end.Cpu) / batch.Starts.Count, byProcess.Values.Sum(), end.Load, peaks, byProcess);
    }

    private static string Num(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Summary(List<PeerResult> results, PeerWorkloads workloads)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"peer comparison ({workloads}); every round's figures:");
        text.AppendLine();
        text.AppendLine("| round | system | W1 jobs/s (executor rate) | W1 CPU ms/job machine / own | W2 p50 / p99 ms | W2 CPU ms/job | W3 p50 / p99 ms | W3 CPU ms/job | memory MiB idle → W1 peak | load start / W1 / W2 / W3 |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in results)
        {
            text.AppendLine(r.Row());
        }

        text.AppendLine();
        text.AppendLine("Spread over the rounds (min–max of each system's figure):");
        text.AppendLine();
        text.AppendLine("| system | W1 jobs/s | W2 p50 ms | W2 p99 ms | W3 p50 ms | W3 p99 ms | W1 peak MiB |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var group in results.GroupBy(r => r.System.Name))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {group.Key} | {Range(group.Select(r => r.W1.Batch.Throughput))} | " +
                $"{Range(group.Select(r => r.W2.Latency(false).Percentile(50)))} | {Range(group.Select(r => r.W2.Latency(false).Percentile(99)))} | " +
                $"{Range(group.Select(r => r.W3.Latency(true).Percentile(50)))} | {Range(group.Select(r => r.W3.Latency(true).Percentile(99)))} | " +
                $"{string.Join(" + ", group.First().W1.PeakMiB.Keys.Select(name => $"{name} {Range(group.Select(r => r.W1.PeakMiB[name]))}"))} |");
        }

        return text.ToString();
    }

    private static string Range(IEnumerable<double> values)
    {
        var list = values.ToList();
        var (min, max) = (list.Min(), list.Max());
        return Math.Abs(max - min) < 0.05 * Math.Max(1, Math.Abs(max)) ? Fmt(max) : $"{Fmt(min)}–{Fmt(max)}";
    }

    internal static string Fmt(double value) =>
        value.ToString(Math.Abs(value) >= 100 ? "0" : Math.Abs(value) >= 10 ? "0.0" : "0.00", CultureInfo.InvariantCulture);

    /// <summary>A job as the producer created it: index, creation time (just before the create call) and due time, in Unix ms.</summary>
    private sealed record CreatedJob(int Index, double CreatedMs, double DueMs);

    /// <summary>A batch of jobs: how each was created, when each started, and starts seen twice (never expected).</summary>
    private sealed record Batch(List<CreatedJob> Created, Dictionary<int, double> Starts, int Duplicates)
    {
        public double FirstCreated => Created.Min(c => c.CreatedMs);

        public double LastStart => Starts.Values.Max();

        /// <summary>Jobs per second from the first create call to the last job's start.</summary>
        public double Throughput => Starts.Count * 1000 / (LastStart - FirstCreated);

        /// <summary>Jobs per second from the first job's start to the last's: the executor's rate without the first pick-up.</summary>
        public double SteadyThroughput => Starts.Count * 1000 / (LastStart - Starts.Values.Min());

        /// <summary>Jobs per second the producer created.</summary>
        public double ProducerRate => Created.Count * 1000 / (Created.Max(c => c.CreatedMs) - FirstCreated);
    }

    /// <summary>
    /// A batch with the machine's busy CPU and the system's own processes' CPU per job (in all, and by process role), the
    /// load at its end and the peak memory.
    /// </summary>
    private sealed record Measured(
        Batch Batch, double CpuMsPerJob, double OwnCpuMsPerJob, double Load, Dictionary<string, double> PeakMiB, Dictionary<string, double> OwnCpuMsByRole)
    {
        /// <summary>Bosun only: the server's answered requests per job by method and route.</summary>
        public Dictionary<string, double>? RequestsPerJob { get; init; }

        /// <summary>Bosun on SQLite only: writes per write transaction of the server's writer (group commit).</summary>
        public double? WritesPerTransaction { get; init; }

        /// <summary>Start minus creation (W2) or minus due time (W3), per job.</summary>
        public Stats Latency(bool fromDue) => new(Batch.Created.Select(c => Batch.Starts[c.Index] - (fromDue ? c.DueMs : c.CreatedMs)));

        public int Early => Batch.Created.Count(c => Batch.Starts[c.Index] < c.DueMs);
    }

    /// <summary>The SQLite writer's counters (absent on PostgreSQL): callers' writes, and the transactions that held them.</summary>
    private static readonly string[] StoreWrites = ["bosun_store_writes_total", "bosun_store_write_transactions_total"];

    /// <summary>Writes per write transaction between two scrapes (group commit); null when the store does not count them.</summary>
    private static double? WritesPerTransaction(Dictionary<string, double> before, Dictionary<string, double> after)
    {
        var transactions = after[StoreWrites[1]] - before[StoreWrites[1]];
        return transactions > 0 ? (after[StoreWrites[0]] - before[StoreWrites[0]]) / transactions : null;
    }

    private sealed record PeerResult(PeerSystem System, int Round, double LoadAtStart, Measured W1, Measured W2, Measured W3, Dictionary<string, double> IdleMiB,
        Dictionary<string, ResidentParts> PartsAfterW1)
    {
        public string Line() =>
            $"{System.Name}: W1 {Fmt(W1.Batch.Throughput)} jobs/s (executor rate {Fmt(W1.Batch.SteadyThroughput)}, producer {Fmt(W1.Batch.ProducerRate)}; CPU {Cpu(W1)} ms/job; load {Fmt(W1.Load)}) · " +
            $"W1 CPU ms/job by process {string.Join(", ", W1.OwnCpuMsByRole.Select(role => $"{role.Key} {Fmt(role.Value)}"))} · " +
            (W1.RequestsPerJob is { } requests ? $"W1 server requests per job {Fmt(requests.Values.Sum())} ({string.Join(", ", requests.Select(r => $"{r.Key} {Fmt(r.Value)}"))}) · " : "") +
            (W1.WritesPerTransaction is { } w1Writes ? $"store writes per transaction W1 {Fmt(w1Writes)}, W3 {(W3.WritesPerTransaction is { } w3Writes ? Fmt(w3Writes) : "-")} · " : "") +
            $"W2 {Pair(W2.Latency(false))} ms (CPU {Cpu(W2)} ms/job; load {Fmt(W2.Load)}) · W3 {Pair(W3.Latency(true))} ms, {W3.Early} early (CPU {Cpu(W3)} ms/job; load {Fmt(W3.Load)}) · " +
            $"memory {Memory()} (after W1: {string.Join("; ", PartsAfterW1.Select(p => $"{p.Key} {p.Value}"))})" + (W1.Batch.Duplicates + W2.Batch.Duplicates + W3.Batch.Duplicates is var d and > 0 ? $" · {d} jobs started twice!" : "");

        public string Row() =>
            $"| {Round} | {System.Name} | {Fmt(W1.Batch.Throughput)} ({Fmt(W1.Batch.SteadyThroughput)}) | {Cpu(W1)} | {Pair(W2.Latency(false))} | {Cpu(W2)} | " +
            $"{Pair(W3.Latency(true))}{(W3.Early > 0 ? $" ({W3.Early} early)" : "")} | {Cpu(W3)} | {Memory()} | {Fmt(LoadAtStart)} / {Fmt(W1.Load)} / {Fmt(W2.Load)} / {Fmt(W3.Load)} |";

        /// <summary>"machine / own": the whole machine's busy CPU per job, and the system's own processes' share of it.</summary>
        private static string Cpu(Measured measured) => $"{Fmt(measured.CpuMsPerJob)} / {Fmt(measured.OwnCpuMsPerJob)}";

        private string Memory() => string.Join(", ", IdleMiB.Keys.Select(name => $"{name} {Fmt(IdleMiB[name])} → {Fmt(W1.PeakMiB[name])}"));

        private static string Pair(Stats stats) => $"{Fmt(stats.Percentile(50))} / {Fmt(stats.Percentile(99))}";
    }
}
