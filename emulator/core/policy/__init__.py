"""The RAM policy language of the emulator: parse, validate and evaluate policy documents.

Pure package: no I/O except reading ``system_policies.json`` once, no threads, no global mutable state.
One module per job: ``statements`` (grammar), ``documents`` (API text in, documented errors out), ``matching``
(actions and resource ARNs), ``evaluation`` (identity and session policies), ``trust`` (trust policies),
``arns`` (role ARNs), ``system`` (system policies).

Sources (tags used in the comments of these modules):

- [ELEM]   RAM "Permission policy elements", https://www.alibabacloud.com/help/en/doc-detail/93738.htm
- [SYNTAX] RAM "Policy structure and syntax", https://www.alibabacloud.com/help/document_detail/93739.html
- [EVAL]   RAM "How RAM evaluates policies", https://help.aliyun.com/en/ram/policy-evaluation-process
- [REF]    docs/alibaba-cloud.md (this repository), sections 1.3 (errors), 2.3 (policy language), 2.4 (ARNs), 3 (STS)

Behaviour no source states is marked "unconfirmed" where it is decided.
"""

from __future__ import annotations

from emulator.core.policy.arns import parse_role_arn, role_arn
from emulator.core.policy.documents import (
    MALFORMED_CODE,
    MALFORMED_MESSAGE,
    MALFORMED_STATUS,
    SESSION_POLICY_MAX_BYTES,
    parse_policy_document,
    parse_session_policy,
)
from emulator.core.policy.evaluation import Decision, evaluate, evaluate_session
from emulator.core.policy.matching import action_matches, resource_matches, wildcard_match
from emulator.core.policy.statements import PolicyGrammarError, PolicyKind
from emulator.core.policy.system import SystemPolicy, load_system_policies
from emulator.core.policy.trust import Principal, trust_allows

__all__ = [
    "MALFORMED_CODE",
    "MALFORMED_MESSAGE",
    "MALFORMED_STATUS",
    "SESSION_POLICY_MAX_BYTES",
    "Decision",
    "PolicyGrammarError",
    "PolicyKind",
    "Principal",
    "SystemPolicy",
    "action_matches",
    "evaluate",
    "evaluate_session",
    "load_system_policies",
    "parse_policy_document",
    "parse_role_arn",
    "parse_session_policy",
    "resource_matches",
    "role_arn",
    "trust_allows",
    "wildcard_match",
]
