using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.AI;

namespace LlmRouter.Tests.Caching;

/// <summary>
/// A deterministic embedding for tests: character trigrams of the lower-cased text (letters, digits and single spaces), each
/// hashed into one of 512 dimensions. Texts that share most trigrams are near; different questions are not.
/// </summary>
internal sealed class NgramEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private const int Dimensions = 512;

    public int Calls { get; private set; }

    public Exception? Failure { get; set; }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        Calls++;
        if (Failure is not null)
        {
            throw Failure;
        }

        return Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(values.Select(v => new Embedding<float>(Embed(v)))));
    }

    public static float[] Embed(string text)
    {
        var kept = new StringBuilder(" ");
        foreach (string word in new string([.. text.ToLowerInvariant().Where(c => char.IsLetterOrDigit(c) || c == ' ')]).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            kept.Append(word).Append(' ');
        }

        string normalized = kept.ToString();
        float[] vector = new float[Dimensions];
        for (int i = 0; i + 3 <= normalized.Length; i++)
        {
            byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(normalized.Substring(i, 3)));
            vector[BinaryPrimitives.ReadUInt32LittleEndian(hash) % Dimensions]++;
        }

        return vector;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
