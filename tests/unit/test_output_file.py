"""Report files on a real folder: owner-only, named only when whole, and
nothing left when the report or its audit fails (cli.report_output.emit)."""

import os
import stat

import pytest

from screening.adapters.files.output_file import private_output
from screening.cli.report_output import emit


def test_a_report_file_is_owner_only_and_whole(tmp_path):
    target = tmp_path / "r.csv"
    with private_output(target) as out:
        out.write("a,b\n")
        assert not target.exists()  # not under its name until done
        [partial] = os.listdir(tmp_path)
        assert stat.S_IMODE((tmp_path / partial).stat().st_mode) == 0o600
    assert target.read_text() == "a,b\n" and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert os.listdir(tmp_path) == ["r.csv"]


def test_a_failing_audit_leaves_no_file_and_prints_nothing(tmp_path, capsys):
    def audit():
        raise OSError("the change log refused the entry")

    with pytest.raises(OSError, match="refused"):
        emit("secret rows\n", str(tmp_path / "r.csv"), False, audit)
    assert os.listdir(tmp_path) == []
    with pytest.raises(OSError, match="refused"):
        emit("secret rows\n", None, False, audit)
    assert capsys.readouterr().out == ""


def test_an_existing_file_is_kept_unless_forced(tmp_path):
    target = tmp_path / "r.csv"
    target.write_text("earlier")
    with pytest.raises(OSError, match="already exists"):
        with private_output(target) as out:
            out.write("new")
    assert target.read_text() == "earlier"
    with private_output(target, force=True) as out:
        out.write("new")
    assert target.read_text() == "new" and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert os.listdir(tmp_path) == ["r.csv"]


def test_a_file_that_appears_meanwhile_is_not_overwritten(tmp_path):
    target = tmp_path / "r.csv"
    with pytest.raises(OSError, match="already exists"):
        with private_output(target) as out:
            out.write("new")
            target.write_text("another process's")
    assert target.read_text() == "another process's" and os.listdir(tmp_path) == ["r.csv"]
