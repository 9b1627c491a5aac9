"""Training cost of one task-trained network against N (noiseprune.trained.training).

Times Adam steps of :func:`noiseprune.trained.training.train` (jax, one XLA thread, as
the train_rnn jobs run it) for each N on one task, after a first step that includes
XLA's compilation, and prints the seconds per step, the compilation time, and the
constant seconds / (batch x N^2 x time steps) that
:func:`noiseprune.trained.training.estimate_seconds` uses. Median of ``--repeats``
timed runs of ``--steps`` steps each; written to benchmarks/out/training.json:

    .venv/bin/python benchmarks/bench_training.py --sizes 64 128 256 512 --steps 4 --batch 16

On a shared machine the seconds are upper bounds: say so when quoting them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from noiseprune.trained import rnn, tasks, training


def seconds_per_step(n: int, task, model, steps: int, batch: int, repeats: int) -> tuple[float, float, float]:
    """(median CPU seconds per Adam step, median wall seconds per step, CPU seconds of the
    first step incl. compilation). A step's time is read between consecutive log lines
    (one per step), so XLA's compilation in step 0 is left out; CPU time of this process
    (XLA runs on one thread) is what the shared machine cannot inflate much."""
    params = rnn.init_params(n, 0.8, np.random.default_rng(0), inputs=task.inputs, outputs=task.outputs,
                             self_connections=False)
    mask = 1.0 - np.eye(n)
    cpu, wall, first = [], [], []
    for r in range(repeats):
        stamps = [(time.process_time(), time.perf_counter())]
        training.train(params, task, model, np.random.default_rng(1 + r), steps=steps + 1, batch=batch,
                       learning_rate=1e-3, mask_W=mask, log=lambda _: stamps.append((time.process_time(), time.perf_counter())),
                       log_every=1)
        first.append(stamps[1][0] - stamps[0][0])
        cpu.append((stamps[-1][0] - stamps[1][0]) / steps)
        wall.append((stamps[-1][1] - stamps[1][1]) / steps)
    return statistics.median(cpu), statistics.median(wall), statistics.median(first)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 128, 256, 512])
    parser.add_argument("--task", default="go_nogo")
    parser.add_argument("--tau", type=float, default=100.0)
    parser.add_argument("--dt", type=float, default=10.0)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    task = tasks.bind({"name": args.task}, args.dt)
    model = rnn.Model(phi="tanh", tau=args.tau, dt=args.dt, sigma=1.0)
    rows = []
    for n in args.sizes:
        per_step, wall, first = seconds_per_step(n, task, model, args.steps, args.batch, args.repeats)
        unit = per_step / (args.batch * n * n * task.steps)
        rows.append(dict(n=n, time_steps=task.steps, batch=args.batch, seconds_per_step=per_step,
                         wall_seconds_per_step=wall, first_step_seconds=first, seconds_per_unit=unit,
                         estimate_per_step=training.estimate_seconds(n, 1, args.batch, task.steps)))
        print(f"N = {n:4d}: {per_step:.3f} CPU s ({wall:.3f} wall s) per step of {args.batch} trials x {task.steps} steps "
              f"(first step {first:.1f} s), {unit:.3g} s per trial-step-N^2; estimate {rows[-1]['estimate_per_step']:.3f} s",
              flush=True)
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    (out / "training.json").write_text(json.dumps(dict(task=args.task, rows=rows), indent=1))


if __name__ == "__main__":
    main()
