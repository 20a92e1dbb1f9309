using Autopack.Storage.Database;
using Autopack.Testing;

namespace Autopack.Storage.Tests.Budgets;

/// <summary>budget_totals is what the budget check reads; the triggers must keep it equal to the sums it replaces.</summary>
public class BudgetTotalsTests
{
    private const string Mismatches = """
        SELECT count(*) FROM (
          SELECT 'run' AS scope, run_id AS id, sum(prompt_tokens + completion_tokens) AS used FROM llm_usage_events GROUP BY run_id
          UNION ALL
          SELECT 'phase', phase_id, sum(prompt_tokens + completion_tokens) FROM llm_usage_events GROUP BY phase_id) s
        LEFT JOIN budget_totals t ON t.scope = s.scope AND t.id = s.id
        WHERE coalesce(t.used_tokens, -1) <> s.used
        """;

    private const string ReservedMismatches = """
        SELECT count(*) FROM budget_totals t
        WHERE t.reserved_tokens <> coalesce((SELECT sum(tokens) FROM token_reservations r
                                             WHERE (t.scope = 'run' AND r.run_id = t.id) OR (t.scope = 'phase' AND r.phase_id = t.id)), 0)
           OR t.used_tokens <> coalesce((SELECT sum(prompt_tokens + completion_tokens) FROM llm_usage_events u
                                         WHERE (t.scope = 'run' AND u.run_id = t.id) OR (t.scope = 'phase' AND u.phase_id = t.id)), 0)
        """;

    [Test]
    public void Triggers_RandomInsertsUpdatesDeletes_KeepTotalsEqualToSums()
    {
        using var db = new TestDatabase();
        var random = new Random(1750);
        using var connection = db.Database.Open();
        for (var step = 0; step < 3000; step++)
        {
            using var command = connection.CreateCommand();
            var run = $"r{random.Next(3)}";
            var phase = $"{run}-p{random.Next(4)}";
            command.CommandText = random.Next(6) switch
            {
                0 or 1 => $"INSERT INTO llm_usage_events (run_id, phase_id, phase_name, provider, model, role, prompt_tokens, completion_tokens, created_at) VALUES ('{run}', '{phase}', 'n', 'offline', 'm', 'builder', {random.Next(500)}, {random.Next(500)}, '2026-11-25T10:00:00.000Z')",
                2 => $"INSERT INTO token_reservations (run_id, phase_id, tokens, owner_id, created_at) VALUES ('{run}', '{phase}', {random.Next(1000)}, 'o', '2026-11-25T10:00:00.000Z')",
                3 => "DELETE FROM token_reservations WHERE id = (SELECT id FROM token_reservations ORDER BY random() LIMIT 1)",
                4 => $"UPDATE llm_usage_events SET completion_tokens = {random.Next(500)}, phase_id = '{phase}', run_id = '{run}' WHERE id = (SELECT id FROM llm_usage_events ORDER BY random() LIMIT 1)",
                _ => "DELETE FROM llm_usage_events WHERE id = (SELECT id FROM llm_usage_events ORDER BY random() LIMIT 1)",
            };
            command.ExecuteNonQuery();
        }

        Assert.That(db.Scalar("SELECT count(*) FROM llm_usage_events"), Is.GreaterThan(100), "the sequence must leave rows to compare");
        Assert.That(db.Scalar(Mismatches), Is.Zero);
        Assert.That(db.Scalar(ReservedMismatches), Is.Zero);
    }

    [Test]
    public void Migration_ExistingUsageAndReservations_AreBackfilled()
    {
        using var db = new TestDatabase();
        var migrator = new DatabaseMigrator(db.Database);
        migrator.MigrateDown(202611251740);
        db.Scalar("""
            INSERT INTO llm_usage_events (run_id, phase_id, phase_name, provider, model, role, prompt_tokens, completion_tokens, created_at)
            VALUES ('old', 'old-p1', 'n', 'offline', 'm', 'builder', 100, 20, '2026-11-25T10:00:00.000Z'),
                   ('old', 'old-p2', 'n', 'offline', 'm', 'auditor', 7, 3, '2026-11-25T10:00:00.000Z');
            INSERT INTO token_reservations (run_id, phase_id, tokens, owner_id, created_at) VALUES ('old', 'old-p1', 500, 'o', '2026-11-25T10:00:00.000Z');
            SELECT 0
            """);

        migrator.MigrateUp();

        Assert.That(db.Scalar("SELECT used_tokens FROM budget_totals WHERE scope='run' AND id='old'"), Is.EqualTo(130));
        Assert.That(db.Scalar("SELECT used_tokens FROM budget_totals WHERE scope='phase' AND id='old-p1'"), Is.EqualTo(120));
        Assert.That(db.Scalar("SELECT reserved_tokens FROM budget_totals WHERE scope='run' AND id='old'"), Is.EqualTo(500));
        Assert.That(db.Scalar(ReservedMismatches), Is.Zero);
    }
}
