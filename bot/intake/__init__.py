"""Plan intake: a Vietnamese plan document (.txt, .docx, .pdf) -> a draft plan file for a person to review.

    text = read_document(path)                      # readers.py (within the bounds of limits.py)
    draft = build_draft(text, units=unit_index)     # draft.py (text.py, dates.py, units.py)
    yaml_text = render_draft(draft)                 # render.py

In chat, `sheet_upload.draft_sheet_upload` does all three in a worker thread (the handler keeps the draft for
📥, pending.py).

Nothing is guessed silently: a milestone whose responsible units (or date) could not be read carries a
`review:` note, and the plan validator refuses to import it until a person fixes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.intake.draft import Draft, build_draft
from bot.intake.readers import ReadError, read_structure
from bot.intake.render import render_draft
from bot.intake.sources import UnitSource


@dataclass(frozen=True)
class DraftResult:
    draft: Draft
    yaml: str


def draft_document(data: bytes, name: str, source: UnitSource) -> DraftResult:
    """Bytes of a document -> its draft plan file (raises ReadError with a Vietnamese reason)."""
    draft = build_draft(read_structure(data, name), source.index)
    # The draft is a plan of its own (draft.code), never the plan the units were taken from: imported under
    # that plan's code it would deactivate all of that plan's milestones.
    yaml_text = render_draft(draft, units_yaml=source.units_yaml, source_name=Path(name).name,
                             plan_title=source.plan_title)
    return DraftResult(draft, yaml_text)


__all__ = ["Draft", "DraftResult", "ReadError", "UnitSource", "build_draft", "draft_document", "render_draft"]
