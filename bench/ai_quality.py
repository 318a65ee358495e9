#!/usr/bin/env python3
"""AI value quality: the value-pool workflow (dmb_ai.workflow.make_pools) on a real OpenAI-compatible model,
judged by a rubric independent of the workflow's own judge.

    .venv/bin/python bench/ai_quality.py [--local 1.5b|0.5b | --base-url URL --model NAME]
                                          [--specs id,id] [--limit N] [--quick] [--max-repeat N] [--judge]

Reads the field specs in bench/data/ai_specs.json (the table designer: bench/ai_designer.py). Without --base-url it starts
llama.cpp's server on the local model (dmb_testing.llm_server; `make llm` / `make llm-bench` install them)
on a free loopback port, and stops it at the end.

Per spec and overall it reports: % valid before retry (kept / returned on the first call) and after retry
(values delivered / values asked for), the distinct ratio (overall and on unique fields), whether the values
FIT their context, seconds and tokens per 100 values, and failures. "Fit" is the rubric judge below, written
apart from the workflow's judge (dmb_ai.domain.judge) so the workflow does not grade its own homework:

- language: the pool's text, classified by py3langid among the languages the specs use, is in the rubric's
  language; for Japanese, nine values in ten carry kana or kanji;
- check digits: every value passes python-stdnum for the scheme the rubric names (isbn13, ean13, iban, luhn);
- domain words: nine values in ten contain one of the rubric's words (e.g. the company's mail domain);
- no placeholders ("Lorem", "example1@…", "N/A", a generic word and a number like "Paciente 3"), no
  enumerations (one wordy stem with three or more numbers), no arithmetic runs (numbers that step by a
  constant), no made-up digit runs ("9781234567890"), and no value repeated more than --max-repeat times.
  (A domain word and a number, "MAT-101" or "Ram 1500", is data, not a placeholder.)

A spec fits when the pool was made and every rule above holds for it. Samples of each pool are printed and
kept in the result file so a reader can check the judge: bench/results/ai_quality-<UTC timestamp>.json.

Identifiers with a check digit (ISBN, EAN, IBAN, card numbers) are made by code, not by the model, as the
service does (dmb_ai.domain.code_pools): such pools are counted and judged by the same rubric, flagged
`code_made_pool` per spec, and the summary also gives the figures of the model-written specs alone.

`--judge` also asks the same model, once per pool, whether the values fit the field in its context (yes or
no and a short reason): a second opinion printed beside the rubric's, so a rubric false negative (a real car
model taken for German by the language detector) or a false positive shows as a disagreement.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import json
import os
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dmb_ai.adapters.chat_model import ModelEndpoint, build_chat_model
from dmb_ai.domain.briefs import analyze
from dmb_ai.domain.code_pools import with_identifier_pools
from dmb_ai.domain.pools import PoolLimits, PoolRequest, PoolResult
from dmb_ai.workflow import make_pools
from dmb_contracts.fields import FieldSpec, TableSpec, value_problem
from dmb_testing.llm_server import llama_server
from dmb_testing.local_llm import MODELS
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage
from langchain_core.outputs import ChatGeneration, LLMResult
from py3langid.langid import MODEL_FILE, LanguageIdentifier
from pydantic import BaseModel, Field, SecretStr
from stdnum import ean, iban, isbn, luhn

ROOT = Path(__file__).resolve().parents[1]
SPECS_FILE = ROOT / "bench" / "data" / "ai_specs.json"
#: A handful of specs across languages and constraint kinds, for a run of a few minutes on a CPU model.
QUICK_SPECS = ("hospital-diagnosis-es", "shop-product-de", "books-isbn13", "bank-work-email", "course-code-pattern")
SAMPLES = 8

# --------------------------------------------------------------------------------------------------- the judge

_LOCALES = {"es": "es_ES", "de": "de_DE", "fr": "fr_FR", "it": "it_IT", "pt": "pt_BR", "nl": "nl_NL", "ja": "ja_JP"}
_CANDIDATE_LANGUAGES = ("en", "es", "de", "fr", "it", "pt", "nl", "ja")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_CHECK_DIGITS: dict[str, Callable[[str], bool]] = {
    "isbn13": lambda text: len(isbn.compact(text)) == 13 and isbn.is_valid(text),
    "isbn10": lambda text: len(isbn.compact(text)) == 10 and isbn.is_valid(text),
    "ean13": lambda text: len(ean.compact(text)) == 13 and ean.is_valid(text),
    "iban": iban.is_valid,
    "luhn": lambda text: text.replace(" ", "").isdigit() and luhn.is_valid(text.replace(" ", "")),
}
#: Placeholder words anywhere in a value.
_PLACEHOLDER = re.compile(
    r"\b(lorem|ipsum|placeholder|dummy|example|ejemplo|beispiel|exemple|esempio|test\s*\d+|foo|asdf|qwerty"
    r"|xxx+|tbd|todo|untitled|sin nombre|ohne namen)\b|^n/a$",
    re.I,
)
#: Words that are placeholders only as the whole value ("Address unknown" and "Stool sample" are real data).
_PLACEHOLDER_ALONE = re.compile(r"^\s*(unknown|sample|bar|baz|none|null|n\.?a\.?|value|text|string)\s*$", re.I)
#: A generic word and a number ("Paciente 3", "Product 12", "user_7"): a placeholder, not a name. A word of
#: the domain and a number ("Ram 1500", "MAT-101", "ShadowWolf42") is not; counting enumerations of any word
#: are caught below (_enumerations).
_GENERIC_AND_NUMBER = re.compile(
    r"^\s*(item|product|producto|produkt|produit|patient|paciente|patientin|user|usuario|utilisateur|customer"
    r"|cliente|client|kunde|employee|empleado|mitarbeiter|record|entry|row|value|valor|name|nombre|title|book"
    r"|test|sample|category|review|ticket|company|empresa|firma|article|artikel|element|elemento)[\s_#-]*\d+\s*$",
    re.I,
)
#: Six digits counting up or down, or one digit six times: a made-up number ("9781234567890", "4000000000000002").
_DIGIT_RUN = re.compile(r"012345|123456|234567|345678|456789|987654|876543|765432|654321|(\d)\1{5,}")
_NUMBERED_MAILBOX = re.compile(r"^(example|test|user|sample|email|mail|name)[._-]?\d*@", re.I)
_NUMBER_AT_END = re.compile(r"^(.*?)(\d+)(\D{0,6})$", re.S)
#: A stem with letters seen with this many different numbers is an enumeration ("Paciente 3", "Paciente 9", …).
_ENUMERATION_MIN = 3
#: The longest number that counts something ("Paciente 14", "review17", "Room 1204"); longer is an identifier.
_COUNTING_DIGITS = 9
#: Share of values that must pass the per-value rules (language of Japanese values, domain words).
_MOST = 0.9


def _identifier() -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(_CANDIDATE_LANGUAGES))
    return identifier


def _language_of(texts: Sequence[str], identifier: LanguageIdentifier) -> str:
    return str(identifier.classify(" . ".join(texts))[0])


def _sequences(texts: Sequence[str]) -> set[str]:
    """Values that share a stem and differ by a number counting with a constant step (three or more)."""
    by_stem: defaultdict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for text in set(texts):
        match = _NUMBER_AT_END.match(text)
        if match:
            by_stem[(match.group(1), match.group(3))].append((int(match.group(2)[-15:]), text))
    caught: set[str] = set()
    for members in by_stem.values():
        members.sort()
        steps = [b[0] - a[0] for a, b in itertools.pairwise(members)]
        run: list[str] = [members[0][1]] if members else []
        for index, step in enumerate(steps):
            if index and step == steps[index - 1] and 0 < step <= 100:
                run.append(members[index + 1][1])
                if len(run) >= 3:
                    caught.update(run)
            else:
                run = [members[index][1], members[index + 1][1]]
    return caught


def _enumerations(texts: Sequence[str]) -> set[str]:
    """Values that are one wordy stem with different numbers, three or more of them ("Hotel 3", "Hotel 8", …).

    A number of more than _COUNTING_DIGITS digits is an identifier's body, not a count: every German IBAN is
    "DE" and twenty digits, and random ones are no enumeration (counting runs of them are caught as
    sequences and digit runs)."""
    by_stem: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    for text in set(texts):
        match = _NUMBER_AT_END.match(text)
        if match and len(match.group(2)) <= _COUNTING_DIGITS and re.search(r"[^\W\d_]", match.group(1)):
            by_stem[(match.group(1).casefold(), match.group(3))].add(text)
    return {text for members in by_stem.values() if len(members) >= _ENUMERATION_MIN for text in members}


def judge(values: Sequence[str], rubric: dict[str, Any], max_repeat: int, identifier: LanguageIdentifier) -> list[str]:
    """Why the values do not fit their context (empty: they fit)."""
    problems: list[str] = []
    if not values:
        return ["no values"]
    language = rubric.get("language")
    if language == "ja":
        japanese = sum(1 for text in values if _JAPANESE.search(text))
        if japanese < _MOST * len(values):
            problems.append(f"only {japanese}/{len(values)} values in Japanese script")
    elif language:
        found = _language_of(values, identifier)
        if found != language:
            problems.append(f"written in {found}, not {language}")
    scheme = rubric.get("check_digits")
    if scheme:
        wrong = [text for text in values if not _CHECK_DIGITS[scheme](text)]
        if wrong:
            problems.append(f"{len(wrong)}/{len(values)} fail the {scheme} check digit, e.g. {wrong[:3]}")
    words = [word.lower() for word in rubric.get("domain_words", [])]
    if words:
        inside = sum(1 for text in values if any(word in text.lower() for word in words))
        if inside < _MOST * len(values):
            problems.append(f"only {inside}/{len(values)} values contain one of {words}")
    placeholders = [
        text
        for text in values
        if _PLACEHOLDER.search(text)
        or _PLACEHOLDER_ALONE.match(text)
        or _GENERIC_AND_NUMBER.match(text)
        or _NUMBERED_MAILBOX.match(text)
    ]
    if placeholders:
        problems.append(f"{len(placeholders)} placeholders, e.g. {placeholders[:3]}")
    runs = [text for text in values if _DIGIT_RUN.search(re.sub(r"[\s-]", "", text))]
    if runs:
        problems.append(f"{len(runs)} made-up digit runs, e.g. {runs[:3]}")
    sequences = sorted(_sequences(values) | _enumerations(values))
    if sequences:
        problems.append(f"{len(sequences)} values in counting sequences, e.g. {sequences[:3]}")
    repeated = [(text, count) for text, count in Counter(values).most_common(3) if count > max_repeat]
    if repeated:
        problems.append(f"repeated more than {max_repeat} times: {repeated}")
    return problems


# ------------------------------------------------------------------------------------------------- the runs


class RawAnswers(BaseCallbackHandler):
    """What the model answered, before the workflow validates it: a refused pool has no values to show, so the
    reader sees these instead (the start of each answer)."""

    def __init__(self) -> None:
        self.answers: list[str] = []

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        for generation in itertools.chain.from_iterable(response.generations):
            message = generation.message if isinstance(generation, ChatGeneration) else None
            calls = getattr(message, "tool_calls", None)
            text = json.dumps([call["args"] for call in calls], ensure_ascii=False) if calls else generation.text
            self.answers.append(text[:400])


def _request(spec: dict[str, Any], count: int | None, seed: int = 1) -> tuple[PoolRequest, FieldSpec]:
    field = FieldSpec.model_validate(spec["field"])
    table = TableSpec(table_name=spec["table"]["name"], description=spec["table"]["description"], fields=[field])
    language = spec["rubric"].get("language")
    locale = spec.get("locale") or _LOCALES.get(language or "en", "en_US")
    request = PoolRequest(
        table=table,
        fields=[field],
        count=min(spec["count"], count or spec["count"]),
        context=spec["context"],
        locale=locale,
        seed=seed,
    )
    return request, field


class Verdict(BaseModel):
    """The model's opinion of one pool."""

    fits: bool = Field(description="true when the values fit the field in its context")
    reason: str = Field(description="why, in at most 15 words")


