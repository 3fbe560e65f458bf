"""The official `anthropic` Python SDK against Keyway on an Anthropic-protocol route."""

import anthropic
import pytest

from conftest import ANTHROPIC_BASH_TOOL, FAKE_TEXT, TOOL_COMMAND

HELLO = [{"role": "user", "content": "Say hello"}]
MID_SYSTEM_BETA = "mid-conversation-system-2026-04-07"


def test_non_stream(ant):
    m = ant.messages.create(model="claude-ok", max_tokens=256, messages=HELLO)
    assert m.type == "message" and m.role == "assistant"
    assert [b.type for b in m.content] == ["text"]
    assert m.content[0].text == FAKE_TEXT
    assert m.stop_reason == "end_turn"
    u = m.usage
    assert (u.input_tokens, u.output_tokens, u.cache_read_input_tokens, u.cache_creation_input_tokens) == (21, 9, 5, 3)


def test_bearer_auth_token_client(keyway_url, key):
    """ANTHROPIC_AUTH_TOKEN style (Authorization: Bearer), as Claude Code uses it."""
    c = anthropic.Anthropic(base_url=keyway_url, auth_token=key, api_key=None, max_retries=0)
    m = c.messages.create(model="claude-ok", max_tokens=64, messages=HELLO)
    assert m.content[0].text == FAKE_TEXT


def test_stream_helper(ant):
    with ant.messages.stream(model="claude-ok", max_tokens=256, messages=HELLO) as s:
        pieces = list(s.text_stream)
        final = s.get_final_message()
    assert len(pieces) >= 2 and "".join(pieces) == FAKE_TEXT
    assert final.content[0].text == FAKE_TEXT
    assert final.stop_reason == "end_turn"
    assert final.usage.input_tokens == 21 and final.usage.output_tokens == 9


def test_raw_stream_event_sequence(ant):
    events = list(ant.messages.create(model="claude-ok", max_tokens=256, messages=HELLO, stream=True))
    types = [e.type for e in events]
    assert types[0] == "message_start" and types[-2:] == ["message_delta", "message_stop"]
    assert types.count("content_block_start") == types.count("content_block_stop") == 1
    assert types.count("content_block_delta") >= 2


