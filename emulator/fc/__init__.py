"""Emulated Function Compute 3.0 (API 2023-03-30): InvokeFunction, synchronous and asynchronous."""
