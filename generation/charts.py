"""Plotly figure builders of the Generation area (pure functions: data in, figure out)."""

import json

import plotly.graph_objects as go

SERIES = [  # key in the loss log, label, colour (red for the generators: the paper-cut side)
    ("g_ab", "G A→B (adversarial)", "#a4161a"),
    ("g_ba", "G B→A (adversarial)", "#e5989b"),
    ("cycle", "Cycle consistency", "#0550ae"),
    ("identity", "Identity", "#57606a"),
    ("d_a", "D A", "#116329"),
    ("d_b", "D B", "#7d4e00"),
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
    figure.update_layout(
        title="Training losses", xaxis_title="Iteration", yaxis_title="Loss", template="plotly_white",
        height=380, margin={"l": 50, "r": 20, "t": 50, "b": 40}, legend={"orientation": "h", "y": -0.2},
        uirevision="losses",  # keep the user's zoom while new points arrive
    )
    return json.loads(figure.to_json())
