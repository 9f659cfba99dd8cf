using System.Text;
using PhoneNumbers;

namespace LlmRouter.Tests.DataProtection;

/// <summary>A labelled sentence: its text and the values of each kind it holds.</summary>
internal sealed record LabelledSentence(string Text, IReadOnlyList<(string Kind, string Value)> Labels);

/// <summary>
/// Generates a labelled corpus of realistic sentences, seeded: for each built-in kind, sentences holding a value of the kind in
/// its usual written forms, and sentences holding look-alikes that are none (order and tracking numbers, dates, versions,
/// prices, hashes, handles, public keys).
/// </summary>
internal static class SensitiveDataCorpus
{
    private const string Alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private static readonly string[] First = ["anna", "ben", "chloe", "dmitri", "elif", "farah", "gustav", "hiro", "ines", "jamal", "kate", "lars", "maria", "noah", "olga", "priya"];
    private static readonly string[] Last = ["smith", "garcia", "muller", "rossi", "kowalski", "tanaka", "okafor", "silva", "dubois", "jensen", "nguyen", "cohen"];
    private static readonly string[] Domains = ["example.com", "mail.example.org", "acme-corp.io", "uni-hamburg.de", "post.example.co.uk", "contoso.net", "fabrikam.com"];
    private static readonly string[] PhoneRegions = ["US", "GB", "DE", "FR", "IT", "ES", "NL", "IN", "BR", "JP", "AU", "CA"];
    private static readonly string[] UsAreaCodes = ["212", "415", "617", "312", "206", "303", "404", "512", "646", "718", "202", "305"];

    public static List<LabelledSentence> Generate(int perKind, int seed = 20261130)
    {
        var random = new Random(seed);
        var corpus = new List<LabelledSentence>();
        for (int i = 0; i < perKind; i++)
        {
            corpus.Add(Positive(random, SensitiveDataKinds.Email, Email(random), "Please contact {0} about the invoice.", "My e-mail is {0}.", "cc: {0}, thanks", "Send the draft to <{0}> by Friday.", "Reach {0} for access."));
            corpus.Add(Positive(random, SensitiveDataKinds.Phone, Phone(random), "Call me at {0} after 5pm.", "Her number is {0}.", "Phone: {0}", "You can reach the front desk on {0} any time."));
            corpus.Add(Positive(random, SensitiveDataKinds.Card, Card(random), "My card number is {0}, expiring next year.", "Charge {0} for the renewal.", "Card: {0}", "Use the card {0} for the hotel."));
            corpus.Add(Positive(random, SensitiveDataKinds.Iban, Iban(random), "Please wire the refund to {0}.", "IBAN: {0}", "Our account is {0} at the local branch.", "Transfer to {0} before the 15th."));
            corpus.Add(Positive(random, SensitiveDataKinds.Ssn, Ssn(random), "My SSN is {0}.", "SSN {0} on the tax form.", "The applicant's social security number, {0}, is attached."));
            corpus.Add(Positive(random, SensitiveDataKinds.IpAddress, Ip(random), "The server at {0} is down.", "Requests from {0} were blocked.", "Add {0} to the allow list.", "ssh into {0} and restart it."));
            SecretValue secret = Secret(random);
            corpus.Add(new LabelledSentence(string.Format(System.Globalization.CultureInfo.InvariantCulture, Pick(random, "Here is the config: {0}", "Use {0} for the staging job.", "The key {0} was committed by mistake.", "Deploy with {0} please."), secret.Text), [(SensitiveDataKinds.Secret, secret.Label)]));
            corpus.Add(Negative(random));
            corpus.Add(Negative(random));
            corpus.Add(Negative(random));
        }

        return corpus;
    }

    private static LabelledSentence Positive(Random random, string kind, string value, params string[] templates) =>
        new(string.Format(System.Globalization.CultureInfo.InvariantCulture, Pick(random, templates), value), [(kind, value)]);

