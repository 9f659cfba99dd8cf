using System.Net;
using System.Text;
using Microsoft.Extensions.AI;
using static LlmRouter.Tests.Providers.ProviderTestClients;

namespace LlmRouter.Tests.Providers;

/// <summary>
/// Whatever a server sends back (random bytes, valid bodies cut short, bytes flipped, invalid UTF-8, numbers too large for any
/// type, values of the wrong JSON type, nesting thousands of levels deep, bodies past the size limit, any status), a call ends
/// in a response or a <see cref="ProviderException"/>, never in another exception type, streamed or not, for each wire format;
/// a call cancelled by its caller ends in <see cref="OperationCanceledException"/>. Seeded, so a failure replays.
/// </summary>
public sealed class WireFormatFuzzTests
{
    private const int CasesPerFormat = 300;

    private static readonly byte[][] InvalidUtf8 =
    [
        [0xFF],
        [0xC3, 0x28],
        [0x80],
        [0xC0, 0xAF],
        [0xED, 0xA0, 0x80],
        [0xF8, 0x88, 0x80, 0x80, 0x80],
        [0xE2, 0x82],
    ];

    private static readonly string[] WrongValues =
    [
        "[]", "{}", "\"x\"", "\"\"", "123", "-1", "true", "null", "[1,[2]]", "{\"a\":{\"b\":[]}}", "1.5e3", "\" \"",
        "99999999999999999999999999", "-99999999999999999999", "1e999", "1" + new string('0', 400), "0.000000000000000000000001",
        "253402300800", "-62135596801",
    ];

    private static readonly HttpStatusCode[] Statuses =
    [
        HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK,
        HttpStatusCode.BadRequest, HttpStatusCode.Unauthorized, HttpStatusCode.NotFound, HttpStatusCode.TooManyRequests,
        HttpStatusCode.InternalServerError, HttpStatusCode.ServiceUnavailable, (HttpStatusCode)529,
    ];

