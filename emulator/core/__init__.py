"""What every emulated service shares: the HTTP wire and dispatch, signatures, callers and their authorization,
the policy language, faults, the call log, the cloud's state and its SQLite store, clock and ids.

The per-service folders (``emulator/ram``, ``emulator/sts``, ``emulator/resourcemanager``) build on this package.
It reaches back into them in two places only: :mod:`emulator.core.app` routes requests to their handlers, and
:mod:`emulator.core.state` keeps each account's RAM entities (``emulator.ram.entities``).
"""
