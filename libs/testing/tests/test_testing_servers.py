"""The missing-server rule: skipped with a how-to outside CI, a failure under CI=true."""

from __future__ import annotations

import pytest
from dmb_testing import servers


def test_outside_ci_a_missing_server_skips_saying_how_to_start_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="rabbitmq-server -detached"):
        servers.server_missing("RabbitMQ", "amqp://127.0.0.1:1")


@pytest.mark.parametrize("value", ["true", "1", "TRUE"])
def test_under_ci_a_missing_server_fails(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="CI=true and PostgreSQL is not reachable"):
        servers.server_missing("PostgreSQL", "postgresql://127.0.0.1:1/x")


def test_an_unreachable_port_is_reported_as_closed() -> None:
    assert not servers.port_open("postgresql+psycopg://postgres@127.0.0.1:1/postgres", 5432)
