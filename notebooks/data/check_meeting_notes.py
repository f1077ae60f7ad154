"""A test of meeting_notes.py as its author would write it; the vdb_notebook pytest plugin's
`videodb_emulator` fixture runs it offline (see 06_your_code_offline.ipynb). Named check_, not
test_, so that `pytest --nbval notebooks/` does not collect it."""
import asyncio

import meeting_notes


def test_the_first_line_is_the_hosts_greeting(videodb_emulator):
    said = asyncio.run(meeting_notes.record(lines=2))
    assert said[0].startswith("Morning, both.")
    assert len(said) == 2
