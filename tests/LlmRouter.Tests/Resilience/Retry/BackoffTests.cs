namespace LlmRouter.Tests.Resilience.Retry;

public class BackoffTests
{
    [Fact]
    public void Delay_WithoutJitter_DoublesFromBaseDelayUpToMaxDelay()
    {
        var options = new RetryOptions { BaseDelay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(1), UseJitter = false };

        TimeSpan[] delays = [.. Enumerable.Range(1, 5).Select(retry => Backoff.Delay(retry, options, () => 0.99))];

        Assert.Equal(
            [TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(800), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)],
            delays);
    }

    [Theory]
    [InlineData(0.0, 150)]
    [InlineData(0.5, 200)]
    [InlineData(0.999999, 249.9999)]
    public void Delay_WithJitter_SpreadsByAQuarterEitherWay(double random, double expectedMilliseconds)
    {
        var options = new RetryOptions { BaseDelay = TimeSpan.FromMilliseconds(200), UseJitter = true };

        TimeSpan delay = Backoff.Delay(1, options, () => random);

        Assert.Equal(expectedMilliseconds, delay.TotalMilliseconds, precision: 3);
    }

    [Fact]
    public void Delay_ManyRetries_DoesNotOverflow()
    {
        var options = new RetryOptions { BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromMinutes(1), UseJitter = false };

        Assert.Equal(TimeSpan.FromMinutes(1), Backoff.Delay(1_000, options, () => 0));
    }

    [Fact]
    public void Delay_SeededRandom_IsRepeatable()
    {
        var options = new RetryOptions();
        var first = new Random(42);
        var second = new Random(42);

        Assert.Equal(
            Enumerable.Range(1, 4).Select(r => Backoff.Delay(r, options, first.NextDouble)),
            Enumerable.Range(1, 4).Select(r => Backoff.Delay(r, options, second.NextDouble)));
    }
}
