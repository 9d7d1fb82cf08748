"""A simulated web on loopback for testing, benchmarking and demonstrating the crawler.

Quick start::

    async with SimWeb(["scenarios", "register"]) as sim:
        sim.host_map()      # {"www.sensoa.be:443": "127.0.0.1:40123", ...}
        sim.ca_pem_path     # trust this CA bundle for https
        sim.expected_verdicts()

See ``server.py`` for the host-map contract, ``sites.py`` for the scenario catalogue and
``register_world.py`` for the register's simulated sites.
"""

from crawler.simweb.load import LoadWorld
from crawler.simweb.server import RequestRecord, SimWeb
from crawler.simweb.world import Robots, Route, Scenario, Site, World

__all__ = ["LoadWorld", "RequestRecord", "Robots", "Route", "Scenario", "SimWeb", "Site", "World"]
