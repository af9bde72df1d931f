"""Figures people read: axis labels and legends, whole-epoch ticks, no RuntimeWarnings."""
import os
import sys
import warnings

import matplotlib
import pytest

matplotlib.use("Agg")

from freqnet.theory import plots  # noqa: E402

DEMOS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "demos")


@pytest.fixture
def captured(monkeypatch):
    """The figures passed to plots._save, inspected before they are closed."""
    figures = {}
    save = plots._save

    def keep(fig, out_dir, name):
        figures[name] = [(ax.get_xlabel(), ax.get_ylabel(), ax.get_legend(), len(ax.texts),
                          len(ax.get_lines()) + len(ax.collections) + len(ax.patches))
                         for ax in fig.axes]
        return save(fig, out_dir, name)

    monkeypatch.setattr(plots, "_save", keep)
    return figures


WRITERS = [fn for writers in plots.FIGURES.values() for fn in writers]


@pytest.mark.parametrize("fn", [pytest.param(fn, id=fn.__name__, marks=(
    [pytest.mark.slow] if fn is plots.toom_cook_error else [])) for fn in WRITERS])
def test_theory_figures_have_axis_labels_and_legends(fn, captured, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        fn(str(tmp_path), quick=True) if fn is plots.toom_cook_error else fn(str(tmp_path))
    for name, axes in captured.items():
        for i, (xlabel, ylabel, legend, _, artists) in enumerate(axes):
            assert xlabel and ylabel, f"{name} axes {i} lacks an axis label"
            assert legend is not None or artists <= 1, f"{name} axes {i} lacks a legend"
    if fn is plots.toom_cook_error:
        # the tile cases are told apart by the legend, not by overlapping annotations
        tiles = captured["claim10_toom_cook.png"][1]
        assert tiles[3] == 0 and len(tiles[2].get_texts()) == len(plots.toom_cook.TILE_CASES) + 1


def test_training_curves_have_whole_epoch_ticks_and_say_val(monkeypatch, tmp_path):
    sys.path.insert(0, DEMOS)
    try:
        import plot_training
    finally:
        sys.path.remove(DEMOS)
    kept = []
    monkeypatch.setattr(plot_training.plt, "close", kept.append)
    history = [{"epoch": e, "loss": 1.0 / e, "accuracy": 0.5 + 0.1 * e, "val_loss": 1.1 / e,
                "val_accuracy": 0.4 + 0.1 * e} for e in (1, 2, 3)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        plot_training.plot_curves(history, str(tmp_path / "curves.png"))
    (fig,) = kept
    fig.canvas.draw()
    for ax in fig.axes:
        ticks = [t for t in ax.get_xticks() if 1 <= t <= 3]
        assert ticks and all(float(t).is_integer() for t in ticks), ticks
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert labels == ["train", "val (test set)"]
    matplotlib.pyplot.close(fig)
