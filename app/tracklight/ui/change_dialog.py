"""Before anything is written: what a change will do, and the exact diffs.

"Show what will change" (one tool) opens on the diff. "Opt out of everything" opens on the list — each tool, why it
is included and what is written for it — with the shell startup files it touches called out, and asks once; the
diffs are one click away. What is not possible comes first, with file and line.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import (
    QColor,
    QFontDatabase,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tracklight.changes.everything import why_included
from tracklight.ui.change_queue import ChangeKind, Preview
from tracklight.ui.screen_fit import resize_to_fit
from tracklight.ui.words import short_path

if TYPE_CHECKING:
    from tracklight.changes.changeset import ChangeSet

_VERB = {ChangeKind.OPTOUT: "Opt out", ChangeKind.OPTIN: "Allow", ChangeKind.OPTOUT_EVERYTHING: "Opt out",
         ChangeKind.UNDO: "Undo"}


def changeset_text(changeset: ChangeSet, home: str = "") -> str:
    """Every file's diff, then the environment variables, in plain text; each diff's header names its file with ~
    for the home folder, as the notices and the details do."""
    parts = [_short_headers(change.diff, change.path, home) for change in changeset.files]
    if changeset.env:
        lines = ["Environment for new sessions:"]
        for change in changeset.env:
            old = "(not set)" if change.old_value is None else change.old_value
            new = "(unset)" if change.new_value is None else change.new_value
            lines.append(f"  {change.name}: {old} → {new}")
        parts.append("\n".join(lines) + "\n")
    return "\n".join(part.rstrip("\n") + "\n" for part in parts if part)


def _short_headers(diff: str, path: str, home: str) -> str:
    """"--- a/home/me/.azure/config" → "--- ~/.azure/config" (and the "+++" line): only the two header lines."""
    short = short_path(path, home)
    if not home or short == path:
        return diff
    lines = diff.split("\n", 2)
    for i, (marker, side) in enumerate((("---", "a"), ("+++", "b"))):
        if i < len(lines) and lines[i] in (f"{marker} {side}{path}", f"{marker} {path}"):
            lines[i] = f"{marker} {short}"
    return "\n".join(lines)


class DiffHighlighter(QSyntaxHighlighter):
    """Added lines green, removed lines red, headers dim: a diff reads at a glance (and the +/- stay for those
    who don't see colour)."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self._formats: dict[str, QTextCharFormat] = {}
        for prefix, colour in (("+", "#2e9d4b"), ("-", "#d2322d"), ("@", "#808890")):
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(colour))
            self._formats[prefix] = fmt

    def highlightBlock(self, text: str) -> None:
        if text.startswith(("+++", "---")):
            self.setFormat(0, len(text), self._formats["@"])
        elif text[:1] in self._formats:
            self.setFormat(0, len(text), self._formats[text[:1]])


def what_is_written(preview: Preview, tool_id: str, home: str) -> str:
    """For one tool of the preview: the files (with ~) and variables its change writes."""
    changeset = preview.plan.changeset
    written = [short_path(c.path, home) for c in changeset.files if tool_id in c.tool_ids]
    written += [f"{c.name}={c.new_value}" for c in changeset.env if tool_id in c.tool_ids and c.new_value]
    if written:
        return ", ".join(written)
    if tool_id in preview.plan.unchanged:
        return "nothing: already off"
    return "nothing (see below)"


class ChangeDialog(QDialog):
    """Shows a Preview; Accepted means "write it"."""

    def __init__(self, preview: Preview, home: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preview = preview
        plan = preview.plan
        changeset = plan.changeset
        everything = preview.kind is ChangeKind.OPTOUT_EVERYTHING
        names = ", ".join(r.tool.name for r in preview.reports) or "every tool"
        self.setWindowTitle("Opt out of everything?" if everything else f"What will change — {names}")
        self.setAccessibleName("Opt out of everything" if everything else "What will change")
        layout = QVBoxLayout(self)

        # What can't be done comes first, with its file and line: a preview must not read as a success.
        lines = [f"Not possible: {failure}" for failure in plan.failures]
        if changeset.empty:
            lines.append("Nothing will be written." if plan.failures else "Nothing needs to be written.")
        elif everything:
            dnt = any(c.name == "DO_NOT_TRACK" and not c.tool_ids for c in changeset.env)
            lines.append(f"Tracklight will switch off telemetry for these {len(changeset.tool_ids)} tools"
                         + (", and set DO_NOT_TRACK=1 for new sessions" if dnt else "") + ". "
                         "Each edit is journaled; one Undo puts every file back.")
        else:
            count = len(changeset.files)
            lines.append(f"{_VERB[preview.kind]} — {names}: {count} file{'s' if count != 1 else ''} would be "
                         "written. Each edit is journaled and can be undone.")
        if plan.unchanged and not everything:
            lines.append("Already done: " + ", ".join(plan.unchanged))
        self.summary = QLabel("\n".join(lines))
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)

        self.tools = QTreeWidget()
        self.tools.setHeaderLabels(["Tool", "Why", "What is written"])
        self.tools.setRootIsDecorated(False)
        self.tools.setAccessibleName("Tools this covers")
        for report in preview.reports:
            if report.id not in changeset.tool_ids and report.id not in plan.unchanged:
                continue  # a note or a failure below says why
            item = QTreeWidgetItem([report.tool.name, why_included(report),
                                    what_is_written(preview, report.id, home)])
            item.setToolTip(2, item.text(2))
            self.tools.addTopLevelItem(item)
        for column in range(2):
            self.tools.resizeColumnToContents(column)
        self.tools.setVisible(everything and self.tools.topLevelItemCount() > 0)
        layout.addWidget(self.tools, 1)

        startup = [short_path(path, home) for path in preview.startup_files]
        self.startup_note = QLabel(
            "<b>Shell startup files:</b> a marked block that loads Tracklight's environment file is added to "
            + ", ".join(f"<code>{escape(p)}</code>" for p in startup)
            + ". New shells then see the opt-out variables; Undo (or Allow) takes the block out again.")
        self.startup_note.setWordWrap(True)
        self.startup_note.setVisible(bool(startup))
        layout.addWidget(self.startup_note)
        self.notes = QLabel("\n".join(plan.notes))
        self.notes.setWordWrap(True)
        self.notes.setVisible(bool(plan.notes))
        small = self.notes.font()
        small.setPointSizeF(small.pointSizeF() * 0.9)
        self.notes.setFont(small)
        layout.addWidget(self.notes)

        self.show_diff = QPushButton("Show the exact changes")
        self.show_diff.setCheckable(True)
        self.show_diff.setVisible(everything and not changeset.empty)
        layout.addWidget(self.show_diff, 0, Qt.AlignmentFlag.AlignLeft)
        self.diff = QPlainTextEdit()
        self.diff.setReadOnly(True)
        self.diff.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.diff.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.diff.setPlainText(changeset_text(changeset, home))
        self.highlighter = DiffHighlighter(self.diff.document())
        self.diff.setAccessibleName("Unified diff of the planned changes")
        self.diff.setVisible(not everything)
        self.show_diff.toggled.connect(self.diff.setVisible)
        layout.addWidget(self.diff, 1)

        self.buttons = QDialogButtonBox()
        label = (f"Opt out of {len(changeset.tool_ids)} tools" if everything and not changeset.empty
                 else _VERB[preview.kind])
        self.apply_button = self.buttons.addButton(label, QDialogButtonBox.ButtonRole.AcceptRole)
        self.apply_button.setEnabled(not changeset.empty)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        resize_to_fit(self, 760, 560)
        (self.tools if everything else self.diff).setFocus()
