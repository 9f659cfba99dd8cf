using System.Text;
using BenchmarkDotNet.Attributes;

namespace LlmRouter.Benchmarks;

/// <summary>
/// The token estimator's text counter on about 1,000 characters of English prose, as UTF-16 and as UTF-8, against the same
/// count taken one character at a time (the baseline); and on about 500 characters of Vietnamese, whose diacritics put a letter
/// outside ASCII every few characters, both ways.
/// </summary>
[MemoryDiagnoser]
public class TextCountBenchmarks
{
    /// <summary>About 1,000 characters of English prose with a few accented letters.</summary>
    internal const string Paragraph =
        "Lisbon sits on seven hills above the Tagus estuary, and most visitors learn that the hard way on their first afternoon. "
        + "The trams help: line 28 climbs from Martim Moniz through Graça and Alfama before dropping into Baixa, though it is "
        + "crowded from mid-morning. Walking is still the best way to see the city. Start at Praça do Comércio, follow Rua Augusta "
        + "north to Rossio, then take the Elevador da Glória up to Bairro Alto and the viewpoint at São Pedro de Alcântara. "
        + "In March the weather changes quickly, so carry a light waterproof jacket and wear shoes with a good grip, because the "
        + "limestone pavements become slippery after rain. Museums close on Mondays; the Gulbenkian and the Tile Museum deserve a "
        + "morning each. For dinner, book ahead in Alfama if you want to hear fado, and expect the music to start late.";

    /// <summary>Vietnamese: a letter outside ASCII every few characters, the hardest case for counting runs of ASCII.</summary>
    internal const string Vietnamese =
        "Hà Nội là thủ đô của Việt Nam, nằm bên bờ sông Hồng. Thành phố có nhiều hồ nước, phố cổ và những con đường rợp bóng cây. "
        + "Du khách thường bắt đầu từ hồ Hoàn Kiếm, đi bộ qua khu phố cổ với ba mươi sáu phố phường, rồi thưởng thức phở vào buổi sáng. "
        + "Mùa thu là thời điểm đẹp nhất trong năm: trời mát, nắng vàng nhẹ và hoa sữa nở khắp các con phố. Đừng quên mang theo áo khoác "
        + "mỏng vì buổi tối có thể se lạnh, và hãy dành một buổi chiều để ghé thăm Văn Miếu, trường đại học đầu tiên của đất nước.";

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

    [Benchmark]
    public long VietnameseByCharacter() => CharacterTokenEstimator.CountTextByCharacter(Vietnamese);

    [Benchmark]
    public long VietnameseUtf16() => CharacterTokenEstimator.CountText(Vietnamese);
}
