"""What pytest must not import as test modules here: programs these tests run in their own
processes (the test command's `--doctest-modules` imports every .py file it collects)."""
collect_ignore = ["intrusion_after.py", "run_cells.py", "servers", "programs"]
