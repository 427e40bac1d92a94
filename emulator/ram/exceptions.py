"""RAM's error codes, statuses and messages (docs/alibaba-cloud.md §1.3: RM-mirror and legacy RAM docs)."""

from __future__ import annotations

from emulator.core.errors import ApiError


def role_not_found(name: str) -> ApiError:
    return ApiError(404, "EntityNotExist.Role", f"The role does not exist: {name}.")


def role_exists(name: str) -> ApiError:
    return ApiError(409, "EntityAlreadyExists.Role", f"The role already exists: {name}.")


def role_limit() -> ApiError:
    return ApiError(409, "LimitExceeded.Role", "The maximum number of roles is exceeded.")


def policy_not_found(policy_type: str, name: str) -> ApiError:
    return ApiError(404, "EntityNotExist.Policy", f"The policy does not exist: {policy_type}:{name}.")


def policy_exists(name: str) -> ApiError:
    return ApiError(409, "EntityAlreadyExists.Policy", f"The policy already exists: {name}.")


def role_policy_exists() -> ApiError:
    return ApiError(409, "EntityAlreadyExists.Role.Policy", "The role has already been attached this policy.")


def role_policy_not_found() -> ApiError:
    return ApiError(404, "EntityNotExist.Role.Policy", "The indicate policy attached to the role does not exist.")


def role_policy_limit() -> ApiError:
    return ApiError(409, "LimitExceeded.Role.Policy", "The policy count of the role beyond the current limits.")


def delete_conflict() -> ApiError:
    return ApiError(409, "DeleteConflict.Role.Policy", "The role cannot have any attached policies when you delete it.")


def user_not_found(name: str) -> ApiError:
    return ApiError(404, "EntityNotExist.User", f"The user does not exist: {name}.")


def user_exists(name: str) -> ApiError:
    return ApiError(409, "EntityAlreadyExists.User", f"The user already exists: {name}.")


def user_policy_exists() -> ApiError:
    return ApiError(409, "EntityAlreadyExists.User.Policy", "The user has already been attached this policy.")


def user_policy_limit() -> ApiError:
    return ApiError(409, "LimitExceeded.User.Policy", "The policy count of the user beyond the current limits.")


def access_key_limit() -> ApiError:
    return ApiError(409, "LimitExceeded.User.AccessKey", "The access key count of the user beyond the limits.")


def invalid_marker() -> ApiError:
    return ApiError(400, "InvalidParameter.Marker", "The parameter Marker is invalid.")
