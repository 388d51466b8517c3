import pytest

from tests.worker.processes import RedisServer


@pytest.fixture
def redis_server():
    """A private redis-server, which a test may stop and start again."""
    server = RedisServer()
    server.start()
    yield server
    server.stop()
