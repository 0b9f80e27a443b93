namespace MyFlows.Tests;

/// <summary>A flow is an ordinary method: a test calls it directly, with no server.</summary>
public sealed class HelloFlowsTests
{
    [Fact]
    public void Hello_Name_GreetsThatName()
    {
        Assert.Equal("Hello, Bosun!", HelloFlows.Hello("Bosun"));
    }
}
