#!/usr/bin/python3
# mbtls-front.py — a Modbus/TCP Security front of the project's own for the tests: TLS by
# OpenSSL (Python's ssl module) on 127.0.0.1, client certificates checked against --ca, the
# role read from the certificate's extension 1.3.6.1.4.1.50316.802.1, and every request that the
# role allows passed on to a plain Modbus TCP server at 127.0.0.1:--backend.  A request the role
# does not allow gets exception 01, as the Modbus/TCP Security specification has it.  Prints
# the port it listens on, then serves for --seconds.
#   --mode strict          the above (--rw-role may do all, --ro-role may only read)
#   --mode ignore-role     certificates checked, roles not: any lab certificate may do all
#   --mode no-client-auth  no certificate asked for: anyone may do all
#   --mode tls10           strict, but TLS 1.0 and 1.1 are accepted too
import argparse
import socket
import ssl
import sys
import threading
import time
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)  # TLS 1.0 is the point of --mode tls10

ROLE_OID = "1.3.6.1.4.1.50316.802.1"
WRITES = {5, 6, 15, 16, 21, 22, 23}


def oid_der(dotted):
    parts = [int(p) for p in dotted.split(".")]
    body = bytes([40 * parts[0] + parts[1]])
    for p in parts[2:]:
        chunk = [p & 0x7F]
        p >>= 7
        while p:
            chunk.insert(0, 0x80 | (p & 0x7F))
            p >>= 7
        body += bytes(chunk)
    return bytes([0x06, len(body)]) + body


def der_len(b, i):
    n = b[i]
    if n < 0x80:
        return n, i + 1
    k = n & 0x7F
    return int.from_bytes(b[i + 1:i + 1 + k], "big"), i + 1 + k


def role_of(der):
    """The role in a DER certificate, or None: OID, [critical], OCTET STRING { UTF8String }."""
    if not der:
        return None
    at = der.find(oid_der(ROLE_OID))
    if at < 0:
        return None
    i = at + len(oid_der(ROLE_OID))
    if der[i] == 0x01:  # critical BOOLEAN
        i += 3
    if der[i] != 0x04:
        return None
    _, i = der_len(der, i + 1)
    if der[i] != 0x0C:
        return None
    n, i = der_len(der, i + 1)
    return der[i:i + n].decode("utf-8", "replace")


def read_n(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            return None
        b += c
    return b


def serve(conn, args):
    try:
        conn.settimeout(10)
        role = role_of(conn.getpeercert(binary_form=True)) if args.mode != "no-client-auth" else None
        back = socket.create_connection(("127.0.0.1", args.backend), timeout=5)
        while True:
            h = read_n(conn, 7)
            if h is None:
                break
            n = int.from_bytes(h[4:6], "big")
            body = read_n(conn, n - 1) if n >= 2 else None
            if body is None:
                break
            fc = body[0]
            if args.mode in ("ignore-role", "no-client-auth"):
                allowed = True
            else:
                allowed = role == args.rw_role or (role == args.ro_role and fc not in WRITES)
            if not allowed:
                conn.sendall(h[:4] + b"\x00\x03" + h[6:7] + bytes([fc | 0x80, 1]))
                continue
            back.sendall(h + body)
            rh = read_n(back, 7)
            rb = read_n(back, int.from_bytes(rh[4:6], "big") - 1) if rh else None
            if rb is None:
                break
            conn.sendall(rh + rb)
    except (OSError, ssl.SSLError):
        pass
    finally:
        conn.close()


def handshake(ctx, raw, args):
    """Each client in a thread of its own, handshake included: one that stalls holds up no other."""
    try:
        raw.settimeout(5)
        conn = ctx.wrap_socket(raw, server_side=True)
    except (OSError, ssl.SSLError):
        raw.close()
        return
    serve(conn, args)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--backend", type=int, required=True)
    ap.add_argument("--mode", default="strict", choices=["strict", "ignore-role", "no-client-auth", "tls10"])
    ap.add_argument("--rw-role", default="operator")
    ap.add_argument("--ro-role", default="viewer")
    ap.add_argument("--seconds", type=int, default=120)
    args = ap.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    if args.mode == "tls10":
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.minimum_version = ssl.TLSVersion.TLSv1
    else:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if args.mode != "no-client-auth":
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(args.ca)
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(64)
    lsock.settimeout(0.5)
    print(lsock.getsockname()[1], flush=True)
    end = time.monotonic() + args.seconds
    while time.monotonic() < end:
        try:
            raw, _ = lsock.accept()
        except socket.timeout:
            continue
        threading.Thread(target=handshake, args=(ctx, raw, args), daemon=True).start()
    sys.exit(0)


main()
