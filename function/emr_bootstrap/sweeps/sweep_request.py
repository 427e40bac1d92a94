"""A sweep request, validated into a typed :class:`SweepRequest`, and its opaque resume token.

``{"action": "sweep", "folderIds": [...], "accountIds": [...], "excludeAccountIds": [...], "dryRun": true,
"changedWithinMinutes": 10, "nextToken": "..."}`` plus the role-selecting fields of a bootstrap request
(``emrVersion``, ``features``, ``roles``, ``customEcsRole``, ``drift``). Every filter here can only narrow the
deployment's scope (``scope.py``), which is applied to every account whatever the request says.

The token says where a stopped sweep resumes (page and offset in the directory's listing) and carries the sweep's
options, so a resumed sweep selects exactly the same accounts. It also carries the chain's state: the number of the
hop that issued it, where that hop started, and the chain's bound (README "Sweeps"). It is base64url of the
zlib-compressed JSON (tokens of plain base64url JSON, as issued before, are still read), checked field by field on the
way back in: a forged one can name another position, narrower filters or a lower bound, never a wider scope or a
longer chain than the function computes itself.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final

from emr_bootstrap.core.directory import PAGE_SIZE
from emr_bootstrap.core.request import MAX_PAYLOAD_BYTES, BootstrapRequest, parse_request
from emr_bootstrap.shared import safe_json
from emr_bootstrap.shared.errors import InvalidRequest

if TYPE_CHECKING:
    from collections.abc import Mapping

    from emr_bootstrap.core.catalog import Catalog

ACTION: Final = "sweep"
# At most 200 IDs per list: any sweep request fits the 64 KiB body limit. The largest accepted request's options are
# about 25,000 characters of JSON (three lists of 200 IDs of at most 67 characters, role fields bounded by the
# catalog); compressed they take at most that plus 0.1% (zlib's compressBound), so its token, base64url, is at most
# about 34,000 characters, and a token of any size accepted here fits the body of the request that sends it back.
MAX_IDS: Final = 200
MAX_TOKEN_CHARS: Final = MAX_PAYLOAD_BYTES - len('{"action":"sweep","nextToken":""}')
# The decompressed document is read only up to this size (a zip bomb stops there): twice any request's size.
MAX_TOKEN_DOCUMENT_BYTES: Final = 2 * MAX_PAYLOAD_BYTES
MAX_WINDOW_MINUTES: Final = 7 * 24 * 60
TOKEN_VERSION: Final = 1
# A fan-out batch's share of the caller's AssumeRole quota: at most 1000 batches share it (sweep.MAX_BATCHES), so a
# share below 1/1000 is not one the function wrote, and would make each AssumeRole wait for hours.
MIN_SHARE: Final = 0.001
# A batch's firstPage hint names a ListAccounts page: a directory of a million members has 10,000.
MAX_PAGE: Final = 10_000
_MAX_COUNT: Final = 1_000_000
_ROLE_FIELDS: Final = ("emrVersion", "features", "roles", "customEcsRole", "dryRun", "drift")
_SWEEP_FIELDS: Final = ("action", "folderIds", "accountIds", "excludeAccountIds", "changedWithinMinutes", "nextToken")
_ACCOUNT_ID = re.compile(r"[0-9]{10,20}")
_FOLDER_ID = re.compile(r"(fd|r)-[A-Za-z0-9]{1,64}")
# Any valid account ID stands in while the role fields are validated by the bootstrap request's own rules.
_PLACEHOLDER = "0000000000"


@dataclass(frozen=True)
class Position:
    """Where a sweep is in the directory's listing: the page (from 1) and the offset in it."""

    page: int = 1
    offset: int = 0

    @property
    def index(self) -> int:
        """The position as an index into the whole listing (pages have ``PAGE_SIZE`` accounts)."""
        return (self.page - 1) * PAGE_SIZE + self.offset


