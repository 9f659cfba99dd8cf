using System.Diagnostics;
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

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Lookups_HaveASpanSayingWhatTheyFound(bool streaming)
    {
        await using var fixture = new CacheFixture();
        ResponseCacheChatClient step = fixture.Chat.GetService<ResponseCacheChatClient>()!;
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => ReferenceEquals(source, step.Telemetry.Source),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (spans)
                {
                    spans.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice"));
        await fixture.Chat.CallAsync(streaming, CacheFixture.Caller("alice"));

        Assert.Equal(2, spans.Count);
        Assert.All(spans, s => Assert.Equal(("cache chat", "chat"), (s.DisplayName, (string?)s.GetTagItem("llmrouter.route"))));
        Assert.Equal(("miss", false), ((string?)spans[0].GetTagItem("llmrouter.cache.result"), (bool?)spans[0].GetTagItem("llmrouter.cache_hit")));
        Assert.Equal(("hit", true), ((string?)spans[1].GetTagItem("llmrouter.cache.result"), (bool?)spans[1].GetTagItem("llmrouter.cache_hit")));
        Assert.Equal((double)CacheFixture.AnswerCost, spans[1].GetTagItem("llmrouter.cost_saved"));
    }
}
