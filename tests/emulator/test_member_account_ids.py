"""A member can be created with a given account ID (``emr-bootstrap invoke --local`` creates the accounts an event
names): 10-20 digits, not taken; later members continue after the highest ID."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from emulator.testing import Emulator


def test_a_member_gets_the_id_asked_for_and_the_next_one_follows_it(emulator: Emulator) -> None:
    emulator.reset()

    given = emulator.create_member_account("given", account_id="1000000000000042")
    following = emulator.create_member_account("following")

    assert given == "1000000000000042" and following == "1000000000000043"
    assert emulator.role(given, "ResourceDirectoryAccountAccessRole") is not None


@pytest.mark.parametrize("account_id", ["1000000000000001", "123", "\uff11" * 16, "12345678901234567890123"])
def test_a_taken_or_malformed_id_is_refused(emulator: Emulator, account_id: str) -> None:
    with pytest.raises(ValueError):
        emulator.create_member_account("refused", account_id=account_id)