@dataclass(frozen=True)
class SweepRequest:
    # The roles to reconcile and how (account_ids is empty: the directory supplies the accounts).
    template: BootstrapRequest
    folder_ids: frozenset[str] | None = None
    include: frozenset[str] | None = None
    exclude: frozenset[str] = frozenset()
    changed_within_minutes: int | None = None
    start: Position = Position()
    # Set in tokens of sweeps that continue themselves (timer and event sweeps): the resumed one may continue too,
    # on the event function only (sweep_runner).
    continues: bool = False
    # The chain this request resumes: the number of the hop that issued the token (0: a new sweep), where that hop
    # started, and the bound on the chain's length it computed (None: none yet).
    hop: int = 0
    previous_start: Position | None = None
    max_hops: int | None = None

    @property
    def dry_run(self) -> bool:
        return self.template.dry_run

    def options(self) -> dict[str, Any]:
        """The request as JSON, without the position: what a resume token carries."""
        out: dict[str, Any] = {key: value for key, value in self._role_fields().items() if value is not None}
        if self.folder_ids is not None:
            out["folderIds"] = sorted(self.folder_ids)
        if self.include is not None:
            out["accountIds"] = sorted(self.include)
        if self.exclude:
            out["excludeAccountIds"] = sorted(self.exclude)
        if self.changed_within_minutes is not None:
            out["changedWithinMinutes"] = self.changed_within_minutes
        return out

    def _role_fields(self) -> dict[str, Any]:
        t = self.template
        return {
            "emrVersion": str(t.emr_version) if t.emr_version else None,
            "features": sorted(t.features) or None,
            "roles": list(t.roles) if t.roles is not None else None,
            "customEcsRole": t.custom_ecs_role,
            "dryRun": t.dry_run or None,
            "drift": "repair" if t.drift == "repair" else None,
        }

    def token(self, position: Position, *, continues: bool = False, max_hops: int | None = None) -> str:
        """The token that resumes this sweep at ``position``: issued by hop ``self.hop + 1``, which started at
        ``self.start``."""
        document: dict[str, Any] = {
            "v": TOKEN_VERSION,
            "page": position.page,
            "offset": position.offset,
            "options": self.options(),
            "continues": continues,
            "hop": self.hop + 1,
            "from": [self.start.page, self.start.offset],
        }
        if max_hops is not None:
            document["maxHops"] = max_hops
        text = json.dumps(document, separators=(",", ":"), sort_keys=True)
        return base64.urlsafe_b64encode(zlib.compress(text.encode())).decode().rstrip("=")


def parse_sweep_request(payload: Mapping[str, Any], *, catalog: Catalog | None = None) -> SweepRequest:
    """Validate a sweep request; raise :class:`InvalidRequest` naming the field and the rule."""
    unknown = [str(key) for key in payload if key not in _ROLE_FIELDS + _SWEEP_FIELDS]
    if unknown:
        name = unknown[0] if len(unknown[0]) <= 40 else unknown[0][:37] + "..."
        known = [*_SWEEP_FIELDS, *_ROLE_FIELDS]
        raise InvalidRequest(name, "unknown-field", f"unknown field; known fields are {known}")
    if payload.get("action") != ACTION:
        raise InvalidRequest("action", "enum", f'must be "{ACTION}"')
    token = payload.get("nextToken")
    if token is not None:
        others = [key for key in payload if key not in ("action", "nextToken") and payload[key] is not None]
        if others:
            raise InvalidRequest(others[0], "token-options", "a resumed sweep takes its options from nextToken only")
        options, chain = _decode_token(token)
        resumed = parse_sweep_request({"action": ACTION, **options}, catalog=catalog)
        return replace(resumed, **chain)
    role_part = {key: payload[key] for key in _ROLE_FIELDS if key in payload}
    template = replace(parse_request({**role_part, "accountIds": [_PLACEHOLDER]}, catalog=catalog), account_ids=())
    window = payload.get("changedWithinMinutes")
    if window is not None and (
        not isinstance(window, int) or isinstance(window, bool) or not 1 <= window <= MAX_WINDOW_MINUTES
    ):
        raise InvalidRequest("changedWithinMinutes", "range", f"must be a whole number from 1 to {MAX_WINDOW_MINUTES}")
    return SweepRequest(
        template=template,
        folder_ids=_ids(payload, "folderIds", _FOLDER_ID, "a folder ID (fd-... or r-...)"),
        include=_ids(payload, "accountIds", _ACCOUNT_ID, "an account ID of 10-20 digits"),
        exclude=_ids(payload, "excludeAccountIds", _ACCOUNT_ID, "an account ID of 10-20 digits") or frozenset(),
        changed_within_minutes=window,
    )


def _ids(payload: Mapping[str, Any], field: str, pattern: re.Pattern[str], what: str) -> frozenset[str] | None:
    value = payload.get(field)
    if value is None:
        return None
    if not isinstance(value, list) or not value or len(value) > MAX_IDS:
        raise InvalidRequest(field, "type", f"must be a non-empty array of at most {MAX_IDS} strings")
    for index, item in enumerate(value):
        if not isinstance(item, str) or not pattern.fullmatch(item):
            raise InvalidRequest(f"{field}[{index}]", "format", f"must be {what}")
    return frozenset(value)


