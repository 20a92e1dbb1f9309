using Autopack.Domain.Budgets;

namespace Autopack.Storage.Budgets;

/// <summary>A reservation held in <c>token_reservations</c> (or a refusal, when <see cref="Decision"/> is not granted).</summary>
public sealed record TokenReservation(long Id, string RunId, string PhaseId, ReservationDecision Decision)
{
    public bool Granted => Decision.Granted;
}
