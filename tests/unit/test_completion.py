"""`screening completion bash`: a valid bash script that completes commands,
actions, flags and their choices, from the parser."""

import contextlib
import io
import subprocess

import pytest

from screening.cli.main import main


@pytest.fixture(scope="module")
def script(tmp_path_factory):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["completion", "bash"]) == 0
    path = tmp_path_factory.mktemp("completion") / "screening.bash"
    path.write_text(out.getvalue())
    return path


def completions(script, line: str) -> list[str]:
    """What bash offers after `line` (a trailing space: a new, empty word)."""
    program = (f'source "{script}"; COMP_WORDS=({line}); [[ "{line}" == *" " ]] && COMP_WORDS+=(""); '
               'COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); _screening; printf "%s\\n" "${COMPREPLY[@]}"')
    result = subprocess.run(["bash", "--norc", "-c", program], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return result.stdout.split()


def test_the_script_is_valid_bash_and_completes_the_cli(script):
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    assert "complete -o default -F _screening screening" in script.read_text()
    assert completions(script, "screening block") == ["blocklist"]
    assert completions(script, "screening blocklist i") == ["import"]
    offered = completions(script, "screening privileged ")
    assert [word for word in offered if not word.startswith("-")] == ["add", "remove", "edit", "list", "import"]
    assert "-h" in offered
    assert completions(script, "screening --database x.db allowlist a") == ["add"]  # a flag's value skipped
    assert completions(script, "screening blocklist add +62811 --reason r --act") == ["--actor", "--action"]
    assert completions(script, "screening blocklist add --category v") == ["victim"]
    assert completions(script, "screening privileged add --kind ") == ["other", "attorney", "legal-aid", "embassy",
                                                                      "hotline"]
    assert completions(script, "screening completion ")[0] == "bash"
    assert {"serve", "completion", "--version"} <= set(completions(script, "screening "))
    assert completions(script, "screening nosuch ") == completions(script, "screening ")  # unknown: the commands
