"""Imports and exports draw a progress line when stderr is a terminal (a
real pseudo-terminal here), and never when it is piped."""

import pytest

from screening.cli.progress import rows_read, rows_written
from test_cli_import import write
from test_investigations import on_a_terminal

pytestmark = pytest.mark.e2e

CLEAR = "\r\033[K"
FILE = ("pattern,category,action,reason\n"
        "0811-1111-1111,fraud,deny,LP/B/1\n"
        "0811-1111-2222,fraud,deny,LP/B/2\n"
        "0811-11,fraud,deny,LP/B/3\n"
        "0811-1111-4444,fraud,deny,LP/B/4\n")


def test_an_import_and_an_export_show_progress_on_a_terminal_and_nothing_when_piped(cli, tmp_path):
    path = write(tmp_path / "polda.csv", FILE)
    out, shown = on_a_terminal(cli, "blocklist", "import", path, "--skip-invalid")
    assert f"{CLEAR}1 row read, " in shown and f" % of {len(FILE) / 1024:.1f} KiB" in shown, shown
    # The invalid row's warning is a line of its own, the progress line erased before it.
    assert f"{CLEAR}screening: warning: {path} line 4: " in shown, shown
    assert f"{CLEAR}4 rows read; finishing the import" in shown and shown.endswith(CLEAR), shown
    assert "added: 3\n" in out and "\033" not in out  # the report on stdout, untouched

    out, shown = on_a_terminal(cli, "blocklist", "export", "--output", str(tmp_path / "export.csv"))
    assert f"{CLEAR}1 row written" in shown and shown.endswith(CLEAR), shown
    assert out == f"exported 3 blocklist entries to {tmp_path}/export.csv\n"
    out, shown = on_a_terminal(cli, "blocklist", "export")  # CSV to a pipe, the line on the terminal
    assert out.count("\n") == 4 and "\033" not in out and "row written" in shown

    for piped in (cli("blocklist", "import", path, "--skip-invalid"), cli("blocklist", "export")):
        assert "\033" not in piped.stderr + piped.stdout and " read" not in piped.stderr
        assert "written" not in piped.stderr


def test_the_lines_say_rows_rate_and_how_far_into_the_file():
    assert rows_read(lambda: 512, 2048)(3, None, 0.1) == "3 rows read, 25 % of 2.0 KiB"  # too soon for a rate
    assert rows_read(lambda: 3 << 20, 6 << 20)(10_000, None, 2.0) == "10,000 rows read, 5,000 rows/s, 50 % of 6.0 MiB"
    assert rows_read(lambda: 512, None)(1, None, 1.0) == "1 row read, 1 rows/s"  # a pipe: no size, no percent
    assert rows_written(7, None, 0.0) == "7 rows written"
