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
            run.HasMany(r => r.Tiers).WithOne().HasForeignKey(t => t.RunId);
            run.HasMany(r => r.Phases).WithOne().HasForeignKey(p => p.RunId);
        });

        modelBuilder.Entity<TierRow>(tier =>
        {
            tier.ToTable("tiers").HasKey(t => t.TierId);
        });

        modelBuilder.Entity<PhaseRow>(phase =>
        {
            phase.ToTable("phases").HasKey(p => p.PhaseId);
            phase.HasOne(p => p.Tier).WithMany().HasForeignKey(p => p.TierId);
        });

        modelBuilder.Entity<UsageEventRow>(usage =>
        {
            usage.ToTable("llm_usage_events").HasKey(u => u.Id);
        });

        modelBuilder.Entity<EventRow>(evt =>
        {
            evt.ToTable("events").HasKey(e => e.Id);
        });

        modelBuilder.Entity<ExecutorLeaseRow>(lease =>
        {
            lease.ToTable("executor_leases").HasKey(l => l.RunId);
        });

        modelBuilder.Entity<CircuitBreakerRow>(breaker =>
        {
            breaker.ToTable("circuit_breakers").HasKey(b => b.Name);
        });

        modelBuilder.Entity<ControlRequestRow>(request =>
        {
            request.ToTable("control_requests").HasKey(r => r.Id);
        });
    }

    internal sealed class UtcTextConverter() : ValueConverter<DateTime, string>(v => DbTime.ToText(v), v => DbTime.FromText(v));

    internal sealed class RunStatusConverter() : ValueConverter<RunStatus, string>(v => v.ToName(), v => StatusNames.ParseRun(v));

    internal sealed class PhaseStatusConverter() : ValueConverter<PhaseStatus, string>(v => v.ToName(), v => StatusNames.ParsePhase(v));
}
