using Autopack.Domain.Settings;
using Npgsql;

namespace Autopack.Storage.Database;

/// <summary>
/// Reads <c>AUTOPACK_DB</c> as a PostgreSQL connection: the libpq URL form operators copy from psql and hosting
/// providers (<c>postgresql://user:pass@host:port/db?sslmode=require</c>; Npgsql itself reads only key=value strings), or
/// an Npgsql key=value string (<c>Host=...;Database=...</c>). Anything it cannot read is refused naming the setting,
/// never guessed at (a URL once became a SQLite file named after it).
/// </summary>
public static partial class PostgresConnectionString
{
    /// <summary>URL query parameters Autopack passes on (libpq's names), and what Npgsql calls them.</summary>
    private static readonly Dictionary<string, string> QueryParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sslmode"] = "SSL Mode",
        ["application_name"] = "Application Name",
        ["connect_timeout"] = "Timeout",
        ["options"] = "Options",
        ["target_session_attrs"] = "Target Session Attributes",
    };

    /// <summary>
    /// True when <paramref name="setting"/> names a database server rather than a SQLite file: a <c>postgresql:</c> or
    /// <c>postgres:</c> value, any other <c>scheme://</c> URL (which <see cref="Parse"/> then refuses: never a file
    /// named after a URL), or a key=value string with a host. A setting with neither <c>:</c> nor <c>=</c> (a plain
    /// path, every command's usual case) is told without the expressions, whose first use costs a command's start.
    /// </summary>
    public static bool IsConnection(string setting) =>
        setting.AsSpan().IndexOfAny(':', '=') >= 0 && (UrlLike().IsMatch(setting) || KeyValueHost().IsMatch(setting));

    /// <exception cref="SettingsException">the setting is not a usable PostgreSQL connection.</exception>
    public static NpgsqlConnectionStringBuilder Parse(string setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        var builder = UrlLike().IsMatch(setting) ? FromUrl(setting.Trim()) : FromKeyValues(setting);
        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            throw Refused("it names no host");
        }

        if (string.IsNullOrWhiteSpace(builder.Database))
        {
            throw Refused("it names no database");
        }

        return builder;
    }

    private static NpgsqlConnectionStringBuilder FromKeyValues(string setting)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(setting);
        }
        catch (ArgumentException ex)
        {
            throw Refused(ex.Message);
        }
    }

    private static NpgsqlConnectionStringBuilder FromUrl(string setting)
    {
        if (!Uri.TryCreate(setting, UriKind.Absolute, out var url) || url.Scheme is not ("postgresql" or "postgres"))
        {
            throw Refused("it is not a postgresql:// URL");
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = url.Host.Trim('[', ']'),
            Port = url.IsDefaultPort || url.Port < 0 ? 5432 : url.Port,
            Database = Uri.UnescapeDataString(url.AbsolutePath.TrimStart('/')),
        };
        if (url.UserInfo.Length > 0)
        {
            var colon = url.UserInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? url.UserInfo : url.UserInfo[..colon]);
            if (colon >= 0)
            {
                builder.Password = Uri.UnescapeDataString(url.UserInfo[(colon + 1)..]);
            }
        }

        foreach (var pair in url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? string.Empty : Uri.UnescapeDataString(pair[(equals + 1)..]);
            if (!QueryParameters.TryGetValue(name, out var key))
            {
                throw Refused($"the URL parameter '{name}' is not one Autopack passes on ({string.Join(", ", QueryParameters.Keys)})");
            }

            try
            {
                builder[key] = value;
            }
            catch (ArgumentException ex)
            {
                throw Refused($"{name}={value}: {ex.Message}");
            }
        }

        return builder;
    }

    private static SettingsException Refused(string why) =>
        new("AUTOPACK_DB", $"not a usable PostgreSQL connection ({why}); use postgresql://user:password@host:port/database or Host=...;Database=...");

    [System.Text.RegularExpressions.GeneratedRegex(@"^\s*(postgres(ql)?:|[a-z][a-z0-9+.-]*://)", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex UrlLike();

    [System.Text.RegularExpressions.GeneratedRegex(@"(^|;)\s*(host|server)\s*=", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex KeyValueHost();
}
