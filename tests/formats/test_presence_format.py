"""The `presence` format: a marker file that works by existing (Netdata's opt-out file, vLLM's do_not_track)."""

from __future__ import annotations

import pytest

from tracklight.errors import FormatError
from tracklight.formats import Lookup
from tracklight.formats import presence_format as presence


@pytest.mark.parametrize("text", ["", "\n", "anything at all\n", "false\n", "{\"enabled\": true}"])
def test_any_content_is_present(text: str) -> None:
    """The tools never read the file: an empty one and one that says "false" opt out alike."""
    assert presence.read(text, "") == Lookup(True, "present", 1)


def test_a_present_file_is_kept_byte_for_byte_and_a_new_one_is_empty() -> None:
    assert presence.set_value("kept as it is\n", "", "present") == "kept as it is\n"
    assert presence.new_document("", "present") == ""


@pytest.mark.parametrize("value", ["absent", False, 0, ""])
def test_no_other_value_can_be_written(value: object) -> None:
    with pytest.raises(FormatError, match="can only be present"):
        presence.set_value("", "", value)  # type: ignore[arg-type]
    with pytest.raises(FormatError, match="can only be present"):
        presence.new_document("", value)  # type: ignore[arg-type]


def test_removing_is_refused_rather_than_emptying_the_file() -> None:
    """Emptying the file would leave it present: the opt-out would stay while Tracklight said it was gone."""
    with pytest.raises(FormatError, match="only deleting the file"):
        presence.remove("", "")
