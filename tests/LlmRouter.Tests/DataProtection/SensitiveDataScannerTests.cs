namespace LlmRouter.Tests.DataProtection;

public class SensitiveDataScannerTests
{
    private static readonly SensitiveDataScanner Every = new(new DataProtectionOptions(), []);

    [Theory]
    [InlineData("Write to jane.doe+news@mail.example.org.", SensitiveDataKinds.Email, "jane.doe+news@mail.example.org")]
    [InlineData("Call (415) 762-3498 today", SensitiveDataKinds.Phone, "(415) 762-3498")]
    [InlineData("Ring +44 20 7946 0958 please", SensitiveDataKinds.Phone, "+44 20 7946 0958")]
    [InlineData("Card 4111 1111 1111 1111, exp 12/29", SensitiveDataKinds.Card, "4111 1111 1111 1111")]
    [InlineData("Amex 378282246310005.", SensitiveDataKinds.Card, "378282246310005")]
    [InlineData("IBAN DE89 3704 0044 0532 0130 00 at the bank", SensitiveDataKinds.Iban, "DE89 3704 0044 0532 0130 00")]
    [InlineData("Pay GB82WEST12345698765432 now", SensitiveDataKinds.Iban, "GB82WEST12345698765432")]
    [InlineData("SSN 123-45-6789 on file", SensitiveDataKinds.Ssn, "123-45-6789")]
    [InlineData("host 192.168.10.25.", SensitiveDataKinds.IpAddress, "192.168.10.25")]
    [InlineData("v6 2001:db8:85a3::8a2e:370:7334 up", SensitiveDataKinds.IpAddress, "2001:db8:85a3::8a2e:370:7334")]
    [InlineData("key AKIAIOSFODNN7EXAMPLE leaked", SensitiveDataKinds.Secret, "AKIAIOSFODNN7EXAMPLE")]
    [InlineData("OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwx1234", SensitiveDataKinds.Secret, "sk-proj-abcdefghijklmnopqrstuvwx1234")]
    [InlineData("Server=db;User Id=app;Password=Tr0ub4dor&3x;", SensitiveDataKinds.Secret, "Tr0ub4dor&3x")]
    [InlineData("redis://default:hunter2hunter2@cache:6379", SensitiveDataKinds.Secret, "hunter2hunter2")]
    [InlineData("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U ok", SensitiveDataKinds.Secret, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U")]
    public void Scan_Value_FoundWithItsKindAndSpan(string text, string kind, string value)
    {
        var found = new List<SensitiveMatch>();

        Every.Scan(text, found);

        SensitiveMatch match = Assert.Single(found);
        Assert.Equal(kind, match.Kind);
        Assert.Equal(value, text.Substring(match.Start, match.Length));
    }

    [Theory]
    [InlineData("Version 10.0.19041 shipped on 2024-03-15 for $1,299.99.")]
    [InlineData("Order 4111 1111 1111 1112 is not a card: it fails the Luhn check.")]
    [InlineData("Ping @maria or write to root@localhost; npm i react@18.2.0.")]
    [InlineData("SSN 000-12-3456 and 666-12-3456 and 912-12-3456 were never issued.")]
    [InlineData("At 12:30:45 we used std::vector; MAC 00:1a:2b:3c:4d:5e.")]
    [InlineData("The scikit sk-learn package and a task-force; ORD1234567890123 and ID 9876543.")]
    [InlineData("-----BEGIN PUBLIC KEY----- is public; commit a94a8fe5ccb19ba61c4c0873d391e987982fbbd3.")]
    [InlineData("Release v1.2.3.4 and build 2.0.1234.567 are out.")]
    public void Scan_LookAlike_FindsNothing(string text)
    {
        var found = new List<SensitiveMatch>();

        Every.Scan(text, found);

        Assert.Empty(found);
    }

    [Fact]
    public void Scan_KindsListed_FindsOnlyThoseKinds()
    {
        var scanner = new SensitiveDataScanner(new DataProtectionOptions { Kinds = [SensitiveDataKinds.Email] }, []);
        var found = new List<SensitiveMatch>();

        scanner.Scan("a@example.com paid with 4111111111111111", found);

        Assert.Equal(SensitiveDataKinds.Email, Assert.Single(found).Kind);
    }

    [Fact]
    public void Scan_CustomPatternsKeywordsAndDetectors_FindTheirKinds()
    {
        var options = new DataProtectionOptions
        {
            Patterns = new Dictionary<string, string> { ["EmployeeId"] = @"\bEMP-\d{6}\b" },
            Keywords = new Dictionary<string, IList<string>> { ["Project"] = ["Orion", "Blue Helios"] },
        };
        var scanner = new SensitiveDataScanner(options, [new NameDetector()]);
        var found = new List<SensitiveMatch>();
        const string text = "EMP-123456 on blue helios with Alice, not Orionids.";

        scanner.Scan(text, found);

        Assert.Equal(
            [("EmployeeId", "EMP-123456"), ("Project", "blue helios"), ("PersonName", "Alice")],
            found.Select(f => (f.Kind, text.Substring(f.Start, f.Length))));
    }

    [Fact]
    public void Scan_OverlappingFindings_KeepsTheEarliestAndLongest()
    {
        var options = new DataProtectionOptions { Patterns = new Dictionary<string, string> { ["Domain"] = @"example\.com" } };
        var scanner = new SensitiveDataScanner(options, []);
        var found = new List<SensitiveMatch>();

        scanner.Scan("mail bob@example.com", found);

        Assert.Equal(SensitiveDataKinds.Email, Assert.Single(found).Kind);
    }

    private sealed class NameDetector : ISensitiveDataDetector
    {
        public string Kind => "PersonName";

        public void Detect(ReadOnlySpan<char> text, ICollection<Range> found)
        {
            int at = text.IndexOf("Alice", StringComparison.Ordinal);
            if (at >= 0)
            {
                found.Add(at..(at + 5));
            }
        }
    }
}
