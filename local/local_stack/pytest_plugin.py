"""pytest plugin: ``pytest_plugins = ["local_stack.pytest_plugin"]`` (in the top-level conftest).

Fixtures:
- ``local_stack`` (module): one LocalStack per test module (backend from LEDGER_DYNAMODB, moto by default), with a
  short batching window (LOCAL_BATCHING_WINDOW_SECONDS, 0.2 s unless set) so end-to-end tests do not
  wait out the template's 1 s and 2 s windows.
- ``active_local_stack`` (function): the same stack, with its environment re-applied and the
  handlers' cached clients dropped first; use it when other tests in the session point the handlers
  elsewhere (``local_aws`` sets its own endpoints per test).
"""

import os
from collections.abc import Iterator

import pytest

from local_stack.driver import ENV_BATCHING_WINDOW
from local_stack.stack import LocalStack

DEFAULT_TEST_BATCHING_WINDOW = 0.2


# Module, not session: a stack left running (its pollers, the simulator's clock) would keep working
# under every later test, where hypothesis sees the global random state move between its draws.
@pytest.fixture(scope="module")
def local_stack() -> Iterator[LocalStack]:
    window = os.environ.get(ENV_BATCHING_WINDOW)
    with LocalStack(batching_window=float(window) if window else DEFAULT_TEST_BATCHING_WINDOW) as stack:
        yield stack


@pytest.fixture
def active_local_stack(local_stack: LocalStack) -> LocalStack:
    local_stack.activate()
    return local_stack
