"""Run the fake platform API: ``python -m council_social.fakeapi --port 8099``.

``--port 0`` picks a free port; with ``--ready-file`` the chosen port is written there once the
server accepts connections (that is how ``FakeApiServer`` starts it in a subprocess).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from council_social.fakeapi.server import serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m council_social.fakeapi", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8099, help="port, or 0 for any free port (default 8099)")
    parser.add_argument("--ready-file", help="write the port here once listening")
    parser.add_argument("--as-of", type=date.fromisoformat, help="the demo council's date (default 2026-10-31)")
    parser.add_argument("--seed", type=int, help="the demo council's seed (default 2026)")
    parser.add_argument("--switches", type=json.loads, default=None,
                        help='test switches as JSON, e.g. \'{"fail_next": {"x": 2}}\'')
    parser.add_argument("--parent-pid", type=int, help="exit when this process is gone")
    parser.add_argument("--verbose", action="store_true", help="log each request (tokens redacted)")
    args = parser.parse_args(argv)
    serve(host=args.host, port=args.port, ready_file=args.ready_file, as_of=args.as_of, seed=args.seed,
          switches=args.switches, parent_pid=args.parent_pid, verbose=args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
