"""A throwaway llama.cpp OpenAI-compatible server on the local model, for the real-model tests.

`make llm` installs the server and the 0.5B model (dmb_testing.local_llm); here they are started on a free
loopback port. Missing, they follow the project's rule: skipped outside CI, a failure under CI=true.
Start-up options measured on this machine: `--n_threads 2` (the machine's cores), `--logits_all false`
(the default keeps logits for every token: ~2.5 GB for nothing).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dmb_testing.local_llm import TEST_MODEL, ModelPackage, model_path, model_ready, server_python, server_ready
from dmb_testing.seaweed import _log_tail, _stop, free_ports
from dmb_testing.servers import server_missing

#: Marker for the tests that talk to the real model: they share one server, so they run on one xdist worker.
REAL_MODEL_GROUP = "local_llm"
#: The key the test fixture's server requires (a local, throwaway secret: the server listens on loopback only).
LOCAL_KEY = "local-test-key"


@dataclass(frozen=True)
class LocalLLM:
    """Where a running local model answers: an OpenAI-compatible base URL ending in /v1, and the model name."""

    base_url: str
    model: str
    #: The key the server requires; a server started without one checks none (OpenAI clients insist on a key).
    api_key: str = "local-no-key"


def _models_listed(base_url: str, api_key: str | None) -> bool:
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    request = urllib.request.Request(f"{base_url}/models", headers=headers)  # noqa: S310 - loopback URL
    try:
        with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310 - loopback URL
            return bool(json.load(response).get("data"))
    except (OSError, urllib.error.URLError, ValueError):
        return False


@contextmanager
def llama_server(
    model: ModelPackage = TEST_MODEL,
    *,
    n_ctx: int = 4096,
    startup_timeout: float = 120.0,
    api_key: str | None = None,
) -> Iterator[LocalLLM]:
    """Run `python -m llama_cpp.server` on `model`; yields where it answers; stops it on exit. With `api_key`
    the server refuses (HTTP 401) a request without that key, as a hosted endpoint refuses a wrong one."""
    if not server_ready():
        server_missing("local LLM", f"llama_cpp.server is not installed in {server_python().parent.parent}")
    if not model_ready(model):
        server_missing("local LLM", f"the {model.key} model is not at {model_path(model)}")
    (port,) = free_ports(1)
    base_url = f"http://127.0.0.1:{port}/v1"
    log = Path(tempfile.mkstemp(prefix="dmb-llama-", suffix=".log")[1])
    command = [
        str(server_python()),
        "-m",
        "llama_cpp.server",
        "--model",
        str(model_path(model)),
        "--model_alias",
        model.alias,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_threads",
        "2",
        "--logits_all",
        "false",
        "--n_ctx",
        str(n_ctx),
        *(["--api_key", api_key] if api_key else []),
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + startup_timeout
        while not _models_listed(base_url, api_key):
            if process.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with {process.returncode}:\n{_log_tail(log)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"llama_cpp.server not ready after {startup_timeout:.0f} s:\n{_log_tail(log)}")
            time.sleep(0.5)
        yield LocalLLM(base_url=base_url, model=model.alias, api_key=api_key or "local-no-key")
    finally:
        _stop(process, timeout=10)
        log.unlink(missing_ok=True)
