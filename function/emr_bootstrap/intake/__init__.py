"""What FC hands over: EventBridge/ActionTrail events, HTTP envelopes, timer payloads, parsed into jobs.

May import sweeps, core and shared (a job carries a request). Never the application, the adapters (no SDK,
no environment) or the API.
"""
