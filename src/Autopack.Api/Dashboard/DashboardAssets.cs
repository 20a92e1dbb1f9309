using System.Reflection;
using System.Security.Cryptography;

namespace Autopack.Api.Dashboard;

/// <summary>
/// The dashboard's HTML, CSS and JavaScript, embedded in this assembly (logical names <c>dashboard/&lt;file&gt;</c>)
/// so that a published <c>autopack</c> serves them with nothing beside it and no build step. Read once at first
/// use; each file gets a strong ETag from its hash, so browsers revalidate cheaply and see an upgrade at once.
/// </summary>
public sealed class DashboardAssets
{
    public const string Prefix = "dashboard/";
    public const string IndexName = "index.html";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    private static readonly Lazy<DashboardAssets> EmbeddedAssets = new(() => Load(typeof(DashboardAssets).Assembly));

    private readonly Dictionary<string, DashboardAsset> files;

    private DashboardAssets(Dictionary<string, DashboardAsset> files)
    {
        this.files = files;
    }

    public static DashboardAssets Embedded => EmbeddedAssets.Value;

    public IReadOnlyCollection<string> Names => files.Keys;

    public DashboardAsset Index => files.TryGetValue(IndexName, out var index)
        ? index
        : throw new InvalidOperationException($"the Api assembly has no embedded {Prefix}{IndexName}");

    public DashboardAsset? Find(string name) => files.GetValueOrDefault(name);

    private static DashboardAssets Load(Assembly assembly)
    {
        var files = new Dictionary<string, DashboardAsset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            var name = resource[Prefix.Length..];
            if (!ContentTypes.TryGetValue(Path.GetExtension(name), out var contentType))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            var etag = $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))[..16]}\"";
            files[name] = new DashboardAsset(name, contentType, bytes, etag);
        }

        return new DashboardAssets(files);
    }
}
