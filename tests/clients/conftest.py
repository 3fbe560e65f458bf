"""Shared fixtures for the client-compatibility suite.

run.sh starts the fake upstream and Keyway and exports where they are:
KEYWAY_URL (http://ADDR), KEYWAY_KEY (a db_sk_ key of the "clients" group),
KEYWAY_OTHER_KEY (a key of another group), KEYWAY_ADMIN_TOKEN.
"""

import json
import os
import time
import urllib.request

import anthropic
import openai
import pytest

# What the fake upstream answers (crates/keyway-testkit/src/scenario.rs).
FAKE_TEXT = "Hello from the fake upstream."
TOOL_COMMAND = "echo keyway-tool-ok"
GENUINE_SIGNATURE = "sig_genuine_fake_0123456789"

# A Bash tool as both protocols declare it.
BASH_SCHEMA = {
    "type": "object",
    "properties": {
        "command": {"type": "string", "description": "The command to run"},
        "description": {"type": "string"},
    },
    "required": ["command"],
}
OPENAI_BASH_TOOL = {
    "type": "function",
    "function": {"name": "Bash", "description": "Run a shell command", "parameters": BASH_SCHEMA},
}
ANTHROPIC_BASH_TOOL = {"name": "Bash", "description": "Run a shell command", "input_schema": BASH_SCHEMA}


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.exit(f"{name} is not set: run the suite with `bash tests/clients/run.sh`", returncode=2)
    return value


@pytest.fixture(scope="session")
def keyway_url() -> str:
    return _env("KEYWAY_URL").rstrip("/")


@pytest.fixture(scope="session")
def key() -> str:
    return _env("KEYWAY_KEY")


@pytest.fixture(scope="session")
def other_key() -> str:
    return _env("KEYWAY_OTHER_KEY")


@pytest.fixture(scope="session")
def oai(keyway_url, key) -> openai.OpenAI:
    # No retries: an error status must surface as the SDK's exception at once.
    return openai.OpenAI(base_url=f"{keyway_url}/v1", api_key=key, max_retries=0, timeout=30)


@pytest.fixture(scope="session")
def ant(keyway_url, key) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=keyway_url, api_key=key, max_retries=0, timeout=30)


class Admin:
    """Keyway's admin API, for reading the request log."""

    def __init__(self, url: str, token: str):
        self.url = url
        self.token = token

    def logs(self) -> list[dict]:
        req = urllib.request.Request(
            f"{self.url}/admin/api/logs?limit=500",
            headers={"authorization": f"Bearer {self.token}"},
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            body = json.load(r)
        for field in ("items", "logs", "data"):
            if isinstance(body.get(field), list):
                return body[field]
        return []

    def wait_logs(self, pred, count: int = 1, timeout: float = 10.0) -> list[dict]:
        """Rows matching pred, once at least `count` exist (logs are written in batches)."""
        deadline = time.monotonic() + timeout
        rows: list[dict] = []
        while time.monotonic() < deadline:
            rows = [r for r in self.logs() if pred(r)]
            if len(rows) >= count:
                return rows
            time.sleep(0.1)
        return rows


@pytest.fixture(scope="session")
def admin(keyway_url) -> Admin:
    return Admin(keyway_url, _env("KEYWAY_ADMIN_TOKEN"))
