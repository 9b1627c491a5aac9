"""A fork server for the jobs of a local run: one Python process that has imported
numpy, scipy, pandas, matplotlib, jax and noiseprune once, and forks a copy of
itself for each job.

A `script:` job starts a fresh interpreter that spends 0.1 s of one core on
Snakemake's preamble (it imports the snakemake package) and 0.5-1 s on the scientific
stack before it does any work, which is most of the cost of the small jobs of a run.
With a server, a job's own process (the client) stops as soon as Python has started:
the server's start puts `job_start/` on PYTHONPATH, and its `sitecustomize` calls
:func:`hand_over`, which hands the server the job's script (Snakemake's copy,
preamble included), working directory, environment and standard streams, and waits.
The server forks; the fork runs the script exactly as the client would have, writing
to the client's stdout and stderr, and sends back its exit status, which the client
exits with. Killing the client (Snakemake cancelling the job) ends the fork too.

Every one-thread job of a workflow script goes to the server (:func:`forkable`); jobs
with more threads keep their own process. A forked job's `benchmark:` file times it
correctly (`s`), but its memory and CPU columns describe the waiting client: the
job's own CPU time and peak memory are the last line of its log (:data:`FORK_LOG`).

Snakemake starts the server for local runs (common.smk, ``onstart``) and stops it
when the run ends; it also exits when that Snakemake process is gone. A job runs in
its own process when no server is announced in its environment, on another machine
(a cluster node), under another interpreter (a conda environment), or when the
server cannot be reached: same code, same outputs, only slower. NOISEPRUNE_JOB_SERVER=off
in the environment of Snakemake turns the server off.

The client side imports only what Python has loaded at start plus `_socket` and
`array` (about 1 ms; `socket` alone would take 10 ms).
"""

from __future__ import annotations

import os
import sys

#: "<host>\t<socket path>\t<python executable>" of the run's server, set by start().
ENV = "NOISEPRUNE_JOB_SERVER"
#: Set in a job forked by the server (a Python it starts must not hand over again).
FORKED = "NOISEPRUNE_JOB_FORKED"
#: The fork's first byte to the client: the job is running (no fallback after it).
RUNNING = b"R"
#: The last line of the log of a job run in a fork: its own CPU time and peak memory.
FORK_LOG = "ran in a fork of the job server: %.2f s CPU, peak RSS %.0f MB"
#: The workflow's job scripts: a job is forkable only if its script is one of them.
SCRIPTS = os.path.dirname(os.path.abspath(__file__))
#: The directory whose sitecustomize.py hands a starting job over (see start()).
START_HOOK = os.path.join(SCRIPTS, "job_start")
_HEADER = 4  # bytes of the request's length, big-endian

#: Imported by the server before it serves: what nearly every job imports.
PRELOAD = (
    "numpy",
    "scipy.linalg",
    "scipy.sparse",
    "scipy.sparse.linalg",
    "threadpoolctl",
    "snakemake.iocontainers",
    "snakemake.logging",
    "noiseprune.io",
    "noiseprune.networks",
    "noiseprune.pruning",
    "noiseprune.seeding",
)
#: Imported while no job is waiting: forks made before one of these import it
#: themselves. jax only adds threads once it computes, which the server never does.
PRELOAD_WHEN_IDLE = (
    "noiseprune.covariance",
    "noiseprune.spectra",
    "noiseprune.draws",
    "noiseprune.pipeline.draw_rows",
    "noiseprune.dynamics",
    "noiseprune.rectified",
    "pandas",
    "pyarrow.parquet",
    "noiseprune.pipeline.tables",
    "jax",
    "optax",
    "noiseprune.trained.training",
    "noiseprune.trained.rnn",
    "noiseprune.trained.reducers",
    "noiseprune.trained.experiment",
    "noiseprune.pipeline.tables_relu",
    "noiseprune.pipeline.tables_trained",
    "matplotlib.pyplot",
    "matplotlib.backends.backend_agg",
    "matplotlib.backends.backend_pdf",
    "fontTools.subset",
    "noiseprune.plotting",
)
#: Environment of the server process: one BLAS thread (a fork sets its own count in
#: _job.setup and must not inherit a thread pool) and no allocator thread of pyarrow,
#: so that the server has a single thread whenever it forks.
SERVER_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "JE_ARROW_MALLOC_CONF": "background_thread:false",
}


