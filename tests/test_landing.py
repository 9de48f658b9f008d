"""The landing zone keeps each dropped file verbatim, named by its content, whatever its size."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from council_social.landing import CHUNK, file_sha256, land_file

DAY = date(2026, 10, 31)


def _landed(url: str) -> Path:
    return Path(url.removeprefix("file://"))


def test_a_file_larger_than_a_chunk_lands_verbatim_with_its_checksum(data_dir, tmp_path):
    dropped = tmp_path / "sent messages (1).csv"
    content = b"".join(f"{i},message {i}\n".encode() for i in range(CHUNK // 8))  # several chunks
    assert len(content) > 2 * CHUNK
    dropped.write_bytes(content)

    url, checksum, size = land_file(dropped, source="hootsuite", entity="exports", day=DAY)

    assert checksum == hashlib.sha256(content).hexdigest() == file_sha256(dropped)
    assert size == len(content)
    landed = _landed(url)
    assert landed.read_bytes() == content
    assert landed.name == f"{checksum[:12]}__sent_messages_1_.csv"
    assert landed.parent.name == "dt=2026-10-31"
    assert not list(landed.parent.glob(".*partial")), "no partial copy is left behind"


def test_landing_the_same_content_again_is_a_no_op_and_new_content_lands_beside_it(data_dir, tmp_path):
    dropped = tmp_path / "members.csv"
    dropped.write_bytes(b"Name,Email\nAsha Patel,asha.patel@manchester.gov.uk\n")
    first, _, _ = land_file(dropped, source="hootsuite", entity="exports", day=DAY)
    stamp = _landed(first).stat().st_mtime_ns

    again, _, _ = land_file(dropped, source="hootsuite", entity="exports", day=DAY)
    assert again == first
    assert _landed(first).stat().st_mtime_ns == stamp, "content already landed is not rewritten"

    dropped.write_bytes(b"Name,Email\nAsha Patel,asha.patel@manchester.gov.uk\nTom Reid,tom.reid@manchester.gov.uk\n")
    changed, _, _ = land_file(dropped, source="hootsuite", entity="exports", day=DAY)
    assert changed != first
    assert sorted(p.name for p in _landed(first).parent.iterdir()) == sorted([_landed(first).name,
                                                                               _landed(changed).name])


def test_a_copy_cut_off_half_way_leaves_no_partial_file(data_dir, tmp_path, monkeypatch):
    import council_social.landing as landing

    dropped = tmp_path / "sent_messages.csv"
    dropped.write_bytes(b"x" * (3 * CHUNK))

    class FailingDigest:
        """Fails on the second chunk, after the first was written: a disk filling up, a worker killed."""

        def __init__(self):
            self.chunks = 0

        def update(self, chunk):
            self.chunks += 1
            if self.chunks == 2:
                raise OSError("No space left on device")

    monkeypatch.setattr(landing.hashlib, "sha256", FailingDigest)
    try:
        land_file(dropped, source="hootsuite", entity="exports", day=DAY)
    except OSError as exc:
        assert "No space left" in str(exc)
    else:
        raise AssertionError("the failure must reach the task")
    folder = Path(data_dir) / "landing" / "hootsuite" / "exports" / "dt=2026-10-31"
    assert list(folder.iterdir()) == []
