using Autopack.Domain.Settings;
using Autopack.Llm.Providers;
using Autopack.Llm.Resilience;
using Autopack.Llm.Tokens;
using Autopack.Storage.Budgets;

namespace Autopack.Llm.Calls;

/// <summary>
/// Every provider call goes through here: count the prompt with the real tokenizer, reserve the worst case
/// against phase and run (shrinking max output to the headroom, or refusing), call through the provider's
/// Polly pipeline, then write the usage row before the caller sees the reply. A failed or cancelled call
/// releases its reservation.
/// </summary>
public sealed class BudgetedLlmClient(
    TokenLedger ledger,
    ProviderCatalog providers,
    ProviderPipelines pipelines,
    PromptTokenCounter counter,
    AutopackSettings settings)
{
    /// <exception cref="BudgetRefusedException">the budget has nothing useful left.</exception>
    public async Task<LlmCallResult> CallAsync(CallTarget target, string role, string systemPrompt, string userPrompt, bool offlineReject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var provider = providers.Get(target.Provider);
        var promptTokens = counter.CountPrompt(systemPrompt, userPrompt);
        var reservation = await ledger.ReserveAsync(
            target.RunId, target.PhaseId, promptTokens, settings.MaxOutputTokens, settings.MinOutputTokens, target.OwnerId, cancellationToken).ConfigureAwait(false);
        if (!reservation.Granted)
        {
            throw new BudgetRefusedException(reservation.Decision.LimitingScope!.Value, reservation.Decision.Reason!);
        }

        LlmResponse response;
        try
        {
            var request = new LlmRequest(role, systemPrompt, userPrompt, (int)reservation.Decision.MaxOutputTokens, offlineReject);
            response = await pipelines.ExecuteAsync(provider, request, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The reservation goes back whatever happened; CancellationToken.None because the caller's token may be the reason we are here.
            await ledger.ReleaseAsync(reservation, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        var usage = new UsageRecord(target.PhaseName, provider.Name, response.Model, role, response.PromptTokens, response.CompletionTokens);
        var settlement = await ledger.SettleAsync(reservation, usage, CancellationToken.None).ConfigureAwait(false);
        return new LlmCallResult(response.Text, response.Model, settlement, reservation.Decision.Shrunk);
    }
}
