"""Emulated RAM (2015-05-01): roles, attachments, policies, users, access keys."""
