"""The Snakemake HTML report, rendered in headless Chromium.

One workflow run on tests/configs/figures.yaml (tiny networks under the experiment
names of config.yaml, so every figure rule runs) in a temporary directory, then
``make report`` (workflow/run.py report: ``<results_dir>/report.html``). The report is a JavaScript application: its
content only exists once the scripts have run, so the page is opened in headless
Chromium, driven through the DevTools protocol over a pipe (``--remote-debugging-pipe``,
standard library only), and the checks read the rendered text, never the embedded data:

- the Figures category lists every figure (number and name), the Tables category the
  report tables;
- every figure has its caption, with the numbers of the figures config (templated from
  the config, never the default's N = 2000), and its PNG displays as an image with a
  nonzero size;
- the landing page shows the workflow description (workflow/report/workflow.rst, declared
  by ``report:`` in the Snakefile; expected to fail while the Snakefile lacks it).

Skipped, with a one-line reason, when Chromium is not installed.
"""

import fcntl
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from helpers import ROOT, render_caption, results_path, run_action, run_snakemake

from noiseprune.pipeline import config as npconfig
from noiseprune.pipeline import plan as npplan

pytestmark = pytest.mark.browser

CONFIG = ROOT / "tests" / "configs" / "figures.yaml"
FIGURES = {
    "fig1_probe": 1,
    "fig2_spectrum": 2,
    "fig3_dynamics": 3,
    "fig4_large": 4,
    "fig5_sweeps": 5,
    "fig6_empirical": 6,
    "fig7_relu": 7,
    "fig8_nonsymmetric": 8,
    "fig11_excitatory_inhibitory": 11,
}
TABLES = ["summary_digest.csv", "scaling_digest.csv"]
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_binary():
    for candidate in (shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def snakemake(workdir, *args, timeout=900):
    return run_snakemake(workdir, *args, configfile=CONFIG, timeout=timeout)


class Chromium:
    """Headless Chromium driven through the DevTools protocol on a pipe (fds 3 and 4)."""

    def __init__(self, binary, user_data_dir):
        to_chrome, self._write = os.pipe()
        self._read, from_chrome = os.pipe()
        # Move Chromium's ends above 9 so that bash can put them on 3 and 4 without clashes.
        child_in = fcntl.fcntl(to_chrome, fcntl.F_DUPFD, 10)
        child_out = fcntl.fcntl(from_chrome, fcntl.F_DUPFD, 10)
        os.close(to_chrome)
        os.close(from_chrome)
        args = [*CHROMIUM_FLAGS, f"--user-data-dir={user_data_dir}", "--remote-debugging-pipe", "about:blank"]
        script = f'exec "$0" "$@" 3<&{child_in} 4>&{child_out} {child_in}<&- {child_out}>&-'
        self.log = open(Path(user_data_dir) / "chromium.log", "w")
        self.proc = subprocess.Popen(
            ["bash", "-c", script, binary, *args],
            pass_fds=(child_in, child_out),
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=self.log,
        )
        os.close(child_in)
        os.close(child_out)
        self._buffer = b""
        self._id = 0

    def send(self, method, params=None, session=None, timeout=60):
        self._id += 1
        message = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = self._receive(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
        raise TimeoutError(f"no reply to {method} within {timeout} s")

    def _receive(self, deadline):
        import select

        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._read], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise TimeoutError("Chromium sent nothing")
            chunk = os.read(self._read, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe (see chromium.log in its profile)")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def open(self, url, timeout=60):
        """Open ``url`` in a new tab; return the session id once the page has loaded."""
        target = self.send("Target.createTarget", {"url": url})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                state = self.evaluate(session, "location.href + ' ' + document.readyState")
            except RuntimeError:  # the context is replaced while the page loads
                state = ""
            if state.startswith(url) and state.endswith(" complete"):
                return session
            time.sleep(0.1)
        raise TimeoutError(f"{url} did not load within {timeout} s")

    def evaluate(self, session, expression, timeout=60):
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
            session=session,
            timeout=timeout,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"JavaScript error: {result['exceptionDetails']}")
        return result["result"].get("value")

    def close(self):
        try:
            self.send("Browser.close", timeout=10)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._write)
        os.close(self._read)
        self.log.close()


# Runs in the page: click through the report like a reader and collect what is shown.
BROWSE = r"""
(async () => {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const find = async (test, what) => {
    for (let i = 0; i < 100; i++) {
      const found = test();
      if (found) return found;
      await sleep(100);
    }
    throw new Error('not found: ' + what);
  };
  const menuLink = (text) => find(
    () => [...document.querySelectorAll('nav a')].find((a) => a.textContent.trim() === text), text);
  const out = {landing: document.body.innerText, categories: {}, figures: []};
  await sleep(300);
  out.landing = document.body.innerText;
  const toResults = async () => {  // the "Results" breadcrumb leads back to the menu
    (await menuLink('Results')).click();
    await sleep(200);
  };
  for (const category of ['Figures', 'Tables']) {
    (await menuLink(category)).click();
    await sleep(300);
    out.categories[category] = document.querySelector('nav').innerText;
    await toResults();
  }
  (await menuLink('Figures')).click();
  await sleep(300);
  const rows = document.querySelectorAll('nav tbody tr').length;
  for (let i = 0; i < rows; i++) {
    app.showCategory('Figures');
    await sleep(200);
    const row = document.querySelectorAll('nav tbody tr')[i];
    const labels = [...row.querySelectorAll('td')].map((td) => td.innerText.trim()).filter((t) => t);
    const buttons = row.querySelectorAll('a');
    buttons[0].click();  // show the figure
    const img = await find(() => {
      const im = document.querySelector('img[src^="data:image/png"]');
      return im && im.complete && im.naturalWidth > 0 ? im : null;
    }, 'rendered PNG of row ' + i).catch(() => null);
    const size = img ? [img.naturalWidth, img.naturalHeight] : [0, 0];
    buttons[buttons.length - 1].click();  // show the result info, with the caption
    await sleep(300);
    out.figures.push({labels, size, info: document.querySelector('nav').innerText});
  }
  return JSON.stringify(out);
})()
"""


