"""What a result means for the shell: the exit code, and the one line said about it on stderr. Works on the
result contract (the JSON a handler returns), so in-process runs and handler replies are judged alike."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from emr_bootstrap.shared import codes

from emr_bootstrap_cli.errors import EXIT_CREDENTIALS, EXIT_FAILED, EXIT_OK, EXIT_USAGE
from emr_bootstrap_cli.render import one_line

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

# Codes that mean the identity is missing, unknown, or not allowed: exit 3.
CREDENTIAL_CODES: Final = frozenset(
    {codes.CREDENTIALS_MISSING, codes.NO_PERMISSION, "SignatureDoesNotMatch", "IncompleteSignature"}
)
CREDENTIAL_PREFIXES: Final = ("InvalidAccessKeyId", "InvalidSecurityToken", "Forbidden")
FAILED_HINT: Final = (
    "Each account's error says why; once the cause has passed, run the command again (it is idempotent)."
)
CREDENTIALS_HINT: Final = (
    "Check the access key pair (ALIBABA_CLOUD_ACCESS_KEY_ID and _SECRET, or --profile), and that its user may call "
    "RAM, STS and Resource Manager (README 'Deploy')."
)


def is_credential_problem(code: str) -> bool:
    return code in CREDENTIAL_CODES or code.startswith(CREDENTIAL_PREFIXES)


def errors(result: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every error in a result: the result's own, each account's and each role's."""
    if isinstance(result.get("error"), dict):
        yield result["error"]
    for account in result.get("accounts", []):
        if isinstance(account.get("error"), dict):
            yield account["error"]
        for role in account.get("roles", []):
            if isinstance(role.get("error"), dict):
                yield role["error"]


def needs_action(account: Mapping[str, Any]) -> bool:
    """Failed, not attempted, or not ready yet (the result's own ``needsAction`` rule; drift is judged apart)."""
    skipped = account.get("skipped")
    not_ready = isinstance(skipped, dict) and skipped.get("code") == codes.ACCOUNT_NOT_READY
    return account.get("status") in ("failed", "not-attempted") or not_ready


def exit_code(result: Mapping[str, Any]) -> int:
    """0 all good; 1 some accounts failed, drifted, were not attempted or are not ready yet (they need action); 2
    an invalid request or setting; 3 a credentials or permission problem."""
    if result.get("status") == "invalid":
        return EXIT_USAGE
    found = list(errors(result))
    if any(is_credential_problem(str(error.get("code", ""))) for error in found):
        return EXIT_CREDENTIALS
    error = result.get("error")
    if isinstance(error, dict) and error.get("code") == codes.CONFIGURATION_ERROR:
        return EXIT_USAGE
    if result.get("status") == "failed":
        return EXIT_FAILED
    accounts = result.get("accounts", [])
    if any(needs_action(account) for account in accounts):
        return EXIT_FAILED
    outcomes = {role.get("outcome") for account in accounts for role in account.get("roles", [])}
    return EXIT_FAILED if outcomes & {"failed", "drifted"} else EXIT_OK


def complaint(result: Mapping[str, Any]) -> tuple[str, str | None] | None:
    """The line for stderr when the exit code is not 0, and the first hint; None when all is good."""
    code = exit_code(result)
    if code == EXIT_OK:
        return None
    found = list(errors(result))
    hint = next((str(e["hint"]) for e in found if e.get("hint")), None)
    if code == EXIT_USAGE:
        error = result.get("error") or {}
        return f"invalid: {error.get('message', 'the request was refused')}", hint
    if code == EXIT_CREDENTIALS:
        first = next(e for e in found if is_credential_problem(str(e.get("code", ""))))
        return (
            f"credentials or permission problem: {first.get('code')}: {one_line(str(first.get('message', '')))}",
            hint or CREDENTIALS_HINT,
        )
    accounts = result.get("accounts", [])
    if not accounts:
        error = result.get("error") or {}
        return f"failed: {error.get('code', 'InternalError')}: {one_line(str(error.get('message', '')))}", hint
    bad = [a for a in accounts if needs_action(a)]
    drifted = sum(r.get("outcome") == "drifted" for a in accounts for r in a.get("roles", []))
    parts = [f"{len(bad)} of {len(accounts)} accounts failed, were not attempted or are not ready"] if bad else []
    parts += [f'{drifted} roles drifted (left alone; "drift": "repair" restores their trust)'] if drifted else []
    return "; ".join(parts), hint or FAILED_HINT
