using System.Diagnostics;
using System.Globalization;
using System.Net;
using Autopack.Domain.Plans;
using Autopack.Domain.Runs;
using Autopack.Storage.Breakers;
using Autopack.Storage.Database;
using Autopack.Storage.Queue;
using Autopack.Storage.Runs;
using Autopack.Testing;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Autopack.Api.Tests.Dashboard;

/// <summary>
/// The dashboard as an operator uses it: the real <c>autopack serve</c> and a real executor on a migrated temp
/// database, Debian's headless Chromium driven through chromedriver, traffic only to 127.0.0.1. Every process is
/// stopped by its own handle. Screenshots go to the test's output folder (and to docs/dashboard.png when
/// AUTOPACK_DOCS_SCREENSHOT=1, so an ordinary test run leaves the checkout alone).
/// </summary>
[NonParallelizable]
public sealed class DashboardBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";
    private const string DriverFolder = "/usr/bin";
    private const string Driver = "chromedriver";
    private const string ApiKey = "e2e-dashboard-key";
    private const string RunId = "e2e-dash-1";
    private const string FileRunId = "e2e-dash-2";
    private const string HostileFile = "<img src=x onerror=\"document.title='pwned'\"><script>document.title='pwned'</script>";
    private const string HostileGoal = "Ship the <b>health</b> endpoint <img src=x onerror=\"document.title='pwned'\"><script>document.title='pwned'</script>";

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Test]
    public async Task Dashboard_ExecutingRun_OperatorSeesItsPhasesAndAbortsItLiveWithTheApiKey()
    {
        IgnoreWithoutChromium();

        using var db = new TestDatabase();
        await SeedAsync(db);
        var port = FreePort.Next();
        var env = Settings(db, port, offlineLatencyMs: 20_000);
        var baseUrl = $"http://127.0.0.1:{port}";

        using var server = AutopackProcess.Start(db.FolderPath, env, "serve");
        await WaitForReadyAsync(server, baseUrl);
        using var executor = AutopackProcess.Start(db.FolderPath, env, "execute", "--run-id", RunId);
        using var profile = new TempDirectory("autopack-chromium");
        using var browser = StartChromium(profile.Path);
        var shots = TestContext.CurrentContext.WorkDirectory;

        // The runs page: the run is listed, executing, its goal shown as text; the page asks for the API key.
        browser.Navigate().GoToUrl($"{baseUrl}/dashboard");
        await EventuallyAsync(() => Text(browser, $"tr[data-run-id='{RunId}'] .badge") == "EXECUTING" ? true : (bool?)null, "the run listed as EXECUTING");
        Assert.Multiple(() =>
        {
            Assert.That(Text(browser, $"tr[data-run-id='{RunId}'] .goal"), Is.EqualTo(HostileGoal), "the hostile goal is shown as text");
            Assert.That(browser.FindElement(By.Id("key-panel")).Displayed, Is.True, "the page asks for the API key");
            Assert.That(browser.FindElements(By.CssSelector("main img, main script, main b")), Is.Empty, "nothing from the goal became an element");
            Assert.That(browser.Title, Does.Not.Contain("pwned"));
        });
        Save(browser, shots, "dashboard-runs.png", toDocs: true);

        // The run page: tiers and phases with status and attempts, the executor's heartbeat.
        browser.FindElement(By.CssSelector($"tr[data-run-id='{RunId}'] a.run-link")).Click();
        await EventuallyAsync(() => Text(browser, $"tr[data-phase-id='{RunId}-p1'] .phase-status") == "EXECUTING" ? true : (bool?)null, "phase 1 EXECUTING");
        await EventuallyAsync(() => browser.FindElements(By.CssSelector(".executor .heartbeat-age")).Count == 1 ? true : (bool?)null, "the executor's heartbeat");
        Assert.Multiple(() =>
        {
            Assert.That(new Uri(browser.Url).AbsolutePath, Is.EqualTo($"/dashboard/runs/{RunId}"));
            Assert.That(browser.FindElements(By.CssSelector("tr[data-phase-id]")).Select(e => e.GetAttribute("data-phase-id")), Is.EqualTo(new[] { $"{RunId}-p1", $"{RunId}-p2" }));
            Assert.That(Text(browser, $"tr[data-phase-id='{RunId}-p2'] .phase-status"), Is.EqualTo("QUEUED"));
            Assert.That(Text(browser, $"tr[data-phase-id='{RunId}-p1'] td:nth-child(4)"), Is.EqualTo("1 / 3"), "attempts");
            Assert.That(Text(browser, ".executor"), Does.Contain($"pid {executor.Pid}").And.Contain("last heartbeat"));
            Assert.That(Text(browser, ".goal-full"), Is.EqualTo(HostileGoal));
            Assert.That(browser.FindElement(By.CssSelector("svg.chart")).Displayed, Is.True, "the usage chart is drawn");
        });
        ((IJavaScriptExecutor)browser).ExecuteScript("window.__sameDocument = 'yes';");
        Save(browser, shots, "dashboard-run-executing.png");

        // Abort: confirm, then the page asks for the key once and sends the abort with it.
        browser.FindElement(By.CssSelector("button[data-action='abort']")).Click();
        var dialog = await EventuallyAsync(() => browser.FindElement(By.Id("confirm")) is { Displayed: true } d ? d : null, "the confirm dialog");
        Assert.That(dialog.FindElement(By.Id("confirm-title")).Text, Is.EqualTo($"Abort run {RunId}?"));
        browser.FindElement(By.Id("confirm-ok")).Click();
        await EventuallyAsync(() => browser.FindElement(By.Id("key-error")).Text is { Length: > 0 } t ? t : null, "the request for the API key");
        Assert.That(File.Exists(Path.Combine(db.RunsDirectory, ".abort_run")), Is.False, "nothing is sent without the key");
        browser.FindElement(By.Id("key-input")).SendKeys(ApiKey);
        browser.FindElement(By.Id("key-submit")).Click();

        await EventuallyAsync(() => Text(browser, ".run-head h1 .badge") == "ABORTED" ? true : (bool?)null, "the run shown ABORTED");
        await EventuallyAsync(() => Text(browser, $"tr[data-phase-id='{RunId}-p1'] .phase-status") is "QUEUED" or "FAILED" or "TIMED_OUT" or "SKIPPED" ? true : (bool?)null, "phase 1 no longer executing");
        Assert.Multiple(() =>
        {
            Assert.That(((IJavaScriptExecutor)browser).ExecuteScript("return window.__sameDocument;"), Is.EqualTo("yes"), "updated live, without reloading the page");
            Assert.That(browser.FindElements(By.CssSelector("button[data-action='abort']")), Is.Empty, "no actions on an ended run");
            Assert.That(Text(browser, "#notice"), Does.Contain("Abort requested"));
            Assert.That(Text(browser, "#key-set"), Does.Contain("API key set"));
        });
        Save(browser, shots, "dashboard-run-aborted.png");

        Assert.That(await executor.WaitForExitAsync(TimeSpan.FromSeconds(30)), Is.True, "the executor exits after the abort");
        Assert.That(executor.ExitCode, Is.Zero, executor.Error);
        Assert.That(db.Scalar($"SELECT count(*) FROM runs WHERE run_id = '{RunId}' AND status = 'ABORTED'"), Is.EqualTo(1));
    }

    [Test]
    public async Task Dashboard_BreakerResetAppliedAndQueueDraining_ShowsBothAsTheyAre()
    {
        IgnoreWithoutChromium();

        using var db = new TestDatabase();
        var breakers = new BreakerStates(db.Database, TimeProvider.System);
        await breakers.PublishAsync("openai", "open", 5, DateTime.UnixEpoch, "executor 1");
        await breakers.PublishAsync("anthropic", "open", 5, DateTime.UnixEpoch, "executor 1");
        await Task.Delay(20);
        await breakers.RequestResetAsync(null);
        await Task.Delay(20);

        // An executor applied the reset to anthropic and published it closed; openai's executor has not beaten since.
        await breakers.PublishAsync("anthropic", "closed", 0, null, "executor 1");

        // The queue: DRAINING with a global limit, one worker whose heartbeat stopped.
        await new QueueControl(db.Database, TimeProvider.System).UpdateAsync(new QueueChange(Mode: QueueMode.Draining, ChangeLimit: true, ExecutingLimit: 3), "test");
        await new WorkerRegistry(db.Database, TimeProvider.System).RegisterAsync(new WorkerRegistration("w-gone", "host-b", 4321, 2));
        db.Scalar("UPDATE workers SET heartbeat_at = '2026-01-01T00:00:00.000Z'; SELECT changes()");
        var port = FreePort.Next();
        var baseUrl = $"http://127.0.0.1:{port}";
        using var server = AutopackProcess.Start(db.FolderPath, Settings(db, port, offlineLatencyMs: 0), "serve");
        await WaitForReadyAsync(server, baseUrl);
        using var profile = new TempDirectory("autopack-chromium");
        using var browser = StartChromium(profile.Path);

        browser.Navigate().GoToUrl($"{baseUrl}/dashboard");
        string BreakerCell(string name) => browser.FindElement(By.XPath($"//button[@data-target='{name}']/ancestor::tr/td[2]")).Text.Trim();
        await EventuallyAsync(() => BreakerCell("anthropic").StartsWith("closed", StringComparison.OrdinalIgnoreCase) ? true : (bool?)null, "anthropic listed closed");

        Assert.Multiple(() =>
        {
            Assert.That(BreakerCell("anthropic"), Does.Not.Contain("reset requested"), "the reset was applied");
            Assert.That(BreakerCell("openai"), Does.Contain("reset requested"), "no executor has applied this one yet");
            Assert.That(Text(browser, "dl[data-queue-mode='DRAINING']"), Does.Contain("DRAINING").And.Contain("of 3").And.Contain("no: the queue is DRAINING"));
            Assert.That(Text(browser, "section[aria-labelledby='queue-title'] table"), Does.Contain("pid 4321 on host-b").And.Contain("stale"));
        });
    }

    [Test]
    public async Task Dashboard_FinishedRun_OperatorReadsAHostileDiffAsTextAndSeesTheBranchAndItsCommit()
    {
        IgnoreWithoutChromium();

        using var db = new TestDatabase();
        var plan = new PlanBuilder(FileRunId).Phase($"{FileRunId}-p1", edits: [new OfflineEdit("x.html", Content: HostileFile)]).Build();
        await db.CreateRunAsync(plan);
        var port = FreePort.Next();
        var env = Settings(db, port, offlineLatencyMs: 50);
        var baseUrl = $"http://127.0.0.1:{port}";

        using var server = AutopackProcess.Start(db.FolderPath, env, "serve");
        await WaitForReadyAsync(server, baseUrl);
        using var executor = AutopackProcess.Start(db.FolderPath, env, "execute", "--run-id", FileRunId);
        Assert.That(await executor.WaitForExitAsync(TimeSpan.FromSeconds(60)), Is.True, "the executor finishes the one-phase run");
        Assert.That(executor.ExitCode, Is.Zero, executor.Error);
        var sha = CommitOf(db, $"{FileRunId}-p1");
        Assert.That(sha, Is.Not.Null.And.Length.EqualTo(40), "the approved phase became a commit");

        using var profile = new TempDirectory("autopack-chromium");
        using var browser = StartChromium(profile.Path);
        browser.Navigate().GoToUrl($"{baseUrl}/dashboard/runs/{FileRunId}");
        await EventuallyAsync(() => Text(browser, ".run-head h1 .badge") == "DONE_SUCCESS" ? true : (bool?)null, "the run shown DONE_SUCCESS");
        var diffButton = $"li[data-phase-id='{FileRunId}-p1'][data-attempt='1'] button[data-action='show'][data-kind='diff']";
        await EventuallyAsync(() => browser.FindElements(By.CssSelector(diffButton)).Count == 1 ? true : (bool?)null, "the diff button of attempt 1");
        Assert.Multiple(() =>
        {
            Assert.That(Text(browser, "dl.facts"), Does.Contain($"autopack/{FileRunId}"), "the run's branch");
            Assert.That(browser.FindElements(By.CssSelector("dl.facts ol.commits li")).Select(e => e.Text).ToList(), Has.Count.EqualTo(1).And.One.StartsWith(sha![..12]), "one commit, the phase's");
            Assert.That(browser.FindElements(By.CssSelector($"li[data-phase-id='{FileRunId}-p1'] button[data-action='show']")).Select(e => e.GetAttribute("data-kind")),
                Is.EqualTo(new[] { "diff", "transcript", "auditor" }), "what attempt 1 left (no verify command, so no verify log)");
        });

        browser.FindElement(By.CssSelector(diffButton)).Click();
        var artifact = await EventuallyAsync(() => browser.FindElements(By.CssSelector("pre.artifact[data-kind='diff']")).FirstOrDefault(), "the diff shown");
        Save(browser, TestContext.CurrentContext.WorkDirectory, "dashboard-run-diff.png");

        // Read after the screenshot, so an onerror handler that had been let in would have run by now.
        var title = ((IJavaScriptExecutor)browser).ExecuteScript("return document.title;") as string;
        Assert.Multiple(() =>
        {
            Assert.That(artifact.Text, Does.Contain("x.html").And.Contain($"+{HostileFile}"), "the hostile markup is shown literally");
            Assert.That(artifact.FindElements(By.XPath("./*")), Is.Empty, "nothing in the diff became an element");
            Assert.That(browser.FindElements(By.CssSelector("main img, main script")), Is.Empty);
            Assert.That(title, Does.Not.Contain("pwned"));
            Assert.That(browser.Title, Does.Not.Contain("pwned"));
        });
    }

    private static string? CommitOf(TestDatabase db, string phaseId)
    {
        using var connection = db.Database.Open();
        using var query = connection.CreateCommand();
        query.CommandText = "SELECT commit_sha FROM phases WHERE phase_id = $phase";
        query.Parameters.AddWithValue("$phase", phaseId);
        return query.ExecuteScalar() as string;
    }

    private static void IgnoreWithoutChromium()
    {
        if (!File.Exists(Chromium) || !File.Exists(Path.Combine(DriverFolder, Driver)))
        {
            Assert.Ignore($"{Chromium} or {DriverFolder}/{Driver} is missing: run .ci/setup-test-deps.sh (it installs Debian's chromium and chromium-driver)");
        }
    }

    private static Dictionary<string, string?> Settings(TestDatabase db, int port, int offlineLatencyMs) => new(StringComparer.Ordinal)
    {
        ["AUTOPACK_DB"] = db.Database.FullPath,
        ["AUTOPACK_RUNS_DIR"] = db.RunsDirectory,
        ["AUTOPACK_LOG_PATH"] = Path.Combine(db.FolderPath, "logs", "autopack.jsonl"),
        ["AUTOPACK_PORT"] = port.ToString(CultureInfo.InvariantCulture),
        ["AUTOPACK_API_KEY"] = ApiKey,
        ["AUTOPACK_OFFLINE_LATENCY_MS"] = offlineLatencyMs.ToString(CultureInfo.InvariantCulture),
        ["AUTOPACK_BUILD_HISTORY"] = Path.Combine(db.FolderPath, "BUILD_HISTORY.md"),
    };

    private static async Task SeedAsync(TestDatabase db)
    {
        var plan = new PlanBuilder(RunId).Tier("build").Phase($"{RunId}-p1", category: "implementation").Tier("verify").Phase($"{RunId}-p2", category: "verification").Build();
        await new RunStore(db.Database, TimeProvider.System).CreateAsync(plan with { Goal = HostileGoal }, TestDatabase.DefaultCaps);

        // A run finished earlier, so the chart and the list show some history.
        await db.CreateRunAsync(new PlanBuilder("e2e-earlier", runCap: 400_000).Phase("e2e-earlier-p1").Build());
        var writer = new RunStateWriter(db.Database, TimeProvider.System);
        await writer.TransitionRunAsync("e2e-earlier", RunStatus.Executing);
        foreach (var status in new[] { PhaseStatus.Executing, PhaseStatus.Gate, PhaseStatus.Complete })
        {
            await writer.TransitionPhaseAsync("e2e-earlier-p1", status);
        }

        await writer.TransitionRunAsync("e2e-earlier", RunStatus.DoneSuccess);
        using var connection = db.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO llm_usage_events (run_id, phase_id, phase_name, provider, model, role, prompt_tokens, completion_tokens, created_at)
            VALUES ('e2e-earlier', 'e2e-earlier-p1', 'e2e-earlier-p1', 'offline', 'offline-1', $role, $prompt, $completion, $at)
            """;
        var now = TimeProvider.System.GetUtcNow();
        for (var i = 0; i < 40; i++)
        {
            command.Parameters.Clear();
            command.Parameters.AddWithValue("$role", i % 2 == 0 ? "builder" : "auditor");
            command.Parameters.AddWithValue("$prompt", 1500 + (i * 37 % 900));
            command.Parameters.AddWithValue("$completion", 400 + (i * 53 % 500));
            command.Parameters.AddWithValue("$at", DbTime.ToText(now - TimeSpan.FromMinutes(50 - i)));
            command.ExecuteNonQuery();
        }
    }

    private static ChromeDriver StartChromium(string profile)
    {
        var options = new ChromeOptions { BinaryLocation = Chromium };
        options.AddArguments(
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", $"--user-data-dir={profile}",
            "--window-size=1280,1500", "--lang=en-US");
        var service = ChromeDriverService.CreateDefaultService(DriverFolder, Driver);
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    private static string Text(IWebDriver browser, string css) => browser.FindElement(By.CssSelector(css)).Text.Trim();

    /// <summary>Polls until <paramref name="probe"/> gives a value; the page re-renders as it polls, so a vanished element is retried.</summary>
    private static async Task<T> EventuallyAsync<T>(Func<T?> probe, string what)
        where T : class
    {
        var started = Stopwatch.StartNew();
        Exception? last = null;
        while (started.Elapsed < Patience)
        {
            try
            {
                if (probe() is { } value)
                {
                    return value;
                }
            }
            catch (Exception ex) when (ex is NoSuchElementException or StaleElementReferenceException)
            {
                last = ex;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"not seen within {Patience.TotalSeconds} s: {what} ({last?.Message})");
        return null!;
    }

    private static async Task<bool?> EventuallyAsync(Func<bool?> probe, string what) =>
        await EventuallyAsync<object>(() => probe() is true ? true : null, what) is true;

    private static void Save(ChromeDriver browser, string folder, string name, bool toDocs = false)
    {
        var path = Path.Combine(folder, name);
        browser.GetScreenshot().SaveAsFile(path);
        TestContext.AddTestAttachment(path, name);
        if (toDocs && Environment.GetEnvironmentVariable("AUTOPACK_DOCS_SCREENSHOT") == "1")
        {
            File.Copy(path, RepositoryRoot.Combine("docs", "dashboard.png"), overwrite: true);
        }
    }

    private static async Task WaitForReadyAsync(AutopackProcess server, string baseUrl)
    {
        using var client = new HttpClient { BaseAddress = new Uri(baseUrl) };
        await server.WaitUntilReadyAsync(client);
    }
}
