using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Providers.OpenAI;

/// <summary>The server side of the chat completions format: what the client side writes reads back to the same request, from any segmentation.</summary>
public class OpenAIRequestReaderTests
{
    private static readonly ChatMessage[] Conversation =
    [
        new(ChatRole.System, "Be brief."),
        new(ChatRole.User, [new TextContent("What is this?"), new DataContent("data:image/png;base64,iVBORw0KGgo=")]),
        new(ChatRole.Assistant, [new FunctionCallContent("call-1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" })]),
        new(ChatRole.Tool, [new FunctionResultContent("call-1", "sunny")]),
        new(ChatRole.User, "Thanks — and tomorrow?") { AuthorName = "ann" },
    ];

    private static readonly ChatOptions Options = new()
    {
        Temperature = 0.5f,
        TopP = 0.9f,
        MaxOutputTokens = 200,
        Seed = 7,
        StopSequences = ["END"],
        Tools = [AIFunctionFactory.Create((string city) => "sunny", "get_weather", "The weather in a city.")],
        ToolMode = ChatToolMode.Auto,
        ResponseFormat = ChatResponseFormat.Json,
    };

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    public void Read_WhatTheClientWrites_ReadsBackFromAnySegmentation(int segmentSize)
    {
        byte[] body = Written(stream: true);

        OpenAIRequest request = segmentSize == 0 ? OpenAIRequestReader.Read(body) : OpenAIRequestReader.Read(Segmented(body, segmentSize));

        Assert.Equal("gpt-4o-mini", request.Model);
        Assert.True(request.Stream);
        Assert.Equal(Conversation.Length, request.Messages.Count);
        Assert.Equal("Be brief.", request.Messages[0].Text);
        Assert.Equal(ChatRole.System, request.Messages[0].Role);
        Assert.IsType<DataContent>(request.Messages[1].Contents[1]);
        FunctionCallContent call = Assert.IsType<FunctionCallContent>(Assert.Single(request.Messages[2].Contents));
        Assert.Equal(("call-1", "get_weather", "Paris"), (call.CallId, call.Name, ((JsonElement)call.Arguments!["city"]!).GetString()));
        Assert.Equal("call-1", Assert.IsType<FunctionResultContent>(Assert.Single(request.Messages[3].Contents)).CallId);
        Assert.Equal(("Thanks — and tomorrow?", "ann"), (request.Messages[4].Text, request.Messages[4].AuthorName));
        ChatOptions options = request.Options;
        Assert.Equal((0.5f, 0.9f, 200, 7L), (options.Temperature, options.TopP, options.MaxOutputTokens, options.Seed));
        Assert.Equal(["END"], options.StopSequences!);
        Assert.Equal("get_weather", Assert.Single(options.Tools!).Name);
        Assert.Equal(ChatToolMode.Auto, options.ToolMode);
        Assert.IsType<ChatResponseFormatJson>(options.ResponseFormat);
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":"Hi"}],"model":"m","temperature":"hot"}""", "temperature")]
    [InlineData("""{"model":"m","messages":[{"content":"Hi","role":"user"},{"content":"Hi"}]}""", "messages[1].role")]
    [InlineData("""{"model":"m","messages":[{"role":"tool","content":"x"}]}""", "messages[0].tool_call_id")]
    [InlineData("""{"model":"m","messages":[{"role":"user","name":7,"content":"x"}]}""", "messages[0].name")]
    [InlineData("""{"model":"m","stop":[1],"messages":[{"role":"user","content":"x"}]}""", "stop")]
    [InlineData("""{"model":"m","max_tokens":0,"messages":[{"role":"user","content":"x"}]}""", "max_tokens")]
    [InlineData("""{"model":"m","stream":"yes","messages":[{"role":"user","content":"x"}]}""", "stream")]
    [InlineData("""[{"model":"m"}]""", "body")]
    public void Read_FieldWithTheWrongShape_NamesTheField(string body, string param)
    {
        OpenAIRequestException exception = Assert.Throws<OpenAIRequestException>(() => OpenAIRequestReader.Read(Encoding.UTF8.GetBytes(body)));

        Assert.Equal(param, exception.Param);
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}]""")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}]} {}""")]
    public void Read_BodyNotOneClosedObject_IsRefused(string body)
    {
        Exception exception = Record.Exception(() => OpenAIRequestReader.Read(Encoding.UTF8.GetBytes(body)));

        Assert.True(exception is JsonException or OpenAIRequestException { Param: "body" }, exception?.ToString());
    }

    [Fact]
    public void Read_UnknownFieldsOfAnyShape_AreSkipped()
    {
        OpenAIRequest request = OpenAIRequestReader.Read("""
            {"user":"u","metadata":{"a":[1,{"b":null}]},"logprobs":true,"model":"m","messages":[{"role":"user","content":"x","extra":[[]]}]}
            """u8);

        Assert.Equal("x", Assert.Single(request.Messages).Text);
    }

    private static byte[] Written(bool stream)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            OpenAIRequestWriter.Write(writer, Conversation, Options, "gpt-4o-mini", stream, OpenAIQuirks.None);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static ReadOnlySequence<byte> Segmented(byte[] body, int size)
    {
        Segment first = new(body.AsMemory(0, Math.Min(size, body.Length)), 0);
        Segment last = first;
        for (int at = size; at < body.Length; at += size)
        {
            last = last.Append(body.AsMemory(at, Math.Min(size, body.Length - at)));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
