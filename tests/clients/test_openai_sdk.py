"""The official `openai` Python SDK against Keyway on an OpenAI-protocol route."""

import json

import openai
import pytest

from conftest import FAKE_TEXT, OPENAI_BASH_TOOL, TOOL_COMMAND

HELLO = [{"role": "user", "content": "Say hello"}]


def test_non_stream(oai):
    r = oai.chat.completions.create(model="ok", messages=HELLO)
    assert r.object == "chat.completion"
    assert r.choices[0].message.role == "assistant"
    assert r.choices[0].message.content == FAKE_TEXT
    assert r.choices[0].finish_reason == "stop"
    assert r.usage is not None
    assert (r.usage.prompt_tokens, r.usage.completion_tokens, r.usage.total_tokens) == (11, 7, 18)


def test_response_carries_request_id(oai):
    raw = oai.chat.completions.with_raw_response.create(model="ok", messages=HELLO)
    assert raw.headers.get("x-request-id")
    assert raw.parse().choices[0].message.content == FAKE_TEXT


def test_stream(oai):
    chunks = list(
        oai.chat.completions.create(
            model="ok", messages=HELLO, stream=True, stream_options={"include_usage": True}
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == FAKE_TEXT
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes == ["stop"]
    # include_usage: the last chunk has no choices and carries the usage.
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None and chunks[-1].usage.prompt_tokens == 11


def test_stream_helper_accumulates(oai):
    with oai.chat.completions.stream(model="ok", messages=HELLO) as stream:
        deltas = [e.delta for e in stream if e.type == "content.delta"]
        final = stream.get_final_completion()
    assert len(deltas) >= 2, "the fake sends the text in two pieces"
    assert "".join(deltas) == FAKE_TEXT
    assert final.choices[0].message.content == FAKE_TEXT


def test_tool_round_trip(oai):
    messages = [{"role": "user", "content": "Run the marker command"}]
    first = oai.chat.completions.create(model="tools", messages=messages, tools=[OPENAI_BASH_TOOL])
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls"
    calls = choice.message.tool_calls
    assert calls and len(calls) == 1
    assert calls[0].type == "function" and calls[0].function.name == "Bash"
    assert json.loads(calls[0].function.arguments)["command"] == TOOL_COMMAND

    messages.append(choice.message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": calls[0].id, "content": "keyway-tool-ok"})
    second = oai.chat.completions.create(model="tools", messages=messages, tools=[OPENAI_BASH_TOOL])
    assert second.choices[0].finish_reason == "stop"
    assert second.choices[0].message.content == "The tool said: keyway-tool-ok"


def test_streamed_tool_arguments(oai):
    stream = oai.chat.completions.create(
        model="tools",
        messages=[{"role": "user", "content": "Run the marker command"}],
        tools=[OPENAI_BASH_TOOL],
        stream=True,
    )
    pieces: list[str] = []
    name = call_id = None
    finish = None
    for chunk in stream:
        if not chunk.choices:
            continue
        delta = chunk.choices[0].delta
        for tc in delta.tool_calls or []:
            assert tc.index == 0
            call_id = tc.id or call_id
            if tc.function and tc.function.name:
                name = tc.function.name
            if tc.function and tc.function.arguments:
                pieces.append(tc.function.arguments)
        finish = chunk.choices[0].finish_reason or finish
    assert name == "Bash" and call_id
    assert len(pieces) >= 2, f"arguments should arrive in pieces, got {pieces}"
    assert json.loads("".join(pieces))["command"] == TOOL_COMMAND
    assert finish == "tool_calls"


def test_stream_helper_parses_tool_arguments(oai):
    with oai.chat.completions.stream(
        model="tools",
        messages=[{"role": "user", "content": "Run the marker command"}],
        tools=[OPENAI_BASH_TOOL],
    ) as stream:
        done = [e for e in stream if e.type == "tool_calls.function.arguments.done"]
        final = stream.get_final_completion()
    assert len(done) == 1 and done[0].name == "Bash"
    assert json.loads(done[0].arguments)["command"] == TOOL_COMMAND
    assert final.choices[0].message.tool_calls[0].function.name == "Bash"


def test_models_list(oai, other_key, keyway_url):
    models = oai.models.list()
    ids = [m.id for m in models.data]
    assert {"ok", "tools", "reasoning-tools", "claude-ok", "claude-tools"} <= set(ids)
    assert all(m.object == "model" for m in models.data)
    assert all(isinstance(m.created, int) and m.owned_by for m in models.data)
    # Aliases of another group are not listed, and that group's key sees only its own.
    assert "only-others" not in ids
    other = openai.OpenAI(base_url=f"{keyway_url}/v1", api_key=other_key, max_retries=0)
    assert [m.id for m in other.models.list().data] == ["only-others"]


def test_models_retrieve(oai):
    m = oai.models.retrieve("tools")
    assert m.id == "tools" and m.object == "model"
    with pytest.raises(openai.NotFoundError):
        oai.models.retrieve("no-such-alias")


def test_401_authentication_error(keyway_url):
    bad = openai.OpenAI(base_url=f"{keyway_url}/v1", api_key="db_sk_wrong_key_000000000000000000000", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as e:
        bad.chat.completions.create(model="ok", messages=HELLO)
    assert e.value.status_code == 401
    assert "invalid API key" in e.value.message


def test_404_not_found_error(oai):
    with pytest.raises(openai.NotFoundError) as e:
        oai.chat.completions.create(model="no-such-alias", messages=HELLO)
    assert "model 'no-such-alias' not found" in e.value.message


def test_404_alias_of_another_group(oai):
    with pytest.raises(openai.NotFoundError):
        oai.chat.completions.create(model="only-others", messages=HELLO)


def test_404_strict_route_of_other_protocol(oai):
    with pytest.raises(openai.NotFoundError) as e:
        oai.chat.completions.create(model="strict-claude", messages=HELLO)
    assert "is bound to an anthropic provider, not openai" in e.value.message


def test_400_bad_request_error(oai):
    with pytest.raises(openai.BadRequestError) as e:
        oai.chat.completions.create(model="s400", messages=HELLO)
    assert "rejected the request" in e.value.message


def test_429_rate_limit_error(oai):
    with pytest.raises(openai.RateLimitError) as e:
        oai.chat.completions.create(model="s429", messages=HELLO)
    assert e.value.response.headers.get("retry-after") == "7"


def test_429_on_a_stream_request(oai):
    with pytest.raises(openai.RateLimitError):
        oai.chat.completions.create(model="s429", messages=HELLO, stream=True)


def test_5xx_internal_server_error(oai):
    with pytest.raises(openai.InternalServerError) as e:
        oai.chat.completions.create(model="s500", messages=HELLO)
    assert e.value.status_code == 502
    assert "upstream error" in e.value.message


def test_overloaded_upstream_is_503(oai):
    with pytest.raises(openai.InternalServerError) as e:
        oai.chat.completions.create(model="s503", messages=HELLO)
    assert e.value.status_code == 503


def test_error_body_shape(oai):
    with pytest.raises(openai.NotFoundError) as e:
        oai.chat.completions.create(model="no-such-alias", messages=HELLO)
    # The SDK keeps `error` from {"error": {...}} as the body.
    assert isinstance(e.value.body, dict)
    assert {"message", "type"} <= set(e.value.body)


def test_cut_stream_raises(oai):
    """A stream whose upstream dies must raise, not end as if complete."""
    stream = oai.chat.completions.create(model="die", messages=HELLO, stream=True)
    received: list[str] = []
    with pytest.raises(openai.APIError) as e:
        for chunk in stream:
            if chunk.choices:
                received.append(chunk.choices[0].delta.content or "")
    assert not isinstance(e.value, openai.APIConnectionError), "expected an in-stream error chunk, not a dropped connection"
    assert FAKE_TEXT.startswith("".join(received))


def test_error_mid_stream_raises(oai):
    stream = oai.chat.completions.create(model="error-mid", messages=HELLO, stream=True)
    with pytest.raises(openai.APIError) as e:
        for _ in stream:
            pass
    assert "fake upstream failed mid-stream" in e.value.message