    public static TheoryData<string, bool> Formats()
    {
        var data = new TheoryData<string, bool>();
        foreach (string type in new[] { ProviderTypes.OpenAI, ProviderTypes.Anthropic, ProviderTypes.Gemini })
        {
            data.Add(type, false);
            data.Add(type, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Call_FuzzedResponses_EndInAResponseOrAProviderException(string type, bool streaming)
    {
        var random = new Random(HashCode.Combine(type.Length, type[0], streaming) + 20261130);
        byte[][] corpus = [.. Corpus(type, streaming).Select(Encoding.UTF8.GetBytes)];
        var unexpected = new List<string>();
        int providerErrors = 0;
        int cancelled = 0;

        for (int i = 0; i < CasesPerFormat; i++)
        {
            (HttpStatusCode status, byte[] body, string mutations) = Fuzz(random, corpus);
            bool cancel = random.Next(20) == 0;
            int limit = random.Next(4) == 0 ? 256 : 64 * 1024;
            var handler = new InMemoryHandler(_ => InMemoryHandler.Bytes(status, body, streaming ? "text/event-stream" : "application/json"));
            using var http = new HttpClient(handler);
            using IChatClient client = Create(new ProviderOptions { Type = type, ApiKey = ApiKey, MaxResponseBytes = limit }, "m", http);
            using var cancellation = new CancellationTokenSource();
            if (cancel)
            {
                await cancellation.CancelAsync();
            }

            try
            {
                if (streaming)
                {
                    await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(Hello, null, cancellation.Token))
                    {
                        _ = update.Text;
                    }
                }
                else
                {
                    _ = (await client.GetResponseAsync(Hello, null, cancellation.Token)).Text;
                }
            }
            catch (ProviderException)
            {
                providerErrors++;
            }
            catch (OperationCanceledException) when (cancel)
            {
                cancelled++;
            }
            catch (Exception exception)
            {
                unexpected.Add($"case {i} (HTTP {(int)status}, {mutations}, limit {limit}): {exception.GetType().Name}: {exception.Message}{Environment.NewLine}" +
                    $"  body: {Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300))}");
            }
        }

        Assert.True(unexpected.Count == 0, $"{unexpected.Count} of {CasesPerFormat} fuzzed responses ended in another exception:{Environment.NewLine}{string.Join(Environment.NewLine, unexpected)}");

        // The mutations must reach past the first byte: most cases fail, some still succeed.
        Assert.InRange(providerErrors, CasesPerFormat / 3, CasesPerFormat - 1);
        Assert.InRange(cancelled, 1, CasesPerFormat);
    }

    /// <summary>A status and a body made from the corpus by one to three mutations, with their names for the failure report.</summary>
    private static (HttpStatusCode Status, byte[] Body, string Mutations) Fuzz(Random random, byte[][] corpus)
    {
        HttpStatusCode status = Statuses[random.Next(Statuses.Length)];
        if (random.Next(15) == 0)
        {
            byte[] noise = new byte[random.Next(0, 2048)];
            random.NextBytes(noise);
            return (status, noise, "random bytes");
        }

        List<byte> body = [.. corpus[random.Next(corpus.Length)]];
        var names = new List<string>();
        int count = random.Next(1, 4);
        for (int m = 0; m < count; m++)
        {
            switch (random.Next(8))
            {
                case 0:
                    int cut = random.Next(body.Count + 1);
                    body.RemoveRange(cut, body.Count - cut);
                    names.Add("truncated at " + cut);
                    break;
                case 1:
                    int flips = random.Next(1, 6);
                    for (int f = 0; f < flips && body.Count > 0; f++)
                    {
                        body[random.Next(body.Count)] = (byte)random.Next(256);
                    }

                    names.Add($"{flips} bytes flipped");
                    break;
                case 2:
                    int inString = AfterAny(random, body, (byte)'"');
                    body.InsertRange(inString, InvalidUtf8[random.Next(InvalidUtf8.Length)]);
                    names.Add("invalid UTF-8 at " + inString);
                    break;
                case 3:
                    string value = WrongValues[random.Next(WrongValues.Length)];
                    ReplaceValue(random, body, value);
                    names.Add("value replaced by " + (value.Length > 20 ? value[..20] + "…" : value));
                    break;
                case 4:
                    int depth = random.Next(100, 5000);
                    bool arrays = random.Next(2) == 0;
                    string nested = arrays ? new string('[', depth) + new string(']', depth) : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
                    ReplaceValue(random, body, nested);
                    names.Add($"nested {depth} deep");
                    break;
                case 5:
                    ReplaceValue(random, body, "\"" + new string('z', random.Next(100, 2000)) + "\"");
                    names.Add("long string");
                    break;
                case 6:
                    int at = random.Next(body.Count + 1);
                    byte[] inserted = random.Next(2) == 0 ? "\n\n"u8.ToArray() : "\r"u8.ToArray();
                    body.InsertRange(at, inserted);
                    names.Add("line break at " + at);
                    break;
                default:
                    int start = random.Next(body.Count + 1);
                    int length = random.Next(0, Math.Min(200, body.Count - start) + 1);
                    body.RemoveRange(start, length);
                    names.Add($"{length} bytes removed at {start}");
                    break;
            }
        }

        return (status, [.. body], string.Join(", ", names));
    }

    /// <summary>A position just after a random occurrence of <paramref name="marker"/>, or a random position when there is none.</summary>
    private static int AfterAny(Random random, List<byte> body, byte marker)
    {
        var positions = new List<int>();
        for (int i = 0; i < body.Count; i++)
        {
            if (body[i] == marker)
            {
                positions.Add(i + 1);
            }
        }

        return positions.Count == 0 ? random.Next(body.Count + 1) : positions[random.Next(positions.Count)];
    }

    /// <summary>Replaces the JSON value after a random <c>:</c> (up to the next <c>,</c> or <c>}</c>) with <paramref name="value"/>.</summary>
    private static void ReplaceValue(Random random, List<byte> body, string value)
    {
        int start = AfterAny(random, body, (byte)':');
        int end = start;
        while (end < body.Count && body[end] is not ((byte)',' or (byte)'}' or (byte)'\n'))
        {
            end++;
        }

        body.RemoveRange(start, end - start);
        body.InsertRange(start, Encoding.UTF8.GetBytes(value));
    }

    /// <summary>Valid bodies of each format, as real servers send them: text, tool calls, reasoning, usage, errors inside a 200.</summary>
    private static string[] Corpus(string type, bool streaming) => (type, streaming) switch
    {
        (ProviderTypes.OpenAI, false) =>
        [
            """{"id":"chatcmpl-1","object":"chat.completion","created":1741570283,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"The image shows a boardwalk.","refusal":null},"finish_reason":"stop"}],"usage":{"prompt_tokens":1117,"completion_tokens":46,"total_tokens":1163,"prompt_tokens_details":{"cached_tokens":1024},"completion_tokens_details":{"reasoning_tokens":12}}}""",
            """{"id":"chatcmpl-2","object":"chat.completion","created":1741570283,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\"location\":\"Paris\"}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":82,"completion_tokens":40,"total_tokens":122}}""",
            """{"id":"c3","object":"chat.completion","created":1,"model":"deepseek-reasoner","choices":[{"index":0,"message":{"role":"assistant","content":[{"type":"thinking","thinking":[{"type":"text","text":"Hmm."}]},{"type":"text","text":"42"}],"reasoning_content":"Because."},"finish_reason":"length"}],"usage":{"prompt_tokens":5,"completion_tokens":7,"prompt_cache_hit_tokens":3}}""",
            """{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}""",
        ],
        (ProviderTypes.OpenAI, true) =>
        [
            Sse.Data("""{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null}""")
                + Sse.Data("""{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}],"usage":null}""")
                + ": keep-alive\n\n"
                + Sse.Data("""{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"reasoning_content":"Think."},"finish_reason":null}],"usage":null}""")
                + Sse.Data("""{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}""")
                + Sse.Data("""{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":1}}}""")
                + Sse.Done,
            Sse.Data("""{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]}""")
                + Sse.Data("""{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"location\":"}}]},"finish_reason":null}]}""")
                + Sse.Data("""{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]},"finish_reason":null}]}""")
                + Sse.Data("""{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":8,"completion_tokens":5,"total_tokens":13}}""")
                + Sse.Done,
            Sse.Data("""{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}""")
                + Sse.Data("""{"error":{"message":"upstream overloaded","code":503}}"""),
        ],
        (ProviderTypes.Anthropic, false) =>
        [
            """{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"thinking","thinking":"Let me think.","signature":"EqQB"},{"type":"text","text":"Hi!"},{"type":"tool_use","id":"toolu_01","name":"get_weather","input":{"location":"Paris","days":[1,2]}}],"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":2095,"cache_creation_input_tokens":100,"cache_read_input_tokens":1000,"cache_creation":{"ephemeral_5m_input_tokens":60,"ephemeral_1h_input_tokens":40},"output_tokens":503}}""",
            """{"id":"msg_02","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[{"type":"redacted_thinking","data":"abc"},{"type":"text","text":"Done."}],"stop_reason":"end_turn","usage":{"input_tokens":5,"output_tokens":2}}""",
            """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""",
        ],
        (ProviderTypes.Anthropic, true) =>
        [
            Sse.Event("message_start", """{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-opus-4-6","stop_reason":null,"usage":{"input_tokens":25,"output_tokens":1,"cache_read_input_tokens":5}}}""")
                + Sse.Event("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""")
                + Sse.Event("ping", """{"type":"ping"}""")
                + Sse.Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}""")
                + Sse.Event("content_block_stop", """{"type":"content_block_stop","index":0}""")
                + Sse.Event("message_delta", """{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}""")
                + Sse.Event("message_stop", """{"type":"message_stop"}"""),
            Sse.Event("message_start", """{"type":"message_start","message":{"id":"msg_2","type":"message","role":"assistant","model":"claude-sonnet-4-5","usage":{"input_tokens":472,"output_tokens":2},"content":[]}}""")
                + Sse.Event("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}""")
                + Sse.Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Need the weather."}}""")
                + Sse.Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCgIYAhIM"}}""")
                + Sse.Event("content_block_stop", """{"type":"content_block_stop","index":0}""")
                + Sse.Event("content_block_start", """{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01","name":"get_weather","input":{}}}""")
                + Sse.Event("content_block_delta", """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"location\": \"Paris\"}"}}""")
                + Sse.Event("content_block_stop", """{"type":"content_block_stop","index":1}""")
                + Sse.Event("message_delta", """{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":89}}""")
                + Sse.Event("message_stop", """{"type":"message_stop"}"""),
            Sse.Event("message_start", """{"type":"message_start","message":{"id":"msg_3","type":"message","role":"assistant","content":[],"model":"m","usage":{"input_tokens":5,"output_tokens":1}}}""")
                + Sse.Event("error", """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"""),
        ],
        (ProviderTypes.Gemini, false) =>
        [
            """{"candidates":[{"content":{"parts":[{"text":"Thinking...","thought":true,"thoughtSignature":"c2ln"},{"text":"AI learns patterns."},{"functionCall":{"name":"get_weather","args":{"location":"Paris"}},"thoughtSignature":"c2ln"},{"inlineData":{"mimeType":"image/png","data":"iVBORw0KGgo="}}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":7,"totalTokenCount":40,"cachedContentTokenCount":4,"thoughtsTokenCount":25},"modelVersion":"gemini-2.5-flash","responseId":"r-1"}""",
            """{"candidates":[{"finishReason":"SAFETY","index":0}],"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":8,"totalTokenCount":8}}""",
            """{"error":{"code":429,"message":"Resource has been exhausted","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"7s"}]}}""",
        ],
        _ =>
        [
            Sse.Data("""{"candidates":[{"content":{"parts":[{"text":"AI"}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":8,"totalTokenCount":8},"modelVersion":"gemini-2.5-flash","responseId":"r-1"}""")
                + Sse.Data("""{"candidates":[{"content":{"parts":[{"text":" learns","thought":true}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":8,"totalTokenCount":9},"modelVersion":"gemini-2.5-flash","responseId":"r-1"}""")
                + Sse.Data("""{"candidates":[{"content":{"parts":[{"functionCall":{"id":"fc1","name":"get_weather","args":{"location":"Paris"}}}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":4,"totalTokenCount":12,"thoughtsTokenCount":0},"modelVersion":"gemini-2.5-flash","responseId":"r-1"}"""),
            Sse.Data("""{"candidates":[{"content":{"parts":[{"inlineData":{"mimeType":"image/png","data":"iVBORw0KGgo="}}],"role":"model"},"finishReason":"MAX_TOKENS","index":0}],"usageMetadata":{"promptTokenCount":1,"candidatesTokenCount":1}}"""),
            Sse.Data("""{"candidates":[{"content":{"parts":[{"text":"AI"}],"role":"model"}}]}""")
                + Sse.Data("""{"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}}"""),
        ],
    };
}
