"""A throw-away single-node SLURM cluster on this machine (Debian slurm-wlm + munge), for tests.

The cluster lives in one folder: its slurm.conf, state, spool, logs and the daemons' PIDs.
Clients find it through ``SLURM_CONF`` (see :attr:`LocalSlurmCluster.env`); the daemons listen
on free ports picked at start and authenticate through a private munged (own key and socket in
the folder), so neither a site cluster nor another test cluster running at the same time is
touched, and stopping one cluster never stops another's munged.

Use from Python (a pytest fixture) or from a shell::

    python tests/slurm/cluster.py start /tmp/slurm   # prints `export SLURM_CONF=...`
    python tests/slurm/cluster.py stop /tmp/slurm
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

DEBIAN_PACKAGES = ("slurm-wlm", "munge")
PROGRAMS = ("slurmctld", "slurmd", "slurmstepd", "munged", "mungekey", "munge", "unmunge",
            "sbatch", "squeue", "sinfo", "scancel", "srun")  # fmt: skip
PARTITION = "debug"
STATE_FILE = "cluster.json"
# Clients wrapped so that they find this cluster's slurm.conf even where SLURM_CONF is dropped:
# snakemake-executor-plugin-slurm-jobstep 0.6 removes every SLURM_* variable before its srun.
CLIENTS = ("srun", "sbatch", "squeue", "sinfo", "scancel", "scontrol", "sacct")


class SlurmUnavailable(RuntimeError):
    """This machine cannot run the test cluster; the message says why (a pytest skip reason)."""


def _missing_programs() -> list[str]:
    return [p for p in PROGRAMS if shutil.which(p) is None and not Path("/usr/sbin", p).exists()]


def ensure_installed(install: bool = True) -> None:
    """Make sure slurm-wlm and munge are installed, installing them with apt-get when possible.

    Parameters
    ----------
    install
        Install the Debian packages when programs are missing (needs root and apt-get).

    Raises
    ------
    SlurmUnavailable
        When programs are missing and cannot be installed here (not Linux, not root, no apt).
    """
    if not sys.platform.startswith("linux"):
        raise SlurmUnavailable("the local SLURM cluster needs Linux")
    if os.geteuid() != 0:
        raise SlurmUnavailable("starting slurmctld/slurmd/munged needs root")
    missing = _missing_programs()
    if not missing:
        return
    packages = " ".join(DEBIAN_PACKAGES)
    if not install or shutil.which("apt-get") is None:
        raise SlurmUnavailable(
            f"{', '.join(missing)} not installed and no apt-get here (not Debian?): "
            f"install {packages} (or run `make test-tools` as root)"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"],
                    ["apt-get", "install", "-y", "-qq", "--no-install-recommends",
                     *DEBIAN_PACKAGES]):  # fmt: skip
        result = subprocess.run(command, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise SlurmUnavailable(
                f"`{' '.join(command)}` failed ({result.returncode}): {result.stderr[-500:]}"
            )
    if still := _missing_programs():
        raise SlurmUnavailable(f"{', '.join(still)} still missing after installing {packages}")


def _munge_works(socket_path: Path) -> bool:
    """True when the munged on ``socket_path`` encodes and decodes a credential."""
    try:
        credential = subprocess.run(["munge", "-n", "-S", str(socket_path)], capture_output=True,
                                    timeout=10)  # fmt: skip
        if credential.returncode != 0:
            return False
        check = subprocess.run(["unmunge", "-S", str(socket_path)], input=credential.stdout,
                               capture_output=True, timeout=10)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return False
    return check.returncode == 0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _memory_mb() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20


def slurm_conf(folder: Path, node: str, cpus: int, ctld_port: int, slurmd_port: int,
               memory_mb: int) -> str:  # fmt: skip
    """Text of a minimal slurm.conf: one node, one partition, no accounting, state in folder.

    Memory is not a consumable resource (``CR_Core``) and the node declares at least 64 GB with
    ``config_overrides``, so a job asking for more memory than this machine has (the classifier
    asks for 8 GB) still runs; nothing enforces memory limits here.
    """
    return f"""\
