"""`screening policy show`: the policy in effect, as the server would apply
it: the defaults, merged with the config file's [policy] (and
SCREENING_POLICY_* variables) and a facility's [facilities."ID"] table."""

from __future__ import annotations

import argparse
import json

from screening.cli.parser import Parents, group
from screening.config import Settings
from screening.domain.policy_view import policy_settings


def register(commands: argparse._SubParsersAction, parents: Parents) -> None:
    actions = group(commands, "policy", "the screening policy in effect")
    show = actions.add_parser("show", parents=[parents.common],
                              help="print the policy in effect: defaults, config file and facility overrides merged")
    show.add_argument("--facility", default="",
                      help="the policy of this facility (default: the one of every facility without overrides)")
    show.add_argument("--format", choices=("toml", "json"), default="toml",
                      help="TOML, as the config file's [policy] table takes it, or JSON")
    show.set_defaults(run=_show)


def _show(args, settings: Settings) -> None:
    policies = settings.policies()
    values = policy_settings(policies.for_facility(args.facility))
    if args.format == "json":
        print(json.dumps(values, indent=2))
        return
    print(f"# {_whose(args.facility, args.facility in policies.facilities)}")
    print(to_toml(values), end="")


def _whose(facility: str, overridden: bool) -> str:
    if not facility:
        return "the policy of every facility without overrides: the defaults and the config file's [policy]"
    if overridden:
        return f"the policy of facility {facility}: [policy] with its [facilities.\"{facility}\"] overrides"
    return f"facility {facility} has no overrides: the policy of every facility"


def to_toml(values: dict) -> str:
    """Settings as TOML: the scalars, then a [table] each. JSON's strings,
    numbers, booleans and arrays are TOML's too."""
    scalars = [f"{key} = {json.dumps(value)}" for key, value in values.items() if not isinstance(value, dict)]
    tables = [f"\n[{key}]\n" + "".join(f"{sub} = {json.dumps(item)}\n" for sub, item in value.items())
              for key, value in values.items() if isinstance(value, dict)]
    return "\n".join(scalars) + "\n" + "".join(tables)