# ---------------------------------------------------------------- client side
def job_script(argv: list[str]) -> str | None:
    """The script of a Snakemake `script:` job started as `python <copy>`, if it is a
    copy of a workflow script (Snakemake names it .snakemake/scripts/tmpXXXXXXXX.<name>);
    else None."""
    if not argv or not argv[0]:
        return None
    copy = os.path.abspath(argv[0])
    folder, name = os.path.split(copy)
    if os.path.basename(folder) != "scripts" or os.path.basename(os.path.dirname(folder)) != ".snakemake":
        return None
    prefix, dot, original = name.partition(".")
    if not prefix.startswith("tmp") or not dot or not os.path.isfile(os.path.join(SCRIPTS, original)):
        return None
    return copy


def forkable(environ) -> bool:
    """Whether a job may run in a fork of the server: one-thread jobs (the server's BLAS
    was loaded for one thread). Snakemake sets the BLAS thread variables of a job's
    environment to its `threads`."""
    return environ.get("OPENBLAS_NUM_THREADS") == "1"


def announced() -> str | None:
    """The server's socket path if this process may use it, else None."""
    if os.environ.get(FORKED):
        return None
    fields = os.environ.get(ENV, "").split("\t")
    if len(fields) != 3:
        return None
    host, path, executable = fields
    if host != os.uname().nodename or executable != sys.executable:
        return None
    return path


def hand_over() -> None:
    """Run the job this Python was started for in a fork of the server and exit with
    its status; return at once, having run nothing, if this process should run it."""
    path = announced()
    script = job_script(sys.argv) if path else None
    if script is None or not forkable(os.environ):
        return
    import _socket
    from array import array

    request = _encode_request(script, os.getcwd(), sys.argv, os.environb)
    conn = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        conn.connect(path)
        conn.sendmsg(
            [len(request).to_bytes(_HEADER, "big")],
            [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, array("i", [0, 1, 2]))],
        )
        conn.sendall(request)
        first = conn.recv(1)
    except OSError:
        conn.close()
        return  # no server: nothing ran, run the job here
    if first != RUNNING:
        conn.close()
        return  # refused before forking: nothing ran, run the job here
    reply = _recv_exactly(conn, _HEADER)
    if reply is None:
        os.write(2, b"job server: the job's process (a fork of the server) died without an exit status\n")
        os._exit(1)
    os._exit(int.from_bytes(reply, "big", signed=True))


def _encode_request(script: str, cwd: str, argv: list[str], environ) -> bytes:
    """script, cwd, len(argv), argv..., then KEY=VALUE of the environment, NUL-separated
    (none of them can hold a NUL byte)."""
    fields = [os.fsencode(script), os.fsencode(cwd), str(len(argv)).encode()]
    fields += [os.fsencode(arg) for arg in argv]
    fields += [key + b"=" + value for key, value in environ.items()]
    return b"\0".join(fields)


def _decode_request(body: bytes) -> dict:
    fields = body.split(b"\0")
    count = int(fields[2])
    env = dict(entry.split(b"=", 1) for entry in fields[3 + count :])
    return {
        "script": os.fsdecode(fields[0]),
        "cwd": os.fsdecode(fields[1]),
        "argv": [os.fsdecode(arg) for arg in fields[3 : 3 + count]],
        "env": env,
    }


