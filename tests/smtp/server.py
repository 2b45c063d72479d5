"""A real SMTP server for the tests (aiosmtpd), on loopback: saves each message it accepts to a folder.

Usage: python server.py PORT FOLDER

Each accepted message becomes FOLDER/NNNNNN.json (envelope: mail_from, rcpt_tos) and then FOLDER/NNNNNN.eml (the
DATA as received), numbered after the messages already there, so a restarted server on the same folder keeps
counting. Prints "ready" once it listens; stops when its standard input closes or on SIGTERM. The Rust harness
(tests/src/smtp.rs) starts, stops and restarts it, and reads the folder.
"""

import json
import os
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Saver:
    def __init__(self, folder):
        self.folder = folder
        self.lock = threading.Lock()
        self.count = len([n for n in os.listdir(folder) if n.endswith(".eml")])

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            number = f"{self.count:06d}"
        base = os.path.join(self.folder, number)
        with open(base + ".json", "w", encoding="utf-8") as out:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}, out)
        with open(base + ".eml.partial", "wb") as out:
            out.write(envelope.original_content)
        os.rename(base + ".eml.partial", base + ".eml")
        return f"250 2.0.0 Ok: queued as {number}"


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    os.makedirs(folder, exist_ok=True)
    controller = Controller(Saver(folder), hostname="127.0.0.1", port=port, enable_SMTPUTF8=True)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    print("ready", flush=True)
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
