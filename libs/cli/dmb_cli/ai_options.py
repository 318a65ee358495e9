"""The AI part of `dmb generate`: a job's AI options from the command line, and its AI progress line."""

from __future__ import annotations

from typing import Annotated, Any

import typer

AIContext = Annotated[
    str | None,
    typer.Option("--ai-context", help="What the data is about, for the AI fields (e.g. 'a Spanish hospital')."),
]
AIBaseUrl = Annotated[
    str | None, typer.Option("--ai-base-url", help="The job's own OpenAI-compatible endpoint (else the platform's).")
]
AIModel = Annotated[str | None, typer.Option("--ai-model", help="The model at that endpoint.")]
AIKey = Annotated[
    str | None,
    typer.Option(
        "--ai-key",
        envvar="DMB_JOB_AI_KEY",
        help="The job's own API key (better from $DMB_JOB_AI_KEY than on the command line); never shown back.",
        show_default=False,
    ),
]


def ai_options(context: str | None, base_url: str | None, model: str | None, key: str | None) -> dict[str, Any] | None:
    """The `ai` member of a job request, or None when no AI option was given."""
    if context is None and base_url is None and model is None and key is None:
        return None
    options: dict[str, Any] = {"context": context or ""}
    if base_url is not None:
        options["base_url"] = base_url
    if model is not None:
        options["model"] = model
    if key is not None:
        options["api_key"] = key
    return options


def ai_progress_line(job: dict[str, Any]) -> str | None:
    """'AI values 120/200' while (and after) the AI service made the job's values; None for jobs without."""
    made, needed = job.get("ai_values_made"), job.get("ai_values_needed")
    if made is None or not needed:
        return None
    return f"AI values {made}/{needed}"
