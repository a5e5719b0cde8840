"""The bundled demo models (trained on the project's synthetic data; see docs/gan.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PRETRAINED_DIR = Path(__file__).parent / "pretrained"
DEMO_GENERATOR = PRETRAINED_DIR / "papercut_demo_g_ab.pt"
DEMO_METADATA = PRETRAINED_DIR / "papercut_demo.json"


def demo_metadata() -> dict[str, Any]:
    return json.loads(DEMO_METADATA.read_text()) if DEMO_METADATA.exists() else {}


def load_pretrained_demo(device: str = "auto", **stylizer_kwargs: Any):
    """Stylizer for photos -> red paper-cut with the bundled demo generator."""
    from .infer import Stylizer

    if not DEMO_GENERATOR.exists():
        raise FileNotFoundError(f"demo weights missing: {DEMO_GENERATOR}")
    stylizer = Stylizer.from_checkpoint(DEMO_GENERATOR, device, **stylizer_kwargs)
    stylizer.meta = {**stylizer.meta, **demo_metadata()}
    return stylizer


def load_pretrained_magnifier(scale: int = 2, device: str = "auto"):
    """Bundled x2 or x4 magnifier trained on synthetic paper-cuts."""
    from .sr import Magnifier

    return Magnifier.from_checkpoint(PRETRAINED_DIR / f"magnifier_x{scale}.pt", device)
