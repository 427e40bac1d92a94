"""What to do about each rule an invalid request can break: the ``hint`` of an ``InvalidRequest`` error.

Cloud error codes get their hints from :mod:`emr_bootstrap.shared.codes`; a refusal of the caller's input has one code,
``InvalidRequest``, so its hint depends on the rule instead. Rules are kebab-case names (``account-id``,
``malformed-http-event``); ``field`` says where the problem is (README "HTTP API", Errors: ``$`` is the whole
document the caller sent, ``accountIds[3]`` a part of it; ``method``, ``path``, ``query.<name>``, ``header.<Name>`` and
``requestContext.accountId`` are parts of the HTTP request around the body). Stdlib only.
"""

from __future__ import annotations

from typing import Final

_SPLIT: Final = "split the accounts into several requests (at most 1000 accounts, 64 KiB each)"
_EVENT_SHAPES: Final = "Send a request object, a CloudEvent or an FC trigger event; see the README, Request."
_REQUEST_SHAPE: Final = 'send a JSON object such as {"accountIds": ["<16-digit account id>"], "dryRun": true}'

RULE_HINTS: Final[dict[str, str]] = {
    # The request's fields (emr_bootstrap.core.request, sweep_request, versions).
    "type": "Send the field with the JSON type the message names; GET /v1/openapi.json describes every field.",
    "required": "Add the field the message names; GET /v1/openapi.json describes every field.",
    "non-empty": "Give at least one item, or leave the field out.",
    "max-items": f"Send fewer items: {_SPLIT}.",
    "account-id": 'Write account IDs as JSON strings of 10-20 digits, e.g. "1234567890123456".',
    "feature": "Use a feature the catalog knows: GET /v1/catalog lists them (requiredWhen).",
    "catalog-role": "Name catalog roles exactly as GET /v1/catalog lists them.",
    "role-name": "Use a RAM role name: 1-64 letters, digits, dots and hyphens.",
    "custom-role": "Name your own ECS role here; the catalog's roles go in roles.",
    "conflict": "customEcsRole replaces the catalog's ECS application role: drop one of the two.",
    "enum": "Use one of the values the message lists.",
    "unknown-field": "Remove it or fix its spelling (names are case-sensitive); the message lists the known names.",
    "max-size": f"Send a smaller request: {_SPLIT}.",
    "emr-version": 'Write the EMR version as "EMR-5.16.0", "5.16.0" or "5.16".',
    "range": "Use a value within the range the message gives.",
    "format": "Write each item in the format the message gives.",
    "token": "Pass nextToken exactly as a result of this function returned it, or start the sweep again without it.",
    "token-options": "To resume, send nextToken alone: the sweep's options come from the token.",
    "json": 'Make the timer trigger\'s payload a JSON sweep request, e.g. {"action": "sweep"} (s.yaml).',
    "sweep": 'Make the timer trigger\'s payload a sweep request, e.g. {"action": "sweep"} (s.yaml).',
    # The hardened JSON decoder (emr_bootstrap.shared.safe_json).
    "duplicate-key": "Give each key once: with a duplicate, which value counts would be a guess.",
    "number-size": "Write numbers of at most 32 characters; account IDs are JSON strings, not numbers.",
    "number-finite": "Use finite JSON numbers (no NaN, Infinity or overflowing exponents).",
    "max-depth": "Nest the JSON at most 32 levels deep.",
    "utf-8": "Send valid UTF-8 text, without lone surrogate escapes such as \\ud800.",
    # Events the function cannot read (emr_bootstrap.intake.triggers, one rule per InvalidEvent subclass).
    "event-too-large": f"Send a smaller event: {_SPLIT}.",
    "event-not-utf8": f"Send the event as UTF-8 JSON text: {_REQUEST_SHAPE}.",
    "event-not-json": f"Send JSON: {_REQUEST_SHAPE}.",
    "invalid-event": _EVENT_SHAPES,
    "unrecognized-event": _EVENT_SHAPES,
    "malformed-cloud-event": "Deliver it as EventBridge does: a CloudEvent whose data is the ActionTrail record.",
    "malformed-http-event": f"Call the function through its HTTP trigger and {_REQUEST_SHAPE} as the body.",
    # The HTTP API (emr_bootstrap.api).
    "not-http-event": (
        "The HTTP function serves only requests through its HTTP trigger; send direct invocations, events and "
        "timers to the event function (index.handler)."
    ),
    "media-type": "Send the body with Content-Type: application/json (UTF-8).",
    "route": "GET /v1/openapi.json lists the routes; requests go to POST /v1/bootstrap, /v1/plan or /v1/sweep.",
    "allowed-methods": "Use a method the Allow header lists: writes happen only on POST, GET routes only read.",
    "allowed-callers": "Sign the request with a key of an account listed in EMR_BOOTSTRAP_HTTP_ALLOWED_CALLERS.",
}

# A rule this table does not know yet (a new one): still a hint, never none.
FALLBACK_HINT: Final = "Fix what the message names and send the request again; GET /v1/openapi.json describes it."


def rule_hint(rule: str | None) -> str:
    """The hint for an invalid request that broke ``rule``."""
    return RULE_HINTS.get(rule or "", FALLBACK_HINT)
