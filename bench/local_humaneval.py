"""HumanEval single-line infilling through one server: at the start of the held-out line, and mid-line.

* ``line start``: the document is ``prompt + suffix`` and the cursor is at the end
  of ``prompt``, where the held-out line was (its start); the usual protocol.
* ``mid-line``: the held-out line's indentation and the first half of its code
  (``len(code) // 2`` characters) are part of the document, followed by a line
  break and ``suffix``; the cursor is after that half. The suggestion is scored
  on the whole line (the half typed + the suggestion). This is where a prompt
  that puts the typed part of the cursor line after the FIM middle marker can
  cost quality.

Both are scored by ``bench.humaneval.score`` (the test in a subprocess; pass@1
with a line break appended after the suggestion).
"""

from __future__ import annotations

import sys
from typing import Any

from lsprotocol import types

from bench.client import Server
from bench.common import utf16_len

Tasks = list[tuple[int, dict[str, Any]]]
VARIANTS = ("line start", "mid-line")


def mid_line(task: dict[str, Any]) -> dict[str, Any]:
    """The task with the first half of the held-out line's code moved into the prompt."""
    line = task["canonical_solution"].rstrip("\n")
    code = line.lstrip()
    typed = line[: len(line) - len(code)] + code[: len(code) // 2]
    return {
        **task,
        "prompt": task["prompt"] + typed,
        "suffix": "\n" + task["suffix"],
        "canonical_solution": line[len(typed) :] + "\n",
    }


def variant_tasks(tasks: Tasks, variant: str) -> Tasks:
    return tasks if variant == "line start" else [(i, mid_line(t)) for i, t in tasks]


async def run_tasks(server: Server, tasks: Tasks, variant: str) -> list[dict[str, Any]]:
    """Each task a new document; one automatic completion at the end of its prompt."""
    records = []
    for n, (index, task) in enumerate(tasks):
        prefix, suffix = task["prompt"], task["suffix"]
        uri = f"file:///bench/humaneval/{variant.replace(' ', '-')}/{n:03d}.py"
        server.open(uri, prefix + suffix)
        answer = await server.complete(uri, types.Position(prefix.count("\n"), utf16_len(prefix.rsplit("\n", 1)[-1])))
        server.close(uri)
        records.append(
            {
                "index": index,
                "task_id": task["task_id"],
                "completion": answer.text,
                "replace_utf16": answer.replace,
                "seconds": round(answer.seconds, 3),
                "error": answer.error,
                "prompt_tokens": answer.generation.prompt if answer.generation else None,
                "reused_tokens": answer.generation.reused if answer.generation else None,
            }
        )
        if (n + 1) % 20 == 0:
            print(f"    humaneval {variant} {n + 1}/{len(tasks)}", file=sys.stderr, flush=True)
    return records
