using Bosun.Server.Domain;

namespace Bosun.Server.Tests;

/// <summary>A keyed create's run id: the name-based UUID of its key, the same every time, and never a random one's.</summary>
public sealed class RequestKeyIdsTests
{
    [Fact]
    public void NameBased_TheRfcExample_GivesItsUuid()
    {
        // RFC 9562, appendix A.4: the DNS namespace and "www.example.com".
        var dns = new Guid("6ba7b810-9dad-11d1-80b4-00c04fd430c8");

        Assert.Equal(new Guid("2ed6657d-e927-568b-95e1-2665a8aea6a2"), RequestKeyIds.NameBased(dns, "www.example.com"));
    }

    [Fact]
    public void Of_AKey_TheSameIdEachTime_AnotherForAnotherKey_Version5()
    {
        var id = RequestKeyIds.Of("key-1");

        Assert.Equal(id, RequestKeyIds.Of("key-1"));
        Assert.NotEqual(id, RequestKeyIds.Of("key-1#0"));
        Assert.Equal(5, id.Version);
        Assert.NotEqual(Guid.NewGuid().Version, id.Version);
    }
}
