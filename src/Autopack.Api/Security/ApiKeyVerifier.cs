using System.Security.Cryptography;
using System.Text;
using Autopack.Api.Hosting;
using Microsoft.Net.Http.Headers;

namespace Autopack.Api.Security;

/// <summary>
/// Checks the API key of a mutating request. Both sides are hashed to SHA-256 first so the comparison is
/// constant-time in content and in length (<see cref="CryptographicOperations.FixedTimeEquals"/>).
/// </summary>
public sealed class ApiKeyVerifier(ApiSettings settings)
{
    public const string HeaderName = "X-API-Key";

    private readonly byte[]? expected = settings.ApiKey is { } key ? Hash(key) : null;

    public bool KeyRequired => expected is not null;

    public static bool IsMutating(string method) =>
        !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method));

    /// <summary>The key presented in <c>X-API-Key</c>, or else as <c>Authorization: Bearer &lt;key&gt;</c>.</summary>
    public static string? Presented(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var header = request.Headers[HeaderName].ToString();
        if (!string.IsNullOrEmpty(header))
        {
            return header;
        }

        var authorization = request.Headers[HeaderNames.Authorization].ToString();
        const string bearer = "Bearer ";
        return authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) ? authorization[bearer.Length..].Trim() : null;
    }

    public bool Verify(string? presented) =>
        expected is null || (presented is not null && CryptographicOperations.FixedTimeEquals(Hash(presented), expected));

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