def test_tool_round_trip(ant):
    messages = [{"role": "user", "content": "Run the marker command"}]
    first = ant.messages.create(model="claude-tools", max_tokens=512, messages=messages, tools=[ANTHROPIC_BASH_TOOL])
    assert first.stop_reason == "tool_use"
    uses = [b for b in first.content if b.type == "tool_use"]
    assert len(uses) == 1 and uses[0].name == "Bash"
    assert uses[0].input["command"] == TOOL_COMMAND

    messages.append({"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]})
    messages.append(
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": uses[0].id, "content": "keyway-tool-ok"}]}
    )
    second = ant.messages.create(model="claude-tools", max_tokens=512, messages=messages, tools=[ANTHROPIC_BASH_TOOL])
    assert second.stop_reason == "end_turn"
    assert second.content[-1].text == "The tool said: keyway-tool-ok"


def test_streamed_input_json(ant):
    with ant.messages.stream(
        model="claude-tools",
        max_tokens=512,
        messages=[{"role": "user", "content": "Run the marker command"}],
        tools=[ANTHROPIC_BASH_TOOL],
    ) as s:
        partials = [e.partial_json for e in s if e.type == "input_json" and e.partial_json]
        final = s.get_final_message()
    assert len(partials) >= 2, f"input should arrive in pieces, got {partials}"
    tool = [b for b in final.content if b.type == "tool_use"][0]
    assert tool.input["command"] == TOOL_COMMAND
    assert final.stop_reason == "tool_use"


def test_count_tokens_forwarded(ant):
    # The fake upstream answers 1000 + number of messages.
    one = ant.messages.count_tokens(model="claude-ok", messages=HELLO)
    assert one.input_tokens == 1001
    three = ant.messages.count_tokens(
        model="claude-ok",
        messages=HELLO + [{"role": "assistant", "content": "Hi"}, {"role": "user", "content": "Again"}],
    )
    assert three.input_tokens == 1003


def test_count_tokens_local_when_upstream_lacks_it(ant):
    short = ant.messages.count_tokens(model="claude-no-count", messages=HELLO).input_tokens
    long = ant.messages.count_tokens(
        model="claude-no-count", messages=[{"role": "user", "content": "hello world " * 300}]
    ).input_tokens
    assert 0 < short < long
    assert long >= 300, "a real tokenizer counts at least one token per repeated word"


def test_count_tokens_local_counts_tools(ant):
    bare = ant.messages.count_tokens(model="claude-no-count", messages=HELLO).input_tokens
    with_tools = ant.messages.count_tokens(
        model="claude-no-count", messages=HELLO, tools=[ANTHROPIC_BASH_TOOL]
    ).input_tokens
    assert with_tools > bare


def test_models_list_anthropic_shape(ant):
    page = ant.models.list(limit=1000)
    ids = [m.id for m in page.data]
    assert {"claude-ok", "claude-tools", "ok", "reasoning-tools"} <= set(ids)
    assert "only-others" not in ids
    for m in page.data:
        assert m.type == "model" and m.display_name and m.created_at is not None
    assert page.has_more is False
    assert page.first_id == ids[0] and page.last_id == ids[-1]


def test_models_list_pagination(ant):
    every = [m.id for m in ant.models.list(limit=1000).data]
    first = ant.models.list(limit=2)
    assert [m.id for m in first.data] == every[:2]
    assert first.has_more is True
    # Auto-pagination follows after_id through every page.
    assert [m.id for m in ant.models.list(limit=2)] == every


def test_models_retrieve(ant):
    m = ant.models.retrieve("claude-tools")
    assert m.id == "claude-tools" and m.type == "model"
    with pytest.raises(anthropic.NotFoundError):
        ant.models.retrieve("no-such-alias")


def test_beta_messages_create(ant):
    m = ant.beta.messages.create(model="claude-ok", max_tokens=64, messages=HELLO, betas=["context-management-2025-06-27"])
    assert m.content[0].text == FAKE_TEXT


def test_beta_query_string_accepted(ant):
    """Claude Code calls /v1/messages?beta=true and /v1/messages/count_tokens?beta=true."""
    raw = ant.beta.messages.with_raw_response.create(
        model="claude-ok", max_tokens=64, messages=HELLO, extra_query={"beta": "true"}
    )
    assert raw.http_request.url.params.get("beta") == "true"
    assert raw.parse().content[0].text == FAKE_TEXT
    counted = ant.beta.messages.count_tokens(model="claude-ok", messages=HELLO, extra_query={"beta": "true"})
    assert counted.input_tokens == 1001


def test_beta_header_reaches_upstream(ant):
    """The fake upstream accepts a beta feature only with its anthropic-beta
    header (a role:"system" message inside messages and/or context_management,
    depending on the testkit version), so this passes only if Keyway forwards
    the header unchanged."""
    messages = HELLO + [{"role": "system", "content": "Be brief."}]
    context = {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]}
    m = ant.beta.messages.create(
        model="claude-ok",
        max_tokens=64,
        messages=messages,
        context_management=context,
        betas=[MID_SYSTEM_BETA, "context-management-2025-06-27"],
    )
    assert m.content[0].text == FAKE_TEXT
    with pytest.raises(anthropic.BadRequestError) as e:
        ant.beta.messages.create(model="claude-ok", max_tokens=64, messages=messages, context_management=context)
    assert "mid-conversation-system" in e.value.message or "context-management" in e.value.message


def test_beta_stream(ant):
    with ant.beta.messages.stream(model="claude-ok", max_tokens=64, messages=HELLO) as s:
        text = "".join(s.text_stream)
    assert text == FAKE_TEXT


def test_large_request_body(ant):
    big = "lorem ipsum " * 15000  # ~180 KB, like Claude Code's first turn
    m = ant.messages.create(model="claude-ok", max_tokens=64, messages=[{"role": "user", "content": big}])
    assert m.content[0].text == FAKE_TEXT


def test_thinking_signature_round_trip(ant):
    first = ant.messages.create(
        model="claude-reasoning-tools",
        max_tokens=2048,
        thinking={"type": "enabled", "budget_tokens": 1024},
        messages=[{"role": "user", "content": "Run the marker command"}],
        tools=[ANTHROPIC_BASH_TOOL],
    )
    assert [b.type for b in first.content] == ["thinking", "text", "tool_use"]
    tool = first.content[2]
    second = ant.messages.create(
        model="claude-reasoning-tools",
        max_tokens=2048,
        thinking={"type": "enabled", "budget_tokens": 1024},
        messages=[
            {"role": "user", "content": "Run the marker command"},
            {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool.id, "content": "keyway-tool-ok"}]},
        ],
        tools=[ANTHROPIC_BASH_TOOL],
    )
    assert second.content[-1].text == "The tool said: keyway-tool-ok"


