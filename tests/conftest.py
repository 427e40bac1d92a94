"""Suite-wide guards."""

from __future__ import annotations

import os

# alibabacloud-credentials' default chain ends with the ECS metadata service, a non-loopback address. Tests must
# never reach it: the variable is read when alibabacloud_credentials is imported, so it is set before any test is.
os.environ["ALIBABA_CLOUD_ECS_METADATA_DISABLED"] = "true"
