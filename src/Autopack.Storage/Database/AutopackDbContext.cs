using Autopack.Domain.Runs;
using Autopack.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Autopack.Storage.Database;

/// <summary>
/// EF Core's view of the schema that the FluentMigrator migrations create. It never creates or alters tables.
/// </summary>
public sealed class AutopackDbContext(DbContextOptions<AutopackDbContext> options) : DbContext(options)
{
    public DbSet<RunRow> Runs => Set<RunRow>();

    public DbSet<TierRow> Tiers => Set<TierRow>();

    public DbSet<PhaseRow> Phases => Set<PhaseRow>();

    public DbSet<UsageEventRow> UsageEvents => Set<UsageEventRow>();

    public DbSet<EventRow> Events => Set<EventRow>();

    public DbSet<ExecutorLeaseRow> ExecutorLeases => Set<ExecutorLeaseRow>();

    public DbSet<CircuitBreakerRow> CircuitBreakers => Set<CircuitBreakerRow>();

    public DbSet<ControlRequestRow> ControlRequests => Set<ControlRequestRow>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcTextConverter>();
        configurationBuilder.Properties<RunStatus>().HaveConversion<RunStatusConverter>();
        configurationBuilder.Properties<PhaseStatus>().HaveConversion<PhaseStatusConverter>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<RunRow>(run =>
        {
            run.ToTable("runs").HasKey(r => r.RunId);
            run.Property(r => r.RunId).HasColumnName("run_id");
            run.Property(r => r.Status).HasColumnName("status");
            run.Property(r => r.Goal).HasColumnName("goal");
            run.Property(r => r.TokenCap).HasColumnName("token_cap");
            run.Property(r => r.CreatedAt).HasColumnName("created_at");
            run.Property(r => r.StartedAt).HasColumnName("started_at");
            run.Property(r => r.FinishedAt).HasColumnName("finished_at");
            run.Property(r => r.FailureReason).HasColumnName("failure_reason");
            run.Property(r => r.Repository).HasColumnName("repository");
            run.Property(r => r.BaseCommit).HasColumnName("base_commit");
            run.Property(r => r.Branch).HasColumnName("branch");
            run.HasMany(r => r.Tiers).WithOne().HasForeignKey(t => t.RunId);
            run.HasMany(r => r.Phases).WithOne().HasForeignKey(p => p.RunId);
        });

        modelBuilder.Entity<TierRow>(tier =>
        {
            tier.ToTable("tiers").HasKey(t => t.TierId);
            tier.Property(t => t.TierId).HasColumnName("tier_id");
            tier.Property(t => t.RunId).HasColumnName("run_id");
            tier.Property(t => t.Name).HasColumnName("name");
            tier.Property(t => t.Position).HasColumnName("position");
        });

        modelBuilder.Entity<PhaseRow>(phase =>
        {
            phase.ToTable("phases").HasKey(p => p.PhaseId);
            phase.Property(p => p.PhaseId).HasColumnName("phase_id");
            phase.Property(p => p.RunId).HasColumnName("run_id");
            phase.Property(p => p.TierId).HasColumnName("tier_id");
            phase.HasOne(p => p.Tier).WithMany().HasForeignKey(p => p.TierId);
            phase.Property(p => p.PhaseName).HasColumnName("phase_name");
            phase.Property(p => p.Position).HasColumnName("position");
            phase.Property(p => p.Category).HasColumnName("category");
            phase.Property(p => p.Complexity).HasColumnName("complexity");
            phase.Property(p => p.Goal).HasColumnName("goal");
            phase.Property(p => p.Provider).HasColumnName("provider");
            phase.Property(p => p.Verify).HasColumnName("verify");
            phase.Property(p => p.VerifyTimeoutSeconds).HasColumnName("verify_timeout_seconds");
            phase.Property(p => p.OfflineRejections).HasColumnName("offline_rejections");
            phase.Property(p => p.Status).HasColumnName("status");
            phase.Property(p => p.TokenCap).HasColumnName("token_cap");
            phase.Property(p => p.Attempts).HasColumnName("attempts");
            phase.Property(p => p.MaxAttempts).HasColumnName("max_attempts");
            phase.Property(p => p.CreatedAt).HasColumnName("created_at");
            phase.Property(p => p.StartedAt).HasColumnName("started_at");
            phase.Property(p => p.FinishedAt).HasColumnName("finished_at");
            phase.Property(p => p.FailureReason).HasColumnName("failure_reason");
            phase.Property(p => p.Scope).HasColumnName("scope");
            phase.Property(p => p.MaxTurns).HasColumnName("max_turns");
            phase.Property(p => p.OfflineEdits).HasColumnName("offline_edits");
            phase.Property(p => p.CommitSha).HasColumnName("commit_sha");
        });