def test_401_authentication_error(keyway_url):
    bad = anthropic.Anthropic(base_url=keyway_url, api_key="db_sk_wrong_key_000000000000000000000", max_retries=0)
    with pytest.raises(anthropic.AuthenticationError) as e:
        bad.messages.create(model="claude-ok", max_tokens=64, messages=HELLO)
    assert e.value.body["error"]["type"] == "authentication_error"
    assert "invalid API key" in e.value.message


def test_404_not_found_error(ant):
    with pytest.raises(anthropic.NotFoundError) as e:
        ant.messages.create(model="no-such-alias", max_tokens=64, messages=HELLO)
    assert e.value.body["type"] == "error"
    assert e.value.body["error"]["type"] == "not_found_error"
    assert "model 'no-such-alias' not found" in e.value.message


def test_404_strict_route_of_other_protocol(ant):
    with pytest.raises(anthropic.NotFoundError) as e:
        ant.messages.create(model="strict-openai", max_tokens=64, messages=HELLO)
    assert "is bound to an openai provider, not anthropic" in e.value.message


def test_400_bad_request_error(ant):
    with pytest.raises(anthropic.BadRequestError) as e:
        ant.messages.create(model="claude-400", max_tokens=64, messages=HELLO)
    assert e.value.body["error"]["type"] == "invalid_request_error"


def test_missing_max_tokens_is_400(ant):
    with pytest.raises(anthropic.BadRequestError):
        ant.messages.create(model="claude-ok", messages=HELLO, max_tokens=None)  # type: ignore[arg-type]


def test_429_rate_limit_error(ant):
    with pytest.raises(anthropic.RateLimitError) as e:
        ant.messages.create(model="claude-429", max_tokens=64, messages=HELLO)
    assert e.value.body["error"]["type"] == "rate_limit_error"


def test_5xx_internal_server_error(ant):
    with pytest.raises(anthropic.InternalServerError) as e:
        ant.messages.create(model="claude-500", max_tokens=64, messages=HELLO)
    assert e.value.status_code == 502
    assert "upstream error" in e.value.message


def test_529_overloaded_error(ant):
    with pytest.raises(anthropic.OverloadedError) as e:
        ant.messages.create(model="claude-529", max_tokens=64, messages=HELLO)
    assert e.value.body["error"]["type"] == "overloaded_error"


def test_529_on_a_stream_request(ant):
    with pytest.raises(anthropic.OverloadedError):
        with ant.messages.stream(model="claude-529", max_tokens=64, messages=HELLO) as s:
            s.until_done()


def test_cut_stream_raises(ant):
    """A stream whose upstream dies must raise (event: error), not end as if complete."""
    received: list[str] = []
    with pytest.raises(anthropic.APIStatusError):
        with ant.messages.stream(model="claude-die", max_tokens=64, messages=HELLO) as s:
            for t in s.text_stream:
                received.append(t)
    assert FAKE_TEXT.startswith("".join(received))


def test_error_mid_stream_raises(ant):
    with pytest.raises(anthropic.APIStatusError) as e:
        for _ in ant.messages.create(model="claude-error-mid", max_tokens=64, messages=HELLO, stream=True):
            pass
    assert e.value.body["error"]["type"] == "overloaded_error"
