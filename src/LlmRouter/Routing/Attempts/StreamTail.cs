using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>The identifiers of a committed stream, copied onto the router's final update, and the usage it reported, for its cost.</summary>
internal struct StreamTail
{
    public string? ResponseId;
    public string? MessageId;
    public string? ConversationId;
    public string? ModelId;

    /// <summary>The usage the stream reported: its one <see cref="UsageContent"/>, or the sum of several (as <c>ToChatResponse</c> sums them).</summary>
    public UsageDetails? Usage;

    /// <summary>The service tier the update carrying the usage says served the stream, for its price; <see langword="null"/> when none says.</summary>
    public string? ServiceTier;

    private bool _ownsUsage;

    public void Observe(ChatResponseUpdate update)
    {
        ResponseId = update.ResponseId ?? ResponseId;
        MessageId = update.MessageId ?? MessageId;
        ConversationId = update.ConversationId ?? ConversationId;
        ModelId = update.ModelId ?? ModelId;
        IList<AIContent> contents = update.Contents;
        for (int i = 0; i < contents.Count; i++)
        {
            if (contents[i] is UsageContent { Details: { } details })
            {
                AddUsage(details);
                ServiceTier = ServiceTierProperty.Read(update.AdditionalProperties) ?? ServiceTier;
            }
        }
    }

    private void AddUsage(UsageDetails details)
    {
        if (Usage is null)
        {
            Usage = details;
            return;
        }

        // The provider's own object is never changed: a second report is added to a copy.
        if (!_ownsUsage)
        {
            var sum = new UsageDetails();
            sum.Add(Usage);
            Usage = sum;
            _ownsUsage = true;
        }

        Usage.Add(details);
    }
}
