#!/usr/bin/env python3
"""Rebuild bench/ai_quality.py's figures from the lines it printed, for a run stopped before its end (the
benchmark writes its JSON only when every spec is done). Several logs may be given (e.g. two processes that
took the specs from both ends); a spec printed twice counts once, from the first log that has it.

    .venv/bin/python bench/ai_quality_from_log.py LOG [LOG ...] --note TEXT

Writes bench/results/ai_quality-<UTC timestamp>-partial.json with the same `overall` keys as a full run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ai_quality import SPECS_FILE, overall

ROOT = Path(__file__).resolve().parents[1]
_HEAD = re.compile(
    r"^(?P<id>[\w-]+): (?P<made>\d+)/(?P<asked>\d+) values, valid first call (?P<v1>[\d.]+|None), "
    r"after retry (?P<v2>[\d.]+|None), distinct (?P<d>[\d.]+|None), (?P<s>[\d.]+) s, (?P<calls>\d+) calls "
    r"\((?P<failed>\d+) failed\), (?P<tokens>\d+) tokens$"
)


_JUDGE = re.compile(r"^model judge: (?P<said>yes|no|none) \((?P<s>[\d.]+) s\): (?P<reason>.*)$")


def _number(text: str) -> float | None:
    return None if text == "None" else float(text)


def _extras(lines: list[str], start: int) -> dict[str, Any]:
    """The optional lines after an entry's samples: the code-made note and the model judge's verdict."""
    extras: dict[str, Any] = {"code_made_pool": False}
    for line in lines[start:]:
        text = line.strip()
        if text.startswith("made by code: "):
            extras["code_made_pool"] = True
            extras["notes"] = [text.removeprefix("made by code: ")]
        elif match := _JUDGE.match(text):
            fits = {"yes": True, "no": False, "none": None}[match["said"]]
            extras["model_judge"] = {"fits": fits, "reason": match["reason"], "seconds": float(match["s"])}
        elif text.startswith("the model answered: "):
            continue
        else:
            break
    return extras


def parse(log: Path, unique: dict[str, bool]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    lines = log.read_text().splitlines()
    for index, line in enumerate(lines):
        match = _HEAD.match(line)
        if not match or index + 2 >= len(lines):
            continue
        verdict, samples = lines[index + 1].strip(), lines[index + 2].strip()
        if not samples.startswith("samples: "):
            continue
        made, seconds, tokens = int(match["made"]), float(match["s"]), int(match["tokens"])
        problems = [] if verdict == "FITS" else [verdict.removeprefix("does not fit: ")]
        failure = problems[0].removeprefix("no pool: ") if problems and problems[0].startswith("no pool") else None
        entries.append(
            {
                "id": match["id"],
                "unique": unique[match["id"]],
                "asked": int(match["asked"]),
                "made": made,
                "valid_first_call": _number(match["v1"]),
                "valid_after_retry": _number(match["v2"]),
                "distinct_ratio": _number(match["d"]),
                "fits": not problems,
                "problems": problems,
                "seconds": seconds,
                "model_calls": int(match["calls"]),
                "failed_calls": int(match["failed"]),
                "tokens": tokens,
                "seconds_per_100": round(100 * seconds / made, 3) if made else None,
                "tokens_per_100": round(100 * tokens / made, 3) if made else None,
                "failure": failure,
                "samples": json.loads(samples.removeprefix("samples: ")),
                **_extras(lines, index + 3),
            }
        )
    return entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("logs", nargs="+", type=Path)
    parser.add_argument("--note", default="", help="How the run was made and why it stopped.")
    args = parser.parse_args()
    specs = json.loads(SPECS_FILE.read_text())["specs"]
    unique = {spec["id"]: bool(spec["field"].get("unique")) for spec in specs}
    entries: dict[str, dict[str, Any]] = {}
    for log in args.logs:
        for entry in parse(log, unique):
            entries.setdefault(entry["id"], entry)
    ordered = [entries[spec["id"]] for spec in specs if spec["id"] in entries]
    summary = overall(ordered)
    missing = [spec["id"] for spec in specs if spec["id"] not in entries]
    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "partial": True,
        "note": args.note,
        "specs_run": len(ordered),
        "specs_not_run": missing,
        "overall": summary,
        "specs": ordered,
    }
    print(json.dumps({"specs_run": len(ordered), "not_run": missing, "overall": summary}, ensure_ascii=False))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = ROOT / "bench" / "results" / f"ai_quality-{stamp}-partial.json"
    target.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
