"""The composition root: runs one job for one invocation, builds the adapters from the settings, FC replies.

May import every layer but the API (the API calls it).
"""
