"""twin.atomic: outputs appear whole or not at all, through fresh temporaries that never follow a link (issue 13 E)."""

from __future__ import annotations

import os
import stat

import pytest

from twin.atomic import _umask, atomic_output, write_text_atomic


def test_a_link_planted_under_the_old_predictable_name_is_not_followed(tmp_path):
    """The batch used to open ``run.part.json`` by name: a symlink planted there in a shared output root made it
    overwrite whatever the link pointed to."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    for name in ("run.part.json", ".run.part.json"):
        (out / name).symlink_to(victim)
    write_text_atomic(out / "run.json", '{"finished": true}')
    assert victim.read_text(encoding="utf-8") == "precious"
    assert (out / "run.json").read_text(encoding="utf-8") == '{"finished": true}'
    assert not (out / "run.json").is_symlink()


def test_two_writers_of_one_file_never_share_a_temporary(tmp_path):
    with atomic_output(tmp_path / "plume.nc") as first, atomic_output(tmp_path / "plume.nc") as second:
        assert first != second
        assert first.name.startswith(".plume.") and first.name.endswith(".part.nc")
        assert not first.is_symlink() and stat.S_IMODE(first.stat().st_mode) == 0o600
        first.write_bytes(b"one")
        second.write_bytes(b"two")
    assert (tmp_path / "plume.nc").read_bytes() == b"one"  # the outer block finishes last
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plume.nc"]


def test_the_final_file_has_the_permissions_of_a_new_file(tmp_path):
    path = write_text_atomic(tmp_path / "zones.geojson", "{}")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~_umask()


def test_a_failed_write_leaves_nothing_and_keeps_the_previous_file(tmp_path):
    target = tmp_path / "map.png"
    target.write_bytes(b"previous")
    with pytest.raises(RuntimeError):
        with atomic_output(target) as temporary:
            temporary.write_bytes(b"half")
            raise RuntimeError("crash while writing")
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.png"]
