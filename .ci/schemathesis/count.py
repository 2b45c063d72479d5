"""Counts the test cases of a schemathesis NDJSON report (each `ScenarioFinished` event records its cases), as the
run's own summary does; prints the number. Usage: count.py REPORT.ndjson"""

import json
import sys

total = 0
try:
    with open(sys.argv[1], encoding="utf-8") as report:
        for line in report:
            event = json.loads(line)
            finished = event.get("ScenarioFinished") if isinstance(event, dict) else None
            if finished:
                total += len(finished["recorder"].get("cases", {}))
except FileNotFoundError:
    pass
print(total)
