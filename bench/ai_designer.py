#!/usr/bin/env python3
"""AI quality on a real local model: the table designer's proposals (the value-pool field specs join this
benchmark with the value-pool workflow).

    .venv/bin/python bench/ai_designer.py [--model 1.5b|0.5b] [--prompts N] [--timeout S]

Starts llama.cpp's server on the model (`make llm-bench` installs the 1.5B one), asks the designer for each
prompt, and reports per prompt: seconds, model calls, tables and fields proposed, and how much the rules had to
repair. "Usable" proposals came back as definitions that validate (libs/contracts); "as written" ones needed no
repair at all. Prints a sample of each proposal so a reader can judge its fit, and writes
bench/results/ai_designer-<UTC timestamp>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import time
from pathlib import Path
from typing import Any

from dmb_ai.adapters.chat_model import ModelEndpoint, build_chat_model
from dmb_ai.assistant import AssistantFailed
from dmb_ai.designer import design_tables
from dmb_testing.llm_server import llama_server
from dmb_testing.local_llm import MODELS
from pydantic import SecretStr

ROOT = Path(__file__).resolve().parents[1]

DESIGN_PROMPTS: list[tuple[str, str]] = [
    ("patients of a Spanish hospital with admissions and diagnoses", "es_ES"),
    ("an online bookshop in Germany: books, authors, customers and orders", "de_DE"),
    ("a music streaming catalogue with artists, albums, tracks and genres", "en_US"),
    ("IT support tickets with agents, customers and ticket comments", "en_GB"),
    ("a French school: students, classes, teachers and grades", "fr_FR"),
]


def _summary(tables: list[Any]) -> list[str]:
    return [f"{table.table_name}({', '.join(f'{f.name}:{f.type.value}' for f in table.fields)})" for table in tables]


async def _run(model_key: str, prompts: list[tuple[str, str]], call_seconds: float, max_tokens: int) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    with llama_server(MODELS[model_key], n_ctx=4096, startup_timeout=300) as llm:
        endpoint = ModelEndpoint(base_url=llm.base_url, model=llm.model, api_key=SecretStr(llm.api_key))
        model = build_chat_model(endpoint, max_tokens=max_tokens, temperature=0.3, timeout_seconds=call_seconds)
        for sentence, locale in prompts:
            started = time.monotonic()
            entry: dict[str, Any] = {"prompt": sentence, "locale": locale}
            try:
                answer = await design_tables(model, sentence, locale, timeout_seconds=call_seconds)
            except AssistantFailed as failure:
                entry |= {"usable": False, "reason": str(failure)}
            else:
                tables = answer.result.tables
                entry |= {
                    "usable": True,
                    "as_written": not answer.result.notes,
                    "attempts": answer.attempts,
                    "tables": len(tables),
                    "fields": sum(len(table.fields) for table in tables),
                    "foreign_keys": sum(1 for t in tables for f in t.fields if f.references is not None),
                    "repairs": len(answer.result.notes),
                    "sample": _summary(tables),
                    "notes": answer.result.notes,
                }
            entry["seconds"] = round(time.monotonic() - started, 1)
            results.append(entry)
            print(json.dumps(entry, ensure_ascii=False), flush=True)
    usable = [entry for entry in results if entry["usable"]]
    return {
        # A shared machine's load changes these timings several-fold: keep it with them.
        "load_average_at_end": [round(load, 1) for load in os.getloadavg()],
        "model": MODELS[model_key].file_name,
        "prompts": len(results),
        "usable_proposals": len(usable),
        "usable_share": round(len(usable) / len(results), 3) if results else 0,
        "as_written": sum(1 for entry in usable if entry["as_written"]),
        "mean_seconds": round(sum(entry["seconds"] for entry in results) / len(results), 1) if results else 0,
        "designs": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=sorted(MODELS), default="1.5b")
    parser.add_argument("--prompts", type=int, default=len(DESIGN_PROMPTS), help="How many designer prompts to run.")
    parser.add_argument("--timeout", type=float, default=900, help="Seconds one model call may take.")
    parser.add_argument("--max-tokens", type=int, default=1500)
    args = parser.parse_args()
    report = asyncio.run(_run(args.model, DESIGN_PROMPTS[: args.prompts], args.timeout, args.max_tokens))
    print(
        f"designer on {report['model']}: {report['usable_proposals']}/{report['prompts']} proposals validate "
        f"({report['as_written']} as written, no repair), {report['mean_seconds']} s per design"
    )
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = ROOT / "bench" / "results" / f"ai_designer-{stamp}.json"
    target.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
