"""When GetResourceDirectory fails, no account can be shown not to be the management account: every account fails
closed. What the operator reads then: which call failed, what to grant, and that no time went to any account."""

from __future__ import annotations

from emr_bootstrap.core.request import BootstrapRequest
from emr_bootstrap.shared.errors import CloudError

from tests.function.fakes import FakeClock, FakeConnector, FakeDirectory, bootstrap, fast_settings

OWN, A, B = "1000000000000001", "1234567890123456", "6543210987654321"


class SlowFailingDirectory(FakeDirectory):
    """A directory whose GetResourceDirectory takes ``seconds`` on ``clock`` and then fails with ``error``."""

    def __init__(self, clock: FakeClock, seconds: float, error: CloudError) -> None:
        super().__init__(management=OWN)
        self.clock, self.seconds, self.error = clock, seconds, error

    def management_account_id(self) -> str:
        self.clock.sleep(self.seconds)
        raise self.error


def test_a_denied_get_resource_directory_hint_names_the_permission_to_grant() -> None:
    directory = FakeDirectory(management=OWN)
    directory.management_fail = CloudError("NoPermission", "You are not authorized to do this action.", status=403)

    result = bootstrap(
        BootstrapRequest(account_ids=(A, B)), FakeConnector(own_account_id=OWN), request_id="r", directory=directory
    )

    errors = [account.error for account in result.accounts]
    assert all(e is not None and e.code == "NoPermission" for e in errors)
    assert all(e is not None and e.hint and "resourcemanager:GetResourceDirectory" in e.hint for e in errors)
    assert all(e is not None and e.message.startswith("GetResourceDirectory: ") for e in errors)


def test_accounts_refused_for_an_unknown_management_account_report_no_time_spent_in_them() -> None:
    clock = FakeClock()
    directory = SlowFailingDirectory(clock, 2.0, CloudError("ServiceUnavailable", "busy", status=503))

    result = bootstrap(
        BootstrapRequest(account_ids=(A, B)),
        FakeConnector(own_account_id=OWN),
        request_id="r",
        directory=directory,
        settings=fast_settings(clock),
    )

    # The two seconds went to the run's one question to the directory, not to either account.
    reported = result.to_dict()
    assert reported["summary"]["durationMs"] == 2000
    accounts = reported["accounts"]
    assert [(a["status"], a["error"]["code"], a["durationMs"]) for a in accounts] == [
        ("failed", "ManagementAccountUnknown", 0),
        ("failed", "ManagementAccountUnknown", 0),
    ]
