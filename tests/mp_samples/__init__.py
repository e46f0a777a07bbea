# Sample test modules for tests/test_mp_runner.py (run through
# tests/mp_runner.py as `mp_samples.<name>`; pytest does not collect them).
