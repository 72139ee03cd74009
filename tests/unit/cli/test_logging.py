"""What the server's log leaves out."""

from __future__ import annotations

import logging

import pytest

from codex_ls.cli.main import _not_a_late_cancel


@pytest.mark.parametrize(
    ("message", "kept"),
    [
        pytest.param('Cancel notification for unknown message id "42"', False, id="cancel-after-the-answer"),
        pytest.param("Failed to handle notification", True, id="other-warning"),
    ],
)
def test_a_cancel_that_crosses_its_answer_is_not_a_warning(message: str, kept: bool) -> None:
    record = logging.LogRecord("pygls.protocol.json_rpc", logging.WARNING, __file__, 1, message, None, None)
    assert _not_a_late_cancel(record) is kept
