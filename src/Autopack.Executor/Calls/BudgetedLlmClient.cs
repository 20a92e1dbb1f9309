using Autopack.Domain.Budgets;
using Autopack.Llm.Providers;
using Autopack.Llm.Resilience;
using Autopack.Storage.Budgets;

namespace Autopack.Executor.Calls;

/// <summary>
/// Every provider call goes through here: count the prompt as the provider's model counts it
/// (<see cref="ILlmProvider.Counter"/>), then for each HTTP attempt
/// (retries included) reserve the worst case against phase and run (shrinking max output to the headroom, or
/// refusing), send it through the provider's breaker and timeout, and settle it before the next attempt or the
/// caller sees the reply: to the reported usage, to an estimate (the counted prompt, marked estimated) when the
/// provider may have billed it without saying or with usage that cannot be true (<see cref="ReportedUsage"/>), or
/// released when nothing can have been billed (ADR-017). The charge itself is Storage's <see cref="MeteredCall"/>, the
/// path the metered endpoint's requests take too (ADR-036). The prompt is counted in linear time and stops on the
/// caller's token; a reply's text is kept to <see cref="LlmResponse.MaxTextChars"/> (ADR-021).
/// </summary>
public sealed class BudgetedLlmClient(
    TokenLedger ledger,
    ProviderCatalog providers,
    ProviderPipelines pipelines,
    BudgetSettings settings)
{
    /// <summary>The one-shot shape: a system and a user prompt, no tools.</summary>
    /// <exception cref="BudgetRefusedException">the budget has nothing useful left.</exception>
    public Task<LlmCallResult> CallAsync(CallTarget target, string role, string systemPrompt, string userPrompt, bool offlineReject, CancellationToken cancellationToken) =>
        CallAsync(target, LlmRequest.FromPrompts(role, systemPrompt, userPrompt, settings.MaxOutputTokens, offlineReject), cancellationToken);

    /// <summary>
    /// One provider call (one agent turn), retried on transient failures: the whole request (conversation and tool
    /// definitions) is counted once; every attempt reserves it with the output's worst case, is sent with max
    /// output shrunk to what was granted, and is settled on its own. <see cref="LlmRequest.MaxOutputTokens"/> is
    /// the most the caller wants; the settings' maximum caps it.
    /// </summary>
    /// <exception cref="BudgetRefusedException">the budget has nothing useful left.</exception>
    /// <exception cref="ProviderUnavailableException">the provider's breaker is open.</exception>
    /// <exception cref="ProviderException">the last attempt failed (transient ones only after the retries).</exception>
    public async Task<LlmCallResult> CallAsync(CallTarget target, LlmRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(request);
        var provider = providers.Get(target.Provider);
        var promptTokens = provider.Counter.CountRequest(request, cancellationToken);
        var maxOutput = Math.Min(request.MaxOutputTokens, settings.MaxOutputTokens);
        var minOutput = Math.Min(settings.MinOutputTokens, maxOutput);
        return await pipelines.RetryAsync(
            ct => AttemptAsync(target, provider, request, promptTokens, maxOutput, minOutput, ct), cancellationToken).ConfigureAwait(false);
    }

    private async Task<LlmCallResult> AttemptAsync(
        CallTarget target, ILlmProvider provider, LlmRequest request, long promptTokens, int maxOutput, int minOutput, CancellationToken cancellationToken)
    {
        var call = await MeteredCall.ReserveAsync(
            ledger, target.RunId, target.PhaseId, target.OwnerId, promptTokens, maxOutput, minOutput, cancellationToken).ConfigureAwait(false);
        if (!call.Granted)
        {
            throw new BudgetRefusedException(call.Decision.LimitingScope!.Value, call.Decision.Reason!);
        }

        LlmResponse response;
        try
        {
            var granted = request with { MaxOutputTokens = (int)call.Decision.MaxOutputTokens };
            response = await pipelines.SendAttemptAsync(provider, granted, cancellationToken).ConfigureAwait(false);
            if (ReportedUsage.Problem(response, promptTokens, call.Decision.ReservedTokens) is { } problem)
            {
                throw new ProviderException(provider.Name, ProviderErrorKind.MalformedResponse, problem) { MayHaveBeenBilled = true };
            }
        }
        catch (ProviderException ex) when (ex.MayHaveBeenBilled)
        {
            // Sent, and no usable usage came back: charge at least the prompt, marked as an estimate (clamped to the reservation).
            await call.SettleEstimateAsync(target.PhaseName, provider.Name, request.Model ?? provider.Model, request.Role).ConfigureAwait(false);
            throw;
        }
        catch
        {
            // Nothing was billed (an error status, a connection that never opened, an open breaker, a cancel): give it back.
            await call.ReleaseAsync().ConfigureAwait(false);
            throw;
        }

        var usage = new UsageRecord(target.PhaseName, provider.Name, response.Model, request.Role, response.PromptTokens, response.CompletionTokens);
        var settlement = await call.SettleAsync(usage).ConfigureAwait(false);

        // What the executor keeps of a reply is bounded (ADR-021): everything after this works on the cut text.
        return new LlmCallResult(response.WithTextCut(), settlement, call.Decision.Shrunk);
    }
}
