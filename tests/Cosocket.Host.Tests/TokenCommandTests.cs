using Cosocket.Actors.Security;

namespace Cosocket.Host.Tests;

public class TokenCommandTests
{
    [Fact]
    public async Task Token_SignedWithTheConfiguredSecret_CarriesTheUserAndTheGrants()
    {
        var output = new StringWriter();
        int exit = await Cli.RunAsync(["token", "--user", "ann", "--subscribe", "news", "--subscribe", "sport.*", "--send", "user:*", "--ttl", "5"], TextReader.Null, output, TextWriter.Null);
        Assert.Equal(0, exit);
        var (identity, err) = await new JwtAuthenticator(new JwtOptions { HmacSecret = TestTokens.Secret }).ValidateAsync(output.ToString().Trim());
        Assert.Null(err);
        Assert.Equal("ann", identity!.User);
        Assert.Equal(["news", "sport.*"], identity.Values(AddressingPolicy.SubscribeClaim));
        Assert.Null(AddressingPolicy.Default.Check(identity, AddressingOperation.Send, "user:bob"));
        Assert.NotNull(AddressingPolicy.Default.Check(identity, AddressingOperation.Publish, "news"));
    }

    [Theory]
    [InlineData("Option '--user' is required.")]
    [InlineData("Required argument missing for option: '--user'.", "--user")]
    [InlineData("--ttl must be a positive number of minutes", "--user", "ann", "--ttl", "-1")]
    [InlineData("Unrecognized command or argument '--frobnicate'.", "--user", "ann", "--frobnicate")]
    public async Task Token_BadArguments_AreNamed_AndExit2(string reason, params string[] args)
    {
        var errors = new StringWriter();
        Assert.Equal(Cli.BadArguments, await Cli.RunAsync(["token", .. args], TextReader.Null, TextWriter.Null, errors));
        Assert.Contains("cosocket token: " + reason, errors.ToString().Split('\n', StringSplitOptions.TrimEntries));
    }
}
