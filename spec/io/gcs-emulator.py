"""Starts gcp-storage-emulator (in memory) on 127.0.0.1 at a free port, prints
the port, and serves until its stdin closes (the test process ends)."""
import logging
import sys

from gcp_storage_emulator.server import create_server

logging.disable(logging.CRITICAL)
server = create_server("127.0.0.1", 0, in_memory=True)
server.start()
print(server._api._httpd.server_address[1], flush=True)
sys.stdin.read()
server.stop()
