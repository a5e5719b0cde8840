"""Plotly figure builders of the Generation area (pure functions: data in, figure out)."""

import json

import plotly.graph_objects as go
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ichplatform.charts import PALETTE, themed

SERIES = [  # key in the loss log, label, colour from the platform's accessible palette
    ("g_ab", gettext_lazy("G A→B (adversarial)"), PALETTE[0]),
    ("g_ba", gettext_lazy("G B→A (adversarial)"), PALETTE[4]),
    ("cycle", gettext_lazy("Cycle consistency"), PALETTE[1]),
    ("identity", gettext_lazy("Identity"), PALETTE[6]),
    ("d_a", "D A", PALETTE[3]),
    ("d_b", "D B", PALETTE[5]),
]


def loss_curves(loss_log: list[dict]) -> dict:
    """Training losses per iteration, as a JSON-safe Plotly figure (the run page redraws it while polling)."""
    iterations = [point["iteration"] for point in loss_log]
    figure = go.Figure()
    for key, label, colour in SERIES:
        values = [point.get(key) for point in loss_log]
        if any(v is not None for v in values):
            figure.add_trace(go.Scatter(x=iterations, y=values, name=str(label), mode="lines",
                                        line={"color": colour, "width": 2}))
    themed(figure, title=_("Training losses"), x_title=_("Iteration (count)"), y_title=_("Loss (unitless)"), height=380)
    figure.update_layout(
        # The legend sits below the x-axis title, with room for both (they overlapped at b=40).
        margin={"l": 50, "r": 20, "t": 50, "b": 100}, legend={"orientation": "h", "y": -0.3, "yanchor": "top"},
        uirevision="losses",  # keep the user's zoom while new points arrive
    )
    return json.loads(figure.to_json())
