"""The difference between two versions of an article, line by line (difflib), as rows a template can show."""

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class DiffLine:
    op: str  # "same", "added" or "removed"
    text: str
    old_number: int | None
    new_number: int | None

    @property
    def sign(self):
        return {"added": "+", "removed": "−"}.get(self.op, " ")


def _lines(version):
    return [f"# {version.title}", "", *version.body.splitlines()]


def version_diff(old, new):
    """[DiffLine] turning OLD into NEW (title first, then the body); unchanged lines are kept for context."""
    a, b = _lines(old), _lines(new)
    rows = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            rows += [DiffLine("same", a[i], i + 1, j1 + k + 1) for k, i in enumerate(range(i1, i2))]
            continue
        rows += [DiffLine("removed", a[i], i + 1, None) for i in range(i1, i2)]
        rows += [DiffLine("added", b[j], None, j + 1) for j in range(j1, j2)]
    return rows


def diff_counts(rows):
    return {op: sum(1 for r in rows if r.op == op) for op in ("added", "removed")}
