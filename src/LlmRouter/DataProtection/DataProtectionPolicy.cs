using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmRouter;

/// <summary>
/// A route's data protection as the router built it: the action and the scanner of its kinds. Inspects a request's text parts,
/// tool-call arguments and tool results before routing; blocks it, or records what was found for the candidate filter
/// (<see cref="DataProtectionAction.TrustedOnly"/>) and the redaction step of untrusted deployments (<see cref="DataProtectionAction.Redact"/>).
/// Immutable and thread-safe.
/// </summary>
internal sealed class DataProtectionPolicy
{
    public DataProtectionPolicy(string route, DataProtectionOptions options, IReadOnlyList<ISensitiveDataDetector> detectors)
    {
        Route = route;
        Action = options.Action;
        Scanner = new SensitiveDataScanner(options, detectors);
    }

    /// <summary>Gets the name of the route whose settings these are.</summary>
    public string Route { get; }

    public DataProtectionAction Action { get; }

    public SensitiveDataScanner Scanner { get; }

    /// <summary>
    /// Applies data protection to a request to <paramref name="route"/>: its route's action, or the request's own
    /// (<see cref="LlmRouterRequestProperties.DataProtection"/>). Returns the options the router continues with: the caller's
    /// when nothing applies, else a copy carrying the outcome.
    /// </summary>
    /// <exception cref="SensitiveDataException">The action is <see cref="DataProtectionAction.Block"/> and the request holds sensitive data.</exception>
    /// <exception cref="ArgumentException">The request's action is not one.</exception>
    public static ChatOptions? Protect(RouterModel model, Route route, IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        DataProtectionPolicy? policy = route.DataProtection;
        DataProtectionAction action = policy?.Action ?? DataProtectionAction.Allow;
        object? requested = null;
        bool hasRequested = options?.AdditionalProperties?.TryGetValue(LlmRouterRequestProperties.DataProtection, out requested) == true;
        if (hasRequested)
        {
            action = ReadAction(requested);
            policy ??= model.DefaultDataProtection;
        }

        if (action == DataProtectionAction.Allow || policy is null)
        {
            return hasRequested ? WithOutcome(options, null) : options;
        }

        DataProtectionOutcome outcome = policy.Inspect(messages, action);
        if (action == DataProtectionAction.Block && outcome.Findings.Count > 0)
        {
            throw new SensitiveDataException(route.Name, outcome.Findings);
        }

        return WithOutcome(options, outcome);
    }

    /// <summary>Finds the sensitive data in <paramref name="messages"/>; for <see cref="DataProtectionAction.Redact"/>, also builds the redacted messages.</summary>
    public DataProtectionOutcome Inspect(IEnumerable<ChatMessage> messages, DataProtectionAction action)
    {
        var findings = new List<SensitiveDataFinding>();
        var matches = new List<SensitiveMatch>();
        Placeholders? placeholders = action == DataProtectionAction.Redact ? new Placeholders() : null;
        var redacted = new List<ChatMessage>();
        bool changedAny = false;
        int m = 0;
        foreach (ChatMessage message in messages)
        {
            IList<AIContent> contents = message.Contents;
            List<AIContent>? changed = null;
            for (int c = 0; c < contents.Count; c++)
            {
                var part = new Part(this, findings, matches, placeholders, m, c);
                AIContent content = contents[c];
                AIContent? replaced = content switch
                {
                    TextContent text when part.Scan(text.Text) is { } redactedText => new TextContent(redactedText) { AdditionalProperties = text.AdditionalProperties },
                    TextReasoningContent reasoning when part.Scan(reasoning.Text) is { } redactedText => new TextReasoningContent(redactedText),
                    FunctionCallContent call when part.ScanArguments(call.Arguments) is { } arguments => new FunctionCallContent(call.CallId, call.Name, arguments),
                    FunctionResultContent result when part.ScanValue(result.Result, out object? value) => new FunctionResultContent(result.CallId, value),
                    _ => null,
                };

                if (replaced is not null)
                {
                    changed ??= [.. contents];
                    changed[c] = replaced;
                }
            }

            if (changed is not null)
            {
                changedAny = true;
                redacted.Add(new ChatMessage(message.Role, changed)
                {
                    AuthorName = message.AuthorName,
                    MessageId = message.MessageId,
                    CreatedAt = message.CreatedAt,
                    AdditionalProperties = message.AdditionalProperties,
                });
            }
            else
            {
                redacted.Add(message);
            }

            m++;
        }

        return new DataProtectionOutcome(action, findings, placeholders is not null && changedAny ? new RedactedRequest(redacted, placeholders) : null);
    }

