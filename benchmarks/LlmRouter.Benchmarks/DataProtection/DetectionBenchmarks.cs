using System.Text;
using BenchmarkDotNet.Attributes;

namespace LlmRouter.Benchmarks;

/// <summary>
/// Scanning a 10 KB prompt with every built-in detector: ordinary business prose with dates, prices, versions, times, URLs,
/// order numbers and colons but nothing sensitive, and the same prose with one e-mail address, card number and API key in it.
/// The baseline is one vectorized search for <c>@</c> over the same text, the least any scan must do.
/// </summary>
[MemoryDiagnoser]
public class DetectionBenchmarks
{
    private const int Length = 10 * 1024;

    private const string Paragraph =
        "The quarterly review on March 15, 2024 covered release 4.2.1 of the billing service and the migration plan for Q3. "
        + "Revenue grew 12% to $1,299.99 per seat, and the support team closed 348 tickets, down from 412 in the previous quarter. "
        + "Note: the planning meeting at 10:30 moved to room 214 on the second floor. See https://docs.example.com/guides/setup "
        + "for details; the task-based scheduler now handles 3-5 retries per job and keeps a backlog of at most 2,000 items. "
        + "Version 10.0.19041 of the collector ships next week, order 48213 was refunded on 2024-03-18, and the warehouse in Lyon "
        + "reported 96.5% of shipments on time. Action items: update the runbook, review the on-call rota for April, and "
        + "confirm the budget of EUR 45,000 with finance before the 22nd. ";

    private readonly SensitiveDataScanner _scanner = new(new DataProtectionOptions(), []);
    private readonly List<SensitiveMatch> _found = [];
    private string _clean = string.Empty;
    private string _sensitive = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        var text = new StringBuilder(Length + Paragraph.Length);
        while (text.Length < Length)
        {
            text.Append(Paragraph);
        }

        _clean = text.ToString(0, Length);
        _sensitive = _clean[..(Length / 2)] + " Reach me at jane.doe@example.com, card 4111 1111 1111 1111, key sk-proj-abcdefghijklmnopqrstuvwx1234. "
            + _clean[(Length / 2)..];
    }

    [Benchmark(Baseline = true)]
    public int SearchForAt() => _clean.AsSpan().IndexOf('@');

    [Benchmark]
    public int CleanText()
    {
        _scanner.Scan(_clean, _found);
        return _found.Count;
    }

    [Benchmark]
    public int TextWithFindings()
    {
        _scanner.Scan(_sensitive, _found);
        return _found.Count;
    }
}
