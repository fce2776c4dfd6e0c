#!/usr/bin/env python3
"""Drives a command on a pseudo-terminal, as a person at a terminal would (tests/29-guided.t).

usage: pty-drive.py SCRIPT TRANSCRIPT -- COMMAND ARGS...

SCRIPT holds one step per line:
  expect REGEX    wait (up to 20 s) until the output since the last match matches REGEX
  send TEXT       type TEXT and Enter
  kill            SIGKILL the command (as a killed terminal session would end it)
  eof             close the terminal's input side (Ctrl-D on an empty line)
  end             wait (up to 30 s) for the command to end
Everything the command printed goes to TRANSCRIPT.  Exit: the command's exit code, 137 when
killed, 124 when an expect timed out (the unmatched output is in TRANSCRIPT), 125 on a bad SCRIPT.
"""
import os
import pty
import re
import select
import signal
import sys
import time


def main():
    if len(sys.argv) < 5 or sys.argv[3] != "--":
        print(__doc__, file=sys.stderr)
        return 125
    steps = [l.rstrip("\n") for l in open(sys.argv[1]) if l.strip() and not l.startswith("#")]
    out = open(sys.argv[2], "wb")
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(sys.argv[4], sys.argv[4:])
    buf = b""
    alive = True

    def read_some(deadline):
        nonlocal buf, alive
        left = deadline - time.monotonic()
        if left <= 0 or not alive:
            return False
        r, _, _ = select.select([fd], [], [], min(left, 0.5))
        if r:
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b""
            if not data:
                alive = False
                return False
            out.write(data)
            out.flush()
            buf += data
        return True

    rc = None
    for step in steps:
        word, _, arg = step.partition(" ")
        if word == "expect":
            pat = re.compile(arg.encode())
            deadline = time.monotonic() + 20
            while not pat.search(buf):
                if not read_some(deadline) and (time.monotonic() >= deadline or not alive):
                    if not pat.search(buf):
                        out.write(b"\n[pty-drive: timed out expecting " + arg.encode() + b"]\n")
                        os.kill(pid, signal.SIGKILL)
                        os.waitpid(pid, 0)
                        return 124
            m = pat.search(buf)
            buf = buf[m.end():]
        elif word == "send":
            os.write(fd, arg.encode() + b"\r")
        elif word == "kill":
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return 137
        elif word == "eof":
            os.write(fd, b"\x04")
        elif word == "end":
            deadline = time.monotonic() + 30
            while alive and read_some(deadline):
                pass
            for _ in range(300):
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    rc = os.waitstatus_to_exitcode(status)
                    break
                time.sleep(0.1)
            if rc is None:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return 124
            return rc if rc >= 0 else 128 - rc
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return 125
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return 125


if __name__ == "__main__":
    sys.exit(main())
