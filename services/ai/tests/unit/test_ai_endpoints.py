"""Opening a request's endpoint, and what a user reads when the model cannot be used."""

from __future__ import annotations

import pytest
from dmb_ai.adapters.chat_model import ModelEndpoint, build_chat_model
from dmb_ai.assist_handlers import NO_MODEL, open_endpoint
from dmb_ai.assistant import AssistantFailed
from dmb_ai.designer import design_tables
from dmb_common.crypto import SecretBox
from dmb_contracts.ai_assist import ModelEndpoint as RequestedEndpoint
from dmb_testing.fake_openai import fake_openai
from pydantic import SecretStr

BOX = SecretBox(SecretStr("platform-key"))


def test_the_key_is_opened_only_into_the_endpoint_and_never_shown_by_it() -> None:
    endpoint = open_endpoint(RequestedEndpoint(model="m", api_key_encrypted=BOX.seal("sk-secret-1234")), BOX)

    assert endpoint.api_key is not None
    assert endpoint.api_key.get_secret_value() == "sk-secret-1234"
    assert "sk-secret" not in repr(endpoint)


def test_no_endpoint_or_a_key_sealed_with_another_platform_key_fails_with_what_to_do() -> None:
    other = SecretBox(SecretStr("another-platform")).seal("sk-x")

    with pytest.raises(AssistantFailed, match="no AI model is configured"):
        open_endpoint(None, BOX)
    with pytest.raises(AssistantFailed, match="set it again in your AI settings"):
        open_endpoint(RequestedEndpoint(model="m", api_key_encrypted=other), BOX)
    assert NO_MODEL.startswith("no AI model is configured")


async def test_a_model_that_refuses_the_key_ends_the_design_at_once_with_the_reason() -> None:
    with fake_openai(401, 401) as fake:
        endpoint = ModelEndpoint(base_url=fake.base_url, model="m", api_key=SecretStr("sk-wrong"))
        model = build_chat_model(endpoint, max_tokens=50, temperature=0, timeout_seconds=5)
        with pytest.raises(AssistantFailed) as failure:
            await design_tables(model, "patients", "en_US", timeout_seconds=5)

    assert str(failure.value) == "the model endpoint refused the API key"
    assert len(fake.requests) == 1  # a refused key is not asked again
