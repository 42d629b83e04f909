"""KontextBench-mini in Python: the synthetic domain, defined once for training (see domain.py).

The TypeScript twin lives in bench/kontextbench/; a parity test checks both render and generate
byte-identically. Only the standard library and numpy are used here, so the parity test runs
wherever python3 has numpy (torch is not needed).
"""