def _recv_exactly(conn, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        try:
            chunk = conn.recv(size - len(data))
        except OSError:
            return None
        if not chunk:
            return None
        data += chunk
    return data


# ---------------------------------------------------------------- server side
def serve(path: str, parent: int) -> None:
    """Listen on `path`, preload, and fork a job per request until `parent` is gone;
    then remove the server's directory (the parent of `path`)."""
    import importlib
    import select
    import shutil
    import signal
    import socket

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(256)  # clients queue here while the imports below run
    import matplotlib

    matplotlib.use("Agg")
    for name in PRELOAD:
        importlib.import_module(name)
    idle_imports = list(PRELOAD_WHEN_IDLE)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # forks are reaped by the kernel
    me = os.getpid()
    try:
        while os.getppid() == parent:
            if not select.select([listener], [], [], 0 if idle_imports else 1.0)[0]:
                if idle_imports:
                    importlib.import_module(idle_imports.pop(0))
                continue
            conn, _ = listener.accept()
            try:
                request, fds = _receive(conn)
            except (OSError, ValueError):
                conn.close()
                continue
            sys.stdout.flush()
            sys.stderr.flush()
            if os.fork() == 0:
                listener.close()
                _run_forked(conn, request, fds)  # never returns
            conn.close()
            for fd in fds:
                os.close(fd)
    finally:
        if os.getpid() == me:
            listener.close()
            shutil.rmtree(os.path.dirname(path), ignore_errors=True)


def _receive(conn) -> tuple[dict, list[int]]:
    import socket

    conn.settimeout(10)
    header, fds, _, _ = socket.recv_fds(conn, _HEADER, 3)
    body = None
    if len(header) == _HEADER and len(fds) == 3:
        body = _recv_exactly(conn, int.from_bytes(header, "big"))
    if body is None:
        for fd in fds:
            os.close(fd)
        raise ValueError("incomplete request")
    conn.settimeout(None)
    return _decode_request(body), fds


def _run_forked(conn, request: dict, fds: list[int]) -> None:
    """In the fork: become the client's job, run its script, report, exit."""
    import logging
    import resource
    import runpy
    import signal
    import threading
    import traceback

    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environb.clear()
    os.environb.update(request["env"])
    os.environ[FORKED] = "1"
    sys.argv = request["argv"]
    conn.sendall(RUNNING)
    threading.Thread(target=_exit_with_client, args=(conn,), daemon=True).start()
    try:
        runpy.run_path(request["script"], run_name="__main__")
        status = 0
    except SystemExit as stop:
        status = _exit_status(stop.code)
    except BaseException:
        traceback.print_exc()
        status = 1
    # The job's `benchmark:` file measures the client; the job's own usage goes to its log.
    usage = resource.getrusage(resource.RUSAGE_SELF)
    logging.getLogger("noiseprune.job_server").info(
        FORK_LOG,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
    )
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    try:
        conn.sendall(status.to_bytes(_HEADER, "big", signed=True))
    finally:
        os._exit(status)


def _exit_with_client(conn) -> None:
    """End the fork when its client is gone (the job was cancelled)."""
    try:
        conn.recv(1)
    finally:
        os._exit(1)


def fork_usage(line: str) -> tuple[float, float] | None:
    """(CPU seconds, peak RSS in MB) from the last line of a job's log if the job ran in
    a fork of the server (FORK_LOG), else None."""
    import re

    number = r"([\d.]+)"
    pattern = re.escape(FORK_LOG).replace(re.escape("%.2f"), number).replace(re.escape("%.0f"), number)
    found = re.search(pattern, line)
    return (float(found[1]), float(found[2])) if found else None


def _exit_status(code) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


# ---------------------------------------------------------------- lifecycle
class Server:
    """The server of one Snakemake run, started by ``start`` and stopped by ``stop``."""

    def __init__(self) -> None:
        self.process = None
        self.directory = None

    def start(self, timeout: float = 10.0) -> bool:
        """Start the server and announce it to the jobs (os.environ: the server, and
        START_HOOK first on PYTHONPATH); False if it did not come up within `timeout`
        seconds, or if the environment says NOISEPRUNE_JOB_SERVER=off (jobs then run in
        their own processes)."""
        if os.environ.get(ENV) == "off":
            return False
        import subprocess
        import tempfile
        import time

        self.directory = tempfile.mkdtemp(prefix="noiseprune-jobs-")
        path = os.path.join(self.directory, "socket")
        with open(os.path.join(self.directory, "server.log"), "w") as log:
            self.process = subprocess.Popen(
                [sys.executable, __file__, path, str(os.getpid())],
                env=dict(os.environ, **SERVER_ENV),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,  # not in the terminal's group: it ends with this run
            )
        deadline = time.monotonic() + timeout
        while not os.path.exists(path):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                return False
            time.sleep(0.01)
        os.environ[ENV] = "\t".join((os.uname().nodename, path, sys.executable))
        os.environ["PYTHONPATH"] = os.pathsep.join([START_HOOK, *_python_path()])
        return True

    def stop(self) -> None:
        """Stop the server; jobs started later run in their own processes."""
        import shutil
        import subprocess

        if self.process is None:
            return
        os.environ.pop(ENV, None)
        rest = _python_path()
        if rest:
            os.environ["PYTHONPATH"] = os.pathsep.join(rest)
        else:
            os.environ.pop("PYTHONPATH", None)
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None


def _python_path() -> list[str]:
    """PYTHONPATH's entries, without START_HOOK."""
    entries = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    return [entry for entry in entries if entry and entry != START_HOOK]


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
