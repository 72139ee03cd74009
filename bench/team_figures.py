"""bench.team's figures: per user, from what the client saw and what the engine said through the relay."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from bench.common import percentile

if TYPE_CHECKING:
    from tests.engines.relay import Exchange

    from bench.team import Sent, User


def place(body: bytes) -> str:
    """Where a request asked: the two lines above the cursor's line, as the prompt shows them."""
    try:
        sent = json.loads(body)
    except ValueError:
        return ""
    prefix = str(sent.get("input_prefix", "")) + str(sent.get("prompt", ""))
    if "<|fim_prefix|>" in prefix:  # the openai kind's rendered template
        fim = prefix.split("<|fim_prefix|>", 1)[1]
        prefix = fim.split("<|fim_suffix|>", 1)[0] + fim.split("<|fim_middle|>", 1)[-1]
    return "\n".join(prefix.split("\n")[-3:-1])


def ms(values: list[float], q: float) -> float | None:
    return round(percentile(values, q) * 1000) if values else None


def typing_exchanges(user: User) -> list[Exchange]:
    """The requests the relays saw from the first keystroke on (the warm-up's left out)."""
    start = user.typed[0][0] if user.typed else 0.0
    return [e for relay in user.relays for e in relay.exchanges if e.started >= start]


def prompt_tokens_after_first_at_a_place(user: User) -> list[float]:
    """The engine's prompt tokens of the typing's requests at a place (the lines above the cursor's)
    that an earlier request, the warm-up's included, had asked at."""
    start = user.typed[0][0] if user.typed else 0.0
    seen: set[str] = set()
    later = []
    for e in sorted((e for relay in user.relays for e in relay.exchanges), key=lambda e: e.started):
        if e.prompt_n is not None:
            where = place(e.body)
            if where in seen and e.started >= start:
                later.append(float(e.prompt_n))
            seen.add(where)
    return later


def user_figures(user: User, stats: dict[str, int], happened: dict[str, float]) -> dict[str, Any]:
    assert user.requests is not None
    sent = {s.key: s for s in user.requests.sent}
    ends = [t for t, _, _ in user.typed[1:]] + [user.typed[-1][0] + 0.12]
    counted = correct = shown = 0
    for index, ((_, wrong, truth), next_key) in enumerate(zip(user.typed, ends, strict=True)):
        if wrong:
            continue
        counted += 1
        s = sent.get(index)
        if s and s.items and s.items[0] and s.answered is not None and s.answered <= next_key:
            shown += 1
            correct += truth.startswith(s.items[0])
    exchanges = typing_exchanges(user)
    prompt_n = [float(e.prompt_n) for e in exchanges if e.prompt_n is not None]
    later = prompt_tokens_after_first_at_a_place(user)
    latencies = [s.answered - s.at for s in sent.values() if s.items and s.answered is not None]
    figures: dict[str, Any] = {
        "user": user.index,
        "warm_up_seconds": user.warmed,
        "keystrokes": len(user.typed),
        "correct_in_time": round(correct / max(counted, 1), 3),
        "suggestion_in_time": round(shown / max(counted, 1), 3),
        "backend_requests_per_keystroke": round(len(exchanges) / max(len(user.typed), 1), 3),
        "latency_p50_ms": ms(latencies, 50),
        "latency_p90_ms": ms(latencies, 90),
        "engine_prompt_tokens_p50": percentile(prompt_n, 50) if prompt_n else None,
        "engine_prompt_tokens_p90": percentile(prompt_n, 90) if prompt_n else None,
        "engine_prompt_tokens_p50_after_first_at_a_place": percentile(later, 50) if later else None,
        "engine_requests_finished": len(prompt_n),
        "engine_requests_left_by_the_client": sum(1 for e in exchanges if e.client_left),
        "requests": len(sent),
        "unanswered": sum(1 for s in sent.values() if s.answered is None),
        "edits_asked": user.edits_asked,
        "server_counts": stats,
    }
    if "killed" in happened:
        figures |= outage(user, list(sent.values()), happened)
    return figures


def outage(user: User, sent: list[Sent], happened: dict[str, float]) -> dict[str, Any]:
    """While the engine was down, and how soon suggestions came back (from its return, or from the kill)."""
    killed = happened["killed"]
    back = happened.get("back", killed)
    down = [s for s in sent if killed <= s.at < happened.get("back", float("inf"))]
    first = min((s.answered for s in sent if s.items and s.answered is not None and s.answered >= back), default=None)
    engine = min((e.ended for r in user.relays for e in r.exchanges if e.status == 200 and e.ended and e.ended >= back
                  and not e.client_left), default=None)  # fmt: skip
    reached = min((e.started for r in user.relays for e in r.exchanges if e.started >= back and not e.refused),
                  default=None)  # fmt: skip
    head = min((e.head_at for r in user.relays for e in r.exchanges if e.head_at and e.started >= back
                and e.status == 200), default=None)  # fmt: skip
    messages = [m for t, m in user.shown if t >= killed]
    exchanges = user.relays[-1].exchanges
    return {
        "requests_while_down": len(down),
        "answered_while_down": sum(1 for s in down if s.answered is not None),
        "suggestions_while_down": sum(1 for s in down if s.items),
        "messages_after_kill": messages,
        "seconds_to_first_request_reaching_the_engine": round(reached - back, 2) if reached is not None else None,
        "seconds_to_first_engine_token": round(head - back, 2) if head is not None else None,
        "seconds_to_first_engine_answer": round(engine - back, 2) if engine is not None else None,
        "seconds_to_first_suggestion": round(first - back, 2) if first is not None else None,
        "requests_to_last_endpoint_after_kill": sum(1 for e in exchanges if e.started >= killed),
    }


def summary(
    name: str, users: list[User], stats: list[dict[str, int]], happened: dict[str, float], **extra: Any
) -> dict[str, Any]:
    rows = [user_figures(user, stat, happened) for user, stat in zip(users, stats, strict=True)]
    every = [float(e.prompt_n) for u in users for e in typing_exchanges(u) if e.prompt_n is not None]
    later = [n for u in users for n in prompt_tokens_after_first_at_a_place(u)]
    return {
        "phase": name,
        "users": rows,
        "backend_requests_per_keystroke": round(
            sum(len(typing_exchanges(u)) for u in users) / max(sum(len(u.typed) for u in users), 1), 3
        ),
        "engine_prompt_tokens_p50_after_first_at_a_place": percentile(later, 50) if later else None,
        "engine_prompt_tokens_p50": percentile(every, 50) if every else None,
        **extra,
    }
