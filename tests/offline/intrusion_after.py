# Run by run_cells.py after Intrusion_Detection.ipynb's cells, in their namespace: wait for the
# notebook's scene index to describe something (polling; the deadline only guards a hang), then
# print what it saw as one JSON line the test reads.
import json as _json
import time as _time

_deadline = _time.monotonic() + 60
while not (_scenes := (intruder_scene_index.get_scenes(page_size=5) or {}).get("scenes")):  # noqa: F821
    assert _time.monotonic() < _deadline, "the scene index described nothing"
    _time.sleep(0.1)
print("SCENES=" + _json.dumps([scene["description"] for scene in _scenes]))
