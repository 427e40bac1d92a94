"""Sweeps of the Resource Directory: their requests and tokens, the sweeper, the sweeps events start.

May import the core and shared. Never intake, the application, the adapters or the API.
"""
