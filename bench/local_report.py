"""``bench/results/local.md``: one table per model, a column per lever configuration, and how it was measured."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from bench.local_typing import CUT, KEY_INTERVAL, LOAD_WAIT, MIN_CODE, PAUSE_CAP, SOURCE_PATH, TYPED
from bench.replay import VSCODE_DEBOUNCE

Run = dict[str, Any]


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def _p(summary: dict[str, Any], unit: str = " s") -> str:
    if not summary.get("n"):
        return "-"
    return f"{summary['p50']:.2f} / {summary['p90']:.2f}{unit} ({summary['n']})"


def _tokens(summary: dict[str, Any]) -> str:
    return f"{summary['p50']:.0f} / {summary['p90']:.0f}" if summary.get("n") else "-"


def _loaded(r: Run) -> str:
    load = r["open"]["model_load"]
    return f"yes, after {load['waited_s']:.1f} s" if load["loaded"] else f"no (waited {load['waited_s']:.0f} s)"


def _first(r: Run) -> str:
    o = r["open"]
    return f"**{o['open_to_answer_s']:.2f} s** ({'non-empty' if o['non_empty'] else 'empty'})"


def _in_time(r: Run) -> str:
    t = r["typing"]["summary"]
    return f"**{t['in_time']} of {t['keystrokes']}** ({t['in_time_correct']} correct)"


def _pause_right(r: Run) -> str:
    t = r["typing"]["summary"]
    return f"{t['pause_right']} of {t['pauses']} ({t['pause_empty_or_timeout']} empty or timed out)"


def _keystroke(k: dict[str, Any] | None) -> str:
    if k is None:
        return "not measured (the Explain was not seen generating)"
    if k["error"]:
        return f"{k['error']} after {k['seconds']:.0f} s"
    calls = "?" if k["model_starts"] is None else k["model_starts"]
    return f"{k['seconds']:.2f} s ({calls} model call{'s' if calls != 1 else ''})"


def _explain_seen(r: Run) -> str:
    e = r["explain"]["explain"]
    return f"after {e['after_s']:.1f} s" if e["running"] else f"not seen in {e['after_s']:.0f} s"


def _seen_times(e: dict[str, Any]) -> str:
    if e["error"]:
        return f"{e['error']} after {e['last_words_s']:.1f} s"
    return f"**{e['first_words_s']:.2f} s** / {e['last_words_s']:.2f} s ({e['pieces']} pieces, {e['characters']} chars)"


def _seen_speed(e: dict[str, Any]) -> str:
    prompt = f"{e['prompt_tokens']} ({e['reused_tokens']}), {e['prompt_eval_tok_per_s']} tok/s"
    return f"{prompt}; {e['generation_tok_per_s']} tok/s"


def _humaneval(kind: str) -> Callable[[Run], str]:
    def cell(r: Run) -> str:
        h = r["humaneval"][kind]
        return f"**{h['pass_at_1']:.2f}** ({h['empty']} empty, p50 {h['latency']['p50_s']:.2f} s)"

    return cell


def _cpu(section: str) -> Callable[[Run], str]:
    def cell(r: Run) -> str:
        c = r["cpu"][section]
        return f"{c['server_cores']:.2f} / {c['machine_busy_cores']:.2f} / {c['steal_cores']:.2f}"

    return cell


def _typing(key: str) -> Callable[[Run], Any]:
    return lambda r: r["typing"]["summary"][key]


def _latency(key: str) -> Callable[[Run], str]:
    return lambda r: _p(r["typing"]["summary"][key])


def _cost(key: str) -> Callable[[Run], Any]:
    return lambda r: r["typing"]["summary"]["cost"][key]


ROWS: list[tuple[str, Callable[[Run], str]]] = [
    ("model loaded before the didOpen", _loaded),
    ("**open → first suggestion** (server running)", _first),
    ("cold start: spawn → first answer (includes that wait)", lambda r: _s(r["open"]["spawn_to_first_answer_s"])),
    ("**keystrokes with a suggestion before the next key**", _in_time),
    ("**keystroke → answer that needed a model call**, p50 / p90 (n)", _latency("model_call_latency_s")),
    ("… answers whose kind is unknown (no codex/stats)", lambda r: str(_typing("answers_of_unknown_kind")(r))),
    ("at the pause: keystroke → suggestion p50 / p90 (n)", _latency("pause_latency_s")),
    ("at the pause: suggestion right", _pause_right),
    (
        "model calls per keystroke: generations logged / started (codex/stats)",
        lambda r: f"{_typing('generations_per_key')(r):.2f} / {_typing('model_starts_per_key')(r)}",
    ),
    ("prompt tokens per generation p50 / p90", lambda r: _tokens(_cost("prompt")(r))),
    ("… reused p50 / p90", lambda r: _tokens(_cost("reused")(r))),
    ("… **evaluated** (prompt - reused) p50 / p90", lambda r: f"**{_tokens(_cost('evaluated')(r))}**"),
    ("prompt eval / generation tok/s", lambda r: f"{_cost('prompt_eval_tok_s')(r)} / {_cost('generation_tok_s')(r)}"),
    ("generations by finish", lambda r: ", ".join(f"{k} {v}" for k, v in _cost("finish")(r).items())),
    ("completion after a contradicting key, idle", lambda r: _keystroke(r["explain"]["idle"])),
    ("Explain seen generating", _explain_seen),
    ("**the same, during the Explain**", lambda r: _keystroke(r["explain"]["during_explain"])),
    ("… during / idle", lambda r: f"**{r['explain']['ratio']:.1f}x**"),
    ("**Explain: command → first words shown / whole answer**", lambda r: _seen_times(r["explain"]["seen"])),
    ("… its prompt: tokens (reused), eval tok/s; generation tok/s", lambda r: _seen_speed(r["explain"]["seen"])),
    ("**HumanEval-SL pass@1, line start** (empty, latency)", _humaneval("line start")),
    ("**HumanEval-SL pass@1, mid-line** (empty, latency)", _humaneval("mid-line")),
    ("peak RSS (VmHWM)", lambda r: f"{r['memory']['VmHWM_kib'] / 1024:.0f} MiB"),
    ("settings the server ignored (its warnings)", lambda r: "; ".join(r["warnings"]) or "none"),
    ("cores used, open: server / machine / stolen", _cpu("open")),
    ("cores used, typing", _cpu("typing")),
    ("cores used, Explain", _cpu("explain")),
    ("cores used, HumanEval line start", _cpu("humaneval line start")),
    ("cores used, HumanEval mid-line", _cpu("humaneval mid-line")),
]


def table(runs: list[Run]) -> list[str]:
    lines = ["| | " + " | ".join(r["config"] for r in runs) + " |", "|---|" + "---|" * len(runs)]
    for label, get in ROWS:
        cells = []
        for r in runs:
            try:
                cells.append(get(r))
            except (KeyError, TypeError, ValueError, ZeroDivisionError):
                cells.append("-")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def header(results: dict[str, Any]) -> list[str]:
    m = results["machine"]
    sources = "; ".join(
        f"`{ref}` = `{s.get('commit', s.get('head'))}`" for ref, s in results.get("sources", {}).items()
    )
    configs = "; ".join(
        f"**{name}**: `{c['ref']}`" + (f" with `{json.dumps(c['levers'])}`" if c["levers"] else ", default settings")
        for name, c in results["configs"].items()
    )
    return [
        "# The embedded model: what the user waits for",
        "",
        f"`{results['command']}` — {results['date']}, {results.get('total_seconds', 0):.0f} s in all.",
        "",
        f"Machine: {m['cpu']}, nproc {m['nproc']} (affinity {m['affinity']}), Python {m['python']}, "
        f"llama-cpp-python {m['llama_cpp_python']}; load average {m['loadavg_start'][0]:.2f} at the start, "
        f"{m.get('loadavg_end', [float('nan')])[0]:.2f} at the end. The machine is shared: the 'cores used' rows "
        "say how much of it the server got.",
        "",
        f"Server code (frozen copies of `server/codex_ls`): {sources}.",
        "",
        f"Configurations, each in a fresh server process per model: {configs}.",
        "",
    ]


def how(results: dict[str, Any]) -> list[str]:
    places, deb = results["places"], VSCODE_DEBOUNCE * 1000
    return [
        "## How",
        "",
        "* Everything goes through the real server process over stdio (`python -m codex_ls --stdio`), driven by a "
        "pygls client that announces work-done progress support; initializationOptions "
        '`{"model": {"name": MODEL, "large": LARGE, **levers}}` (`--large`, "" unless said: each model alone), '
        "completion.timeout 60 s (the client's own request timeout).",
        f"* Open → first suggestion: after `initialize` the client waits until the server logs `loaded …` "
        f"(the model is loaded) or {LOAD_WAIT:.0f} s, then opens `{SOURCE_PATH.name}` (this interpreter's stdlib) "
        "with one line cut as below, and at once asks for an inline completion there; the time is from the didOpen "
        "to the answer. That line is the first candidate of a second grid offset by half a stride from the typing "
        "places (for 10 places, two lines above the first), so that the typing cannot be served from the server's "
        "cache of this answer. Cold start is from the process spawn to that answer.",
        f"* Typing: {places} places in `{SOURCE_PATH.name}`, single-line statements in function bodies with at least "
        f"{MIN_CODE} characters of code, at a fixed stride over the candidates. At each, the line's last {CUT} "
        f"characters are deleted (one didChange; the client asks after it, as VS Code does, but it is not counted as "
        f"a keystroke), then {TYPED} of them typed back at {KEY_INTERVAL * 1000:.0f} ms a key by `bench/replay.py`'s "
        f"VS Code client (`EditorRequests`): each key cancels the unanswered request (`$/cancelRequest`), then the "
        f"didChange, then a request after {deb:.0f} ms. Then the client waits for the last request's answer "
        f"({PAUSE_CAP:.0f} s at most): that is the pause.",
        "* A keystroke has a suggestion before the next key when its own request was answered non-empty before the "
        f"next key (for the last key: within {KEY_INTERVAL * 1000:.0f} ms of it); correct when the suggestion's first "
        "min(len, remaining) characters are the true rest of the line. Latencies are from the keystroke (so include "
        f"the {deb:.0f} ms debounce) to the answer. An answer needed a model call when the server's `codex/stats` "
        "counts, taken just before its request and just before the next one (the server counts a request when it "
        "starts handling it), grew in `model` (a new generation) or `reused` (it took over a generation in flight). "
        "At the pause, a suggestion is right when it starts with the 6 characters still missing.",
        "* Model calls per keystroke: `local generation ended` log lines during the typing (every generation, "
        "cancelled ones and those of the deletions included) / keystrokes, and the growth of codex/stats' `model` "
        "count (generations started) over the section / keystrokes. "
        "Tokens per generation come from those log lines: evaluated = prompt - reused; prompt eval tok/s = evaluated "
        "tokens / prompt seconds, generation tok/s = generated / generation seconds, summed over the section.",
        "* During an Explain: at one place (not a typing place) the line is cut and the model completes it; then one "
        "character is typed that contradicts the shown suggestion (the true next character if it does, else `x`, `_` "
        "or `q`), so that type-through and the cache cannot answer, and the completion after it is timed (a model "
        "call, confirmed by codex/stats). Then `codex/explain` is sent for the function around that place; once its "
        "progress reports characters received (its generation runs), the same kind of keystroke is timed at a second "
        "place, whose line had been completed before the Explain started. The Explain is cancelled after.",
        "* Explain as the user sees it: `codex/explain` with a `partialResultToken` for another function, timed from "
        "the request to the first partial result (the first words shown; a server that sends none shows them with "
        "its answer) and to the answer; its prompt and generation speed from the server's `local chat ended` line.",
        f"* HumanEval single-line infilling, {results['tasks']} tasks (every 10th): line start = the document "
        "`prompt + suffix`, cursor where the held-out line was; mid-line = the held-out line's indentation and the "
        "first half of its code in the document, cursor after them, scored on the whole line. pass@1 runs the task's "
        "test with the suggestion and a line break (`bench.humaneval.score`).",
        "* Peak RSS: VmHWM of the server just before shutdown. Cores used: server / whole machine / stolen over each "
        "section (`/proc`).",
    ]


def markdown(results: dict[str, Any]) -> str:
    out = header(results)
    for model in dict.fromkeys(r["model"] for r in results["runs"]):
        out += [f"## {model}", "", *table([r for r in results["runs"] if r["model"] == model]), ""]
    if "incomplete" in results:
        out += [f"**Incomplete run: {results['incomplete']}**", ""]
    return "\n".join([*out, *how(results), ""])
