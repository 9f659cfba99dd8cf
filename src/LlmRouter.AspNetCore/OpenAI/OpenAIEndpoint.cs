using System.Buffers;
using System.IO.Pipelines;
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
    private readonly GatewayKeySource _keys;
    private readonly TimeProvider _time;

    public OpenAIEndpoint(IChatClient chat, LlmRouterClient router, GatewayKeySource keys, TimeProvider time)
    {
        _chat = chat;
        _router = router;
        _keys = keys;
        _time = time;
    }

    /// <summary>Answers <c>POST chat/completions</c>.</summary>
    public async Task ChatCompletionsAsync(HttpContext context)
    {
        VirtualKeys keys = _keys.Current;
        GatewayKey? key = await keys.AuthenticateAsync(context).ConfigureAwait(false);
        if (key is null)
        {
            await WriteErrorAsync(context, GatewayError.Unauthorized(context.Request.Headers.ContainsKey(HeaderNames.Authorization))).ConfigureAwait(false);
            return;
        }

        OpenAIRequest request;
        try
        {
            request = await ReadRequestAsync(context, keys.MaxRequestBodySize).ConfigureAwait(false);
        }
        catch (GatewayErrorException refused)
        {
            await WriteErrorAsync(context, refused.Error).ConfigureAwait(false);
            return;
        }

        RouterModel model = _router.CurrentModel;
        ChatOptions options = request.Options;
        Route? route = model.FindRoute(request.Model);
        if (route is not null && !key.AllowsRoute(route.Name))
        {
            await WriteErrorAsync(context, GatewayError.RouteNotAllowed(key.Name, route.Name)).ConfigureAwait(false);
            return;
        }

        (options.AdditionalProperties ??= [])[LlmRouterRequestProperties.Caller] = key.Caller;
        if (route is null)
        {
            // Not a route: a deployment's model (or name), served by that deployment alone through a route the key may use.
            (route, string[]? deployments) = DeploymentModels.Find(model, key, request.Model);
            if (route is null)
            {
                await WriteErrorAsync(context, GatewayError.UnknownModel(request.Model, KnownModels(key))).ConfigureAwait(false);
                return;
            }

            options.AdditionalProperties[LlmRouterRequestProperties.Deployment] = deployments;
        }

        options.ModelId = route.Name;
        HttpResponse http = context.Response;
        http.Headers["x-llmrouter-route"] = route.Name;
        CancellationToken aborted = context.RequestAborted;
        try
        {
            if (request.Stream)
            {
                await StreamAsync(context, request, key).ConfigureAwait(false);
                return;
            }

            // The whole answer is written in this method, not a callee, so a request costs one state machine.
            ChatResponse response;
            try
            {
                response = await _chat.GetResponseAsync(request.Messages, options, aborted).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !aborted.IsCancellationRequested)
            {
                await WriteErrorAsync(context, GatewayError.FromException(exception, _time)).ConfigureAwait(false);
                return;
            }

            DashboardStatistics.Find(_router)?.Served(key.Caller, response.AdditionalProperties);
            WriteHeaders(http, response.AdditionalProperties);
            http.ContentType = "application/json";
            WriteCompletion(http, response, request.Model, _time.GetUtcNow().ToUnixTimeSeconds());
            await http.BodyWriter.FlushAsync(aborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away; the router's call and stream were cancelled and disposed with it.
        }
    }

    /// <summary>
    /// Answers <c>GET models</c>: the routes the key may use (each with its deployments), then the models of the deployments
    /// those routes hold, each a model a request may name to run on that deployment alone.
    /// </summary>
    public async Task ModelsAsync(HttpContext context)
    {
        GatewayKey? key = await _keys.Current.AuthenticateAsync(context).ConfigureAwait(false);
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

                StartModel(writer, route.Name, created, "route"u8);
                foreach (Deployment deployment in route.Deployments)
                {
                    writer.WriteStartObject();
                    writer.WriteString("name"u8, deployment.Name);
                    writer.WriteString("provider"u8, deployment.Provider);
                    writer.WriteString("model"u8, deployment.Model);
                    writer.WriteEndObject();
                }

                EndModel(writer);
            }

            foreach (string deploymentModel in DeploymentModels.List(model, key))
            {
                StartModel(writer, deploymentModel, created, "deployment"u8);
                foreach (Deployment deployment in model.Deployments)
                {
                    if (string.Equals(deployment.Model, deploymentModel, StringComparison.OrdinalIgnoreCase) && DeploymentModels.Reachable(model, key, deployment) is { } via)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("name"u8, deployment.Name);
                        writer.WriteString("provider"u8, deployment.Provider);
                        writer.WriteString("route"u8, via.Name);
                        writer.WriteEndObject();
                    }
                }

                EndModel(writer);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Opens one entry of the models list: its id and OpenAI's fields, then the <c>llmrouter</c> object up to its deployments.</summary>
    private static void StartModel(Utf8JsonWriter writer, string id, long created, ReadOnlySpan<byte> kind)
    {
        writer.WriteStartObject();
        writer.WriteString("id"u8, id);
        writer.WriteString("object"u8, "model"u8);
        writer.WriteNumber("created"u8, created);
        writer.WriteString("owned_by"u8, "llmrouter"u8);
        writer.WriteStartObject("llmrouter"u8);
        writer.WriteString("kind"u8, kind);
        writer.WriteStartArray("deployments"u8);
    }

    /// <summary>Closes what <see cref="StartModel"/> opened.</summary>
    private static void EndModel(Utf8JsonWriter writer)
    {
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>
    /// Reads the body as the server holds it (one or more pooled segments) straight into the request, without a copy or a
    /// document; completes synchronously, allocating nothing of its own, when the body has arrived.
    /// </summary>
    private static async ValueTask<OpenAIRequest> ReadRequestAsync(HttpContext context, long maxBodySize)
    {
        HttpRequest http = context.Request;
        if (http.ContentLength > maxBodySize)
        {
            throw new GatewayErrorException(GatewayError.TooLarge(maxBodySize));
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBodySize;
        }

        PipeReader body = http.BodyReader;
        ReadResult read;
        try
        {
            while (true)
            {
                read = await body.ReadAsync(context.RequestAborted).ConfigureAwait(false);
                if (read.IsCompleted || read.IsCanceled)
                {
                    break;
                }

                if (read.Buffer.Length > maxBodySize)
                {
                    body.AdvanceTo(read.Buffer.End);
                    throw new GatewayErrorException(GatewayError.TooLarge(maxBodySize));
                }

                // Nothing consumed, everything examined: the next read returns once more of the body has arrived.
                body.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            }
        }
        catch (BadHttpRequestException tooLarge) when (tooLarge.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new GatewayErrorException(GatewayError.TooLarge(maxBodySize));
        }

        try
        {
            return OpenAIRequestReader.Read(read.Buffer);
        }
        catch (JsonException invalid)
        {
            throw new GatewayErrorException(GatewayError.BadRequest($"The request body is not valid JSON: {invalid.Message}", "body"));
        }
        catch (OpenAIRequestException invalid)
        {
            throw new GatewayErrorException(GatewayError.BadRequest(invalid.Message, invalid.Param));
        }
        finally
        {
            body.AdvanceTo(read.Buffer.End);
        }
    }

    /// <summary>
    /// Writes a whole completion with its <c>Content-Length</c> (so the client reads a sized body, not chunks): the JSON is
    /// written into this thread's buffer, then copied into the response's pipe; both are done before anything awaits.
    /// </summary>
    private static void WriteCompletion(HttpResponse http, ChatResponse response, string model, long created)
    {
        CompletionBuffer buffer = CompletionBuffer.ForThisThread();
        try
        {
            OpenAIResponseWriter.WriteCompletion(buffer.Writer, response, CompletionId(response.ResponseId), created, model);
            buffer.Writer.Flush();
            http.ContentLength = buffer.Written.WrittenCount;
            http.BodyWriter.Write(buffer.Written.WrittenSpan);
        }
        finally
        {
            buffer.Release();
        }
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
            string? serviceTier = null;
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
                        serviceTier = ServiceTierProperty.Read(found) ?? serviceTier;
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
                OpenAIResponseWriter.WriteFinishChunk(writer, id, created, model, finish, toolCalls > 0, properties, serviceTier);
                await SendAsync(http, buffer, writer, aborted).ConfigureAwait(false);
                if (request.IncludeUsage)
                {
                    writer.Reset(buffer);
                    OpenAIResponseWriter.WriteUsageChunk(writer, id, created, model, usage, properties, serviceTier);
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
        RouterModel model = _router.CurrentModel;
        foreach (Route route in model.Routes)
        {
            if (key.AllowsRoute(route.Name))
            {
                text.Append(text.Length == 0 ? string.Empty : ", ").Append(route.Name);
            }
        }

        foreach (string deploymentModel in DeploymentModels.List(model, key))
        {
            text.Append(text.Length == 0 ? string.Empty : ", ").Append(deploymentModel);
        }

        return text.Length == 0 ? "none" : text.ToString();
    }

    private static string CompletionId(string? responseId) =>
        responseId is { Length: > 0 } id ? id : "chatcmpl-" + Guid.NewGuid().ToString("N");

    /// <summary>
    /// A thread's reused JSON writer and buffer for whole completions. Held only between two awaits (never across one), so no
    /// two requests share it at once; a buffer grown past <see cref="KeptCapacity"/> by a long answer is let go.
    /// </summary>
    private sealed class CompletionBuffer
    {
        private const int KeptCapacity = 64 * 1024;

        [ThreadStatic]
        private static CompletionBuffer? t_current;

        private CompletionBuffer()
        {
            Written = new ArrayBufferWriter<byte>(4096);
            Writer = new Utf8JsonWriter(Written, WriterOptions);
        }

        public ArrayBufferWriter<byte> Written { get; private set; }

        public Utf8JsonWriter Writer { get; }

        public static CompletionBuffer ForThisThread()
        {
            CompletionBuffer buffer = t_current ??= new CompletionBuffer();
            buffer.Written.ResetWrittenCount();
            buffer.Writer.Reset(buffer.Written);
            return buffer;
        }

        public void Release()
        {
            if (Written.Capacity > KeptCapacity)
            {
                Written = new ArrayBufferWriter<byte>(4096);
            }

            Writer.Reset(Written);
        }
    }

    /// <summary>Carries a refusal out of request reading to the one place that writes it.</summary>
    private sealed class GatewayErrorException(GatewayError error) : Exception(error.Message)
    {
        public GatewayError Error { get; } = error;
    }
}
