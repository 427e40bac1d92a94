"""The emulated cloud: accounts (each with its own RAM state and lock), the directory's folders, access keys, STS
tokens and FC functions."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any

from emulator.core import clock, ids
from emulator.core.store import KIND_ACCESS_KEY, KIND_ACCOUNT, KIND_FOLDER, KIND_TOKEN
from emulator.fc.models import Functions
from emulator.ram.entities import CustomPolicy, Role, User

if TYPE_CHECKING:
    from emulator.core.store import Store

# A fixed, realistic 16-digit id so demos and tests can hard-code it.
MANAGEMENT_ACCOUNT_ID = "1000000000000001"
RESOURCE_DIRECTORY_ID = "rd-3Gemu0"
ROOT_FOLDER_ID = "r-Wmemu0"  # "r-" + 6 letters/digits; other folders "fd-" + 10 (RM ListAccountsForParent docs)
ROOT_FOLDER_NAME = "Root"


# Member statuses Resource Manager documents (docs/alibaba-cloud.md §4, SDK 2.6.2 models).
ACCOUNT_STATUSES = frozenset(
    {
        "CreateSuccess",
        "CreateVerifying",
        "CreateFailed",
        "CreateExpired",
        "CreateCancelled",
        "PromoteVerifying",
        "PromoteFailed",
        "PromoteExpired",
        "PromoteCancelled",
        "PromoteSuccess",
        "InviteSuccess",
        "Removed",
    }
)
# Unconfirmed: a CreateCloudAccount member that is still waiting for its email confirmation (or never got it) does
# not exist yet, so it has no RAM: no ResourceDirectoryAccountAccessRole, and AssumeRole into it fails as for a
# role that does not exist.
STATUSES_WITHOUT_RAM = frozenset({"CreateVerifying", "CreateFailed", "CreateExpired", "CreateCancelled"})

_NESTED = frozenset({"roles", "users", "policies", "lock"})


@dataclass
class Account:
    account_id: str
    display_name: str
    account_name: str
    status: str  # CreateSuccess | InviteSuccess | PromoteVerifying | ... (docs/alibaba-cloud.md §4)
    type: str  # ResourceAccount | CloudAccount
    join_method: str  # created | invited
    join_time: float
    modify_time: float
    resource_directory_id: str | None
    folder_id: str | None
    is_management: bool = False
    roles: dict[str, Role] = field(default_factory=dict)  # key: lower-cased role name
    users: dict[str, User] = field(default_factory=dict)  # key: lower-cased user name
    policies: dict[str, CustomPolicy] = field(default_factory=dict)  # key: policy name
    next_role_seq: int = 1
    # One lock per account: concurrent writes to one account serialise, other accounts are unaffected.
    lock: threading.RLock = field(default_factory=threading.RLock, compare=False, repr=False)

    @property
    def in_directory(self) -> bool:
        return self.resource_directory_id is not None

    @property
    def has_ram(self) -> bool:
        """False while the account is not created yet (see STATUSES_WITHOUT_RAM)."""
        return self.status not in STATUSES_WITHOUT_RAM

    def to_dict(self) -> dict[str, Any]:
        # Not dataclasses.asdict: it would deep-copy the lock.
        raw = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in _NESTED}
        raw["roles"] = {k: role.to_dict() for k, role in self.roles.items()}
        raw["users"] = {k: user.to_dict() for k, user in self.users.items()}
        raw["policies"] = {k: custom.to_dict() for k, custom in self.policies.items()}
        return raw

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Account:
        raw = dict(raw)
        roles = {k: Role.from_dict(dict(v)) for k, v in raw.pop("roles").items()}
        users = {k: User.from_dict(dict(v)) for k, v in raw.pop("users").items()}
        policies = {k: CustomPolicy(**v) for k, v in raw.pop("policies").items()}
        return cls(**raw, roles=roles, users=users, policies=policies)


@dataclass
class AccessKey:
    access_key_id: str
    secret: str
    account_id: str
    user_name: str | None  # None: the account's root key
    create_date: str
    status: str = "Active"


@dataclass
class Folder:
    """A resource-directory folder; the root has no parent."""

    folder_id: str
    name: str
    parent_id: str | None
    directory_id: str
    create_time: float


@dataclass
class SessionToken:
    """Credentials issued by AssumeRole; they act in the role's account."""

    access_key_id: str
    secret: str
    token: str
    account_id: str
    role_name: str
    role_id: str
    session_name: str
    expiration: float
    session_policy: str | None = None


