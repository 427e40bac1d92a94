"""A record of every call (caller, account, action, parameters, result) for assertions and call counting."""

from __future__ import annotations

import threading
from dataclasses import dataclass

# Never logged: signatures, keys' proofs and tokens (V1 puts them in the query string).
_SECRET_PARAMS = frozenset({"Signature", "SecurityToken", "SignatureNonce", "AccessKeySecret"})


@dataclass(frozen=True)
class CallRecord:
    action: str
    service: str
    caller_arn: str | None  # None when authentication failed
    account_id: str | None  # the account the call acted in (the caller's account)
    params: dict[str, str]
    code: str  # "OK" on success, else the error code; "ConnectionDropped" for a call dropped before it ran
    status: int  # HTTP status; 0 for a dropped connection
    timestamp: float
    request_id: str
    # The action ran (code "OK", status 200) but the connection was closed instead of answering.
    response_lost: bool = False

    @property
    def principal(self) -> str | None:
        return self.caller_arn

    @property
    def ok(self) -> bool:
        return self.code == "OK"


def redact(params: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in params.items() if k not in _SECRET_PARAMS}


class CallLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[CallRecord] = []

    def append(self, record: CallRecord) -> None:
        with self._lock:
            self._records.append(record)

    def all(self) -> list[CallRecord]:
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def filter(
        self,
        *,
        action: str | None = None,
        account_id: str | None = None,
        code: str | None = None,
        caller_arn: str | None = None,
    ) -> list[CallRecord]:
        return [
            r
            for r in self.all()
            if (action is None or r.action == action)
            and (account_id is None or r.account_id == account_id)
            and (code is None or r.code == code)
            and (caller_arn is None or r.caller_arn == caller_arn)
        ]
