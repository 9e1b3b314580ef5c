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


# --- a full disk, a file-size limit, a read-only folder: exit 73, nothing half-written (issue 13 K) -----------------

import errno  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

from twin.errors import OutputError  # noqa: E402


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS])
def test_a_write_that_runs_out_of_room_is_an_output_error(tmp_path, code):
    with pytest.raises(OutputError, match=r"cannot write .*out\.bin") as caught:
        with atomic_output(tmp_path / "out.bin") as temporary:
            temporary.write_bytes(b"x" * 10)
            raise OSError(code, os.strerror(code))
    assert caught.value.exit_code == 73
    assert list(tmp_path.iterdir()) == []  # neither the final file nor the temporary


def test_other_errors_pass_through_unchanged(tmp_path):
    with pytest.raises(OSError) as caught:
        with atomic_output(tmp_path / "out.bin"):
            raise OSError(errno.EIO, "input/output error")
    assert not isinstance(caught.value, OutputError)


def test_ulimit_f_gives_an_output_error_and_no_file(tmp_path):
    """A real file-size limit (ulimit -f, RLIMIT_FSIZE): Python ignores SIGXFSZ, the write fails with EFBIG."""
    script = ("import resource, sys\n"
              "from twin.atomic import atomic_output\n"
              "from twin.errors import OutputError\n"
              "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
              "try:\n"
              "    with atomic_output(sys.argv[1]) as t:\n"
              "        t.write_bytes(b'x' * 100_000)\n"
              "except OutputError as e:\n"
              "    print(e.exit_code, e)\n")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "big.nc")], capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.startswith("73 cannot write") and "File too large" in done.stdout, done.stdout + done.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_read_only_folder_is_an_output_error(tmp_path):
    if os.geteuid() == 0:  # root writes anyway: simulate the refusal at the system call
        import unittest.mock as mock

        with mock.patch("tempfile.mkstemp", side_effect=PermissionError(errno.EACCES, "Permission denied")):
            with pytest.raises(OutputError, match="Permission denied"):
                with atomic_output(tmp_path / "x.json"):
                    pass
        return
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    with pytest.raises(OutputError, match="Permission denied"):
        with atomic_output(folder / "x.json"):
            pass


def test_cli_under_a_file_size_limit_and_into_a_file_exits_73(tmp_path):
    """`parktwin sample-forecast` (NetCDF through HDF5, which reports no errno) under `ulimit -f`, and with its output
    below a path that is a file: exit 73, a one-line reason, no traceback, nothing left behind (issue 13 K)."""
    import resource

    from tests.scenarios.conftest import PARKTWIN, cli_env
    from tests.twin import park_factory

    park = park_factory.write_bundle(tmp_path / "park")

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))

    out = tmp_path / "out"
    done = subprocess.run([str(PARKTWIN), "sample-forecast", str(park), str(out / "f.nc"), "--hours", "72"],
                          capture_output=True, text=True, env=cli_env(), timeout=300, preexec_fn=small_files)
    assert done.returncode == 73 and "file-size limit" in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert list(out.iterdir()) == []
    (tmp_path / "a-file").write_text("x")
    done = subprocess.run([str(PARKTWIN), "sample-forecast", str(park), str(tmp_path / "a-file" / "f.nc")],
                          capture_output=True, text=True, env=cli_env(), timeout=300)
    assert done.returncode == 73 and "cannot write" in done.stderr and "Traceback" not in done.stderr, done.stderr
