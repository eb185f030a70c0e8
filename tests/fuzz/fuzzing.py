"""How many examples each fuzz test tries: a few in the default run (they
must stay quick), more with SCREENING_FUZZ_EXAMPLES=N for a longer hunt."""

import os

from hypothesis import HealthCheck, settings


def fuzz_settings(default: int):
    examples = int(os.environ.get("SCREENING_FUZZ_EXAMPLES") or default)
    return settings(max_examples=examples, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])
