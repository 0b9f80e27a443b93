using System.Globalization;
using System.Text.Json;

namespace Bosun.Bench.Peers;

/// <summary>
/// The main loop of a benchmark process, driven by the coordinator (`Bosun.Bench peers`) over stdin and stdout. Every
/// answer is one stdout line starting with <see cref="AnswerPrefix"/>; anything else a library prints is not read.
/// <list type="bullet">
/// <item>`producer ARGS...`: `create FIRST COUNT INTERVAL_MS DELAY_MS ALIGN_MS` creates jobs FIRST.. one after the other
/// (one every INTERVAL_MS when it is positive, else as fast as the system accepts them), each due DELAY_MS after its
/// creation (now when 0) rounded up to a multiple of ALIGN_MS (when positive), and answers with each job's index,
/// creation time (taken just before the create call) and due time;
/// `unfinished` answers how many jobs the store still holds unfinished.</item>
/// <item>`executor ARGS...`: `starts` answers the job starts recorded since the last `starts`.</item>
/// <item>`quit` stops either.</item>
/// </list>
/// </summary>
public static class PeerRole
{
    public const string AnswerPrefix = "@@ ";

    public static async Task<int> RunAsync(string[] args, Func<string[], IJobProducer> producer, Func<string[], IJobExecutor> executor)
    {
        var rest = args.Skip(1).ToArray();
        switch (args.FirstOrDefault())
        {
            case "producer":
                await using (var created = producer(rest))
                {
                    await ServeAsync(command => ProduceAsync(created, command));
                }

                return 0;
            case "executor":
                await using (var started = executor(rest))
                {
                    await started.StartAsync(CancellationToken.None);
                    await ServeAsync(command => Task.FromResult<object>(command[0] == "starts"
                        ? JobStarts.Drain().Select(s => new[] { s.Index, s.Ms }).ToArray()
                        : throw new ArgumentException($"unknown command '{command[0]}'")));
                }

                return 0;
            default:
                await Console.Error.WriteLineAsync("usage: producer|executor STORE-ARGUMENTS...");
                return 2;
        }
    }

    private static async Task ServeAsync(Func<string[], Task<object>> handle)
    {
        await Answer("ready");
        while (await Console.In.ReadLineAsync() is { } line && line != "quit")
        {
            await Answer(await handle(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        }
    }

    private static async Task<object> ProduceAsync(IJobProducer producer, string[] command)
    {
        switch (command[0])
        {
            case "create":
                var (first, count) = (Int(command[1]), Int(command[2]));
                var (interval, delay, align) = (Double(command[3]), Double(command[4]), Double(command[5]));
                var created = new double[count][];
                var start = Clock.NowMs();
                for (var k = 0; k < count; k++)
                {
                    if (interval > 0 && start + k * interval - Clock.NowMs() is var wait and > 1)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(wait));
                    }

                    var now = Clock.NowMs();
                    var due = delay <= 0 ? now : align > 0 ? Math.Ceiling((now + delay) / align) * align : now + delay;
                    await producer.CreateAsync(first + k, delay > 0 ? Clock.FromMs(due) : null, CancellationToken.None);
                    created[k] = [first + k, now, due];
                }

                return created;
            case "unfinished":
                return await producer.CountUnfinishedAsync(CancellationToken.None);
            default:
                throw new ArgumentException($"unknown command '{command[0]}'");
        }
    }

    private static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);

    private static double Double(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    private static async Task Answer(object value) =>
        await Console.Out.WriteLineAsync(AnswerPrefix + JsonSerializer.Serialize(value));
}
