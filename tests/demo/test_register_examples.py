"""The example register files in docs/ are the demo organisation's, byte for byte, so the README's
examples never drift from what the importer accepts."""

from __future__ import annotations

from pathlib import Path

from council_social.demo.organisation import build_organisation
from council_social.demo.registers import write_registers

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "registers"


def test_examples_are_current(tmp_path):
    written = write_registers(build_organisation(), tmp_path)
    assert sorted(p.name for p in EXAMPLES.iterdir()) == sorted(p.name for p in written)
    for path in written:
        assert (EXAMPLES / path.name).read_bytes() == path.read_bytes(), (
            f"docs/examples/registers/{path.name} is out of date: regenerate it with write_registers")
