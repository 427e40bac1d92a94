"""The core: the catalog (data), requests, plans, trust, the reconciler, results, and the ports it runs over
(cloud.py).

Pure Python: imports only itself and shared. Never an SDK (alibabacloud_*, darabonba, Tea), never the
settings or the environment, never another layer.
"""
