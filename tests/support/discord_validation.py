"""Discord payload checks (platforms.md §3.4): the official OpenAPI schema plus our own rules.

The spec ships with the tests (`tests/fixtures/discord-openapi.json`, MIT, its licence beside it),
so a fresh clone validates with nothing outside it; a missing file is an error, never a skip.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = REPO_ROOT / "tests" / "fixtures" / "discord-openapi.json"
MAX_TOTAL = 6000
MAX_CONTENT = 2000
LOCAL_KEYS = ("thread", "thread_name")  # ours, for the publisher; not sent in the body


@cache
def _registry() -> Registry:
    if not SPEC_PATH.is_file():
        raise FileNotFoundError(f"Discord OpenAPI spec missing: {SPEC_PATH.resolve()}")
    spec = json.loads(SPEC_PATH.read_text("utf-8"))
    resource = Resource.from_contents(spec, default_specification=DRAFT202012)
    return Registry().with_resource("urn:discord", resource)


@cache
def _validator(schema: str) -> Draft202012Validator:
    ref = {"$ref": f"urn:discord#/components/schemas/{schema}"}
    return Draft202012Validator(ref, registry=_registry())


def schema_errors(body: dict[str, Any], schema: str = "MessageCreateRequest") -> list[str]:
    """Errors of `body` against one schema of the official spec."""
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in _validator(schema).iter_errors(body)
    ]


def embed_total(embeds: list[dict[str, Any]]) -> int:
    """Discord's 6,000 budget: title, description, fields, footer, author; each stripped."""
    total = 0
    for embed in embeds:
        parts = [embed.get("title", ""), embed.get("description", "")]
        for item in embed.get("fields", []):
            parts += [item["name"], item["value"]]
        parts += [embed.get("footer", {}).get("text", ""), embed.get("author", {}).get("name", "")]
        total += sum(len(p.strip()) for p in parts)
    return total


def discord_payload_errors(
    payload: dict[str, Any], schema: str = "MessageCreateRequest"
) -> list[str]:
    """Every problem with one `DiscordPayload.to_json()`; empty when Discord would accept it.

    `schema`: `MessageCreateRequest` for channel posts, `IncomingWebhookInteractionRequest` for
    the interaction followups command replies are sent as.
    """
    body = {k: v for k, v in payload.items() if k not in LOCAL_KEYS}
    errors = schema_errors(body, schema)
    total = embed_total(body.get("embeds", []))
    if total > MAX_TOTAL:
        errors.append(f"embeds total {total} > {MAX_TOTAL}")
    if len(body.get("content") or "") > MAX_CONTENT:
        errors.append(f"content {len(body['content'])} > {MAX_CONTENT}")
    if body.get("allowed_mentions") != {"parse": []}:
        errors.append(f"allowed_mentions is {body.get('allowed_mentions')!r}")
    if not body.get("content") and not body.get("embeds"):
        errors.append("empty message")
    name = payload.get("thread_name", "")
    if len(name) > 100:
        errors.append(f"thread name {len(name)} > 100")
    for embed in body.get("embeds", []):
        for item in embed.get("fields", []):
            if not item["name"].strip() or not item["value"].strip():
                errors.append("empty field name or value")
    ids = [c.get("custom_id") for r in body.get("components") or [] for c in r["components"]]
    if len([i for i in ids if i]) != len({i for i in ids if i}):
        errors.append("a custom_id twice (Discord wants them distinct in a message)")
    return errors


def discord_texts(payload: dict[str, Any]) -> list[str]:
    """Every visible string of a payload: content, embed text and button labels."""
    texts = [payload.get("content", ""), payload.get("thread_name", "")]
    for embed in payload.get("embeds", []):
        texts += [embed.get("title", ""), embed.get("description", "")]
        texts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
        texts.append(embed.get("footer", {}).get("text", ""))
    for row in payload.get("components", []):
        texts += [c.get("label", "") for c in row.get("components", [])]
    return texts
