using System.Net.Http.Headers;

namespace LlmRouter.Tests.Resilience;

public class RetryAfterHeadersTests
{
    private static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static TimeSpan? Parse(bool rateLimited, params (string Name, string Value)[] headers)
    {
        using var response = new HttpResponseMessage();
        foreach ((string name, string value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return RetryAfterHeaders.Parse(response.Headers, Now, rateLimited);
    }

    [Fact]
    public void Parse_RetryAfterMilliseconds_WinsOverRetryAfter()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(1500), Parse(false, ("retry-after-ms", "1500"), ("Retry-After", "20")));
    }

    [Theory]
    [InlineData("120", 120)]
    [InlineData("1.5", 1.5)]
    [InlineData("0", 0)]
    [InlineData("-4", 0)]
    public void Parse_RetryAfterSeconds(string value, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), Parse(false, ("Retry-After", value)));
    }

    [Fact]
    public void Parse_RetryAfterHttpDate_IsRelativeToNow()
    {
        Assert.Equal(TimeSpan.FromSeconds(90), Parse(false, ("Retry-After", "Sat, 01 Mar 2025 12:01:30 GMT")));
    }

    [Fact]
    public void Parse_RetryAfterDateInThePast_IsZero()
    {
        Assert.Equal(TimeSpan.Zero, Parse(false, ("Retry-After", "Sat, 01 Mar 2025 11:00:00 GMT")));
    }

    [Fact]
    public void Parse_Garbage_IsNull()
    {
        Assert.Null(Parse(true, ("Retry-After", "soon"), ("retry-after-ms", "later")));
    }

    [Fact]
    public void Parse_RateLimitResets_IgnoredUnlessRateLimited()
    {
        Assert.Null(Parse(false, ("x-ratelimit-reset-requests", "1s")));
    }

    [Fact]
    public void Parse_OpenAIResets_ExhaustedBudgetWins()
    {
        TimeSpan? wait = Parse(
            true,
            ("x-ratelimit-reset-requests", "6m0s"),
            ("x-ratelimit-remaining-requests", "12"),
            ("x-ratelimit-reset-tokens", "20ms"),
            ("x-ratelimit-remaining-tokens", "0"));

        Assert.Equal(TimeSpan.FromMilliseconds(20), wait);
    }

    [Fact]
    public void Parse_OpenAIResets_NoneExhausted_LongestWins()
    {
        Assert.Equal(TimeSpan.FromSeconds(7.66), Parse(true, ("x-ratelimit-reset-requests", "2.5s"), ("x-ratelimit-reset-tokens", "7.66s")));
    }

    [Fact]
    public void Parse_AnthropicResetTimestamps()
    {
        TimeSpan? wait = Parse(
            true,
            ("anthropic-ratelimit-requests-reset", "2025-03-01T12:00:30Z"),
            ("anthropic-ratelimit-tokens-reset", "2025-03-01T12:00:05Z"),
            ("anthropic-ratelimit-tokens-remaining", "0"));

        Assert.Equal(TimeSpan.FromSeconds(5), wait);
    }

    [Theory]
    [InlineData("30", 30)]
    [InlineData("1740830460", 60)]
    [InlineData("1740830460000", 60)]
    public void Parse_GenericReset_SecondsOrEpoch(string value, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), Parse(true, ("x-ratelimit-reset", value)));
    }

    [Theory]
    [InlineData("1s", 1_000)]
    [InlineData("6m0s", 360_000)]
    [InlineData("20ms", 20)]
    [InlineData("1h2m3.5s", 3_723_500)]
    [InlineData("2m59.56s", 179_560)]
    [InlineData("500us", 0.5)]
    [InlineData("7", 7_000)]
    public void TryParseDuration_GoStyle(string value, double milliseconds)
    {
        Assert.True(RetryAfterHeaders.TryParseDuration(value, out TimeSpan duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("s")]
    [InlineData("5 fortnights")]
    [InlineData("3d")]
    public void TryParseDuration_Invalid_ReturnsFalse(string value)
    {
        Assert.False(RetryAfterHeaders.TryParseDuration(value, out _));
    }
}