ClusterName=otuflowtest
SlurmctldHost={node}(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={folder}/munge/munge.sock
StateSaveLocation={folder}/state
SlurmdSpoolDir={folder}/spool/slurmd-%n
SlurmctldPidFile={folder}/slurmctld.pid
SlurmdPidFile={folder}/slurmd-%n.pid
SlurmctldLogFile={folder}/log/slurmctld.log
SlurmdLogFile={folder}/log/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
SwitchType=switch/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge=3600
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
NodeName={node} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={max(memory_mb, 65536)} State=UNKNOWN
PartitionName={PARTITION} Nodes={node} Default=YES MaxTime=INFINITE State=UP
"""


class LocalSlurmCluster:
    """Start and stop a private munged, slurmctld and slurmd with all state in one folder.

    Parameters
    ----------
    folder
        Folder for slurm.conf, state, spool and logs (created; must not be shared by two clusters).
    cpus
        CPUs of the single node (default: this machine's).
    """

    def __init__(self, folder: Path, cpus: int | None = None):
        self.folder = Path(folder).resolve()
        self.cpus = cpus or os.cpu_count() or 1
        self.node = socket.gethostname().split(".")[0]
        self.conf = self.folder / "slurm.conf"
        self.pids: dict[str, int] = {}

    @property
    def bin(self) -> Path:
        """Folder of client wrappers that set SLURM_CONF; first on PATH in :attr:`env`."""
        return self.folder / "bin"

    @property
    def env(self) -> dict[str, str]:
        """Environment for SLURM clients (sbatch, squeue, snakemake) talking to this cluster."""
        path = f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}"
        return {**os.environ, "SLURM_CONF": str(self.conf), "PATH": path}

    def _write_wrappers(self) -> None:
        self.bin.mkdir(exist_ok=True)
        dirs = [d for d in os.environ.get("PATH", "").split(os.pathsep) if Path(d) != self.bin]
        search = os.pathsep.join([*dirs, "/usr/bin"])
        for client in CLIENTS:
            real = shutil.which(client, path=search)
            if real is None:
                continue
            wrapper = self.bin / client
            wrapper.write_text(f'#!/bin/sh\nSLURM_CONF="{self.conf}" exec {real} "$@"\n')
            wrapper.chmod(0o755)

    def start(self, timeout: float = 60) -> LocalSlurmCluster:
        """Write slurm.conf, start the daemons and wait until the node is idle.

        Raises
        ------
        SlurmUnavailable
            When a daemon does not start or the node does not come up within ``timeout``.
        """
        for sub in ("state", "spool", "log"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        # munged wants its socket's folders searchable by everyone
        for folder in (self.folder, self.munge_dir):
            folder.mkdir(exist_ok=True)
            folder.chmod(0o711)
        self.conf.write_text(slurm_conf(self.folder, self.node, self.cpus, _free_port(),
                                        _free_port(), _memory_mb()))  # fmt: skip
        self._write_wrappers()
        try:
            self._start_munged()
            self._spawn("slurmctld", ["slurmctld", "-D", "-i", "-f", str(self.conf)])
            self._spawn("slurmd", ["slurmd", "-D", "-N", self.node, "-f", str(self.conf)])
            self._wait_idle(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _spawn(self, name: str, command: list[str], **kwargs) -> None:
        log = open(self.folder / "log" / f"{name}.out", "ab")  # the child keeps it open
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                   env=self.env, start_new_session=True, **kwargs)  # fmt: skip
        log.close()
        self.pids[name] = process.pid
        self._save()

    @property
    def munge_dir(self) -> Path:
        """Folder of the private munged: key, socket, seed, PID and log."""
        return self.folder / "munge"

    def _start_munged(self) -> None:
        key = self.munge_dir / "munge.key"
        if not key.exists():
            subprocess.run(["mungekey", "--create", "--keyfile", str(key)], check=True,
                           capture_output=True)  # fmt: skip
        socket_path = self.munge_dir / "munge.sock"
        self._spawn("munged", ["munged", "--foreground", f"--socket={socket_path}",
                               f"--key-file={key}", f"--pid-file={self.munge_dir}/munged.pid",
                               f"--log-file={self.munge_dir}/munged.log",
                               f"--seed-file={self.munge_dir}/munged.seed"])  # fmt: skip
        for _ in range(50):
            if _munge_works(socket_path):
                return
            time.sleep(0.2)
        raise SlurmUnavailable(f"munged did not start; see {self.munge_dir / 'munged.log'}")

    def _wait_idle(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        state = ""
        while time.monotonic() < deadline:
            for name, pid in self.pids.items():
                if not _alive(pid):
                    raise SlurmUnavailable(f"{name} exited at start; see {self.folder / 'log'}")
            result = subprocess.run(["sinfo", "-h", "-n", self.node, "-o", "%T"], env=self.env,
                                    capture_output=True, text=True)  # fmt: skip
            state = result.stdout.strip()
            if result.returncode == 0 and state.rstrip("*") == "idle":
                return
            time.sleep(0.5)
        raise SlurmUnavailable(f"node {self.node} not idle after {timeout:.0f} s (state "
                               f"{state!r}); see {self.folder / 'log'}")  # fmt: skip

    def jobs(self) -> list[str]:
        """IDs of the jobs this cluster still has pending or running."""
        result = subprocess.run(["squeue", "-h", "-o", "%i"], env=self.env, capture_output=True,
                                text=True)  # fmt: skip
        return result.stdout.split() if result.returncode == 0 else []

    def stop(self, timeout: float = 30) -> None:
        """Cancel remaining jobs, then stop the daemons this object started (only those)."""
        if "slurmctld" in self.pids and _alive(self.pids["slurmctld"]):
            if self.jobs():
                subprocess.run(["scancel", "--full", "-u", "root"], env=self.env,
                               capture_output=True)  # fmt: skip
                deadline = time.monotonic() + timeout
                while self.jobs() and time.monotonic() < deadline:
                    time.sleep(0.5)
        for name in ("slurmd", "slurmctld", "munged"):
            pid = self.pids.pop(name, None)
            if pid is not None:
                _terminate(pid, timeout)
        self._save()

    def _save(self) -> None:
        state = {"conf": str(self.conf), "pids": self.pids}
        (self.folder / STATE_FILE).write_text(json.dumps(state, indent=1) + "\n")

    @classmethod
    def attach(cls, folder: Path) -> LocalSlurmCluster:
        """The cluster started earlier in ``folder`` (by another process), to stop it."""
        cluster = cls(folder)
        state = json.loads((cluster.folder / STATE_FILE).read_text())
        cluster.pids = {name: int(pid) for name, pid in state["pids"].items()}
        return cluster


def _alive(pid: int) -> bool:
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)
        if finished:
            return False
    except ChildProcessError:
        pass  # not our child (attached from another process): probe it instead
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _terminate(pid: int, timeout: float) -> None:
    """SIGTERM one daemon by its PID, SIGKILL it if it is still there after ``timeout``."""
    if not _alive(pid):
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.2)
    os.kill(pid, signal.SIGKILL)
    while _alive(pid):
        time.sleep(0.1)


def main(argv: list[str] | None = None) -> int:
    """``cluster.py start|stop FOLDER``: start or stop a local test cluster kept in FOLDER."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--cpus", type=int, help="CPUs of the node (default: this machine's)")
    args = parser.parse_args(argv)
    try:
        if args.action == "start":
            ensure_installed()
            cluster = LocalSlurmCluster(args.folder, cpus=args.cpus).start()
            print(f"export SLURM_CONF={cluster.conf}")
        else:
            LocalSlurmCluster.attach(args.folder).stop()
    except SlurmUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
