#!/usr/bin/env python3
"""An open-loop probe: GET URL at a fixed RATE per second for SECONDS, as a load balancer's health check or a user
does, unlike wrk's closed loop that sends again as soon as an answer comes. Each latency is counted from the time
the request was due, not from when it left, so a stalled server is not hidden by requests that waited to be sent
(coordinated omission). Prints one line: `@@probe <sent> <non-2xx> <p50 ms> <p99 ms> <max ms>`.

Usage: probe.py URL RATE SECONDS
"""

import http.client
import sys
import time
import urllib.parse


def main() -> None:
    url, rate, seconds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    parts = urllib.parse.urlsplit(url)
    path = parts.path or "/"
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    interval = 1.0 / rate
    start = time.monotonic()
    latencies, failed = [], 0
    due = start
    while due < start + seconds:
        now = time.monotonic()
        if now < due:
            time.sleep(due - now)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if not 200 <= response.status < 300:
                failed += 1
        except (OSError, http.client.HTTPException):
            failed += 1
            connection.close()
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        latencies.append((time.monotonic() - due) * 1000.0)
        due += interval
    latencies.sort()

    def quantile(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))]

    print(f"@@probe {len(latencies)} {failed} {quantile(0.5):.2f} {quantile(0.99):.2f} {latencies[-1]:.2f}")


if __name__ == "__main__":
    main()