    private static DataProtectionAction ReadAction(object? value)
    {
        string? name = value switch
        {
            DataProtectionAction action => action.ToString(),
            string text => text,
            JsonElement { ValueKind: JsonValueKind.String } element => element.GetString(),
            _ => null,
        };

        if (name is { Length: > 0 } && !char.IsAsciiDigit(name.Trim()[0]) && Enum.TryParse(name.Trim(), ignoreCase: true, out DataProtectionAction parsed) && Enum.IsDefined(parsed))
        {
            return parsed;
        }

        throw new ArgumentException(
            $"ChatOptions.AdditionalProperties['{LlmRouterRequestProperties.DataProtection}'] must be a DataProtectionAction or its name " +
            $"(Allow, Redact, TrustedOnly, Block); it is {(value is null ? "null" : $"a {value.GetType().Name}")}.",
            "options");
    }

    private static ChatOptions WithOutcome(ChatOptions? options, DataProtectionOutcome? outcome)
    {
        ChatOptions copy = options?.Clone() ?? new ChatOptions();
        var properties = options?.AdditionalProperties is { } existing ? new AdditionalPropertiesDictionary(existing) : new AdditionalPropertiesDictionary();
        if (outcome is null)
        {
            properties.Remove(LlmRouterRequestProperties.DataProtection);
        }
        else
        {
            properties[LlmRouterRequestProperties.DataProtection] = outcome;
        }

        copy.AdditionalProperties = properties.Count == 0 ? null : properties;
        return copy;
    }

    /// <summary>One part of one message being inspected: records its findings and, when redacting, returns its redacted text.</summary>
    private readonly struct Part(
        DataProtectionPolicy policy, List<SensitiveDataFinding> findings, List<SensitiveMatch> matches, Placeholders? placeholders, int message, int content)
    {
        /// <summary>Scans <paramref name="text"/>; returns its redacted text when redacting and something was found, else <see langword="null"/>.</summary>
        public string? Scan(string? text)
        {
            if (string.IsNullOrEmpty(text))
            {
                return null;
            }

            policy.Scanner.Scan(text, matches);
            if (matches.Count == 0)
            {
                return null;
            }

            foreach (SensitiveMatch match in matches)
            {
                findings.Add(new SensitiveDataFinding(match.Kind, message, content, match.Start, match.Length));
            }

            if (placeholders is null)
            {
                return null;
            }

            var redacted = new System.Text.StringBuilder(text.Length);
            int copied = 0;
            foreach (SensitiveMatch match in matches)
            {
                redacted.Append(text, copied, match.Start - copied).Append(placeholders.For(match.Kind, text.Substring(match.Start, match.Length)));
                copied = match.End;
            }

            return redacted.Append(text, copied, text.Length - copied).ToString();
        }

        /// <summary>Scans a tool call's arguments; returns redacted arguments when redacting and something was found.</summary>
        public Dictionary<string, object?>? ScanArguments(IDictionary<string, object?>? arguments)
        {
            if (arguments is null)
            {
                return null;
            }

            Dictionary<string, object?>? redacted = null;
            foreach (KeyValuePair<string, object?> argument in arguments)
            {
                if (ScanValue(argument.Value, out object? value))
                {
                    redacted ??= new Dictionary<string, object?>(arguments);
                    redacted[argument.Key] = value;
                }
            }

            return redacted;
        }

        /// <summary>Scans a value as text (a string, or JSON as written); sets its redacted form when redacting and something was found.</summary>
        public bool ScanValue(object? value, out object? redacted)
        {
            redacted = null;
            switch (value)
            {
                case string text when Scan(text) is { } redactedText:
                    redacted = redactedText;
                    return true;
                case JsonElement element when element.ValueKind == JsonValueKind.String && Scan(element.GetString()) is { } redactedText:
                    redacted = redactedText;
                    return true;
                case JsonElement element when element.ValueKind is JsonValueKind.Object or JsonValueKind.Array or JsonValueKind.Number
                    && Scan(element.GetRawText()) is { } redactedJson:
                    redacted = ParseOrText(redactedJson);
                    return true;
                default:
                    return false;
            }
        }

        private static object ParseOrText(string json)
        {
            try
            {
                using var document = JsonDocument.Parse(json);
                return document.RootElement.Clone();
            }
            catch (JsonException)
            {
                // A placeholder replaced a bare JSON number: the value is sent as text.
                return json;
            }
        }
    }
}
