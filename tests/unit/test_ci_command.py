"""CI runs the README's test command line verbatim (the guide's rule): the
line under "Install the test extras" is a line of .ci/run, as written."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ci_runs_the_readme_test_command_verbatim():
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme[readme.index("Install the test extras"):]
    command = re.search(r"^```sh\n(.*?)\n```$", section, re.S | re.M).group(1)
    assert "pytest" in command and "\n" not in command
    assert command in (ROOT / ".ci" / "run").read_text("utf-8").splitlines()
