"""The protocol bridge with the official SDKs: the OpenAI SDK on
Anthropic-protocol routes, the Anthropic SDK on OpenAI-protocol (DeepSeek-like) routes."""

import json

import anthropic
import openai
import pytest

from conftest import (
    ANTHROPIC_BASH_TOOL,
    FAKE_TEXT,
    GENUINE_SIGNATURE,
    OPENAI_BASH_TOOL,
    TOOL_COMMAND,
)

HELLO = [{"role": "user", "content": "Say hello"}]
RUN = "Run the marker command"

# --- OpenAI SDK → Anthropic-protocol upstream -----------------------------------


def test_openai_sdk_on_anthropic_route(oai):
    r = oai.chat.completions.create(model="claude-ok", messages=HELLO)
    assert r.object == "chat.completion"
    assert r.choices[0].message.content == FAKE_TEXT
    assert r.choices[0].finish_reason == "stop"
    # Anthropic 21 input + 5 cache read + 3 cache creation, 9 output (protocols.md §3.6).
    assert (r.usage.prompt_tokens, r.usage.completion_tokens) == (29, 9)
    assert r.usage.prompt_tokens_details.cached_tokens == 5


def test_openai_sdk_stream_on_anthropic_route(oai):
    chunks = list(
        oai.chat.completions.create(
            model="claude-ok", messages=HELLO, stream=True, stream_options={"include_usage": True}
        )
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == FAKE_TEXT
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["stop"]
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 9


def test_openai_sdk_system_message_on_anthropic_route(oai):
    r = oai.chat.completions.create(
        model="claude-ok",
        messages=[{"role": "system", "content": "Be brief."}, {"role": "developer", "content": "No emoji."}] + HELLO,
    )
    assert r.choices[0].message.content == FAKE_TEXT


def test_openai_sdk_tools_on_anthropic_route(oai):
    messages = [{"role": "user", "content": RUN}]
    first = oai.chat.completions.create(model="claude-tools", messages=messages, tools=[OPENAI_BASH_TOOL])
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls"
    call = choice.message.tool_calls[0]
    assert call.function.name == "Bash"
    assert json.loads(call.function.arguments)["command"] == TOOL_COMMAND

    messages.append(choice.message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": call.id, "content": "keyway-tool-ok"})
    second = oai.chat.completions.create(model="claude-tools", messages=messages, tools=[OPENAI_BASH_TOOL])
    assert second.choices[0].message.content == "The tool said: keyway-tool-ok"


def test_openai_sdk_streamed_tools_on_anthropic_route(oai):
    with oai.chat.completions.stream(
        model="claude-tools", messages=[{"role": "user", "content": RUN}], tools=[OPENAI_BASH_TOOL]
    ) as s:
        pieces = [e.arguments_delta for e in s if e.type == "tool_calls.function.arguments.delta"]
        final = s.get_final_completion()
    assert len([p for p in pieces if p]) >= 2
    call = final.choices[0].message.tool_calls[0]
    assert call.function.name == "Bash" and json.loads(call.function.arguments)["command"] == TOOL_COMMAND
    assert final.choices[0].finish_reason == "tool_calls"


def _thinking_turns(oai, stream: bool):
    """First turn on an Anthropic route that thinks and calls Bash; the assistant
    message comes back verbatim (thinking_blocks with the upstream signature)."""
    messages = [{"role": "user", "content": RUN}]
    if stream:
        with oai.chat.completions.stream(
            model="claude-reasoning-tools", messages=messages, tools=[OPENAI_BASH_TOOL], reasoning_effort="high"
        ) as s:
            first = s.get_final_completion()
    else:
        first = oai.chat.completions.create(
            model="claude-reasoning-tools", messages=messages, tools=[OPENAI_BASH_TOOL], reasoning_effort="high"
        )
    msg = first.choices[0].message
    return messages, msg


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
def test_openai_sdk_thinking_signature_round_trip(oai, stream):
    messages, msg = _thinking_turns(oai, stream)
    extra = msg.model_extra or {}
    assert extra.get("reasoning_content") == "Let me think about this."
    blocks = extra.get("thinking_blocks")
    assert blocks and blocks[0]["type"] == "thinking" and blocks[0]["signature"] == GENUINE_SIGNATURE
    call = msg.tool_calls[0]

    # Second turn: the assistant message as the SDK returned it. The fake
    # rejects thinking whose signature is not the one it issued.
    messages.append(msg.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": call.id, "content": "keyway-tool-ok"})
    second = oai.chat.completions.create(
        model="claude-reasoning-tools", messages=messages, tools=[OPENAI_BASH_TOOL], reasoning_effort="high"
    )
    assert second.choices[0].message.content == "The tool said: keyway-tool-ok"


def test_openai_sdk_altered_thinking_surfaces_upstream_rejection(oai):
    """Keyway cannot vouch for a signature it did not make: an altered one is
    forwarded, and the upstream's 400 reaches the client as a 400 naming the provider."""
    messages, msg = _thinking_turns(oai, stream=False)
    echoed = msg.model_dump(exclude_none=True)
    echoed["thinking_blocks"][0]["signature"] = "forged-signature"
    messages.append(echoed)
    messages.append({"role": "tool", "tool_call_id": msg.tool_calls[0].id, "content": "keyway-tool-ok"})
    with pytest.raises(openai.BadRequestError) as e:
        oai.chat.completions.create(model="claude-reasoning-tools", messages=messages, tools=[OPENAI_BASH_TOOL])
    assert "upstream fake-anthropic rejected the request" in e.value.message
    assert "signature" in e.value.message


def test_openai_sdk_errors_on_anthropic_route(oai):
    with pytest.raises(openai.RateLimitError):
        oai.chat.completions.create(model="claude-429", messages=HELLO)
    with pytest.raises(openai.InternalServerError) as e:
        oai.chat.completions.create(model="claude-529", messages=HELLO)
    assert e.value.status_code == 503


def test_openai_sdk_cut_stream_on_anthropic_route(oai):
    with pytest.raises(openai.APIError) as e:
        for _ in oai.chat.completions.create(model="claude-die", messages=HELLO, stream=True):
            pass
    assert not isinstance(e.value, openai.APIConnectionError)


# --- Anthropic SDK → OpenAI-protocol (DeepSeek-like) upstream -------------------


def test_anthropic_sdk_on_openai_route(ant):
    m = ant.messages.create(model="ok", max_tokens=256, messages=HELLO)
    assert [b.type for b in m.content] == ["text"] and m.content[0].text == FAKE_TEXT
    assert m.stop_reason == "end_turn"
    # OpenAI 11 prompt (2 cached) → 9 input + 2 cache read; 7 output (§3.6).
    assert (m.usage.input_tokens, m.usage.cache_read_input_tokens, m.usage.output_tokens) == (9, 2, 7)


def test_anthropic_sdk_stream_on_openai_route(ant):
    with ant.messages.stream(model="ok", max_tokens=256, messages=HELLO) as s:
        text = "".join(s.text_stream)
        final = s.get_final_message()
    assert text == FAKE_TEXT
    assert final.stop_reason == "end_turn"
    assert final.usage.output_tokens == 7


def test_anthropic_sdk_reasoning_on_openai_route(ant):
    m = ant.messages.create(
        model="reasoning", max_tokens=2048, thinking={"type": "enabled", "budget_tokens": 1024}, messages=HELLO
    )
    assert [b.type for b in m.content] == ["thinking", "text"]
    assert m.content[0].thinking == "Let me think about this."
    assert m.content[0].signature, "thinking blocks need a (synthetic) signature"
    assert m.content[1].text == FAKE_TEXT


def test_anthropic_sdk_mid_conversation_system_on_openai_route(ant):
    """Claude Code's role:"system" message inside messages becomes system text upstream."""
    m = ant.beta.messages.create(
        model="ok",
        max_tokens=64,
        system=[{"type": "text", "text": "You are helpful.", "cache_control": {"type": "ephemeral"}}],
        messages=HELLO + [{"role": "system", "content": "Be brief."}],
        betas=["mid-conversation-system-2026-04-07"],
    )
    assert m.content[0].text == FAKE_TEXT


@pytest.mark.parametrize("stream", [False, True], ids=["non-stream", "stream"])
def test_anthropic_sdk_reasoning_tools_round_trip(ant, stream):
    """DeepSeek rejects a tool-call turn whose reasoning_content is not sent back:
    the thinking block the client echoes must reach the upstream as reasoning_content."""
    kwargs = dict(
        model="reasoning-tools",
        max_tokens=4096,
        thinking={"type": "enabled", "budget_tokens": 2048},
        tools=[ANTHROPIC_BASH_TOOL],
    )
    messages = [{"role": "user", "content": RUN}]
    if stream:
        with ant.messages.stream(messages=messages, **kwargs) as s:
            thinking_deltas = [e.thinking for e in s if e.type == "thinking"]
            first = s.get_final_message()
        assert "".join(thinking_deltas) == "Let me think about this."
    else:
        first = ant.messages.create(messages=messages, **kwargs)
    types = [b.type for b in first.content]
    assert types[0] == "thinking" and types[-1] == "tool_use", types
    assert first.content[0].thinking == "Let me think about this."
    assert first.stop_reason == "tool_use"
    tool = first.content[-1]
    assert tool.name == "Bash" and tool.input["command"] == TOOL_COMMAND

    messages.append({"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]})
    messages.append(
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool.id, "content": "keyway-tool-ok"}]}
    )
    second = ant.messages.create(messages=messages, **kwargs)
    assert second.content[-1].type == "text"
    assert second.content[-1].text == "The tool said: keyway-tool-ok"


def test_anthropic_sdk_streamed_input_json_on_openai_route(ant):
    with ant.messages.stream(
        model="tools", max_tokens=512, messages=[{"role": "user", "content": RUN}], tools=[ANTHROPIC_BASH_TOOL]
    ) as s:
        partials = [e.partial_json for e in s if e.type == "input_json" and e.partial_json]
        final = s.get_final_message()
    assert len(partials) >= 2
    tool = [b for b in final.content if b.type == "tool_use"][0]
    assert tool.input["command"] == TOOL_COMMAND
    assert final.stop_reason == "tool_use"


def test_anthropic_sdk_count_tokens_on_openai_route(ant):
    short = ant.messages.count_tokens(model="ok", messages=HELLO).input_tokens
    long = ant.messages.count_tokens(model="ok", messages=[{"role": "user", "content": "hello world " * 300}]).input_tokens
    assert 0 < short < long


def test_anthropic_sdk_errors_on_openai_route(ant):
    with pytest.raises(anthropic.RateLimitError) as e:
        ant.messages.create(model="s429", max_tokens=64, messages=HELLO)
    assert e.value.body["error"]["type"] == "rate_limit_error"
    with pytest.raises(anthropic.OverloadedError):
        ant.messages.create(model="s503", max_tokens=64, messages=HELLO)
    with pytest.raises(anthropic.BadRequestError):
        ant.messages.create(model="s400", max_tokens=64, messages=HELLO)


def test_anthropic_sdk_cut_stream_on_openai_route(ant):
    with pytest.raises(anthropic.APIStatusError):
        with ant.messages.stream(model="die", max_tokens=64, messages=HELLO) as s:
            s.until_done()


def test_anthropic_sdk_switching_from_openai_to_anthropic_route(ant):
    """A session that started on a DeepSeek-like route (synthetic thinking
    signatures) and continues on an Anthropic route: the synthetic thinking
    must not reach the Anthropic upstream, which would reject it."""
    first = ant.messages.create(
        model="reasoning-tools",
        max_tokens=4096,
        thinking={"type": "enabled", "budget_tokens": 2048},
        messages=[{"role": "user", "content": RUN}],
        tools=[ANTHROPIC_BASH_TOOL],
    )
    assert first.content[0].type == "thinking" and first.content[0].signature != GENUINE_SIGNATURE
    tool = first.content[-1]
    second = ant.messages.create(
        model="claude-tools",
        max_tokens=4096,
        messages=[
            {"role": "user", "content": RUN},
            {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool.id, "content": "keyway-tool-ok"}]},
        ],
        tools=[ANTHROPIC_BASH_TOOL],
    )
    assert second.content[-1].text == "The tool said: keyway-tool-ok"
