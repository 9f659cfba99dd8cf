using System.Diagnostics.Metrics;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Caching;

/// <summary>The response cache's metric, <c>llmrouter.cache.requests</c> by <c>llmrouter.cache.result</c>.</summary>
public class ResponseCacheTelemetryTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Requests_CountedByResult(bool streaming)
    {
        // Caches of tests running in parallel record on meters of the same name: listening to this step's meter only keeps them apart.
        await using var fixture = new CacheFixture();
        ResponseCacheChatClient step = fixture.Chat.GetService<ResponseCacheChatClient>()!;
        var results = new List<string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == "llmrouter.cache.requests" && ReferenceEquals(instrument.Meter, step.Telemetry.Meter))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == "llmrouter.cache.result")
                {
                    lock (results)
                    {
                        results.Add((string)tag.Value!);
                    }
                }
            }
        });
        listener.Start();

        await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice"));
        await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice"));
        await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice", directive: "no-store"));

        Assert.Equal(["miss", "hit", "bypass"], results);
    }
}
