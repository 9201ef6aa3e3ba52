using Cosocket.Actors.Security;

namespace Cosocket.Host.Tests;

public class TokenCommandTests
{
    [Fact]
    public async Task Token_SignedWithTheConfiguredSecret_CarriesTheUserAndTheGrants()
    {
        var output = new StringWriter();
        int exit = TokenCommand.Run(["--user", "ann", "--subscribe", "news", "--subscribe", "sport.*", "--send", "user:*", "--ttl", "5"], output, TextWriter.Null);
        Assert.Equal(0, exit);
        var (identity, err) = await new JwtAuthenticator(new JwtOptions { HmacSecret = TestTokens.Secret }).ValidateAsync(output.ToString().Trim());
        Assert.Null(err);
        Assert.Equal("ann", identity!.User);
        Assert.Equal(["news", "sport.*"], identity.Values(AddressingPolicy.SubscribeClaim));
        Assert.Null(AddressingPolicy.Default.Check(identity, AddressingOperation.Send, "user:bob"));
        Assert.NotNull(AddressingPolicy.Default.Check(identity, AddressingOperation.Publish, "news"));
    }

    [Theory]
    [InlineData()]
    [InlineData("--user")]
    [InlineData("--user", "ann", "--ttl", "-1")]
    [InlineData("--user", "ann", "--frobnicate")]
    public void Token_BadArguments_Exit2WithTheUsage(params string[] args)
    {
        var errors = new StringWriter();
        Assert.Equal(2, TokenCommand.Run(args, TextWriter.Null, errors));
        Assert.StartsWith("usage: cosocket token", errors.ToString());
    }
}