def _decode_token(token: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The token's options, and its position and chain as :class:`SweepRequest` fields."""

    def bad(why: str) -> InvalidRequest:
        return InvalidRequest("nextToken", "token", f"is not a token this function issued ({why})")

    if not isinstance(token, str) or not 1 <= len(token) <= MAX_TOKEN_CHARS:
        raise bad("not a string of a sensible size")
    try:
        document = safe_json.loads(read_token(token).decode())
    except (binascii.Error, ValueError) as exc:  # UnicodeDecodeError, JSONDecodeError and JsonRejected too
        raise bad("not base64url JSON") from exc
    if not isinstance(document, dict) or document.get("v") != TOKEN_VERSION:
        raise bad("unknown version")
    page, offset, options = document.get("page"), document.get("offset"), document.get("options")
    for value in (page, offset):
        if not _count(value, 0):
            raise bad("bad position")
    if not isinstance(page, int) or page < 1 or not isinstance(options, dict):
        raise bad("bad position or options")
    if "nextToken" in options or "action" in options:
        raise bad("nested token")
    continues = document.get("continues", False)
    if not isinstance(continues, bool):
        raise bad("bad continuation flag")
    hop, max_hops, previous = document.get("hop", 0), document.get("maxHops"), document.get("from")
    if not _count(hop, 0) or not (max_hops is None or _count(max_hops, 1)):
        raise bad("bad hop count or bound")
    if previous is not None and not (
        isinstance(previous, list) and len(previous) == 2 and _count(previous[0], 1) and _count(previous[1], 0)
    ):
        raise bad("bad previous position")
    assert isinstance(offset, int)
    return options, {
        "start": Position(page, offset),
        "continues": continues,
        "hop": hop,
        "max_hops": max_hops,
        "previous_start": Position(previous[0], previous[1]) if previous is not None else None,
    }


def read_token(token: str) -> bytes:
    """The JSON bytes a token carries: zlib-compressed (a zlib stream starts with 0x78, a JSON object with ``{``)
    or, as issued before, plain. Raises ``ValueError`` for anything else, and for a document that would decompress
    past :data:`MAX_TOKEN_DOCUMENT_BYTES` (decompression stops there)."""
    # Two pads complete any base64 length (the decoder ignores the surplus; a length one past a multiple of 4 is not
    # base64 with any padding).
    raw = base64.urlsafe_b64decode(token + "==")
    if raw[:1] != b"x":
        return raw
    inflater = zlib.decompressobj()
    # Not a zlib stream, or truncated, too large, or followed by other data: the caller refuses all of them alike
    # ("not base64url JSON"), so the error carries no message of its own.
    try:
        text = inflater.decompress(raw, MAX_TOKEN_DOCUMENT_BYTES)
    except zlib.error as exc:
        raise ValueError from exc
    if not inflater.eof or inflater.unconsumed_tail or inflater.unused_data:
        raise ValueError
    return text


def _count(value: Any, low: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= _MAX_COUNT


@dataclass(frozen=True)
class SweepBatch:
    """One fan-out batch: the accounts a sweep handed to this invocation, and its share of the caller's quota."""

    request: BootstrapRequest
    share: float


def parse_sweep_batch(payload: Mapping[str, Any], *, catalog: Catalog | None = None) -> SweepBatch:
    """``{"action": "sweep-batch", "accountIds": [...], "share": 0.1, "firstPage": 37, <role fields>}``. The
    accounts are checked again by the core like any request's: a forged batch gains nothing a request could not.
    ``firstPage`` (optional) is where the batch's accounts start in the listing: it orders the reading only."""
    share = payload.get("share", 1.0)
    if not isinstance(share, (int, float)) or isinstance(share, bool) or not MIN_SHARE <= share <= 1:
        raise InvalidRequest("share", "range", f"must be a number from {MIN_SHARE} to 1")
    first_page = payload.get("firstPage")
    if first_page is not None and not (_count(first_page, 1) and first_page <= MAX_PAGE):
        raise InvalidRequest("firstPage", "range", f"must be a whole number from 1 to {MAX_PAGE}")
    request_part = {key: value for key, value in payload.items() if key not in ("action", "share", "firstPage")}
    request = parse_request(request_part, catalog=catalog)
    return SweepBatch(replace(request, strategy="get-first", first_page=first_page), float(share))
