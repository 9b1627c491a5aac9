"""workflow/scripts/_job_server.py: one-thread jobs of the workflow's scripts run in
forks of one preloaded process, exactly as they would alone; anything else runs in
the job's own process."""

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from helpers import ROOT, job_server_module

SCRIPTS = ROOT / "workflow" / "scripts"
job_server = job_server_module()

# A job as Snakemake starts it: `python .snakemake/scripts/tmpXXXXXXXX.<name>`, a copy of
# the workflow script <name> that begins with a preamble (defining `snakemake`), in an
# environment whose BLAS thread variables are the job's threads. Here the copy's body
# is a probe that reports where it ran.
JOB = """
import sys, types
sys.path.insert(0, {scripts!r})
snakemake = types.SimpleNamespace(threads={threads})
import os
print("stdout of", os.environ.get("NOISEPRUNE_JOB_FORKED", "own process"), flush=True)
print("stderr line", file=sys.stderr, flush=True)
with open({out!r}, "w") as f:
    f.write(f"{{os.getpid()}} {{os.getppid()}} {{os.environ.get('NOISEPRUNE_JOB_FORKED', '')}} {{os.getcwd()}}")
{body}
"""


def write_job(tmp_path, body="", threads=1, script="network.py"):
    """A script copy as Snakemake writes it (tmpXXXXXXXX.<script>) and its probe file."""
    folder = tmp_path / ".snakemake" / "scripts"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"tmpa1b2c3d4.{script}"
    out = tmp_path / f"{script}.out"
    path.write_text(JOB.format(scripts=str(SCRIPTS), threads=threads, out=str(out), body=body))
    return path, out


def run_job(path, env, cwd, **kwargs):
    return subprocess.run([sys.executable, str(path)], env=env, cwd=cwd, capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="module")
def server():
    srv = job_server.Server()
    saved = {key: os.environ.pop(key, None) for key in (job_server.ENV, "PYTHONPATH")}
    os.environ["PYTHONPATH"] = str(ROOT)
    assert srv.start(timeout=60), "the job server did not come up"
    announced = os.environ[job_server.ENV]
    yield srv, announced
    srv.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def client_env(announced=None, threads=1):
    """The environment Snakemake gives a job of `threads` threads in a run whose server
    is `announced` (None: no server)."""
    env = {k: v for k, v in os.environ.items() if k != job_server.ENV}
    env["PYTHONPATH"] = os.pathsep.join([job_server.START_HOOK, str(ROOT)])
    env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = str(threads)
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


def test_a_job_with_more_threads_keeps_its_own_process_and_imports_no_socket(server, tmp_path):
    _, announced = server
    path, out = write_job(tmp_path, threads=2, body="print(sorted({'socket', 'json'} & set(sys.modules)))")
    proc = run_job(path, client_env(announced, threads=2), tmp_path)
    assert proc.returncode == 0, proc.stderr
    pid, ppid, *rest = out.read_text().split()
    assert rest[0] != "1" and proc.stdout == "stdout of own process\n[]\n"


@pytest.mark.parametrize(
    "where",
    ["not a workflow script", "not under .snakemake/scripts", "python -c"],
)
def test_a_python_that_is_not_a_workflow_job_runs_itself(server, tmp_path, where):
    _, announced = server
    if where == "python -c":
        proc = subprocess.run(
            [sys.executable, "-c", "import os; print(os.environ.get('NOISEPRUNE_JOB_FORKED', 'own process'))"],
            env=client_env(announced),
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0 and proc.stdout == "own process\n", proc.stderr
        return
    if where == "not a workflow script":
        path, _ = write_job(tmp_path, script="my_own_script.py")
    else:
        path, _ = write_job(tmp_path)
        path = path.rename(tmp_path / path.name)
    proc = run_job(path, client_env(announced), tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "stdout of own process\n"


def test_a_hidden_sitecustomize_still_runs(server, tmp_path):
    _, announced = server
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text("import os\nos.environ['SITE_RAN'] = 'yes'\n")
    env = client_env(announced)
    env["PYTHONPATH"] += os.pathsep + str(tmp_path / "site")
    for threads in (1, 2):  # in the fork (the client ran it) and in the job's own process
        path, out = write_job(tmp_path, threads=threads, body="print(os.environ.get('SITE_RAN'))")
        proc = run_job(path, env | {"OPENBLAS_NUM_THREADS": str(threads)}, tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines()[-1] == "yes"


def test_a_request_keeps_bytes_that_are_not_utf8():
    environ = {b"PLAIN": b"x=1", b"ODD": b"\xff\xfe", b"EMPTY": b""}
    argv = ["job.py", os.fsdecode(b"arg\xff"), ""]
    request = job_server._decode_request(job_server._encode_request("/s/job.py", "/w", argv, environ))
    assert request == {"script": "/s/job.py", "cwd": "/w", "argv": argv, "env": environ}


def test_stopping_the_server_restores_pythonpath(monkeypatch):
    monkeypatch.delenv(job_server.ENV, raising=False)
    monkeypatch.setenv("PYTHONPATH", "/somewhere")
    srv = job_server.Server()
    assert srv.start(timeout=60)
    assert os.environ["PYTHONPATH"] == os.pathsep.join([job_server.START_HOOK, "/somewhere"])
    srv.stop()
    assert os.environ["PYTHONPATH"] == "/somewhere" and job_server.ENV not in os.environ


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
    cpu, rss = job_server.fork_usage(log.splitlines()[-1])  # the job's own CPU time and memory
    assert cpu > 0 and rss > 10


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
