"""The debounce: the typing rhythm of one document, and when and how long a request waits for a pause."""

from __future__ import annotations

import pytest

from codex_ls.completion.debounce import LONGEST_PAUSE, OUTRAN_WINDOW, Debouncer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("gaps", "intervals"),
    [
        pytest.param([], [1.0], id="first-keystroke"),
        pytest.param([0.1], [1.0, 0.1], id="second-keystroke-is-its-gap"),
        pytest.param([0.1, 0.2], [1.0, 0.1, 0.7 * 0.1 + 0.3 * 0.2], id="exponential-average"),
        pytest.param([5.0], [1.0, 1.0], id="a-long-gap-counts-as-one-second"),
    ],
)
def test_the_interval_is_an_average_of_the_gaps_between_keystrokes(gaps: list[float], intervals: list[float]) -> None:
    clock = Clock()
    debouncer = Debouncer(clock)
    seen = [debouncer.keystroke(superseding=False, manual=False).interval]
    for gap in gaps:
        clock.now += gap
        seen.append(debouncer.keystroke(superseding=False, manual=False).interval)
    assert seen == pytest.approx(intervals)
    assert debouncer.interval == pytest.approx(intervals[-1])


def test_the_interval_before_a_second_keystroke_is_one_second() -> None:
    debouncer = Debouncer(Clock())
    assert debouncer.interval == 1.0
    debouncer.keystroke(superseding=False, manual=False)
    assert debouncer.interval == 1.0


@pytest.mark.parametrize(
    ("after", "outran"),
    [
        pytest.param(0.0, True, id="just-now"),
        pytest.param(OUTRAN_WINDOW - 0.01, True, id="within-the-window"),
        pytest.param(OUTRAN_WINDOW, False, id="at-the-end-of-the-window"),
        pytest.param(5.0, False, id="long-ago"),
    ],
)
def test_a_close_unanswered_within_a_second_makes_the_request_wait(after: float, outran: bool) -> None:
    clock = Clock()
    debouncer = Debouncer(clock)
    debouncer.keystroke(superseding=False, manual=False)
    closed_at = clock.now
    clock.now += after
    beat = debouncer.keystroke(superseding=False, manual=False, closed_at=closed_at)
    assert (beat.pause is not None) is outran


def test_nothing_outran_the_model_before_a_close() -> None:
    assert Debouncer(Clock()).keystroke(superseding=False, manual=False).pause is None


@pytest.mark.parametrize(
    ("gap", "superseding", "outran", "manual", "enabled", "pause"),
    [
        pytest.param(0.1, False, False, False, True, None, id="isolated-request-goes-at-once"),
        pytest.param(0.1, True, False, False, True, 0.1, id="superseding-waits-one-interval"),
        pytest.param(0.1, False, True, False, True, 0.1, id="outran-waits-one-interval"),
        pytest.param(0.6, True, True, False, True, LONGEST_PAUSE, id="slow-typing-waits-at-most-the-cap"),
        pytest.param(0.1, True, True, True, True, None, id="manual-trigger-never-waits"),
        pytest.param(0.1, True, True, False, False, None, id="disabled"),
    ],
)
def test_the_pause_before_a_request_asks_the_model(
    gap: float, superseding: bool, outran: bool, manual: bool, enabled: bool, pause: float | None
) -> None:
    clock = Clock()
    debouncer = Debouncer(clock, enabled=enabled)
    debouncer.keystroke(superseding=False, manual=False)
    clock.now += gap  # the second keystroke's interval is its gap
    closed_at = clock.now if outran else None
    beat = debouncer.keystroke(superseding=superseding, manual=manual, closed_at=closed_at)
    assert beat.interval == pytest.approx(gap)
    assert beat.pause == (None if pause is None else pytest.approx(pause))
