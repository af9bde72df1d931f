"""Suite-wide fixtures.

Every test runs on the backend the session was started with
(``FREQNET_BACKEND``: numpy, strict or cupy): a test that switches with
``backend.use`` is switched back afterwards, so that one test cannot make
the rest of the suite silently run on another backend.
"""
import pytest

from freqnet import backend

SESSION_BACKEND = backend.name


@pytest.fixture(autouse=True)
def _restore_session_backend():
    yield
    if backend.name != SESSION_BACKEND:
        backend.use(SESSION_BACKEND)
