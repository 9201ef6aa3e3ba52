using Cosocket.Actors.Security;

namespace Cosocket.Actors.Tests.Security;

public class OriginPolicyTests
{
    [Theory]
    [InlineData(null, "127.0.0.1:8080", true)] // not a browser
    [InlineData("http://127.0.0.1:8080", "127.0.0.1:8080", true)] // same origin
    [InlineData("https://example.com", "example.com", true)] // same origin, default ports
    [InlineData("http://127.0.0.1:3000", "127.0.0.1:8080", false)] // another page of the same host
    [InlineData("http://evil.example", "127.0.0.1:8080", false)]
    [InlineData("null", "127.0.0.1:8080", false)] // a sandboxed or local page
    public void SameOrigin(string? origin, string host, bool allowed) =>
        Assert.Equal(allowed, OriginPolicy.SameOrigin.Check(origin, host) is null);

    [Fact]
    public void SameHostPorts_AllowTheHostsOwnPages()
    {
        var policy = OriginPolicy.SameOrigin with { SameHostPorts = [9080] };
        Assert.Null(policy.Check("http://localhost:9080", "localhost:8080"));
        Assert.Equal("origin not allowed: http://other:9080", policy.Check("http://other:9080", "localhost:8080"));
    }

    [Fact]
    public void AllowedOrigins_ExactOrAny()
    {
        var policy = OriginPolicy.SameOrigin with { AllowedOrigins = ["https://app.example.com/"] };
        Assert.Null(policy.Check("https://APP.example.com", "ws.example.com"));
        Assert.NotNull(policy.Check("https://app.example.com.evil", "ws.example.com"));
        Assert.Null(OriginPolicy.Any.Check("null", "ws.example.com"));
    }
}
