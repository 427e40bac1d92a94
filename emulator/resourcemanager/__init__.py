"""Emulated Resource Manager (2020-03-31): the resource directory's member accounts."""