def judge_prompt(spec: dict[str, Any], values: Sequence[str]) -> str:
    """Small on purpose: the table, the field, the context and ten values; a CPU model reads it in seconds."""
    field = spec["field"]
    about = "; ".join(part for part in (field.get("description"), field["generator"].get("instructions")) if part)
    return "\n".join(
        [
            f"Table {spec['table']['name']}: {spec['table']['description']}.",
            f"Context: {spec['context'] or 'none'}.",
            f"Field {field['name']} ({field['type']}){': ' + about if about else ''}.",
            "Values: " + json.dumps(list(values[:10]), ensure_ascii=False),
            "Do these values fit this field in this context: the right kind of thing, the right language, "
            "realistic rather than placeholders or counting? Answer fits (true or false) and a short reason.",
        ]
    )


async def model_judge(model: BaseChatModel, spec: dict[str, Any], values: Sequence[str], method: str) -> dict[str, Any]:
    """The model's verdict on a pool (an unreadable answer or a failed call says so, and counts as no verdict)."""
    structured = model.with_structured_output(Verdict, method=method)
    started = time.monotonic()
    try:
        answer = await structured.ainvoke([HumanMessage(judge_prompt(spec, values))])
    except Exception as exc:  # a judge that fails leaves the rubric's verdict alone
        return {"fits": None, "reason": f"no verdict: {type(exc).__name__}", "seconds": 0.0}
    seconds = round(time.monotonic() - started, 1)
    if not isinstance(answer, Verdict):
        return {"fits": None, "reason": "no verdict: the answer did not follow the schema", "seconds": seconds}
    return {"fits": answer.fits, "reason": answer.reason.strip()[:200], "seconds": seconds}


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 3) if whole else None


