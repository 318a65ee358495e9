"""The values catalogue the gateway serves (libs/contracts data) offers exactly the providers a job accepts."""

from __future__ import annotations

from dmb_contracts.catalogue import values_catalogue
from dmb_generator import catalogue
from dmb_generator.domain.faker_catalogue import provider_catalogue


def test_published_faker_catalogue_is_current() -> None:
    assert catalogue.main(["--check"]) == 0, "run `make contracts` to refresh the published catalogue"


def test_every_offered_provider_is_one_a_job_accepts() -> None:
    offered = {entry.provider for entry in values_catalogue().entries if entry.kind == "faker"}
    assert offered == set(provider_catalogue("en_US"))
