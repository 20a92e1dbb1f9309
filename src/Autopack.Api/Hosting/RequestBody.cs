using System.Buffers;
using System.Text;

namespace Autopack.Api.Hosting;

/// <summary>
/// Reads a JSON request body as text, with the checks every body gets: a JSON content type (415), at most
/// <see cref="MaxBytes"/> (413, whether or not Content-Length says so), and valid UTF-8 (400).
/// </summary>
public static class RequestBody
{
    public const int MaxBytes = 1024 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static async Task<string> ReadJsonTextAsync(HttpRequest request, CancellationToken cancellationToken)
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

        try
        {
            return StrictUtf8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length).TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException)
        {
            throw new BadHttpRequestException("body: not valid UTF-8", StatusCodes.Status400BadRequest);
        }
    }

    private static BadHttpRequestException TooLarge() =>
        new($"body: larger than the limit of {MaxBytes} bytes", StatusCodes.Status413PayloadTooLarge);
}
