"""``python -m emr_bootstrap_cli``: the same as ``emr-bootstrap``."""

from emr_bootstrap_cli.main import entrypoint

entrypoint()
