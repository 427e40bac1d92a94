"""The Resource Directory port (``cloud.AccountDirectory``) over ``alibabacloud_resourcemanager20200331``, with
the function's own credentials."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from alibabacloud_resourcemanager20200331 import models as rm_models
from alibabacloud_resourcemanager20200331.client import Client as ResourceManagerClient

from emr_bootstrap.cloud import AccountInfo, AccountPage
from emr_bootstrap.sdk_common import openapi_config, translated

if TYPE_CHECKING:
    from alibabacloud_credentials.client import Client as CredentialClient

    from emr_bootstrap.pacing import Retrier
    from emr_bootstrap.settings import Settings


class SdkDirectory:
    """:class:`~emr_bootstrap.cloud.AccountDirectory`; safe to share between threads."""

    def __init__(self, settings: Settings, credential: CredentialClient, retrier: Retrier) -> None:
        self._client = ResourceManagerClient(openapi_config(settings, settings.resourcemanager, credential))
        self._retrier = retrier

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
