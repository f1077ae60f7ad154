"""The notebooks' data folder holds programs the notebooks run, not modules for pytest to import
(the test command's `--doctest-modules` imports every .py file it collects)."""
collect_ignore = ["data", "build.py"]
