"""workflow/scripts/_job_server.py: one-thread jobs run in forks of one preloaded
process, exactly as they would alone; anything else runs in the job's own process."""

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from helpers import ROOT

SCRIPTS = ROOT / "workflow" / "scripts"
_spec = importlib.util.spec_from_file_location("_job_server", SCRIPTS / "_job_server.py")
job_server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(job_server)

# A job as Snakemake starts it: its script copy begins with a preamble that defines
# `snakemake` and `__real_file__`, then comes the script, which imports _job first.
JOB = """
import sys, types
sys.path.insert(0, {scripts!r})
snakemake = types.SimpleNamespace(threads={threads})
__real_file__ = __file__
import _job
import os
print("stdout of", os.environ.get("NOISEPRUNE_JOB_FORKED", "own process"), flush=True)
print("stderr line", file=sys.stderr, flush=True)
with open({out!r}, "w") as f:
    f.write(f"{{os.getpid()}} {{os.getppid()}} {{os.environ.get('NOISEPRUNE_JOB_FORKED', '')}} {{os.getcwd()}}")
{body}
"""


def write_job(tmp_path, body="", threads=1, name="job.py"):
    out = tmp_path / f"{name}.out"
    path = tmp_path / name
    path.write_text(JOB.format(scripts=str(SCRIPTS), threads=threads, out=str(out), body=body))
    return path, out


def run_job(path, env, cwd, **kwargs):
    return subprocess.run([sys.executable, str(path)], env=env, cwd=cwd, capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="module")
def server():
    srv = job_server.Server()
    saved = os.environ.pop(job_server.ENV, None)
    assert srv.start(timeout=60), "the job server did not come up"
    announced = os.environ[job_server.ENV]
    yield srv, announced
    srv.stop()
    if saved is not None:
        os.environ[job_server.ENV] = saved


def client_env(announced=None):
    env = {k: v for k, v in os.environ.items() if k != job_server.ENV}
    env["PYTHONPATH"] = str(ROOT)
    if announced is not None:
        env[job_server.ENV] = announced
    return env


def test_a_one_thread_job_runs_in_a_fork_with_the_clients_streams_cwd_and_env(server, tmp_path):
    srv, announced = server
    path, out = write_job(tmp_path)
    (tmp_path / "work").mkdir()
    env = client_env(announced) | {"MY_JOB_SETTING": "42"}
    path.write_text(path.read_text() + "assert os.environ['MY_JOB_SETTING'] == '42'\n")
    proc = run_job(path, env, tmp_path / "work")
    assert proc.returncode == 0, proc.stderr
    pid, ppid, forked, cwd = out.read_text().split()
    assert forked == "1"
    assert int(ppid) == srv.process.pid  # a fork of the server, not the client
    assert cwd == str(tmp_path / "work")
    assert proc.stdout == "stdout of 1\n"
    assert "stderr line" in proc.stderr


@pytest.mark.parametrize(
    "body, status, message",
    [
        ("raise ValueError('bad value 7')", 1, "ValueError: bad value 7"),
        ("sys.exit(3)", 3, None),
        ("sys.exit('stopped: bad config key x')", 1, "stopped: bad config key x"),
        ("os._exit(5)", 1, "died without an exit status"),
    ],
)
def test_the_client_exits_with_the_jobs_status(server, tmp_path, body, status, message):
    _, announced = server
    path, out = write_job(tmp_path, body=body)
    proc = run_job(path, client_env(announced), tmp_path)
    assert proc.returncode == status, proc.stderr
    assert out.read_text().split()[2] == "1"  # it ran in the fork, and only there
    if message:
        assert message in proc.stderr


def test_a_job_with_more_threads_keeps_its_own_process(server, tmp_path):
    _, announced = server
    path, out = write_job(tmp_path, threads=2)
    proc = run_job(path, client_env(announced), tmp_path)
    assert proc.returncode == 0, proc.stderr
    pid, ppid, *rest = out.read_text().split()
    assert rest[0] != "1" and proc.stdout == "stdout of own process\n"


@pytest.mark.parametrize(
    "change",
    ["unannounced", "other host", "other python", "socket gone"],
)
def test_a_job_runs_in_its_own_process_when_the_server_is_not_for_it(server, tmp_path, change):
    _, announced = server
    host, sock, python = announced.split("\t")
    announce = {
        "unannounced": None,
        "other host": "\t".join(("not-" + socket.gethostname(), sock, python)),
        "other python": "\t".join((host, sock, python + "-other")),
        "socket gone": "\t".join((host, str(tmp_path / "no-socket"), python)),
    }[change]
    path, out = write_job(tmp_path)
    proc = run_job(path, client_env(announce), tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert out.read_text().split()[2] != "1"
    assert proc.stdout == "stdout of own process\n"


def test_killing_the_client_ends_the_fork(server, tmp_path):
    _, announced = server
    marker = tmp_path / "finished"
    path, out = write_job(tmp_path, body=f"import time; time.sleep(5); open({str(marker)!r}, 'w').close()")
    client = subprocess.Popen([sys.executable, str(path)], env=client_env(announced), cwd=tmp_path)
    deadline = time.monotonic() + 30
    while not out.exists() or not out.read_text():
        assert time.monotonic() < deadline, "the job never started"
        time.sleep(0.05)
    fork = int(out.read_text().split()[0])
    client.send_signal(signal.SIGKILL)
    client.wait()
    deadline = time.monotonic() + 5
    while _alive(fork):
        assert time.monotonic() < deadline, "the fork outlived its client"
        time.sleep(0.05)
    time.sleep(0.2)
    assert not marker.exists()


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_setup_pins_blas_threads_in_a_fork(server, tmp_path):
    _, announced = server
    body = (
        "from _job import setup\n"
        "snakemake.log = [os.path.join(os.getcwd(), 'job.log')]\n"
        "snakemake.params = types.SimpleNamespace(blas_threads=1)\n"
        "snakemake.rule = 'probe'\n"
        "snakemake.wildcards = {}\n"
        "setup(snakemake)\n"
        "from threadpoolctl import threadpool_info\n"
        "print(sorted({i['num_threads'] for i in threadpool_info() if i['internal_api'] == 'openblas'}))\n"
    )
    path, out = write_job(tmp_path, body=body)
    proc = run_job(path, client_env(announced), tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "[1]"
    log = (tmp_path / "job.log").read_text()
    assert "BLAS threads 1" in log
    assert "ran in a fork of the job server" in log  # the job's own CPU time and memory


def test_the_server_ends_with_its_parent_and_removes_its_directory(tmp_path):
    # A parent that starts a server and is then killed without stopping it.
    code = (
        "import importlib.util, os, sys, time\n"
        f"spec = importlib.util.spec_from_file_location('s', {str(SCRIPTS / '_job_server.py')!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "srv = m.Server(); assert srv.start(timeout=60)\n"
        "print(srv.process.pid, srv.directory, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=client_env())
    pid, directory = parent.stdout.readline().split()
    assert os.path.exists(os.path.join(directory, "socket"))
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while _alive(int(pid)) or os.path.exists(directory):
        assert time.monotonic() < deadline, "the server outlived its parent"
        time.sleep(0.1)


def test_off_in_the_environment_starts_no_server(monkeypatch):
    monkeypatch.setenv(job_server.ENV, "off")
    srv = job_server.Server()
    assert not srv.start()
    assert srv.process is None and os.environ[job_server.ENV] == "off"
