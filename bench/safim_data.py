"""The SAFIM subset kept in ``bench/data/safim/``: which tasks, taken how, and checked how.

From SAFIM's ``data/{block,control,api}_completion.jsonl.gz`` (commit ``231b148f`` of
``gonglinyuan/safim``), per split and language, the tasks at every k-th position of
that language's rows in file order, ``k = count // PER_LANGUAGE`` (all API tasks: 310).
Each kept row gets ``index`` (its line in the source file) and ``ground_truth_verdict``:
the ground truth run through ``bench/safim_exec.py`` here (``PASSED`` where our runner
agrees with the dataset; the benchmark counts only those). The ``prompt`` field (the
problem statement with the code) is left out: the benchmark opens the code alone.

    python -m bench.safim_data /tmp/safim      # the three source files, as block.jsonl.gz, ...
    python -m bench.safim_data --verify        # run the ground truths not yet PASSED
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path
from typing import Any

from bench.safim_exec import run_program

FOLDER = Path(__file__).resolve().parent / "data" / "safim"
SPLITS = ("block", "control", "api")
LANGS = ("python", "java", "cpp", "csharp")
PER_LANGUAGE = 50


def read(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]


def write(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0: the same rows make the same bytes.
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as stream:
        for row in rows:
            stream.write((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))


def subset(rows: list[dict[str, Any]], split: str) -> list[dict[str, Any]]:
    kept = []
    for lang in LANGS:
        mine = [(i, r) for i, r in enumerate(rows) if r["lang"] == lang]
        stride = 1 if split == "api" else max(1, len(mine) // PER_LANGUAGE)
        for i, row in mine[::stride][: None if split == "api" else PER_LANGUAGE]:
            kept.append({"index": i, **{k: v for k, v in row.items() if k != "prompt"}})
    return kept


def verify(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        if not row["unit_tests"] or row.get("ground_truth_verdict") == "PASSED":
            continue
        program = row["eval_prompt"].replace("{{completion}}", row["ground_truth"])
        verdict = run_program(row["lang"], program, row["unit_tests"])
        row["ground_truth_verdict"] = verdict.outcome
        print(row["task_id"], row["lang"], verdict.outcome, verdict.detail, file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "source", nargs="?", type=Path, help="folder with block.jsonl.gz, control.jsonl.gz, api.jsonl.gz"
    )
    parser.add_argument("--verify", action="store_true")
    parser.add_argument("--splits", default=",".join(SPLITS), type=lambda s: s.split(","))
    args = parser.parse_args()
    for split in args.splits:
        out = FOLDER / f"{split}.jsonl.gz"
        if args.source is not None:
            write(out, subset(read(args.source / f"{split}.jsonl.gz"), split))
        if args.verify:
            rows = read(out)
            try:
                verify(rows)
            finally:
                write(out, rows)


if __name__ == "__main__":
    main()
