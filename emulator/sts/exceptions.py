"""STS's error codes, statuses and messages ([META-STS] errorCodes, docs/alibaba-cloud.md §3)."""

from __future__ import annotations

from emulator.core.errors import ApiError


def invalid(param: str, message: str | None = None) -> ApiError:
    return ApiError(400, f"InvalidParameter.{param}", message or f"The parameter {param} is wrongly formed.")


def duration(minimum: int, maximum: int) -> ApiError:
    return invalid("DurationSeconds", f"The Min/Max value of DurationSeconds is {minimum}/{maximum} seconds.")


def role_not_found() -> ApiError:
    return ApiError(404, "EntityNotExist.Role", "The specified Role not exists .")
