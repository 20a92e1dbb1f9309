namespace Autopack.Api.Alerts;

/// <summary>
/// Something an operator should look at now. <see cref="Kind"/> is one of <see cref="AlertKinds"/>;
/// <see cref="Subject"/> names what it is about (a run, a phase, a breaker, the API).
/// </summary>
public sealed record Alert(string Kind, string Severity, string Subject, string Message);
