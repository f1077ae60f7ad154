"""`python -m vdb_notebook.offline app.py [args]`: see runner.py."""
import sys

from .runner import main

if __name__ == "__main__":
    sys.exit(main())
