"""A bounded soak in CI: 1,000 inline requests over 5 documents, most superseded, nothing left behind.

The same driver as ``python -m bench.soak`` (10,000 requests over 20 documents), at a
size that takes seconds.
"""

from __future__ import annotations

from bench.soak import soak


async def test_a_thousand_requests_leave_nothing_behind() -> None:
    result = await soak(requests=1000, documents=5)
    assert result["requests"] == 1000
    assert result["never_answered"] == 0
    assert result["errors"] == 0
    assert result["answered"] + result["cancelled"] == 1000
    assert result["answered_with_text"] > 0  # the awaited answers carry suggestions
    assert result["leaks"] == []
    assert result["backend_streams_open_at_end"] == 0
    assert result["end"]["backend_connections"] == []  # none in CLOSE-WAIT, none held without a request
    assert result["end"]["sockets"] <= result["baseline"]["sockets"]
    assert result["rss_mib"]["growth"] < 10, result["rss_mib"]
