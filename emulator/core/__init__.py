"""What every emulated service shares: the HTTP wire, routing (RPC by action, ROA by path) and dispatch, replies,
signatures, callers and their authorization, the policy language, faults, the call log, the cloud's state and its
SQLite store, clock and ids.

The per-service folders (``emulator/ram``, ``emulator/sts``, ``emulator/resourcemanager``, ``emulator/fc``) build on
this package. It reaches back into them in two places only: :mod:`emulator.core.app` routes requests to their
handlers, and :mod:`emulator.core.state` keeps each account's RAM entities (``emulator.ram.entities``) and the FC
functions (``emulator.fc.models``).
"""