@pytest.fixture(scope="module")
def chromium():
    binary = chromium_binary()
    if binary is None:
        pytest.skip("chromium not installed (apt-get install chromium): the report cannot be rendered")
    return binary


@pytest.fixture(scope="module")
def workdir(chromium, tmp_path_factory):
    """tests/configs/figures.yaml run to completion, with its HTML report."""
    workdir = tmp_path_factory.mktemp("figures_run")
    snakemake(workdir, "--cores", "2")
    report = run_action(workdir, "report", configfile=CONFIG, timeout=300)
    assert "Missing metadata" not in report.stdout + report.stderr
    return workdir


@pytest.fixture(scope="module")
def rendered(chromium, workdir, tmp_path_factory):
    """What a reader sees when clicking through the report (see BROWSE)."""
    browser = Chromium(chromium, tmp_path_factory.mktemp("chromium_profile"))
    try:
        session = browser.open((results_path(workdir, CONFIG) / "report.html").as_uri())
        return json.loads(browser.evaluate(session, BROWSE, timeout=120))
    finally:
        browser.close()


def caption_title(name):
    """The bold first sentence of a caption, rendered with the figures config's facts."""
    plan = npplan.Plan(npconfig.prepare(yaml.safe_load(CONFIG.read_text()), schema=npconfig.DEFAULT_SCHEMA))
    body = render_caption(plan, name)
    title = re.search(r"<strong>(.+?)</strong>", body, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", "", title).split())


def test_every_figure_file_was_drawn(workdir):
    for name in FIGURES:
        for ext in ("pdf", "png"):
            path = results_path(workdir, CONFIG) / "figures" / f"{name}.{ext}"
            assert path.is_file() and path.stat().st_size > 10_000, path


def test_report_lists_every_figure_and_table(rendered):
    figures = rendered["categories"]["Figures"]
    for name, number in FIGURES.items():
        assert name in figures, f"{name} missing from the rendered Figures list:\n{figures}"
        assert f"Fig. {number}" in figures
    tables = rendered["categories"]["Tables"]
    for table in TABLES:
        assert table.removesuffix(".csv") in tables or table in tables, tables


def test_every_figure_shows_its_caption_and_image(rendered):
    shown = {}
    for entry in rendered["figures"]:
        names = [label for label in entry["labels"] if label in FIGURES]
        assert len(names) == 1, entry["labels"]
        shown[names[0]] = entry
    assert set(shown) == set(FIGURES)
    for name, entry in shown.items():
        info = " ".join(entry["info"].split())
        assert caption_title(name) in info, f"caption of {name} not rendered:\n{info[:1500]}"
        assert "N = 2000" not in info, f"caption of {name} states the default config's N:\n{info[:1500]}"
        width, height = entry["size"]
        assert width > 500 and height > 300, f"{name}: PNG shown at {width} x {height}"


def test_captions_state_the_runs_numbers(rendered):
    """Captions are templated from the config: the figures config's N, keep fraction, time step."""
    info = {name: " ".join(e["info"].split()) for e in rendered["figures"] for name in e["labels"] if name in FIGURES}
    assert "spectrum preservation at N = 90, 30 % of the synapses kept" in info["fig2_spectrum"]
    assert "dt = 0.01, σ = 0.01" in info["fig3_dynamics"] and "101 time points up to t = 1" in info["fig3_dynamics"]
    assert "durations T = 20 and 80" in info["fig6_empirical"]


def test_landing_page_shows_the_workflow_description(rendered):
    landing = " ".join(rendered["landing"].split())
    assert "Using noise to probe recurrent neural network structure and prune synapses" in landing


def test_figures_target_redraws_only_the_figures_identically(workdir, rendered):
    """`make figures` after removing the figures reruns only the figure rules from the
    cached tables, even when an upstream file is newer than the tables, and draws
    byte-identical files; with a table missing it stops with one line naming it.
    Runs last: it rewrites files."""
    results = results_path(workdir, CONFIG)
    figures = results / "figures"
    before = {p.name: p.read_bytes() for p in sorted(figures.iterdir())}
    shutil.rmtree(figures)
    os.utime(results / "networks" / "paper2000" / "seed0" / "A.npy")  # upstream now "changed"
    proc = run_action(workdir, "figures", configfile=CONFIG)
    ran = set(re.findall(r"^(?:local)?rule (\w+):$", proc.stdout + proc.stderr, re.M))
    assert ran == {"plot_figure", "report_tables", "figures"}, ran
    after = {p.name: p.read_bytes() for p in sorted(figures.iterdir())}
    assert after.keys() == before.keys()
    assert [name for name in before if before[name] != after[name]] == []

    (results / "tables" / "sweeps.csv").unlink()
    proc = run_action(workdir, "figures", configfile=CONFIG, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"error: missing tables results-figures/tables/sweeps.csv: run `make reproduce CONFIG={CONFIG}` first"
    ]
