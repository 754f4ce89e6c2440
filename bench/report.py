"""Tables for the terminal (Markdown, so they paste into a note) and the run's JSON file."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"
Cell = str | int | float | None


@dataclass
class Table:
    title: str
    columns: Sequence[str]
    rows: list[Sequence[Cell]] = field(default_factory=list)

    def add(self, *cells: Cell) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{self.title}: {len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(cells)

    def render(self) -> str:
        texts = [[_text(cell) for cell in row] for row in self.rows]
        widths = [
            max([len(name), *(len(row[i]) for row in texts)]) for i, name in enumerate(self.columns)
        ]
        lines = [f"### {self.title}", ""]
        lines.append(_line(self.columns, widths))
        lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        lines.extend(_line(row, widths) for row in texts)
        return "\n".join(lines) + "\n"


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"


def _text(cell: Cell) -> str:
    if cell is None:
        return "-"
    if isinstance(cell, float):
        return f"{cell:.3g}" if abs(cell) < 100 else f"{cell:.0f}"
    return str(cell)


def seconds(value: float | None) -> str:
    """A duration in the unit that reads best: ms below a second, s above."""
    if value is None:
        return "-"
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def times(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def default_path(now: datetime | None = None) -> Path:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return RESULTS_DIR / f"{stamp}.json"


def write_json(results: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, sort_keys=True, default=str) + "\n")
    return path
