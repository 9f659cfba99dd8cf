namespace LlmRouter;

/// <summary>
/// The names of the built-in kinds of sensitive data, as <see cref="DataProtectionOptions.Kinds"/>, findings and reports name
/// them. Custom kinds (<see cref="DataProtectionOptions.Patterns"/>, <see cref="DataProtectionOptions.Keywords"/>,
/// <see cref="ISensitiveDataDetector.Kind"/>) are named by their configuration.
/// </summary>
public static class SensitiveDataKinds
{
    /// <summary>E-mail addresses (<c>name@example.com</c>); placeholder <c>[EMAIL_n]</c>.</summary>
    public const string Email = "Email";

    /// <summary>Phone numbers valid for their country (international with <c>+</c>, else in <see cref="DataProtectionOptions.PhoneRegion"/>); placeholder <c>[PHONE_n]</c>.</summary>
    public const string Phone = "Phone";

    /// <summary>Payment card numbers: 13 to 19 digits of a known card network that pass the Luhn check; placeholder <c>[CARD_n]</c>.</summary>
    public const string Card = "Card";

    /// <summary>International bank account numbers of the right length for their country that pass the mod-97 check; placeholder <c>[IBAN_n]</c>.</summary>
    public const string Iban = "Iban";

    /// <summary>US social security numbers written <c>123-45-6789</c>, in the ranges ever issued; placeholder <c>[SSN_n]</c>.</summary>
    public const string Ssn = "Ssn";

    /// <summary>IPv4 and IPv6 addresses; placeholder <c>[IP_n]</c>.</summary>
    public const string IpAddress = "IpAddress";

    /// <summary>
    /// Credentials: API keys of common formats (OpenAI, Anthropic, Stripe, GitHub, GitLab, Slack, Google, Hugging Face, npm),
    /// AWS access key ids, JSON web tokens, PEM private keys, and passwords in connection strings and URLs; placeholder <c>[SECRET_n]</c>.
    /// </summary>
    public const string Secret = "Secret";

    /// <summary>Every built-in kind.</summary>
    internal static readonly string[] BuiltIn = [Email, Phone, Card, Iban, Ssn, IpAddress, Secret];
}
