"""Turns at the one local model: typing first, the latest keystroke first, then actions, then warming."""

from __future__ import annotations

import threading
import time

from codex_ls.backends.turns import Turns


def queue_up(turns: Turns, lanes: list[str], served: list[str]) -> list[threading.Thread]:
    """Hold the model, queue ``lanes`` in that order, then let them through one by one."""

    def take(name: str, lane: str) -> None:
        turns.acquire(lane)
        served.append(name)
        turns.release()

    threads = []
    for index, lane in enumerate(lanes):
        thread = threading.Thread(target=take, args=(f"{lane}-{index}", lane))
        thread.start()
        threads.append(thread)
        while turns.waiting() < index + 1:
            time.sleep(0.001)
    return threads


def run_queue(turns: Turns, lanes: list[str]) -> list[str]:
    served: list[str] = []
    turns.acquire("typing")
    threads = queue_up(turns, lanes, served)
    turns.release()
    for thread in threads:
        thread.join(5)
    return served


def test_typing_goes_first_the_latest_keystroke_first_then_actions_in_order_then_warming() -> None:
    served = run_queue(Turns(), ["warm", "action", "typing", "action", "typing"])
    assert served == ["typing-4", "typing-2", "action-1", "action-3", "warm-0"]


def test_without_completions_first_turns_go_in_order_of_arrival() -> None:
    served = run_queue(Turns(completions_first=False), ["warm", "action", "typing"])
    assert served == ["warm-0", "action-1", "typing-2"]


def test_a_holder_is_outranked_only_by_a_higher_lane_waiting() -> None:
    turns = Turns()
    turns.acquire("action")
    assert not turns.outranked("action")
    served: list[str] = []
    (thread,) = queue_up(turns, ["typing"], served)
    assert turns.outranked("action")
    assert turns.outranked("warm")
    assert not turns.outranked("typing")
    turns.release()
    thread.join(5)
    assert served == ["typing-0"]
    assert not Turns(completions_first=False).outranked("action")


def test_a_waiter_that_is_stopped_leaves_the_queue_and_the_next_one_goes() -> None:
    turns = Turns()
    turns.acquire("action")
    stop = threading.Event()
    result: list[object] = []
    waiter = threading.Thread(target=lambda: result.append(turns.acquire("typing", stop.is_set)))
    waiter.start()
    while turns.waiting() < 1:
        time.sleep(0.001)
    stop.set()
    waiter.join(5)
    assert result == [None]
    assert turns.waiting() == 0
    turns.release()
    assert turns.acquire("warm") is not None


def test_a_holder_that_pauses_for_typing_comes_back_before_a_later_action() -> None:
    turns = Turns()
    first = turns.acquire("action")
    assert first is not None
    served: list[str] = []
    threads = queue_up(turns, ["action", "typing"], served)
    assert turns.outranked("action")
    assert turns.pause(first) == first  # blocks until the typing turn is over
    served.append("paused action")
    turns.release()
    for thread in threads:
        thread.join(5)
    assert served == ["typing-1", "paused action", "action-0"]
