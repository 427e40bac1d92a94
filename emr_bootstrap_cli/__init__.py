"""``emr-bootstrap``: the operator's command line. Never shipped to Function Compute (``scripts/package.py`` copies
only ``function/``): it runs the function's application layer in-process, with the operator's credentials, or
against an embedded emulator with ``--local``."""
