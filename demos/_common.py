"""Shared plumbing of the demo scripts: options, one run, the JSON last line."""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from freqnet.cli import add_training_arguments, config_from_args  # noqa: E402
from freqnet.experiment import run  # noqa: E402


def parse(description, defaults, extra=None, argv=None):
    """Parse the training options with this demo's ``defaults``."""
    p = argparse.ArgumentParser(description=description)
    add_training_arguments(p, defaults)
    if extra:
        extra(p)
    return p.parse_args(argv)


def train(args, **override):
    """Run the configuration in ``args`` (plus ``override``); returns (result, model, history)."""
    config = config_from_args(args)
    config.update(override)
    return run(log=lambda line: print(line, flush=True), **config)


def report(result, label=None):
    """Print a one-line summary (``label``: which model), then the result as
    the LAST line (one JSON object)."""
    summary = (f"{label + ': ' if label else ''}test accuracy {result['test_accuracy']:.1%} on {result['test_samples']} "
               f"samples, {result['seconds']:.0f} s")
    if "published_cnn_baseline" in result:
        summary += f" (published CNN baseline {result['published_cnn_baseline']:.0%})"
    print(summary, flush=True)
    print(json.dumps(result, sort_keys=True), flush=True)
