namespace Bosun.Sdk.Tests;

/// <summary>What a flow method may return, and registering flows once by name.</summary>
public sealed class FlowRegistrationTests
{
    private static readonly AsyncLocal<List<string>?> Trace = new();

    [Flow("returns-task")]
    private static async Task ReturnsTask()
    {
        await Task.Yield();
        Trace.Value!.Add("task done");
    }

    [Flow("returns-task-of-t")]
    private static async Task<int> ReturnsTaskOfT()
    {
        await Task.Yield();
        Trace.Value!.Add("task<int> done");
        return 42;
    }

    [Flow("returns-value-task")]
    private static async ValueTask ReturnsValueTask()
    {
        await Task.Yield();
        Trace.Value!.Add("valuetask done");
    }

    [Flow("returns-value-task-of-t")]
    private static async ValueTask<int> ReturnsValueTaskOfT()
    {
        await Task.Yield();
        Trace.Value!.Add("valuetask<int> done");
        return 43;
    }

    [Flow("returns-void")]
    private static void ReturnsVoid() => Trace.Value!.Add("void done");

    [Flow("returns-t")]
    private static int ReturnsT()
    {
        Trace.Value!.Add("int done");
        return 44;
    }

    [Flow("returns-value-task-of-t")]
    private static int SameNameAsAnother() => 0;

    public static TheoryData<string, object?, string> ReturnTypes => new()
    {
        { nameof(ReturnsTask), null, "task done" },
        { nameof(ReturnsTaskOfT), 42, "task<int> done" },
        { nameof(ReturnsValueTask), null, "valuetask done" },
        { nameof(ReturnsValueTaskOfT), 43, "valuetask<int> done" },
        { nameof(ReturnsVoid), null, "void done" },
        { nameof(ReturnsT), 44, "int done" },
    };

    [Theory]
    [MemberData(nameof(ReturnTypes))]
    public async Task InvokeAsync_EachAwaitableReturnType_AwaitedToItsEndWithItsResult(string method, object? expected, string sideEffect)
    {
        Trace.Value = [];
        var flow = Flows.In(typeof(FlowRegistrationTests).Assembly).Single(f => f.Method.Name == method);

        var result = await flow.InvokeAsync([], FlowContext.Current);

        Assert.Equal(expected, result);
        Assert.Equal([sideEffect], Trace.Value);
    }

    [Fact]
    public void Add_TwoMethodsWithOneName_RefusedNamingBoth()
    {
        var registry = new FlowRegistry().Add(ReturnsValueTaskOfT);

        var error = Assert.Throws<ArgumentException>(() => registry.Add(SameNameAsAnother));

        Assert.Contains("'returns-value-task-of-t'", error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(ReturnsValueTaskOfT), error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(SameNameAsAnother), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void From_AssemblyWithADuplicateName_RefusedAtStartUp()
    {
        var error = Assert.Throws<ArgumentException>(() => FlowRegistry.From(typeof(FlowRegistrationTests).Assembly));

        Assert.Contains("Two flows are named 'returns-value-task-of-t'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_RegisteredFlows_ByNameAndTheSameMethodTwiceIsOne()
    {
        var registry = new FlowRegistry().Add(ReturnsTask).Add(ReturnsTask).Add(ReturnsT);

        Assert.Equal(["returns-task", "returns-t"], registry.Names);
        Assert.Equal(nameof(ReturnsT), registry.Find("returns-t")!.Method.Name);
        Assert.Null(registry.Find("returns-void"));
    }
}
