"""Suite-wide guards."""

from __future__ import annotations

import os

# alibabacloud-credentials' default chain ends with the ECS metadata service, a non-loopback address. Tests must
# never reach it: the variable is read when alibabacloud_credentials is imported, so it is set before any test is.
os.environ["ALIBABA_CLOUD_ECS_METADATA_DISABLED"] = "true"

# A test that reaches the cloud without pointing the function at the emulator must fail on loopback, never reach
# the real Alibaba Cloud endpoints (port 9 is the discard port; nothing listens on it here).
for _service in ("RAM", "STS", "RESOURCEMANAGER"):
    os.environ.setdefault(f"EMR_BOOTSTRAP_{_service}_ENDPOINT", "http://127.0.0.1:9")
