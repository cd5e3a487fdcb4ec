""""Show what will change": the planned edits as unified diffs, before anything is written."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QColor, QFontDatabase, QSyntaxHighlighter, QTextCharFormat, QTextDocument
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from tracklight.ui.change_queue import ChangeKind, Preview

if TYPE_CHECKING:
    from tracklight.changes.changeset import ChangeSet

_VERB = {ChangeKind.OPTOUT: "Opt out", ChangeKind.OPTIN: "Allow", ChangeKind.OPTOUT_EVERYTHING: "Opt out of everything",
         ChangeKind.UNDO: "Undo"}


def changeset_text(changeset: ChangeSet) -> str:
    """Every file's diff, then the environment variables, in plain text."""
    parts = [change.diff for change in changeset.files]
    if changeset.env:
        lines = ["Environment for new sessions:"]
        for change in changeset.env:
            old = "(not set)" if change.old_value is None else change.old_value
            new = "(unset)" if change.new_value is None else change.new_value
            lines.append(f"  {change.name}: {old} → {new}")
        parts.append("\n".join(lines) + "\n")
    return "\n".join(part.rstrip("\n") + "\n" for part in parts if part)


class DiffHighlighter(QSyntaxHighlighter):
    """Added lines green, removed lines red, headers dim: a diff reads at a glance (and the +/- stay for those
    who don't see colour)."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self._formats: dict[str, QTextCharFormat] = {}
        for prefix, colour in (("+", "#1a7f37"), ("-", "#cf222e"), ("@", "#6e7781")):
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(colour))
            self._formats[prefix] = fmt

    def highlightBlock(self, text: str) -> None:
        if text.startswith(("+++", "---")):
            self.setFormat(0, len(text), self._formats["@"])
        elif text[:1] in self._formats:
            self.setFormat(0, len(text), self._formats[text[:1]])


class DiffDialog(QDialog):
    """Shows a Preview; Accepted means "write it"."""

    def __init__(self, preview: Preview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preview = preview
        names = ", ".join(r.tool.name for r in preview.reports) or "every tool"
        self.setWindowTitle(f"What will change — {names}")
        self.setAccessibleName("What will change")
        self.resize(760, 520)
        layout = QVBoxLayout(self)
        plan = preview.plan
        changeset = plan.changeset
        # What can't be done comes first, with its file and line: a preview must not read as a success.
        lines = [f"Not possible: {failure}" for failure in plan.failures]
        if changeset.empty:
            lines.append("Nothing will be written." if plan.failures else "Nothing needs to be written.")
        else:
            count = len(changeset.files)
            lines.append(f"{_VERB[preview.kind]} — {names}: {count} file{'s' if count != 1 else ''} would be "
                         "written. Each edit is journaled and can be undone.")
        if plan.unchanged:
            lines.append("Already done: " + ", ".join(plan.unchanged))
        lines.extend(plan.notes)
        self.summary = QLabel("\n".join(lines))
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.diff = QPlainTextEdit()
        self.diff.setReadOnly(True)
        self.diff.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.diff.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.diff.setPlainText(changeset_text(changeset))
        self.highlighter = DiffHighlighter(self.diff.document())
        self.diff.setAccessibleName("Unified diff of the planned changes")
        layout.addWidget(self.diff, 1)
        self.buttons = QDialogButtonBox()
        self.apply_button = self.buttons.addButton(_VERB[preview.kind], QDialogButtonBox.ButtonRole.AcceptRole)
        self.apply_button.setEnabled(not changeset.empty)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.diff.setFocus()
