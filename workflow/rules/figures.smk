# Placeholder for the figures stage (noiseprune/plotting.py, workflow/scripts/plot_*.py,
# workflow/report/*.rst), which replaces this file. Contract with the rest of the
# workflow: a rule named `figures` whose outputs (or, for a target-only rule, inputs)
# are the figure files; `rule all` builds them through figure_targets() in common.smk.


rule figures:
    """Target: every figure (placeholder: the tables they are drawn from)."""
    input:
        table_targets(),
