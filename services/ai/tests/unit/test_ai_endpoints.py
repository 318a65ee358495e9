"""Opening a request's endpoint, and the reasons a user reads when the model cannot be used."""

from __future__ import annotations

import httpx
import openai
import pytest
from dmb_ai.assist_handlers import NO_MODEL, open_endpoint
from dmb_ai.assistant import AssistantFailed, endpoint_problem
from dmb_common.crypto import SecretBox
from dmb_contracts.ai_assist import ModelEndpoint
from pydantic import SecretStr

BOX = SecretBox(SecretStr("platform-key"))


def test_the_key_is_opened_only_into_the_endpoint_and_never_shown_by_it() -> None:
    endpoint = open_endpoint(ModelEndpoint(model="m", api_key_encrypted=BOX.seal("sk-secret-1234")), BOX)

    assert endpoint.api_key is not None
    assert endpoint.api_key.get_secret_value() == "sk-secret-1234"
    assert "sk-secret" not in repr(endpoint)


def test_no_endpoint_or_a_key_sealed_with_another_platform_key_fails_with_what_to_do() -> None:
    other = SecretBox(SecretStr("another-platform")).seal("sk-x")

    with pytest.raises(AssistantFailed, match="no AI model is configured"):
        open_endpoint(None, BOX)
    with pytest.raises(AssistantFailed, match="set it again in your AI settings"):
        open_endpoint(ModelEndpoint(model="m", api_key_encrypted=other), BOX)
    assert NO_MODEL.startswith("no AI model is configured")


def test_model_errors_become_reasons_without_the_endpoints_address() -> None:
    request = httpx.Request("POST", "http://10.0.0.7:8080/v1/chat/completions")

    def status(code: int) -> openai.APIStatusError:
        response = httpx.Response(code, request=request, json={"error": {"message": "x"}})
        kinds: dict[int, type[openai.APIStatusError]] = {
            401: openai.AuthenticationError,
            404: openai.NotFoundError,
            429: openai.RateLimitError,
            503: openai.InternalServerError,
        }
        return kinds[code]("x", response=response, body=None)

    reasons = [endpoint_problem(status(code), 30) for code in (401, 404, 429, 503)]
    reasons += [endpoint_problem(openai.APIConnectionError(request=request), 30), endpoint_problem(TimeoutError(), 30)]

    assert reasons == [
        "the model endpoint refused the API key (check it in your AI settings)",
        "the model endpoint does not know this model (check the model name)",
        "the model endpoint is rate-limiting this key; try again later",
        "the model endpoint answered HTTP 503",
        "the model endpoint could not be reached (check the base URL)",
        "the model did not answer within 30 s",
    ]
    assert endpoint_problem(ValueError("other"), 30) is None
