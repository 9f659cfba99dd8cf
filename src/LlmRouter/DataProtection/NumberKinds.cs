namespace LlmRouter;

/// <summary>The kinds <see cref="NumberDetector.Find"/> looks for.</summary>
[Flags]
internal enum NumberKinds
{
    None = 0,
    Phone = 1,
    Card = 2,
    Iban = 4,
    Ssn = 8,
    IpAddress = 16,
}
