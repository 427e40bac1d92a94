"""The CLI's one error path: every failure the CLI expects is a :class:`CliError` with an exit code, one line
saying what went wrong and a hint. ``main`` prints it; nothing else prints errors."""

from __future__ import annotations

from typing import Final

EXIT_OK: Final = 0
EXIT_FAILED: Final = 1  # some accounts failed or drifted, or the operator declined
EXIT_USAGE: Final = 2  # a bad command line, request, event file or setting
EXIT_CREDENTIALS: Final = 3  # no credentials, or the cloud refused them or a permission
EXIT_INTERRUPTED: Final = 130  # Ctrl-C (128 + SIGINT, as shells report it)


class CliError(Exception):
    exit_code: int = EXIT_FAILED

    def __init__(self, message: str, hint: str | None = None, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code


class UsageProblem(CliError):
    exit_code = EXIT_USAGE


class CredentialsProblem(CliError):
    exit_code = EXIT_CREDENTIALS
