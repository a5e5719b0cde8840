"""Plotly figure builders of the Generation area (pure functions: data in, figure out)."""

import json

import plotly.graph_objects as go

from ichplatform.charts import PALETTE, themed

SERIES = [  # key in the loss log, label, colour from the platform's accessible palette
    ("g_ab", "G A→B (adversarial)", PALETTE[0]),
    ("g_ba", "G B→A (adversarial)", PALETTE[4]),
    ("cycle", "Cycle consistency", PALETTE[1]),
    ("identity", "Identity", PALETTE[6]),
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
            figure.add_trace(go.Scatter(x=iterations, y=values, name=label, mode="lines",
                                        line={"color": colour, "width": 2}))
    themed(figure, title="Training losses", x_title="Iteration", y_title="Loss (unitless)", height=380)
    figure.update_layout(
        margin={"l": 50, "r": 20, "t": 50, "b": 40}, legend={"orientation": "h", "y": -0.2},
        uirevision="losses",  # keep the user's zoom while new points arrive
    )
    return json.loads(figure.to_json())
