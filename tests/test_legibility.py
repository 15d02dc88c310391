"""Every figure a learner reads has text at least 10 CSS pixels high (issue 17: "no 9 px legends").

Text height in pixels is ``points * dpi / 72``. Lab figures are shown at exactly their rendered size
(``bplab.figures.base.DPI``, divided by ``PIXEL_RATIO`` on a high-density screen); the notebooks' static
``plt`` figures use matplotlib's default 100 dpi, shown at their own size by JupyterLab.
"""

from __future__ import annotations

import ast
import json

import matplotlib
import numpy as np
import pytest
from matplotlib.text import Text

from bplab.figures.base import PIXEL_RATIO
from tests.paths import NOTEBOOKS

MIN_PX = 10.0
STATIC_DPI = matplotlib.rcParamsDefault["figure.dpi"]  # the inline backend no longer overrides it


def _pixels(points, dpi):
    return points * dpi / 72.0


# -- the labs ----------------------------------------------------------------------------------------------------

def _transfer_lab():
    from bplab.transfer import STRATEGIES, TransferResult
    from bplab.widgets.training_dashboard import TransferLab

    rng = np.random.default_rng(0)
    result = TransferResult(np.array([1, 2, 5, 10, 20]), {s: rng.uniform(0.5, 1.0, size=(5, 5)) for s in STRATEGIES},
                            0.99, (0, 1, 2, 3, 4), (5, 6, 7, 8, 9))
    return TransferLab(result)


def _dashboard():
    from bplab.labs.training_dashboard import train_capstone
    from bplab.widgets.training_dashboard import TrainingDashboardLab

    return TrainingDashboardLab(train_capstone(3, hidden=(16,))[1])


LABS = {
    "checker demo": lambda: __import__("bplab.widgets.checker_demo", fromlist=["x"]).CheckerDemo(),
    "graph explorer": lambda: __import__("bplab.widgets.graph_explorer", fromlist=["x"]).GraphExplorer(),
    "playground": lambda: __import__("bplab.widgets.playground", fromlist=["x"]).Playground(),
    "gradient flow": lambda: __import__("bplab.widgets.gradient_flow", fromlist=["x"]).GradientFlowExplorer(),
    "BPTT explorer": lambda: __import__("bplab.widgets.bptt", fromlist=["x"]).BPTTExplorer(),
    "optimizer race": lambda: __import__("bplab.widgets.optimizer_race", fromlist=["x"]).OptimizerRace(),
    "regularization lab": lambda: __import__("bplab.widgets.regularization_lab", fromlist=["x"]).RegularizationLab(),
    "training dashboard": _dashboard,
    "transfer": _transfer_lab,
    "feature maps": lambda: __import__("bplab.widgets.feature_maps", fromlist=["x"]).FeatureMapViewer(),
    "regression lab": lambda: __import__("bplab.widgets.regression_lab", fromlist=["x"]).RegressionLab(),
    "gradient through time": lambda: __import__("bplab.widgets.gradient_through_time",
                                                fromlist=["x"]).GradientThroughTimeExplorer(),
}


def _small_texts(figure):
    figure.canvas.draw()
    css_dpi = figure.dpi / PIXEL_RATIO
    return sorted({(round(_pixels(t.get_fontsize(), css_dpi), 1), t.get_text()[:40])
                   for t in figure.findobj(Text)
                   if t.get_visible() and t.get_text().strip() and _pixels(t.get_fontsize(), css_dpi) < MIN_PX})


@pytest.mark.filterwarnings("ignore::UserWarning")  # constrained layout may warn on a headless first draw
@pytest.mark.parametrize("name", list(LABS))
def test_every_lab_text_is_at_least_10_css_pixels(name):
    lab = LABS[name]()
    assert _small_texts(lab.view.figure) == [], f"{name}: text below {MIN_PX:g} px"


# -- the notebooks' static figures --------------------------------------------------------------------------------

def _code_cells():
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        for index, cell in enumerate(json.loads(path.read_text())["cells"]):
            if cell["cell_type"] == "code":
                yield path.name, index, "".join(cell["source"])


def _keyword_numbers(source, keyword):
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics: no figure code in those cells
        return []
    return [(node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "?"), k.value.value)
            for node in ast.walk(tree) if isinstance(node, ast.Call)
            for k in node.keywords
            if k.arg == keyword and isinstance(k.value, ast.Constant) and isinstance(k.value.value, (int, float))]


def test_static_figures_keep_the_default_resolution():
    lowered = [(name, index, call, dpi) for name, index, source in _code_cells()
               for call, dpi in _keyword_numbers(source, "dpi") if dpi < STATIC_DPI]
    assert lowered == [], "a lowered dpi shrinks every label of the figure"


def test_static_figure_text_is_at_least_10_pixels():
    small = [(name, index, call, size) for name, index, source in _code_cells()
             for call, size in _keyword_numbers(source, "fontsize") if _pixels(size, STATIC_DPI) < MIN_PX]
    assert small == []


def test_the_scan_sees_a_lowered_dpi_and_a_small_font():
    assert _keyword_numbers("fig, ax = plt.subplots(figsize=(6, 3), dpi=80)\nax.legend(fontsize=7)", "dpi") \
        == [("subplots", 80)]
    assert _keyword_numbers("ax.legend(fontsize=7)", "fontsize") == [("legend", 7)]
