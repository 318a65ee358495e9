"""The base URLs users may point the platform at: no credentials, http(s) only, and no private, loopback,
link-local or metadata address unless the operator allows private ones (metadata: never)."""

from __future__ import annotations

import asyncio

import pytest
from dmb_common import endpoints
from dmb_common.endpoints import EndpointGuard, endpoint_problem, private_endpoints_allowed, url_problem


def dns(*addresses: str):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> list[str]:
        if not addresses:
            raise OSError("no such host")
        return list(addresses)

    return resolve


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ftp://models.example.com/v1", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("https://user:pw@api.example.com/v1", "user name or password"),
        ("https://token@api.example.com/v1", "user name or password"),
        ("https:///v1", "http:// or https://"),
        ("http://[::1", "http:// or https://"),
    ],
)
def test_a_url_that_is_not_plain_http_is_refused_before_any_lookup(url: str, words: str) -> None:
    assert words in (url_problem(url) or "")


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.5",
        "172.16.9.9",
        "169.254.1.1",
        "100.64.0.1",
        "::1",
        "fe80::1",
        "fc00::5",
        "::ffff:127.0.0.1",
        "0.0.0.0",  # noqa: S104 - an address a name resolves to, not one bound
    ],
)
async def test_a_host_resolving_to_a_private_address_is_refused_without_naming_the_address(address: str) -> None:
    problem = await endpoint_problem("https://models.example.com/v1", allow_private=False, resolve=dns(address))

    assert problem is not None
    assert "models.example.com" in problem
    assert address not in problem


async def test_one_private_address_among_public_ones_is_enough_to_refuse() -> None:
    resolve = dns("93.184.216.34", "10.0.0.7")

    assert await endpoint_problem("https://rebind.example.com/v1", allow_private=False, resolve=resolve) is not None


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/v1", "http://[::1]:8080/v1", "http://10.0.0.2/v1"])
async def test_literal_private_addresses_are_refused_unless_allowed(url: str) -> None:
    assert "DMB_AI_ALLOW_PRIVATE_ENDPOINTS" in (await endpoint_problem(url, allow_private=False) or "")
    assert await endpoint_problem(url, allow_private=True) is None


@pytest.mark.parametrize(
    "url", ["http://169.254.169.254/latest/meta-data", "http://[fd00:ec2::254]/", "http://100.100.100.200/"]
)
async def test_cloud_metadata_is_refused_even_where_private_addresses_are_allowed(url: str) -> None:
    assert "metadata" in (await endpoint_problem(url, allow_private=True) or "")


async def test_a_name_resolving_to_metadata_is_refused_even_where_private_is_allowed() -> None:
    problem = await endpoint_problem("http://meta.example.com/", allow_private=True, resolve=dns("169.254.169.254"))

    assert problem is not None
    assert "metadata" in problem
    assert "169.254" not in problem


async def test_public_addresses_pass_and_an_unknown_name_passes_only_where_private_is_allowed() -> None:
    assert (
        await endpoint_problem("https://api.openai.com/v1", allow_private=False, resolve=dns("162.159.140.245")) is None
    )
    assert "cannot be found" in (
        await endpoint_problem("https://nowhere.test/v1", allow_private=False, resolve=dns()) or ""
    )
    assert await endpoint_problem("http://llm.internal:8080/v1", allow_private=True, resolve=dns()) is None


async def test_the_guard_trusts_the_operators_own_endpoints_and_openai() -> None:
    guard = EndpointGuard.of(False, "http://llm.internal:8080/v1/", None)

    assert await guard.problem("http://llm.internal:8080/v1") is None
    assert await guard.problem(None) is None
    assert await guard.problem("http://127.0.0.1:8080/v1") is not None


def test_private_endpoints_are_allowed_by_default_in_local_mode_only() -> None:
    assert private_endpoints_allowed(None, local_mode=True)
    assert not private_endpoints_allowed(None, local_mode=False)
    assert private_endpoints_allowed(True, local_mode=False)
    assert not private_endpoints_allowed(False, local_mode=True)


async def test_a_lookup_that_hangs_counts_as_not_found(monkeypatch: pytest.MonkeyPatch) -> None:
    async def hangs(host: str, port: int) -> list[str]:
        await asyncio.sleep(30)
        return ["93.184.216.34"]

    monkeypatch.setattr(endpoints, "DNS_TIMEOUT_SECONDS", 0.05)

    assert "cannot be found" in (
        await endpoint_problem("https://slow.example.com/", allow_private=False, resolve=hangs) or ""
    )
