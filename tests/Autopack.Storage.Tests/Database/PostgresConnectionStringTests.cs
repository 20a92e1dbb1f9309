using Autopack.Domain.Settings;
using Autopack.Storage.Database;

namespace Autopack.Storage.Tests.Database;

public sealed class PostgresConnectionStringTests
{
    [TestCase("autopack.db", false)]
    [TestCase("/var/lib/autopack/autopack.db", false)]
    [TestCase("data/host=1.db", false)]
    [TestCase("postgresql://postgres@127.0.0.1:5432/autopack", true)]
    [TestCase("postgres://u:p@db.internal/autopack", true)]
    [TestCase("Host=127.0.0.1;Database=autopack", true)]
    [TestCase("Port=5433; host = db;Database=autopack", true)]
    [TestCase("postgresql:/127.0.0.1/autopack", true)]
    [TestCase("mysql://127.0.0.1/autopack", true)]
    public void IsConnection_Setting_TellsPostgresFromASqlitePath(string setting, bool expected) =>
        Assert.That(PostgresConnectionString.IsConnection(setting), Is.EqualTo(expected));

    [Test]
    public void Parse_UrlWithEscapedPasswordAndSslMode_EveryPartInTheConnectionString()
    {
        var builder = PostgresConnectionString.Parse("postgresql://auto%40pack:p%3Ass%2Fw@db.example:6543/autopack_team?sslmode=require&application_name=worker-1");

        Assert.That(
            (builder.Host, builder.Port, builder.Database, builder.Username, builder.Password, builder.SslMode.ToString(), builder.ApplicationName),
            Is.EqualTo(("db.example", 6543, "autopack_team", "auto@pack", "p:ss/w", "Require", "worker-1")));
    }

    [Test]
    public void Parse_UrlWithoutPort_UsesPostgresDefaultPort() =>
        Assert.That(PostgresConnectionString.Parse("postgres://postgres@127.0.0.1/autopack").Port, Is.EqualTo(5432));

    [Test]
    public void Parse_KeyValueString_IsTakenAsNpgsqlReadsIt() =>
        Assert.That(PostgresConnectionString.Parse("Host=127.0.0.1;Port=5433;Database=ap;Username=u").Port, Is.EqualTo(5433));

    [TestCase("postgresql://127.0.0.1:5432/", "names no database")]
    [TestCase("postgresql:///autopack", "names no host")]
    [TestCase("postgresql://h/db?colour=blue", "'colour' is not one Autopack passes on")]
    [TestCase("Host=h;Database=d;NoSuchKey=1", "nosuchkey")]
    [TestCase("postgresql:/127.0.0.1/autopack", "names no host")]
    [TestCase("mysql://127.0.0.1/autopack", "not a postgresql:// URL")]
    public void Parse_Unusable_RefusedNamingTheSetting(string setting, string why)
    {
        var refused = Assert.Throws<SettingsException>(() => PostgresConnectionString.Parse(setting))!;

        Assert.Multiple(() =>
        {
            Assert.That(refused.Setting, Is.EqualTo("AUTOPACK_DB"));
            Assert.That(refused.Message, Does.StartWith("AUTOPACK_DB: ").And.Contain(why).IgnoreCase);
        });
    }

    [TestCase("postgresql://postgres@127.0.0.1:5432/autopack")]
    [TestCase("Host=db.internal;Database=autopack")]
    public void ResolveSetting_PostgresConnection_PassesThroughUnchanged(string setting) =>
        Assert.That(AutopackDatabase.ResolveSetting(setting, "/srv/autopack"), Is.EqualTo(setting));

    [Test]
    public void ResolveSetting_RelativeSqlitePath_IsMadeAbsoluteAgainstTheFolder() =>
        Assert.That(AutopackDatabase.ResolveSetting("data/autopack.db", "/srv/autopack"), Is.EqualTo("/srv/autopack/data/autopack.db"));

    [Test]
    public void FromSetting_PostgresUrl_LocationNamesHostPortAndDatabaseButNoPassword()
    {
        using var database = (PostgresDatabase)AutopackDatabase.FromSetting("postgresql://u:secret@127.0.0.1:5433/autopack");

        Assert.That((database.Engine, database.Location, database.ToString().Contains("secret", StringComparison.Ordinal)),
            Is.EqualTo(("postgresql", "127.0.0.1:5433/autopack", false)));
    }
}
