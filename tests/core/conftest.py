"""A throwaway PostgreSQL cluster for the tests that stop it or need one whatever the suite's
database."""

import pytest

from tests.servers import Cluster, postgres_bin


@pytest.fixture
def cluster():
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL absent de /usr/lib/postgresql (paquet Debian postgresql)")
    cluster = Cluster(bin_dir)
    try:
        cluster.start()
        cluster.create_database()
        yield cluster
    finally:
        cluster.remove()
