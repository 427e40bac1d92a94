"""Used by every layer: error codes, errors, logs, safe JSON, timing.

Imports no other layer.
"""
