using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;

namespace LlmRouter.Benchmarks;

/// <summary>
/// The gateway's own work on one request, without HTTP: reading the benchmark's request body into messages and options, and
/// writing a whole completion (with the router's metadata) as the endpoint answers it.
/// </summary>
[MemoryDiagnoser]
public class GatewayCodecBenchmarks
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes(
        """{"model":"complete","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"Describe the image in three sentences."}]}""");

    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private ChatResponse _response = null!;

    [GlobalSetup]
    public void Setup()
    {
        _response = new ChatResponse(new ChatMessage(ChatRole.Assistant, "The image shows a quiet harbour at dawn. Boats rest on still water. Gulls circle the masts."))
        {
            ResponseId = "chatcmpl-benchmark",
            ModelId = "gpt-4o-mini",
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = 25, OutputTokenCount = 21, TotalTokenCount = 46 },
            AdditionalProperties = new()
            {
                [LlmRouterProperties.Route] = "complete",
                [LlmRouterProperties.Deployment] = "complete-deployment",
                [LlmRouterProperties.Provider] = "openai",
                [LlmRouterProperties.Attempts] = 1,
                [LlmRouterProperties.CostUsd] = 0.0000163m,
            },
        };
    }

    [Benchmark]
    public int ReadRequest() => OpenAIRequestReader.Read(Body).Messages.Count;

    [Benchmark]
    public int WriteCompletion()
    {
        _output.ResetWrittenCount();
        using var writer = new Utf8JsonWriter(_output, WriterOptions);
        OpenAIResponseWriter.WriteCompletion(writer, _response, _response.ResponseId!, 1_764_547_200, "complete");
        writer.Flush();
        return _output.WrittenCount;
    }
}
