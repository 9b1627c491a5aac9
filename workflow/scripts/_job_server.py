"""A fork server for the jobs of a local run: one Python process that has imported
numpy, scipy, pandas, matplotlib, jax and noiseprune once, and forks a copy of
itself for each job.

A `script:` job starts a fresh interpreter that spends 0.5-1 s of one core on imports
before it does any work, which is most of the cost of the small jobs of a run. With
a server, a job's own process (the client) stops right after Snakemake's preamble,
at ``import _job``: it hands the server its script (Snakemake's copy, preamble
included), working directory, environment and standard streams, and waits. The
server forks; the fork runs the script exactly as the client would have, writing to
the client's stdout and stderr, and sends back its exit status, which the client
exits with. Killing the client (Snakemake cancelling the job) ends the fork too.

Every one-thread job goes to the server (:func:`forkable`); jobs with more threads
keep their own process. A forked job's `benchmark:` file times it correctly (`s`),
but its memory and CPU columns describe the waiting client: the job's own CPU time
and peak memory are the last line of its log.

Snakemake starts the server for local runs (common.smk, ``onstart``) and stops it
when the run ends; it also exits when that Snakemake process is gone. A job runs in
its own process when no server is announced in its environment, on another machine
(a cluster node), under another interpreter (a conda environment), or when the
server cannot be reached: same code, same outputs, only slower. NOISEPRUNE_JOB_SERVER=off
in the environment of Snakemake turns the server off.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import struct
import sys
import threading

#: "<host>\t<socket path>\t<python executable>" of the run's server, set by start().
ENV = "NOISEPRUNE_JOB_SERVER"
#: Set in a job forked by the server (its `import _job` must not hand over again).
FORKED = "NOISEPRUNE_JOB_FORKED"
#: The fork's first byte to the client: the job is running (no fallback after it).
RUNNING = b"R"
_STATUS = struct.Struct("!i")

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
    "noiseprune.records",
    "noiseprune.dynamics",
    "noiseprune.rectified",
    "pandas",
    "pyarrow.parquet",
    "noiseprune.tables",
    "jax",
    "optax",
    "noiseprune.training",
    "noiseprune.rnn",
    "noiseprune.reducers",
    "noiseprune.trained",
    "noiseprune.tables_relu",
    "noiseprune.trained_tables",
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
def forkable(snakemake) -> bool:
    """Whether a job may run in a fork of the server: one-thread jobs (the server's
    BLAS was loaded for one thread)."""
    return int(getattr(snakemake, "threads", 1)) == 1


def announced() -> str | None:
    """The server's socket path if this process may use it, else None."""
    if os.environ.get(FORKED):
        return None
    fields = os.environ.get(ENV, "").split("\t")
    if len(fields) != 3:
        return None
    host, path, executable = fields
    if host != socket.gethostname() or executable != sys.executable:
        return None
    return path


def hand_over(main) -> None:
    """Run the job of module `main` (the script Snakemake started) in a fork of the
    server and exit with its status; return at once if this process should run it."""
    path = announced()
    snakemake = getattr(main, "snakemake", None)
    script = getattr(main, "__real_file__", None)
    if path is None or snakemake is None or script is None or not forkable(snakemake):
        return
    request = json.dumps(
        {"script": script, "argv": sys.argv, "cwd": os.getcwd(), "env": dict(os.environ)}
    ).encode()
    try:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(path)
        sys.stdout.flush()
        sys.stderr.flush()
        socket.send_fds(conn, [_STATUS.pack(len(request))], [0, 1, 2])
        conn.sendall(request)
        first = conn.recv(1)
    except OSError:
        return  # no server: nothing ran, run the job here
    if first != RUNNING:
        return  # refused before forking: nothing ran, run the job here
    reply = _recv_exactly(conn, _STATUS.size)
    if reply is None:
        print("job server: the job's process (a fork of the server) died without an exit status", file=sys.stderr)
        os._exit(1)
    os._exit(_STATUS.unpack(reply)[0])


def _recv_exactly(conn: socket.socket, size: int) -> bytes | None:
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
    import shutil

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


def _receive(conn: socket.socket) -> tuple[dict, list[int]]:
    conn.settimeout(10)
    header, fds, _, _ = socket.recv_fds(conn, _STATUS.size, 3)
    body = None
    if len(header) == _STATUS.size and len(fds) == 3:
        body = _recv_exactly(conn, _STATUS.unpack(header)[0])
    if body is None:
        for fd in fds:
            os.close(fd)
        raise ValueError("incomplete request")
    conn.settimeout(None)
    return json.loads(body), fds


def _run_forked(conn: socket.socket, request: dict, fds: list[int]) -> None:
    """In the fork: become the client's job, run its script, report, exit."""
    import logging
    import resource
    import runpy
    import traceback

    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
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
        "ran in a fork of the job server: %.2f s CPU, peak RSS %.0f MB",
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
        conn.sendall(_STATUS.pack(status))
    finally:
        os._exit(status)


def _exit_with_client(conn: socket.socket) -> None:
    """End the fork when its client is gone (the job was cancelled)."""
    try:
        conn.recv(1)
    finally:
        os._exit(1)


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
        """Start the server and announce it to the jobs (os.environ); False if it did
        not come up within `timeout` seconds, or if the environment says
        NOISEPRUNE_JOB_SERVER=off (jobs then run in their own processes)."""
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
        os.environ[ENV] = "\t".join((socket.gethostname(), path, sys.executable))
        return True

    def stop(self) -> None:
        """Stop the server; jobs started later run in their own processes."""
        import shutil
        import subprocess

        if self.process is None:
            return
        os.environ.pop(ENV, None)
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


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
