using System.Buffers;
using Autopack.Domain.Plans;

namespace Autopack.Api.Hosting;

/// <summary>
/// Reads a JSON request body as bytes, with the checks every body gets before it is parsed: a JSON content type
/// (415) and at most <see cref="MaxBytes"/> (413, whether or not Content-Length says so). What the bytes say
/// (UTF-8, JSON, fields) is the parser's to judge, the same as for a plan file the CLI reads.
/// </summary>
public static class RequestBody
{
    /// <summary>The largest body the API takes: a plan document (<see cref="PlanLimits.MaxDocumentBytes"/>).</summary>
    public const int MaxBytes = PlanLimits.MaxDocumentBytes;

    public static async Task<ReadOnlyMemory<byte>> ReadJsonBytesAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.HasJsonContentType())
        {
            throw new BadHttpRequestException(
                $"Content-Type: must be application/json, got '{request.ContentType ?? "none"}'", StatusCodes.Status415UnsupportedMediaType);
        }

        if (request.ContentLength > MaxBytes)
        {
            throw TooLarge();
        }

        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > MaxBytes)
                {
                    throw TooLarge();
                }

                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    private static BadHttpRequestException TooLarge() =>
        new($"body: {PlanParser.TooLargeReason}", StatusCodes.Status413PayloadTooLarge);
}
