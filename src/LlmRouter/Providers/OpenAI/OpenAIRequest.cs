using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>A chat completions request read on the server side: the model asked for, the messages and options, and how to answer.</summary>
/// <param name="Model">The <c>model</c> field: a route name.</param>
/// <param name="Messages">The messages, in Microsoft.Extensions.AI terms.</param>
/// <param name="Options">The options; <see cref="ChatOptions.ModelId"/> is the model.</param>
/// <param name="Stream">Whether the answer is streamed as server-sent events.</param>
/// <param name="IncludeUsage">Whether a streamed answer ends with a chunk carrying the usage (<c>stream_options.include_usage</c>).</param>
internal sealed record OpenAIRequest(string Model, List<ChatMessage> Messages, ChatOptions Options, bool Stream, bool IncludeUsage);
