import pytest

from tests.faults.postgres_cluster import PostgresCluster


@pytest.fixture(scope="session")
def postgres_cluster():
    """A PostgreSQL server of this test session alone, which tests may stop and start."""
    cluster = PostgresCluster()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()
