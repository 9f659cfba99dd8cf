namespace LlmRouter;

/// <summary>
/// Endpoints as they may be shown and sent: without the user information (<c>user:password@</c>) an endpoint may carry, which
/// is a credential. <see cref="HttpClient"/> does not send it, so removing it changes nothing on the wire and keeps it out of
/// descriptions, metadata, messages and the request URIs that HTTP logging records.
/// </summary>
internal static class EndpointText
{
    /// <summary>Describes <paramref name="endpoint"/> for messages: scheme, host, port and path; no user information, query or fragment.</summary>
    /// <remarks>Never throws, relative URIs included (they are configuration errors, and their messages describe them).</remarks>
    public static string Describe(Uri endpoint)
    {
        if (endpoint.IsAbsoluteUri)
        {
            return string.Concat(endpoint.Scheme, Uri.SchemeDelimiter, endpoint.Authority, endpoint.AbsolutePath);
        }

        return Describe(endpoint.OriginalString);
    }

    /// <summary>Describes endpoint text that may not parse as a URI, as <see cref="Describe(Uri)"/> does.</summary>
    public static string Describe(string endpoint)
    {
        ReadOnlySpan<char> text = endpoint.AsSpan();
        int end = text.IndexOfAny('?', '#');
        if (end >= 0)
        {
            text = text[..end];
        }

        // User information ends at the last '@' before the path: "https://user:secret@host/v1", "user:secret@host/v1".
        int start = text.IndexOf("://", StringComparison.Ordinal) is >= 0 and var scheme ? scheme + 3 : 0;
        int pathStart = text[start..].IndexOf('/') is >= 0 and var slash ? start + slash : text.Length;
        int at = text[start..pathStart].LastIndexOf('@');
        return at < 0 ? text.ToString() : string.Concat(text[..start], text[(start + at + 1)..]);
    }

    /// <summary>Returns <paramref name="endpoint"/> without its user information (the same instance when it has none).</summary>
    public static Uri WithoutUserInfo(Uri endpoint) =>
        endpoint.IsAbsoluteUri && endpoint.UserInfo.Length > 0
            ? new UriBuilder(endpoint) { UserName = string.Empty, Password = string.Empty }.Uri
            : endpoint;

    /// <summary>The password of <paramref name="endpoint"/>'s user information, or its user name when it has no password; null when none.</summary>
    public static string? UserInfoSecret(Uri endpoint)
    {
        if (!endpoint.IsAbsoluteUri || endpoint.UserInfo.Length == 0)
        {
            return null;
        }

        string info = Uri.UnescapeDataString(endpoint.UserInfo);
        int colon = info.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 ? info[(colon + 1)..] : info;
    }
}
