namespace LlmRouter.Tests.Providers;

public sealed class ErrorTextTests
{
    [Theory]
    [InlineData("x")]
    [InlineData("none")]
    [InlineData("sk-1234")]
    public void Clean_KeyTooShortToBeASecret_LeavesWordsWhole(string key)
    {
        string? cleaned = ErrorText.Clean("rate_limit_exceeded: none left, try sk-1234 next time (x)", key);

        Assert.Equal("rate_limit_exceeded: none left, try sk-1234 next time (x)", cleaned);
    }

    [Theory]
    [InlineData("Incorrect API key provided: sk-test-12345678.", "Incorrect API key provided: [redacted].")]
    [InlineData("key 'sk-test-12345678' is invalid", "key '[redacted]' is invalid")]
    [InlineData("sk-test-12345678", "[redacted]")]
    [InlineData("Bearer sk-test-12345678\nnext line", "Bearer [redacted]\nnext line")]
    public void Clean_KeyAsAToken_IsRedacted(string text, string expected)
    {
        Assert.Equal(expected, ErrorText.Clean(text, "sk-test-12345678"));
    }

    [Theory]
    [InlineData("api_key_sk-test-12345678abc is wrong", "[redacted] is wrong")]
    [InlineData("x-sk-test-12345678-y: sk-test-12345678.", "[redacted]: [redacted].")]
    public void Clean_KeyInsideALongerToken_RedactsTheWholeTokenSoNoFragmentStays(string text, string expected)
    {
        Assert.Equal(expected, ErrorText.Clean(text, "sk-test-12345678"));
    }

    [Fact]
    public void Clean_SeveralSecrets_RedactsEach()
    {
        string? cleaned = ErrorText.Clean("key sk-test-12345678 from https://user:hunter2-password@host", "sk-test-12345678", null, "hunter2-password");

        Assert.Equal("key [redacted] from https://user:[redacted]@host", cleaned);
    }
}