        modelBuilder.Entity<UsageEventRow>(usage =>
        {
            usage.ToTable("llm_usage_events").HasKey(u => u.Id);
            usage.Property(u => u.Id).HasColumnName("id");
            usage.Property(u => u.RunId).HasColumnName("run_id");
            usage.Property(u => u.PhaseId).HasColumnName("phase_id");
            usage.Property(u => u.PhaseName).HasColumnName("phase_name");
            usage.Property(u => u.Provider).HasColumnName("provider");
            usage.Property(u => u.Model).HasColumnName("model");
            usage.Property(u => u.Role).HasColumnName("role");
            usage.Property(u => u.PromptTokens).HasColumnName("prompt_tokens");
            usage.Property(u => u.CompletionTokens).HasColumnName("completion_tokens");
            usage.Property(u => u.Estimated).HasColumnName("estimated");
            usage.Property(u => u.CreatedAt).HasColumnName("created_at");
        });

        modelBuilder.Entity<EventRow>(evt =>
        {
            evt.ToTable("events").HasKey(e => e.Id);
            evt.Property(e => e.Id).HasColumnName("id");
            evt.Property(e => e.RunId).HasColumnName("run_id");
            evt.Property(e => e.PhaseId).HasColumnName("phase_id");
            evt.Property(e => e.Kind).HasColumnName("kind");
            evt.Property(e => e.Message).HasColumnName("message");
            evt.Property(e => e.CreatedAt).HasColumnName("created_at");
        });

        modelBuilder.Entity<ExecutorLeaseRow>(lease =>
        {
            lease.ToTable("executor_leases").HasKey(l => l.RunId);
            lease.Property(l => l.RunId).HasColumnName("run_id");
            lease.Property(l => l.OwnerId).HasColumnName("owner_id");
            lease.Property(l => l.Pid).HasColumnName("pid");
            lease.Property(l => l.Host).HasColumnName("host");
            lease.Property(l => l.AcquiredAt).HasColumnName("acquired_at");
            lease.Property(l => l.HeartbeatAt).HasColumnName("heartbeat_at");
        });

        modelBuilder.Entity<CircuitBreakerRow>(breaker =>
        {
            breaker.ToTable("circuit_breakers").HasKey(b => b.Name);
            breaker.Property(b => b.Name).HasColumnName("name");
            breaker.Property(b => b.State).HasColumnName("state");
            breaker.Property(b => b.FailureCount).HasColumnName("failure_count");
            breaker.Property(b => b.OpenedAt).HasColumnName("opened_at");
            breaker.Property(b => b.UpdatedAt).HasColumnName("updated_at");
            breaker.Property(b => b.ReportedBy).HasColumnName("reported_by");
            breaker.Property(b => b.ResetRequestedAt).HasColumnName("reset_requested_at");
        });

        modelBuilder.Entity<ControlRequestRow>(request =>
        {
            request.ToTable("control_requests").HasKey(r => r.Id);
            request.Property(r => r.Id).HasColumnName("id");
            request.Property(r => r.RunId).HasColumnName("run_id");
            request.Property(r => r.PhaseId).HasColumnName("phase_id");
            request.Property(r => r.Kind).HasColumnName("kind");
            request.Property(r => r.Source).HasColumnName("source");
            request.Property(r => r.RequestedAt).HasColumnName("requested_at");
            request.Property(r => r.HandledAt).HasColumnName("handled_at");
            request.Property(r => r.HandledBy).HasColumnName("handled_by");
            request.Property(r => r.Outcome).HasColumnName("outcome");
        });
    }

    private sealed class UtcTextConverter() : ValueConverter<DateTime, string>(v => DbTime.ToText(v), v => DbTime.FromText(v));

    private sealed class RunStatusConverter() : ValueConverter<RunStatus, string>(v => v.ToName(), v => StatusNames.ParseRun(v));

    private sealed class PhaseStatusConverter() : ValueConverter<PhaseStatus, string>(v => v.ToName(), v => StatusNames.ParsePhase(v));
}
