"""The outside world: the official SDK behind the core's ports, the runtime's credentials, the settings (the
only reader of the environment).

May import sweeps, the core and shared. Never intake, the application or the API.
"""