    private static LabelledSentence Negative(Random random)
    {
        string text = random.Next(24) switch
        {
            0 or 19 or 20 => $"Order {Digits(random, 16, grouped: random.Next(2) == 0)} shipped on {Date(random)}.",
            21 => $"Invoice number {Digits(random, 10, grouped: false)} was paid in full.",
            22 => $"Ticket {random.Next(100, 1000)}-{random.Next(10, 100)}-{random.Next(1000, 10000)} was escalated to tier two.",
            23 => $"Firmware {random.Next(1, 10)}.{random.Next(0, 10)}.{random.Next(0, 10)}.{random.Next(0, 50)} fixes the boot loop.",
            1 => $"Tracking number {Digits(random, 12, grouped: false)}; delivery expected {Date(random)}.",
            2 => $"Upgrade to version {random.Next(1, 20)}.{random.Next(0, 30)}.{random.Next(0, 300)} before {Date(random)}.",
            3 => $"The total came to ${random.Next(1, 9)},{random.Next(100, 999)}.{random.Next(10, 99)} including tax.",
            4 => $"Invoice INV-{random.Next(100000, 999999)} is due {Date(random)}; reference {Upper(random, 2)}{random.Next(10, 99)} {Upper(random, 4)}.",
            5 => $"Thanks @{Pick(random, First)}, I pushed the fix to {Pick(random, First)}@localhost for now.",
            6 => $"Run npm install lodash@{random.Next(1, 5)}.{random.Next(0, 20)}.{random.Next(0, 30)} and retry.",
            7 => $"The meeting moved to {random.Next(1, 12)}:{random.Next(10, 59)}:{random.Next(10, 59)} in room {random.Next(100, 999)}.",
            8 => $"Commit {Hex(random, 40)} fixed the task-based scheduler.",
            9 => $"The request id was {Guid.NewGuid()} according to the logs.",
            10 => $"-----BEGIN PUBLIC KEY----- was pasted, which is fine to share.",
            11 => $"Use std::vector or std::map here; sk-learn and task-force are unrelated.",
            12 => $"The MAC address {Hex(random, 2)}:{Hex(random, 2)}:{Hex(random, 2)}:{Hex(random, 2)}:{Hex(random, 2)}:{Hex(random, 2)} is on the label.",
            13 => $"ZIP code {random.Next(10000, 99999)}, suite {random.Next(100, 999)}, opened in {random.Next(1950, 2025)}.",
            14 => $"Part number {random.Next(100, 999)}-{random.Next(10, 99)}-{random.Next(10000, 99999)} is back in stock.",
            15 => $"The SSN field shows 000-{random.Next(10, 99)}-{random.Next(1000, 9999)}, which is not a real number.",
            16 => $"Build {random.Next(1, 9)}.{random.Next(0, 9)}.{random.Next(1000, 9999)}.{random.Next(300, 999)} is the release candidate.",
            17 => $"Between {random.Next(1990, 2000)}-{random.Next(2001, 2024)} sales grew {random.Next(2, 40)}% to {random.Next(100, 999)} units.",
            _ => $"Set the password= field in settings, and keep the ghp_ prefix and AKIA{Upper(random, 6)} examples short.",
        };
        return new LabelledSentence(text, []);
    }

    private static string Email(Random random)
    {
        string first = Pick(random, First);
        string last = Pick(random, Last);
        string local = random.Next(4) switch
        {
            0 => $"{first}.{last}",
            1 => $"{first[0]}{last}{random.Next(1, 99)}",
            2 => $"{first}+{Pick(random, "news", "billing", "test")}",
            _ => $"{first}_{last}",
        };
        return $"{local}@{Pick(random, Domains)}";
    }

    private static string Phone(Random random)
    {
        PhoneNumberUtil phones = PhoneNumberUtil.GetInstance();
        while (true)
        {
            if (random.Next(2) == 0)
            {
                string area = Pick(random, UsAreaCodes);
                string exchange = $"{random.Next(2, 10)}{random.Next(0, 10)}{random.Next(0, 10)}";
                string line = $"{random.Next(0, 10000):D4}";
                string text = random.Next(3) switch
                {
                    0 => $"({area}) {exchange}-{line}",
                    1 => $"{area}-{exchange}-{line}",
                    _ => $"+1 {area} {exchange} {line}",
                };
                if (exchange != "555" && phones.IsValidNumber(phones.Parse(text, "US")))
                {
                    return text;
                }
            }
            else
            {
                string region = Pick(random, PhoneRegions);
                PhoneNumber example = phones.GetExampleNumberForType(region, PhoneNumberType.MOBILE) ?? phones.GetExampleNumber(region);
                string national = phones.GetNationalSignificantNumber(example);
                char[] digits = national.ToCharArray();
                for (int i = Math.Max(0, digits.Length - 4); i < digits.Length; i++)
                {
                    digits[i] = (char)('0' + random.Next(10));
                }

                PhoneNumber number = phones.Parse("+" + example.CountryCode + new string(digits), null);
                if (phones.IsValidNumber(number))
                {
                    return phones.Format(number, PhoneNumberFormat.INTERNATIONAL);
                }
            }
        }
    }

    private static string Card(Random random)
    {
        (string prefix, int length) = random.Next(5) switch
        {
            0 => ("4", 16),
            1 => ($"5{random.Next(1, 6)}", 16),
            2 => ($"3{Pick(random, "4", "7")}", 15),
            3 => ("6011", 16),
            _ => ($"{random.Next(2221, 2721)}", 16),
        };
        var digits = new StringBuilder(prefix);
        while (digits.Length < length - 1)
        {
            digits.Append((char)('0' + random.Next(10)));
        }

        for (char check = '0'; check <= '9'; check++)
        {
            if (TextChecks.Luhn(digits.ToString() + check))
            {
                digits.Append(check);
                break;
            }
        }

        string number = digits.ToString();
        return random.Next(3) switch
        {
            0 => number,
            1 when length == 15 => $"{number[..4]} {number[4..10]} {number[10..]}",
            1 => string.Join(' ', number.Chunk(4).Select(c => new string(c))),
            _ => string.Join('-', number.Chunk(4).Select(c => new string(c))),
        };
    }