async def run_spec(
    spec: dict[str, Any],
    endpoint: ModelEndpoint,
    limits: PoolLimits,
    judging: tuple[int, LanguageIdentifier],
    count: int | None = None,
    judge_model: BaseChatModel | None = None,
) -> dict[str, Any]:
    max_repeat, identifier = judging
    request, field = _request(spec, count)
    # About 40 tokens a value with its JSON around it, and room for the call's own framing.
    max_tokens = 300 + 40 * limits.batch_size
    model = build_chat_model(
        endpoint, max_tokens=max_tokens, temperature=0.7, timeout_seconds=limits.call_timeout_seconds
    )
    raw = RawAnswers()
    model.callbacks = [raw]
    started = time.monotonic()
    # As the service does (pool_service.produce_pools): the model's pools, then the identifiers code makes.
    brief = analyze(request.table, request.fields, request.context, request.locale)
    result: PoolResult = with_identifier_pools(await make_pools(request, model, limits), brief, request)
    seconds = time.monotonic() - started
    values = [str(value) for value in result.pools.get(field.name, []) if value is not None]
    stats = result.stats
    code_made = field.name in brief.identifiers
    if not values and result.failure is None:
        # The workflow left the field to the generator (a pattern, choices): nothing of the model's to judge.
        return {"id": spec["id"], "code_made": True, "notes": result.notes}
    problems = (
        [f"no pool: {result.failure}"] if result.failure else judge(values, spec["rubric"], max_repeat, identifier)
    )
    if code_made:
        # No model call: "valid" is what passes the field's rules and the rubric's check digit, of what was made.
        scheme = spec["rubric"].get("check_digits")
        valid = [v for v in values if value_problem(field, v) is None and (not scheme or _CHECK_DIGITS[scheme](v))]
        first, after = _ratio(len(valid), len(values)), _ratio(min(len(valid), request.count), request.count)
    else:
        first = _ratio(stats.first_call_kept, stats.first_call_returned)
        after = _ratio(min(len(values), request.count), request.count)
    entry = {
        "id": spec["id"],
        "unique": field.unique,
        "code_made_pool": code_made,
        "asked": request.count,
        "made": len(values),
        "valid_first_call": first,
        "valid_after_retry": after,
        "kept_of_returned": _ratio(stats.rows_kept, stats.rows_returned),
        "distinct_ratio": _ratio(len(set(values)), len(values)),
        "fits": not problems,
        "problems": problems,
        "seconds": round(seconds, 1),
        "model_calls": stats.model_calls,
        "failed_calls": stats.failed_calls,
        "tokens": stats.tokens,
        "seconds_per_100": _ratio(100 * seconds, len(values)),
        "tokens_per_100": _ratio(100 * stats.tokens, len(values)),
        "failure": result.failure,
        "notes": result.notes,
        "samples": values[:SAMPLES],
        "raw_answers": raw.answers[:3],
    }
    if judge_model is not None and values:
        entry["model_judge"] = await model_judge(judge_model, spec, values, limits.method)
    return entry


