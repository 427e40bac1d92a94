"""The Resource Directory port (``cloud.AccountDirectory``) over ``alibabacloud_resourcemanager20200331``, with
the function's own credentials. Every call goes through the invocation's retrier: paced at Resource Manager's
per-caller quotas (shared by the invocation, split between fan-out batches) and retried like RAM and STS calls.

The management account is learned once per instance: GetResourceDirectory's ``MasterAccountId`` is kept in this
module, keyed by the Resource Manager endpoint and the access key that asked, for as long as the process lives (a
directory's management account does not change; a new key or endpoint asks again, so an FC instance asks again
when its temporary credentials are renewed). Failures are not kept: the next invocation asks again.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from alibabacloud_resourcemanager20200331 import models as rm_models
from alibabacloud_resourcemanager20200331.client import Client as ResourceManagerClient

from emr_bootstrap.adapters.sdk_common import openapi_config, to_cloud_error, translated
from emr_bootstrap.core.cloud import AccountInfo, AccountPage
from emr_bootstrap.shared import codes
from emr_bootstrap.shared.errors import CloudError

if TYPE_CHECKING:
    from alibabacloud_credentials.client import Client as CredentialClient

    from emr_bootstrap.adapters.settings import Settings
    from emr_bootstrap.core.pacing import Retrier


# (endpoint host, access key ID) -> MasterAccountId. Guarded by _MANAGEMENT_LOCK, held across the one call so that
# concurrent first askers make one call between them.
_MANAGEMENT: dict[tuple[str, str], str] = {}
_MANAGEMENT_LOCK = threading.Lock()


def forget_management_accounts() -> None:
    """Forget what this instance learned (tests that change the directory behind one endpoint)."""
    with _MANAGEMENT_LOCK:
        _MANAGEMENT.clear()


class SdkDirectory:
    """:class:`~emr_bootstrap.core.cloud.AccountDirectory`; safe to share between threads."""

    def __init__(self, settings: Settings, credential: CredentialClient, retrier: Retrier) -> None:
        self._client = ResourceManagerClient(openapi_config(settings, settings.resourcemanager, credential))
        self._retrier = retrier
        self._host = settings.resourcemanager.host
        self._credential = credential

    def management_account_id(self) -> str:
        try:
            key = (self._host, str(self._credential.get_credential().access_key_id or ""))
        except Exception as exc:  # no usable credentials: the call could not be made either
            raise to_cloud_error(exc) from exc
        with _MANAGEMENT_LOCK:
            known = _MANAGEMENT.get(key)
            if known is None:
                call = translated(self._client.get_resource_directory)
                directory = self._retrier.call("GetResourceDirectory", "caller", call).body.resource_directory
                known = str(getattr(directory, "master_account_id", None) or "")
                if not known.isdigit():
                    raise CloudError(
                        codes.INTERNAL_ERROR, "GetResourceDirectory answered without a MasterAccountId", status=500
                    )
                _MANAGEMENT[key] = known
            return known

    def get_account(self, account_id: str) -> AccountInfo:
        request = rm_models.GetAccountRequest(account_id=account_id)
        body = self._retrier.call("GetAccount", "caller", translated(lambda: self._client.get_account(request))).body
        return _account_info(body.account)

    def list_accounts(self, page_number: int, page_size: int) -> AccountPage:
        request = rm_models.ListAccountsRequest(page_number=page_number, page_size=page_size)
        body = self._retrier.call(
            "ListAccounts", "caller", translated(lambda: self._client.list_accounts(request))
        ).body
        accounts = body.accounts.account if body.accounts and body.accounts.account else []
        return AccountPage(tuple(_account_info(a) for a in accounts), int(body.total_count or 0))


def _account_info(account: Any) -> AccountInfo:
    return AccountInfo(
        account_id=str(account.account_id or ""),
        status=str(account.status or ""),
        display_name=account.display_name or "",
        folder_id=account.folder_id or "",
        join_time=account.join_time or "",
        modify_time=account.modify_time or "",
        path=account.resource_directory_path or "",
    )
