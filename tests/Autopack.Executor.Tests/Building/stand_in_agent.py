#!/usr/bin/env python3
"""A stand-in coding agent for ExternalBuilderTests, standard library only.

It does what an agent CLI does with Autopack's metered endpoint: reads its instructions from
AUTOPACK_PROMPT_FILE, then calls chat completions at OPENAI_BASE_URL with OPENAI_API_KEY, streamed and
not in turn, the conversation growing each time, until a request is refused (or, given a second
argument, after that many calls). It leaves evidence for the test in the folder given as its first
argument (its environment, the refusal as it came) and writes a file in its working folder (the
worktree), as a builder would: one line saying how many calls it made, then as many lines of work as
a third argument asks for (a larger change for the auditor to read).
"""
import json
import os
import sys
import urllib.error
import urllib.request

evidence = sys.argv[1]
max_calls = int(sys.argv[2]) if len(sys.argv) > 2 else 500
work_lines = int(sys.argv[3]) if len(sys.argv) > 3 else 0
with open(os.path.join(evidence, "env.json"), "w", encoding="utf-8") as f:
    json.dump(dict(os.environ), f)

base = os.environ["OPENAI_BASE_URL"].rstrip("/")
key = os.environ["OPENAI_API_KEY"]
with open(os.environ["AUTOPACK_PROMPT_FILE"], encoding="utf-8") as f:
    prompt = f.read()

messages = [
    {"role": "system", "content": "You are a stand-in coding agent."},
    {"role": "user", "content": prompt},
]
calls = 0
refused = False
while calls < max_calls:
    stream = calls % 2 == 1
    body = {"model": "whatever", "messages": messages, "max_tokens": 300, "stream": stream}
    request = urllib.request.Request(
        base + "/chat/completions",
        data=json.dumps(body).encode("utf-8"),
        headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            text = ""
            if stream:
                for raw in response:
                    line = raw.decode("utf-8").strip()
                    if line.startswith("data: ") and line != "data: [DONE]":
                        for choice in json.loads(line[6:]).get("choices", []):
                            text += choice.get("delta", {}).get("content") or ""
            else:
                text = json.load(response)["choices"][0]["message"].get("content") or ""
    except urllib.error.HTTPError as error:
        refusal = {"status": error.code, "body": json.loads(error.read().decode("utf-8"))}
        with open(os.path.join(evidence, "refusal.json"), "w", encoding="utf-8") as f:
            json.dump(refusal, f)
        refused = True
        break
    calls += 1
    messages.append({"role": "assistant", "content": text})
    messages.append({"role": "user", "content": "Carry on with the next step of the goal."})

with open("agent-output.txt", "w", encoding="utf-8") as f:
    f.write(f"{calls} calls\n")
    for line in range(1, work_lines + 1):
        f.write(f"line {line} of the work the stand-in agent did\n")
print(f"stand-in agent: {calls} calls, then {'refused' if refused else 'stopped'}")