def _mean(entries: Sequence[dict[str, Any]], key: str) -> float | None:
    numbers = [entry[key] for entry in entries if entry.get(key) is not None]
    return round(sum(numbers) / len(numbers), 3) if numbers else None


def _fit_figures(entries: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {
        "specs": len(entries),
        "valid_first_call": _mean(entries, "valid_first_call"),
        "valid_after_retry": _mean(entries, "valid_after_retry"),
        "fit_share": _ratio(sum(1 for entry in entries if entry["fits"]), len(entries)),
    }


def _judge_figures(entries: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The model judge beside the rubric: its fit share, both saying yes, and where they disagree."""
    judged = [entry for entry in entries if (entry.get("model_judge") or {}).get("fits") is not None]
    if not judged:
        return None
    return {
        "specs_judged": len(judged),
        "fit_share_model_judge": _ratio(sum(1 for e in judged if e["model_judge"]["fits"]), len(judged)),
        "fit_share_both": _ratio(sum(1 for e in judged if e["model_judge"]["fits"] and e["fits"]), len(judged)),
        "rubric_no_judge_yes": [e["id"] for e in judged if e["model_judge"]["fits"] and not e["fits"]],
        "rubric_yes_judge_no": [e["id"] for e in judged if not e["model_judge"]["fits"] and e["fits"]],
    }


def overall(all_entries: Sequence[dict[str, Any]]) -> dict[str, Any]:
    entries = [entry for entry in all_entries if not entry.get("code_made")]
    # Time and tokens per 100 values over the specs the model wrote (code makes its pools in no time).
    making = [entry for entry in entries if entry["made"] and not entry.get("code_made_pool")]
    made = sum(entry["made"] for entry in making)
    seconds = sum(entry["seconds"] for entry in making)
    tokens = sum(entry["tokens"] for entry in making)
    unique = [entry for entry in entries if entry["unique"]]
    summary = {
        "specs": len(entries),
        "valid_first_call": _mean(entries, "valid_first_call"),
        "valid_after_retry": _mean(entries, "valid_after_retry"),
        "distinct_ratio": _mean(entries, "distinct_ratio"),
        "distinct_ratio_unique_fields": _mean(unique, "distinct_ratio"),
        "fit_share": _ratio(sum(1 for entry in entries if entry["fits"]), len(entries)),
        "seconds_per_100_values": _ratio(100 * seconds, made),
        "tokens_per_100_values": _ratio(100 * tokens, made),
        "failed_specs": [entry["id"] for entry in entries if entry["failure"]],
        "failed_model_calls": sum(entry["failed_calls"] for entry in entries),
        "code_made_specs": [entry["id"] for entry in all_entries if entry.get("code_made")],
        "code_made_pools": [entry["id"] for entry in entries if entry.get("code_made_pool")],
        "model_written_only": _fit_figures([entry for entry in entries if not entry.get("code_made_pool")]),
    }
    judged = _judge_figures(entries)
    if judged is not None:
        summary["model_judge"] = judged
    return summary


def _print_entry(entry: dict[str, Any]) -> None:
    if entry.get("code_made"):
        print(f"\n{entry['id']}: not asked of the model ({'; '.join(entry['notes'])})", flush=True)
        return
    verdict = "FITS" if entry["fits"] else "does not fit: " + "; ".join(entry["problems"])
    print(
        f"\n{entry['id']}: {entry['made']}/{entry['asked']} values, valid first call {entry['valid_first_call']}, "
        f"after retry {entry['valid_after_retry']}, distinct {entry['distinct_ratio']}, {entry['seconds']} s, "
        f"{entry['model_calls']} calls ({entry['failed_calls']} failed), {entry['tokens']} tokens",
        flush=True,
    )
    print(f"  {verdict}")
    print(f"  samples: {json.dumps(entry['samples'], ensure_ascii=False)}", flush=True)
    if entry.get("code_made_pool"):
        print(f"  made by code: {entry['notes'][0] if entry['notes'] else 'yes'}", flush=True)
    if "model_judge" in entry:
        opinion = entry["model_judge"]
        said = {True: "yes", False: "no", None: "none"}[opinion["fits"]]
        print(f"  model judge: {said} ({opinion['seconds']} s): {opinion['reason']}", flush=True)
    if not entry["samples"]:
        for answer in entry.get("raw_answers", []):
            print(f"  the model answered: {answer}", flush=True)


def choose_specs(
    specs: list[dict[str, Any]], wanted: str | None, quick: bool, limit: int | None
) -> list[dict[str, Any]]:
    if wanted or quick:
        ids = [name.strip() for name in wanted.split(",")] if wanted else list(QUICK_SPECS)
        known = {spec["id"]: spec for spec in specs}
        unknown = [name for name in ids if name not in known]
        if unknown:
            raise SystemExit(f"unknown spec id(s): {', '.join(unknown)}; known: {', '.join(known)}")
        specs = [known[name] for name in ids]
    return specs[:limit] if limit else specs


async def run_all(
    specs: list[dict[str, Any]],
    endpoint: ModelEndpoint,
    limits: PoolLimits,
    max_repeat: int,
    count: int | None,
    use_judge: bool = False,
) -> list[dict[str, Any]]:
    identifier = _identifier()
    # The judge: the same model, deterministic, and a short answer (a verdict and a reason).
    judge_model = (
        build_chat_model(endpoint, max_tokens=150, temperature=0, timeout_seconds=limits.call_timeout_seconds)
        if use_judge
        else None
    )
    entries: list[dict[str, Any]] = []
    for spec in specs:
        entry = await run_spec(spec, endpoint, limits, (max_repeat, identifier), count, judge_model)
        _print_entry(entry)
        entries.append(entry)
    return entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--local", choices=sorted(MODELS), default="1.5b", help="Local model to serve.")
    parser.add_argument("--base-url", help="A running OpenAI-compatible server (…/v1) instead of a local one.")
    parser.add_argument("--model", help="The model name at --base-url.")
    parser.add_argument("--api-key", default=os.environ.get("DMB_BENCH_API_KEY"), help="Default: $DMB_BENCH_API_KEY.")
    parser.add_argument("--specs", help="Comma-separated spec ids to run.")
    parser.add_argument("--limit", type=int, help="Run only the first N (chosen) specs.")
    parser.add_argument("--quick", action="store_true", help=f"Only {', '.join(QUICK_SPECS)}.")
    parser.add_argument("--count", type=int, help="Ask for at most N values per spec (a quick run).")
    parser.add_argument("--max-repeat", type=int, default=3, help="Most times one value may appear in a pool.")
    parser.add_argument("--judge", action="store_true", help="Also ask the model whether each pool fits.")
    parser.add_argument("--batch-size", type=int, default=25)
    parser.add_argument("--max-retries", type=int, default=4, help="Calls beyond the ones the count needs.")
    parser.add_argument("--call-timeout", type=float, default=300)
    parser.add_argument(
        "--method", default="function_calling", choices=["function_calling", "json_mode", "json_schema"]
    )
    args = parser.parse_args()
    if args.base_url and not args.model:
        parser.error("--base-url needs --model")

    data = json.loads(SPECS_FILE.read_text())
    specs = choose_specs(data["specs"], args.specs, args.quick, args.limit)
    limits = PoolLimits(
        batch_size=args.batch_size, max_retries=args.max_retries, call_timeout_seconds=args.call_timeout,
        token_budget=200_000, method=args.method, min_pool=10,
    )  # fmt: skip
    key = SecretStr(args.api_key) if args.api_key else None
    with _endpoint(args) as (base_url, model_name):
        endpoint = ModelEndpoint(base_url=base_url, model=model_name, api_key=key)
        entries = asyncio.run(run_all(specs, endpoint, limits, args.max_repeat, args.count, args.judge))

    summary = overall(entries)
    designer = "measured by bench/ai_designer.py (make bench-ai runs both)"
    print(f"\nmodel {model_name}, {len(entries)} specs: {json.dumps(summary, ensure_ascii=False)}")
    print(f"designer: {designer}")
    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "model": model_name,
        # A shared machine's load changes the timings several-fold: keep it with them.
        "load_average_at_end": [round(load, 1) for load in os.getloadavg()],
        "limits": limits.model_dump(),
        "max_repeat": args.max_repeat,
        "count_cap": args.count,
        "model_judge": args.judge,
        "overall": summary,
        "designer": designer,
        "specs": entries,
    }
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = ROOT / "bench" / "results" / f"ai_quality-{stamp}.json"
    target.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {target.relative_to(ROOT)}")


@contextmanager
def _endpoint(args: argparse.Namespace) -> Iterator[tuple[str, str]]:
    if args.base_url:
        yield args.base_url, args.model
    else:
        # `make llm` / `make llm-bench` install the server and the models (dmb_testing.local_llm).
        with llama_server(MODELS[args.local], n_ctx=4096, startup_timeout=600) as llm:
            yield llm.base_url, llm.model


if __name__ == "__main__":
    main()