    private static string Iban(Random random)
    {
        (string country, string bban) = random.Next(4) switch
        {
            0 => ("DE", Digits(random, 18, grouped: false)),
            1 => ("GB", Upper(random, 4) + Digits(random, 14, grouped: false)),
            2 => ("NL", Upper(random, 4) + Digits(random, 10, grouped: false)),
            _ => ("FR", Digits(random, 23, grouped: false)),
        };
        string check = "00";
        for (int c = 2; c <= 98; c++)
        {
            check = $"{c:D2}";
            if (TextChecks.IbanChecksum(country + check + bban))
            {
                break;
            }
        }

        string iban = country + check + bban;
        return random.Next(2) == 0 ? iban : string.Join(' ', iban.Chunk(4).Select(c => new string(c)));
    }

    private static string Ssn(Random random)
    {
        int area;
        do
        {
            area = random.Next(1, 900);
        }
        while (area == 666);

        return $"{area:D3}-{random.Next(1, 100):D2}-{random.Next(1, 10000):D4}";
    }

    private static string Ip(Random random) => random.Next(3) switch
    {
        0 => $"{random.Next(1, 224)}.{random.Next(0, 256)}.{random.Next(0, 256)}.{random.Next(1, 255)}",
        1 => string.Join(':', Enumerable.Range(0, 8).Select(_ => Hex(random, 4))),
        _ => $"2001:db8:{Hex(random, 4)}::{Hex(random, 3)}",
    };

    private readonly record struct SecretValue(string Text, string Label);

    private static SecretValue Secret(Random random)
    {
        switch (random.Next(9))
        {
            case 0:
                string openAi = "sk-proj-" + Chars(random, 48);
                return new(openAi, openAi);
            case 1:
                string anthropic = "sk-ant-api03-" + Chars(random, 80);
                return new(anthropic, anthropic);
            case 2:
                string aws = "AKIA" + Upper(random, 16, digits: true);
                return new(aws, aws);
            case 3:
                string github = "ghp_" + Chars(random, 36);
                return new(github, github);
            case 4:
                string jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + "eyJ" + Chars(random, 40) + "." + Chars(random, 43);
                return new(jwt, jwt);
            case 5:
                string pem = "-----BEGIN RSA PRIVATE KEY-----\n" + Chars(random, 64) + "\n" + Chars(random, 64) + "\n-----END RSA PRIVATE KEY-----";
                return new(pem, pem);
            case 6:
                string password = Chars(random, 8) + "!" + random.Next(10, 99);
                return new($"Server=db.internal;Database=orders;User Id=app;Password={password};", password);
            case 7:
                string urlPassword = Chars(random, 12);
                return new($"postgres://app:{urlPassword}@db.internal:5432/orders", urlPassword);
            default:
                string stripe = "sk_live_" + Chars(random, 24);
                return new(stripe, stripe);
        }
    }

    private static string Date(Random random) => random.Next(3) switch
    {
        0 => $"{random.Next(2020, 2027)}-{random.Next(1, 13):D2}-{random.Next(1, 29):D2}",
        1 => $"{random.Next(1, 29):D2}.{random.Next(1, 13):D2}.{random.Next(2020, 2027)}",
        _ => $"{random.Next(1, 13)}/{random.Next(1, 29)}/{random.Next(2020, 2027)}",
    };

    private static string Digits(Random random, int count, bool grouped)
    {
        var digits = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            if (grouped && i > 0 && i % 4 == 0)
            {
                digits.Append(' ');
            }

            digits.Append((char)('0' + (i == 0 ? random.Next(1, 10) : random.Next(10))));
        }

        return digits.ToString();
    }

    private static string Upper(Random random, int count, bool digits = false)
    {
        string alphabet = digits ? "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" : "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        return new string([.. Enumerable.Range(0, count).Select(_ => alphabet[random.Next(alphabet.Length)])]);
    }

    private static string Hex(Random random, int count) => new([.. Enumerable.Range(0, count).Select(_ => "0123456789abcdef"[random.Next(16)])]);

    private static string Chars(Random random, int count) => new([.. Enumerable.Range(0, count).Select(_ => Alphanumeric[random.Next(Alphanumeric.Length)])]);

    private static string Pick(Random random, params string[] choices) => choices[random.Next(choices.Length)];
}