class Cloud:
    """All accounts, folders, keys and tokens of one emulator instance."""

    def __init__(self, store: Store | None = None) -> None:
        self.lock = threading.RLock()
        self.store = store
        self.accounts: dict[str, Account] = {}
        self.access_keys: dict[str, AccessKey] = {}
        self.tokens: dict[str, SessionToken] = {}
        self.folders: dict[str, Folder] = {}
        self.functions = Functions()  # FC: in memory only
        self.management_account_id = MANAGEMENT_ACCOUNT_ID
        if store is not None:
            self._load(store)
        if MANAGEMENT_ACCOUNT_ID not in self.accounts:
            self._bootstrap()
        self._ensure_root_folder()  # also for state files written before folders existed

    # --- setup -------------------------------------------------------------------------------------
    def _bootstrap(self) -> None:
        ts = clock.now()
        management = Account(
            account_id=MANAGEMENT_ACCOUNT_ID,
            display_name="management",
            account_name=f"management@{MANAGEMENT_ACCOUNT_ID}.onaliyun.com",
            status="CreateSuccess",
            type="CloudAccount",
            join_method="invited",
            join_time=ts,
            modify_time=ts,
            resource_directory_id=RESOURCE_DIRECTORY_ID,
            folder_id=ROOT_FOLDER_ID,
            is_management=True,
        )
        self.add_account(management)
        self.add_access_key(management.account_id, user_name=None)

    def _ensure_root_folder(self) -> None:
        if ROOT_FOLDER_ID not in self.folders:
            self.add_folder(Folder(ROOT_FOLDER_ID, ROOT_FOLDER_NAME, None, RESOURCE_DIRECTORY_ID, clock.now()))

    def _load(self, store: Store) -> None:
        for raw in store.load(KIND_ACCOUNT):
            account = Account.from_dict(raw)
            self.accounts[account.account_id] = account
        for raw in store.load(KIND_ACCESS_KEY):
            key = AccessKey(**raw)
            self.access_keys[key.access_key_id] = key
        for raw in store.load(KIND_TOKEN):
            token = SessionToken(**raw)
            self.tokens[token.access_key_id] = token
        for raw in store.load(KIND_FOLDER):
            folder = Folder(**raw)
            self.folders[folder.folder_id] = folder

    def reset(self) -> None:
        """Forget everything and start again with a fresh management account and root key."""
        with self.lock:
            self.accounts.clear()
            self.access_keys.clear()
            self.tokens.clear()
            self.folders.clear()
            self.functions.clear()
            if self.store is not None:
                self.store.delete_all()
            self._bootstrap()
            self._ensure_root_folder()

    # --- accounts ----------------------------------------------------------------------------------
    @property
    def management(self) -> Account:
        return self.accounts[self.management_account_id]

    def account(self, account_id: str) -> Account | None:
        return self.accounts.get(account_id)

    def add_account(self, account: Account) -> None:
        with self.lock:
            self.accounts[account.account_id] = account
            self.persist_account(account)

    def next_account_id(self) -> str:
        with self.lock:
            return str(max(int(a) for a in self.accounts) + 1)

    def persist_account(self, account: Account) -> None:
        if self.store is not None:
            with account.lock:
                self.store.save(KIND_ACCOUNT, account.account_id, account.to_dict())

    # --- folders -----------------------------------------------------------------------------------
    def add_folder(self, folder: Folder) -> None:
        with self.lock:
            self.folders[folder.folder_id] = folder
            if self.store is not None:
                self.store.save(KIND_FOLDER, folder.folder_id, asdict(folder))

    def folder_chain(self, folder_id: str) -> list[Folder]:
        """The folder and its ancestors, root first; empty when the folder does not exist."""
        chain: list[Folder] = []
        with self.lock:
            current = self.folders.get(folder_id)
            while current is not None:
                chain.append(current)
                current = self.folders.get(current.parent_id) if current.parent_id else None
        return chain[::-1]

    # --- credentials -------------------------------------------------------------------------------
    def add_access_key(self, account_id: str, user_name: str | None) -> AccessKey:
        key = AccessKey(
            access_key_id=ids.access_key_id(),
            secret=ids.access_key_secret(),
            account_id=account_id,
            user_name=user_name,
            create_date=clock.iso_seconds(clock.now()),
        )
        with self.lock:
            self.access_keys[key.access_key_id] = key
            if self.store is not None:
                self.store.save(KIND_ACCESS_KEY, key.access_key_id, asdict(key))
        return key

    def root_key(self, account_id: str) -> AccessKey:
        with self.lock:  # check and create under one lock: two callers must not mint two root keys
            for key in self.access_keys.values():
                if key.account_id == account_id and key.user_name is None:
                    return key
            return self.add_access_key(account_id, user_name=None)

    def keys_of_user(self, account_id: str, user_name: str) -> list[AccessKey]:
        with self.lock:
            return [
                k
                for k in self.access_keys.values()
                if k.account_id == account_id and (k.user_name or "").lower() == user_name.lower()
            ]

    def add_token(self, token: SessionToken) -> None:
        with self.lock:
            self.tokens[token.access_key_id] = token
            if self.store is not None:
                self.store.save(KIND_TOKEN, token.access_key_id, asdict(token))
