using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.AI;
using Microsoft.Net.Http.Headers;

namespace LlmRouter;

/// <summary>
/// The OpenAI-compatible endpoint: <c>POST chat/completions</c> (whole or streamed as server-sent events) and
/// <c>GET models</c>, over the router's pipeline. A request is authenticated by its virtual key, read with the library's
/// own OpenAI format code, checked against the routes the key may use, and sent through the pipeline as the key's caller.
/// </summary>
/// <remarks>
/// The router's metadata goes out as <c>x-llmrouter-*</c> headers and as an <c>llmrouter</c> object in the JSON; a stream
/// sends the route in its headers and the rest in its closing chunk, since the serving deployment and the cost are known
/// only at its end. Thread-safe: one instance serves every request; the routing model is read once per request.
/// </remarks>
internal sealed class OpenAIEndpoint
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();
    // The body is application/json, never embedded in HTML: text in any script stays as it is rather than \u-escaped.
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly IChatClient _chat;
    private readonly LlmRouterClient _router;
    private readonly VirtualKeys _keys;
    private readonly long _maxBodySize;
    private readonly TimeProvider _time;

    public OpenAIEndpoint(IChatClient chat, LlmRouterClient router, LlmRouterGatewayOptions options, TimeProvider time)
    {
        _chat = chat;
        _router = router;
        _keys = new VirtualKeys(options);
        _maxBodySize = options.MaxRequestBodySize;
        _time = time;
    }

    /// <summary>Answers <c>POST chat/completions</c>.</summary>
    public async Task ChatCompletionsAsync(HttpContext context)
    {
        GatewayKey? key = await _keys.AuthenticateAsync(context).ConfigureAwait(false);
        if (key is null)
        {
            await WriteErrorAsync(context, GatewayError.Unauthorized(context.Request.Headers.ContainsKey(HeaderNames.Authorization))).ConfigureAwait(false);
            return;
        }

        OpenAIRequest request;
        try
        {
            request = await ReadRequestAsync(context).ConfigureAwait(false);
        }
        catch (GatewayErrorException refused)
        {
            await WriteErrorAsync(context, refused.Error).ConfigureAwait(false);
            return;
        }

        Route? route = _router.CurrentModel.FindRoute(request.Model);
        if (route is null)
        {
            await WriteErrorAsync(context, GatewayError.UnknownModel(request.Model, KnownModels(key))).ConfigureAwait(false);
            return;
        }

        if (!key.AllowsRoute(route.Name))
        {
            await WriteErrorAsync(context, GatewayError.RouteNotAllowed(key.Name, route.Name)).ConfigureAwait(false);
            return;
        }

        ChatOptions options = request.Options;
        options.ModelId = route.Name;
        (options.AdditionalProperties ??= [])[LlmRouterRequestProperties.Caller] = key.Caller;
        context.Response.Headers["x-llmrouter-route"] = route.Name;
        try
        {
            if (request.Stream)
            {
                await StreamAsync(context, request, key).ConfigureAwait(false);
            }
            else
            {
                await CompleteAsync(context, request, key).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; the router's call and stream were cancelled and disposed with it.
        }
    }

    /// <summary>Answers <c>GET models</c>: the routes the key may use, then the models of their deployments.</summary>
    public async Task ModelsAsync(HttpContext context)
    {
        GatewayKey? key = await _keys.AuthenticateAsync(context).ConfigureAwait(false);
        if (key is null)
        {
            await WriteErrorAsync(context, GatewayError.Unauthorized(context.Request.Headers.ContainsKey(HeaderNames.Authorization))).ConfigureAwait(false);
            return;
        }

        RouterModel model = _router.CurrentModel;
        long created = _time.GetUtcNow().ToUnixTimeSeconds();
        context.Response.ContentType = "application/json";
        var writer = new Utf8JsonWriter(context.Response.BodyWriter, WriterOptions);
        await using (writer.ConfigureAwait(false))
        {
            writer.WriteStartObject();
            writer.WriteString("object"u8, "list"u8);
            writer.WriteStartArray("data"u8);
            foreach (Route route in model.Routes)
            {
                if (!key.AllowsRoute(route.Name))
                {
                    continue;
                }

                writer.WriteStartObject();
                writer.WriteString("id"u8, route.Name);
                writer.WriteString("object"u8, "model"u8);
                writer.WriteNumber("created"u8, created);
                writer.WriteString("owned_by"u8, "llmrouter"u8);
                writer.WriteStartObject("llmrouter"u8);
                writer.WriteString("kind"u8, "route"u8);
                writer.WriteStartArray("deployments"u8);
                foreach (Deployment deployment in route.Deployments)
                {
                    writer.WriteStartObject();
                    writer.WriteString("name"u8, deployment.Name);
                    writer.WriteString("provider"u8, deployment.Provider);
                    writer.WriteString("model"u8, deployment.Model);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private async Task<OpenAIRequest> ReadRequestAsync(HttpContext context)
    {
        HttpRequest http = context.Request;
        if (http.ContentLength > _maxBodySize)
        {
            throw new GatewayErrorException(GatewayError.TooLarge(_maxBodySize));
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = _maxBodySize;
        }

        try
        {
            using JsonDocument body = await JsonDocument.ParseAsync(http.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
            return OpenAIRequestReader.Read(body.RootElement);
        }
        catch (BadHttpRequestException tooLarge) when (tooLarge.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new GatewayErrorException(GatewayError.TooLarge(_maxBodySize));
        }
        catch (JsonException invalid)
        {
            throw new GatewayErrorException(GatewayError.BadRequest($"The request body is not valid JSON: {invalid.Message}", "body"));
        }
        catch (OpenAIRequestException invalid)
        {
            throw new GatewayErrorException(GatewayError.BadRequest(invalid.Message, invalid.Param));
        }
    }

    private async Task CompleteAsync(HttpContext context, OpenAIRequest request, GatewayKey key)
    {
        ChatResponse response;
        try
        {
            response = await _chat.GetResponseAsync(request.Messages, request.Options, context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }
        catch (Exception exception)
        {
            await WriteErrorAsync(context, GatewayError.FromException(exception, _time)).ConfigureAwait(false);
            return;
        }

        DashboardStatistics.Find(_router)?.Served(key.Caller, response.AdditionalProperties);
        WriteHeaders(context.Response, response.AdditionalProperties);
        context.Response.ContentType = "application/json";
        var writer = new Utf8JsonWriter(context.Response.BodyWriter, WriterOptions);
        await using (writer.ConfigureAwait(false))
        {
            OpenAIResponseWriter.WriteCompletion(writer, response, CompletionId(response.ResponseId), _time.GetUtcNow().ToUnixTimeSeconds(), request.Model);
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private async Task StreamAsync(HttpContext context, OpenAIRequest request, GatewayKey key)
    {
        CancellationToken aborted = context.RequestAborted;
        HttpResponse http = context.Response;
        IAsyncEnumerator<ChatResponseUpdate> updates = _chat.GetStreamingResponseAsync(request.Messages, request.Options, aborted).GetAsyncEnumerator(aborted);
        await using (updates.ConfigureAwait(false))
        {
            string id = string.Empty;
            long created = _time.GetUtcNow().ToUnixTimeSeconds();
            string model = request.Model;
            bool started = false;
            bool first = true;
            int toolCalls = 0;
            ChatFinishReason? finish = null;
            UsageDetails? usage = null;
            AdditionalPropertiesDictionary? properties = null;
            var buffer = new ArrayBufferWriter<byte>(512);
            buffer.Write(DataPrefix);
            var writer = new Utf8JsonWriter(buffer, WriterOptions);
            await using (writer.ConfigureAwait(false))
            {
                while (true)
                {
                    bool more;
                    try
                    {
                        more = await updates.MoveNextAsync().ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (aborted.IsCancellationRequested)
                    {
                        return;
                    }
                    catch (Exception exception)
                    {
                        GatewayError error = GatewayError.FromException(exception, _time);
                        if (!started)
                        {
                            await WriteErrorAsync(context, error).ConfigureAwait(false);
                            return;
                        }

                        // Past the commit point the status is sent: the failure goes out in-band, as OpenAI's SDKs read it.
                        writer.Reset(buffer);
                        OpenAIResponseWriter.WriteError(writer, error.Message, error.Type, error.Param, error.Code);
                        await SendAsync(http, buffer, writer, aborted).ConfigureAwait(false);
                        return;
                    }

                    if (!more)
                    {
                        break;
                    }

                    ChatResponseUpdate update = updates.Current;
                    if (!started)
                    {
                        started = true;
                        id = CompletionId(update.ResponseId);
                        StartStream(http);
                    }

                    model = update.ModelId ?? model;
                    finish = update.FinishReason ?? finish;
                    if (update.AdditionalProperties is { } found)
                    {
                        properties = found;
                    }

                    IList<AIContent> contents = update.Contents;
                    for (int i = 0; i < contents.Count; i++)
                    {
                        if (contents[i] is UsageContent counted)
                        {
                            usage = counted.Details;
                        }
                    }

                    writer.Reset(buffer);
                    if (OpenAIResponseWriter.WriteChunk(writer, update, id, created, model, ref toolCalls, first))
                    {
                        await SendAsync(http, buffer, writer, aborted).ConfigureAwait(false);
                        first = false;
                    }
                }

                if (!started)
                {
                    id = CompletionId(null);
                    StartStream(http);
                }

                DashboardStatistics.Find(_router)?.Served(key.Caller, properties);
                writer.Reset(buffer);
                OpenAIResponseWriter.WriteFinishChunk(writer, id, created, model, finish, toolCalls > 0, properties);
                await SendAsync(http, buffer, writer, aborted).ConfigureAwait(false);
                if (request.IncludeUsage)
                {
                    writer.Reset(buffer);
                    OpenAIResponseWriter.WriteUsageChunk(writer, id, created, model, usage, properties);
                    await SendAsync(http, buffer, writer, aborted).ConfigureAwait(false);
                }

                await http.Body.WriteAsync(Done, aborted).ConfigureAwait(false);
                await http.Body.FlushAsync(aborted).ConfigureAwait(false);
            }
        }
    }

    private static void StartStream(HttpResponse http)
    {
        http.ContentType = "text/event-stream";
        http.Headers.CacheControl = "no-cache";
        http.Headers["X-Accel-Buffering"] = "no";
    }

    /// <summary>Sends the chunk in <paramref name="buffer"/> (after its <c>data: </c> prefix) as one server-sent event, in one write, and starts the next.</summary>
    private static async ValueTask SendAsync(HttpResponse http, ArrayBufferWriter<byte> buffer, Utf8JsonWriter writer, CancellationToken cancellationToken)
    {
        writer.Flush();
        buffer.Write(EventEnd);
        await http.Body.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        await http.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        buffer.Clear();
        buffer.Write(DataPrefix);
    }

    private static void WriteHeaders(HttpResponse http, AdditionalPropertiesDictionary? properties)
    {
        if (properties is null)
        {
            return;
        }

        SetHeader(http, "x-llmrouter-route", properties, LlmRouterProperties.Route);
        SetHeader(http, "x-llmrouter-deployment", properties, LlmRouterProperties.Deployment);
        SetHeader(http, "x-llmrouter-attempts", properties, LlmRouterProperties.Attempts);
        SetHeader(http, "x-llmrouter-cost-usd", properties, LlmRouterProperties.CostUsd);
        SetHeader(http, "x-llmrouter-cache", properties, LlmRouterProperties.CacheHit);
    }

    private static void SetHeader(HttpResponse http, string header, AdditionalPropertiesDictionary properties, string key)
    {
        if (properties.TryGetValue(key, out object? value) && value is not null)
        {
            http.Headers[header] = value switch
            {
                bool flag => flag ? "hit" : "miss",
                IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString(),
            };
        }
    }

    private static async Task WriteErrorAsync(HttpContext context, GatewayError error)
    {
        HttpResponse http = context.Response;
        if (http.HasStarted)
        {
            return;
        }

        http.StatusCode = error.Status;
        http.ContentType = "application/json";
        if (error.RetryAfterHeader() is { } retryAfter)
        {
            http.Headers.RetryAfter = retryAfter;
            http.Headers["retry-after-ms"] = Math.Ceiling(error.RetryAfter!.Value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        }

        var writer = new Utf8JsonWriter(http.BodyWriter, WriterOptions);
        await using (writer.ConfigureAwait(false))
        {
            OpenAIResponseWriter.WriteError(writer, error.Message, error.Type, error.Param, error.Code);
        }

        await http.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private string KnownModels(GatewayKey key)
    {
        var text = new StringBuilder();
        foreach (Route route in _router.CurrentModel.Routes)
        {
            if (key.AllowsRoute(route.Name))
            {
                text.Append(text.Length == 0 ? string.Empty : ", ").Append(route.Name);
            }
        }

        return text.Length == 0 ? "none" : text.ToString();
    }

    private static string CompletionId(string? responseId) =>
        responseId is { Length: > 0 } id ? id : "chatcmpl-" + Guid.NewGuid().ToString("N");

    /// <summary>Carries a refusal out of request reading to the one place that writes it.</summary>
    private sealed class GatewayErrorException(GatewayError error) : Exception(error.Message)
    {
        public GatewayError Error { get; } = error;
    }
}
