"""Slack payload checks (platforms.md §3.5): SDK models plus what they do not enforce."""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

MAX_BLOCKS = 50
MAX_TOTAL_TEXT = 11_000
MAX_FIELD = 2000
MAX_CONTEXT_TEXT = 3000
MAX_FALLBACK = 4000


def _texts(node: Any) -> list[str]:
    """Every `text` string anywhere in the tree (text objects, fields, elements, labels)."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                found.append(value)
            else:
                found.extend(_texts(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_texts(item))
    return found


def _mrkdwn_objects(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            found.append(node)
        for value in node.values():
            found.extend(_mrkdwn_objects(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_mrkdwn_objects(item))
    return found


def _sdk_errors(blocks: list[dict[str, Any]]) -> list[str]:
    errors: list[str] = []
    parsed = Block.parse_all(blocks)
    for index, (block, original) in enumerate(zip(parsed, blocks, strict=True)):
        if block is None:
            errors.append(f"block {index}: unknown type {original.get('type')!r}")
            continue
        try:
            if block.to_dict() != original:
                errors.append(f"block {index}: to_dict() differs (misspelt or unsupported key)")
        except SlackObjectFormationError as exc:
            errors.append(f"block {index}: {exc}")
    return errors


def _own_errors(blocks: list[dict[str, Any]]) -> list[str]:
    errors: list[str] = []
    if len(blocks) > MAX_BLOCKS:
        errors.append(f"{len(blocks)} blocks > {MAX_BLOCKS}")
    total = sum(len(t) for t in _texts(blocks))
    if total > MAX_TOTAL_TEXT:
        errors.append(f"total text {total} > {MAX_TOTAL_TEXT}")
    for index, block in enumerate(blocks):
        if block.get("type") == "header" and block["text"]["type"] != "plain_text":
            errors.append(f"block {index}: header text is {block['text']['type']}")
        for field in block.get("fields", []):
            if len(field["text"]) > MAX_FIELD:
                errors.append(f"block {index}: field of {len(field['text'])} > {MAX_FIELD}")
        ids = [e.get("action_id") for e in block.get("elements", []) if block["type"] == "actions"]
        if len([i for i in ids if i]) != len({i for i in ids if i}):
            errors.append(f"block {index}: an action_id twice (Slack wants them distinct)")
        for element in block.get("elements", []) if block.get("type") == "context" else []:
            if len(element.get("text", "")) > MAX_CONTEXT_TEXT:
                errors.append(f"block {index}: context element over {MAX_CONTEXT_TEXT}")
    for obj in _mrkdwn_objects(blocks):
        if obj.get("verbatim") is not True:
            errors.append(f"mrkdwn without verbatim: {obj['text'][:40]!r}")
    return errors


def slack_payload_errors(payload: dict[str, Any]) -> list[str]:
    """Every problem with one `SlackPayload.to_json()`; empty when Slack would accept it."""
    errors: list[str] = []
    text = payload.get("text", "")
    if not text.strip():
        errors.append("empty fallback text")
    if len(text) > MAX_FALLBACK:
        errors.append(f"fallback text {len(text)} > {MAX_FALLBACK}")
    if "link_names" in payload or payload.get("parse") == "full":
        errors.append("link_names/parse=full would turn names into mentions")
    blocks = payload.get("blocks", [])
    return errors + _sdk_errors(blocks) + _own_errors(blocks)


def slack_texts(payload: dict[str, Any]) -> list[str]:
    """Every visible string of a payload: the fallback and all block text."""
    return [payload.get("text", ""), *_texts(payload.get("blocks", []))]
