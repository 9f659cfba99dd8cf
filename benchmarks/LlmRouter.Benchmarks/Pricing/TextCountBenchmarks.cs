using System.Text;
using BenchmarkDotNet.Attributes;

namespace LlmRouter.Benchmarks;

/// <summary>
/// The token estimator's text counter on about 1,000 characters of English prose, as UTF-16 and as UTF-8, against the same
/// count taken one character at a time (the baseline).
/// </summary>
[MemoryDiagnoser]
public class TextCountBenchmarks
{
    private const string Paragraph =
        "Lisbon sits on seven hills above the Tagus estuary, and most visitors learn that the hard way on their first afternoon. "
        + "The trams help: line 28 climbs from Martim Moniz through Graça and Alfama before dropping into Baixa, though it is "
        + "crowded from mid-morning. Walking is still the best way to see the city. Start at Praça do Comércio, follow Rua Augusta "
        + "north to Rossio, then take the Elevador da Glória up to Bairro Alto and the viewpoint at São Pedro de Alcântara. "
        + "In March the weather changes quickly, so carry a light waterproof jacket and wear shoes with a good grip, because the "
        + "limestone pavements become slippery after rain. Museums close on Mondays; the Gulbenkian and the Tile Museum deserve a "
        + "morning each. For dinner, book ahead in Alfama if you want to hear fado, and expect the music to start late.";

    private readonly string _ascii = Paragraph.Replace('ç', 'c').Replace('ã', 'a').Replace('â', 'a');
    private byte[] _utf8 = [];

    [GlobalSetup]
    public void Setup() => _utf8 = Encoding.UTF8.GetBytes(Paragraph);

    [Benchmark(Baseline = true)]
    public long CharacterByCharacter() => CharacterTokenEstimator.CountTextByCharacter(Paragraph);

    [Benchmark]
    public long Utf16() => CharacterTokenEstimator.CountText(Paragraph);

    [Benchmark]
    public long Utf16AsciiOnly() => CharacterTokenEstimator.CountText(_ascii);

    [Benchmark]
    public long Utf8() => CharacterTokenEstimator.CountUtf8(_utf8);
}
