"""A real PostgreSQL server for the tests: an `initdb` cluster in a temporary folder, listening on loopback only,
from Debian's `postgresql` package (scripts/setup.sh --dev installs it). As root, it runs as the `postgres`
user, since PostgreSQL refuses to run as root."""

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path


def binaries() -> Path | None:
    """The folder of initdb and pg_ctl: on PATH, else Debian's /usr/lib/postgresql/<version>/bin (newest)."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(versions[-1]).parent if versions else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """One running cluster: its URL (database `explorer`), and stop/start to take it down mid-test."""

    def __init__(self, folder: Path, port: int, run_as: list[str], bin_dir: Path):
        self.folder, self.port, self.run_as, self.bin = folder, port, run_as, bin_dir
        self.url = f"postgresql+psycopg://explorer@127.0.0.1:{port}/explorer"

    def _ctl(self, *args: str) -> None:
        subprocess.run([*self.run_as, str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-w", "-t", "60",
                        *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self) -> None:
        self._ctl("-l", str(self.folder / "log"), "-o",
                  f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                  f"-c max_connections=200", "start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "stop")


@contextlib.contextmanager
def cluster() -> Iterator[Cluster]:
    bin_dir = binaries()
    if bin_dir is None:
        raise FileNotFoundError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="nn-ground-up-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb and postgres refuse root
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    found = Cluster(folder, free_port(), run_as, bin_dir)
    try:
        subprocess.run([*run_as, str(bin_dir / "initdb"), "-D", str(folder / "data"), "-U", "explorer",
                        "--auth=trust", "-E", "UTF8", "--locale=C"], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.STDOUT)
        found.start()
        subprocess.run([*run_as, str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(found.port),
                        "-U", "explorer", "explorer"], check=True)
        yield found
    finally:
        with contextlib.suppress(subprocess.CalledProcessError, FileNotFoundError):
            found.stop()
        time.sleep(0.1)
        shutil.rmtree(folder, ignore_errors=True)
