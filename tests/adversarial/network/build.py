"""Builds network.py: correct q01 copies + connection attempts to a TCP port the test listens on
(127.0.0.1 and the host's addresses), at import and from receptive_field."""
from pathlib import Path

STUDENT = '''
import socket

# @@REFERENCE_Q01@@

PORT = {port}


def _connect():
    ok = []
    hosts = ["127.0.0.1", "localhost"]
    try:
        hosts += socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        pass
    for host in hosts:
        try:
            s = socket.create_connection((host, PORT), timeout=0.5)
            s.sendall(b"agadv network case connected")
            s.close()
            ok.append(host)
        except OSError:
            pass
    print("network: connected to", ok, flush=True)
    return len(ok)


_connect()


def receptive_field(layers):
    return _connect()
'''


def build(dest: Path, case: str, ctx: dict) -> Path:
    path = dest / f"{case}.py"
    path.write_text(ctx["expand"](STUDENT.replace("{port}", str(ctx["port"]))))
    return path
